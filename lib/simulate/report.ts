import type { FlavorPolicy } from '../scaling/policy';
import type { ClairvoyantBound } from './bound';
import { INFORMATION_ONLY, POLICY_LABELS } from './controllers';
import type { CapacityFigures, SimulationFigures } from './figures';
import type { SimulationResult, SimulationSetup } from './simulate';
import type { PlatformModel } from './world';

// The figures as a table, one column per policy, for people; the JSON output carries them unrounded.

const ROWS: { label: string; value: (f: SimulationFigures) => string }[] = [
  { label: 'node-hours', value: (f) => f.nodeHours.toFixed(2) },
  { label: 'busy node-hours', value: (f) => f.busyNodeHours.toFixed(2) },
  {
    label: 'node-hours per busy node-hour',
    value: (f) => (f.nodeHoursPerBusyNodeHour === null ? '-' : f.nodeHoursPerBusyNodeHour.toFixed(3)),
  },
  { label: 'job wait p50 (s)', value: (f) => f.waitSeconds.p50.toFixed(0) },
  { label: 'job wait p95 (s)', value: (f) => f.waitSeconds.p95.toFixed(0) },
  { label: 'job wait max (s)', value: (f) => f.waitSeconds.max.toFixed(0) },
  { label: 'jobs', value: (f) => String(f.jobs) },
  {
    label: 'jobs never started',
    value: (f) => (f.refused > 0 ? `${f.neverStarted} (${f.refused} too big)` : String(f.neverStarted)),
  },
  { label: 'jobs killed', value: (f) => String(f.jobsKilled) },
  { label: 'node-hours lost to killed work', value: (f) => f.lostNodeHours.toFixed(2) },
  { label: 'scale actions (updates)', value: (f) => String(f.scaleActions) },
  { label: 'flavor scale-ups / downs', value: (f) => `${f.scaleUps} / ${f.scaleDowns}` },
];

/** With sold-out windows: the waits of jobs that can run somewhere, of the others, and the refusals. */
const CAPACITY_ROWS: { label: string; value: (c: CapacityFigures) => string }[] = [
  { label: 'jobs that can run somewhere', value: (c) => String(c.runnable.jobs) },
  { label: '  their wait p50 (s)', value: (c) => c.runnable.waitSeconds.p50.toFixed(0) },
  { label: '  their wait p95 (s)', value: (c) => c.runnable.waitSeconds.p95.toFixed(0) },
  { label: 'jobs tied to a sold-out AZ', value: (c) => String(c.tiedToSoldOut.jobs) },
  { label: '  their wait p95 (s)', value: (c) => c.tiedToSoldOut.waitSeconds.p95.toFixed(0) },
  { label: 'updates refused (sold out)', value: (c) => String(c.refusedUpdates) },
  { label: 'backoffs recorded', value: (c) => String(c.backoffs) },
];

export function describeSetup(setup: SimulationSetup): string {
  const flavors = setup.pool.spec.resources.map((resource) => {
    const policy = Object.hasOwn(setup.policy.flavors, resource.flavor)
      ? setup.policy.flavors[resource.flavor]
      : undefined;
    const azs = resource.azs?.map((az) => az.az).join('+');
    const range =
      policy === undefined
        ? 'unmanaged'
        : `min ${policy.min}, max ${policy.max}, backlog in ${setup.units[resource.flavor]}, ${policy.targetPerNode} per node${floorsOf(policy)}`;
    return `${resource.flavor}${azs ? ` (${azs})` : ''}: ${range}`;
  });
  return [
    `${setup.name}: ${setup.jobs.length} jobs over ${hours(setup.durationSeconds)}, a cycle every ${setup.intervalSeconds} s, ` +
      `nodes ready ${setup.delays.provisioningSeconds} s after the request and gone ${setup.delays.deletionSeconds} s after deletion`,
    `  scale-down: ${scaleDownOf(setup)}; a lower count: ${PLATFORM_TEXT[setup.platform]}`,
    ...flavors.map((line) => `  ${line}`),
    ...(setup.soldOut ?? []).map(
      (w) => `  sold out: ${w.flavor ?? 'every flavor'} in ${w.az} from ${clock(w.from)} to ${clock(w.to)}`,
    ),
  ].join('\n');
}

/** The table; with the clairvoyant bound, a row of each column's node-hours over it, and the bound itself. */
export function formatResults(results: readonly SimulationResult[], bound?: ClairvoyantBound): string {
  const header = ['', ...results.map((result) => result.label)];
  const rows = [
    header,
    ...ROWS.map((row) => [row.label, ...results.map((result) => row.value(result.figures))]),
    ...(results.some((result) => result.figures.capacity !== undefined)
      ? CAPACITY_ROWS.map((row) => [
          row.label,
          ...results.map(({ figures: { capacity } }) => (capacity === undefined ? '-' : row.value(capacity))),
        ])
      : []),
  ];
  if (bound !== undefined)
    rows.splice(2, 0, [
      'node-hours / clairvoyant bound',
      ...results.map((result) => (result.figures.nodeHours / bound.nodeHours).toFixed(3)),
    ]);
  const widths = header.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  '),
  );
  lines.push(
    'Node-hours bill every node from its request until its deletion completes; a job never started waits until the end.',
    ...platformNotes(results),
    ...boundNotes(results, bound),
  );
  return lines.join('\n');
}

/** Headroom and forecast, when the flavor has them. */
function floorsOf(policy: FlavorPolicy): string {
  const parts: string[] = [];
  if (policy.headroom !== undefined)
    parts.push(
      'nodes' in policy.headroom
        ? `headroom ${policy.headroom.nodes} ready node(s)`
        : `headroom ${policy.headroom.percent}% of the busy nodes`,
    );
  const forecast = policy.forecast;
  if (forecast !== undefined) {
    const periods =
      forecast.periodSeconds === 86_400 ? `${forecast.periods} day(s)` : `${forecast.periods} week(s)`;
    const mode = forecast.mode === 'forecastOnly' ? 'forecast only' : 'forecast';
    parts.push(`${mode} ${forecast.leadSeconds} s ahead from up to ${periods}`);
  }
  return parts.map((part) => `, ${part}`).join('');
}

const PLATFORM_TEXT: Record<PlatformModel, string> = {
  graceful: 'graceful (busy nodes finish their job first)',
  'platform-picks': 'platform-picks (nodes go newest first, whatever runs on them)',
};

function scaleDownOf(setup: SimulationSetup): string {
  const { method, idleSeconds, drainSeconds } = setup.scaleDown;
  return method === 'count'
    ? 'count (the platform picks the nodes)'
    : `idle-nodes (idle ${idleSeconds} s, drained ${drainSeconds} s, then deleted by name)`;
}

function platformNotes(results: readonly SimulationResult[]): string[] {
  const platforms = new Set(results.map((result) => result.platform));
  const notes: string[] = [];
  if (platforms.has('graceful'))
    notes.push('A lower count removes idle nodes only (graceful): a busy node is deleted once its job ends.');
  if (platforms.has('platform-picks'))
    notes.push(
      'A lower count removes nodes newest first, whatever runs on them (platform-picks): a killed job starts again from scratch.',
    );
  notes.push('idle-nodes drains idle nodes and deletes them by name: no lower count is sent.');
  return notes;
}

/** h:mm from the start. */
const clock = (seconds: number): string =>
  `${Math.floor(seconds / 3600)}:${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}`;

const hours = (seconds: number): string => `${Number((seconds / 3600).toFixed(2))} h`;

function boundNotes(results: readonly SimulationResult[], bound: ClairvoyantBound | undefined): string[] {
  const notes: string[] = [];
  for (const name of INFORMATION_ONLY)
    if (results.some((result) => result.policy === name))
      notes.push(
        `${POLICY_LABELS[name]}: for information only, not achievable on ModelArts: it cancels nodes still being created, for free.`,
      );
  if (bound !== undefined)
    notes.push(
      `clairvoyant bound: ${bound.nodeHours.toFixed(2)} node-hours (${bound.nodes} nodes for ${bound.slots} node slots): ` +
        'every job started on arrival, knowing every arrival, with the same provisioning delay and deletion billing. ' +
        'A cap for a policy that waits, not a floor.',
    );
  return notes;
}
