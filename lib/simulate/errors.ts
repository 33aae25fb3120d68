/** The base of the simulator's errors (setup, traces, updates ModelArts would refuse), with `cause` when known. */
export class SimulatorError extends Error {
  override name = 'SimulatorError';
}
