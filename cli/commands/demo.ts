import { type OptionValues, wholeNumber } from '../args';
import { runDemo } from '../demo/scenario';
import type { CliIo, Output } from '../output';

const DEFAULT_CYCLES = 20;
/** Long enough to read a cycle's lines, short enough for the whole tour to take well under a minute. */
const PAUSE_MS = 800;

export async function demoCommand(values: OptionValues, _io: CliIo, output: Output): Promise<number> {
  const cycles = values.cycles === undefined ? DEFAULT_CYCLES : wholeNumber('cycles', values.cycles, 1);
  await runDemo(output, { cycles, pauseMs: values.fast ? 0 : PAUSE_MS });
  return 0;
}
