import { parseTrace, type SetupOptions, simulationSetup } from '../../lib/simulate';

// The three-job trace the arithmetic tests work out by hand (see arithmetic.test.ts), for every test that
// builds on those figures.
//
//   A: arrives 0,   1 node,  runs 600 s
//   B: arrives 30,  2 nodes, runs 300 s
//   C: arrives 100, 1 node,  runs 200 s
export const HAND_CHECKED_TRACE = `arrival,flavor,nodes,runTime
0,gpu,1,600
30,gpu,2,300
100,gpu,1,200
`;

/**
 * Max 4, nodes ready 120 s after the request and billed 60 s after deletion, a cycle every 60 s, 1200 s; nodes
 * leave by a lower count unless `options` say otherwise (the figures are worked out for it).
 */
export function handChecked(options: Partial<SetupOptions> = {}) {
  return simulationSetup({
    name: 'hand-checked',
    jobs: parseTrace(HAND_CHECKED_TRACE),
    max: 4,
    provisioningDelaySeconds: 120,
    deletionDelaySeconds: 60,
    intervalSeconds: 60,
    durationSeconds: 1200,
    scaleDown: { method: 'count' },
    ...options,
  }).setup;
}
