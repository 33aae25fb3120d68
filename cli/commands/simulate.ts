import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, relative, resolve } from 'node:path';
import { type Config, loadConfig } from '../../lib/config';
import {
  compare,
  describeSetup,
  type FloorOverrides,
  type ForecastOverride,
  forecastPolicy,
  formatResults,
  MAX_SCENARIO_DAYS,
  PLATFORM_MODELS,
  parseHeadroom,
  parseTraceFile,
  renderChart,
  SCENARIO_NAMES,
  type SetupOptions,
  type SimJob,
  type SimulationResult,
  type SoldOutWindow,
  scenario,
  setupBound,
  simulate,
  simulationSetup,
} from '../../lib/simulate';
import { oneOf, positiveSeconds, UsageError, wholeNumber } from '../args';
import type { CliIo, Output } from '../output';

// `modelarts-autoscaler simulate`: the real planner against a simulated pool and queue, for a trace or a
// built-in scenario, with the baselines beside it on --compare. Nothing leaves the machine.

export interface SimulateValues {
  trace?: string;
  scenario?: string;
  config?: string;
  pool?: string[];
  'provisioning-delay'?: string;
  'deletion-delay'?: string;
  interval?: string;
  duration?: string;
  max?: string;
  seed?: string;
  compare?: boolean;
  platform?: string;
  'scale-down'?: string;
  'idle-seconds'?: string;
  'drain-seconds'?: string;
  'drain-ahead'?: string;
  'stock-aware'?: string;
  headroom?: string;
  forecast?: boolean;
  'forecast-only'?: boolean;
  'forecast-lead'?: string;
  'forecast-spread'?: string;
  days?: string;
  out?: string;
  chart?: string;
  json?: boolean;
}

const SCALE_DOWN_METHODS = ['count', 'idle-nodes'] as const;
export const DEFAULT_PROVISIONING_DELAY_SECONDS = 300;
export const DEFAULT_DELETION_DELAY_SECONDS = 60;
/** Under .autoscaler/, which .gitignore lists (the CLI's state file lives there too): not a stray file in the tree. */
export const DEFAULT_CHART = '.autoscaler/simulation.svg';

export const SIMULATE_USAGE = `Usage: modelarts-autoscaler simulate (--trace FILE | --scenario NAME) [options]

Runs the autoscaler's real planner every cycle against a simulated pool and job queue, and reports
node-hours, busy node-hours, job waits, jobs never started and scale actions, with an SVG chart of
backlog, target and available nodes. Deterministic: the same input gives the same figures.
  --trace FILE              jobs as CSV (header: arrival,flavor,nodes,runTime[,az][,id]) or JSON
                            ([{arrival, flavor, nodes, runTime, az?, id?}], or {jobs: [...], soldOut:
                            [{az, from, to, flavor?}]} to sell a flavor out in an AZ for a while);
                            arrival in seconds from the start or as ISO-8601 times, runTime in seconds
  --scenario NAME           a built-in workload: ${SCENARIO_NAMES.join(', ')}
  -c, --config FILE         the policy to simulate (default: the built-in defaults, min 1, --max, the
                            backlog counted in nodes, 1 per node); its backlog sources are not read
  --pool NAME               the config entry to simulate (default the first)
  --max N                   the built-in policy's max (default 32; 64 for scenarios)
  --provisioning-delay S    seconds from a node's request to it running jobs (default ${DEFAULT_PROVISIONING_DELAY_SECONDS})
  --deletion-delay S        seconds a deleted node is still billed (default ${DEFAULT_DELETION_DELAY_SECONDS})
  --interval S              seconds between cycles (default the config's intervalSeconds, 60)
  --duration S              simulated seconds (default the scenario's, or 1 h after the trace's last job
                            would end)
  --seed N                  the scenario's random seed (default 1)
  --days N                  diurnal: repeat the simulated day N times (1 to ${MAX_SCENARIO_DAYS}; default 1), so
                            that a forecast has past days to learn from
  --compare                 also run the policy with the other scale-down method, and the baselines on the
                            same jobs: static at max, static at the mean demand, HPA defaults, the
                            cluster-autoscaler-equivalent, KEDA-eq. + guard (ceil(backlog / targetPerNode)
                            under the platform's constraints: no scale-down while nodes are in flight) and,
                            for information, KEDA-eq. with free cancellation (not achievable on ModelArts);
                            and the clairvoyant bound (the fewest node-hours with zero wait)
  --platform MODEL          how the platform carries out a lower count: graceful (busy nodes finish their
                            job first; default) or platform-picks (nodes go newest first, whatever runs on
                            them: the job is killed and starts again from scratch)
  --scale-down METHOD       count (lower the count: the platform picks the nodes) or idle-nodes (drain idle
                            nodes, then delete them by name); default the config's scaleDown.method
  --idle-seconds S          idle-nodes: how long a node must be idle before it goes (default the config's)
  --drain-seconds S         idle-nodes: how long a drain stands before the delete (default the config's,
                            one cycle)
  --drain-ahead on|off      idle-nodes: drain the nodes the scale-down window will release within a drain
                            while it runs (on: the config's scaleDown.drainAhead, default) or only once it
                            has (off)
  --stock-aware on|off      growth reads the AZs' stock and backs off an AZ that refused it as sold out
                            (on, the default: the config's capacity.stockAware) or not (off: today's
                            scaler, which sends the refused update again every cycle)
  --headroom N|P%           keep N idle nodes ready above the busy ones, or P% of the busy ones (the config's
                            headroom, set on every flavor; 0: none, whatever the config says)
  --forecast                scale up ahead of the daily backlog pattern the policy records as it runs (the
                            config's forecast with its defaults, on every flavor): nothing is known before the
                            run, so it forecasts from the second simulated day (use --days)
  --forecast-only           the same forecast in forecastOnly mode: drawn in the chart, never acted on
  --forecast-lead S         with --forecast or --forecast-only: how far ahead (the config's leadSeconds,
                            default 600)
  --forecast-spread K       with --forecast or --forecast-only: keep the busy nodes plus ceil(K x sqrt(forecast))
                            ready instead of the forecast level (the config's forecast.spread)
  --out FILE                where to write the SVG chart (default ${DEFAULT_CHART}, git-ignored);
                            --chart FILE is the same
  --json                    the figures as JSON
Jobs killed and the node-hours lost to killed work are counted: only platform-picks kills jobs.
With sold-out windows (the soldout scenario, a trace's soldOut), the platform refuses an update that grows a
flavor where it is sold out (ModelArts.6716), and the waits of jobs that can run somewhere are shown apart
from those of jobs tied to an AZ that was sold out while they waited.`;

interface Workload {
  name: string;
  jobs: SimJob[];
  soldOut: SoldOutWindow[];
  azs?: string[];
  max?: number;
  durationSeconds?: number;
}

export async function simulateCommand(values: SimulateValues, io: CliIo, output: Output): Promise<number> {
  const workload = await readWorkload(values);
  const config =
    values.config === undefined ? undefined : await loadConfig({ path: values.config, env: io.env });
  if (config !== undefined && values.max !== undefined)
    throw new UsageError('--max sets the built-in policy; with --config, set max in the config');
  if ((values.pool?.length ?? 0) > 1) throw new UsageError('simulate takes one --pool');
  const options: SetupOptions = {
    name: workload.name,
    jobs: workload.jobs,
    provisioningDelaySeconds: seconds(values, 'provisioning-delay', DEFAULT_PROVISIONING_DELAY_SECONDS),
    deletionDelaySeconds: seconds(values, 'deletion-delay', DEFAULT_DELETION_DELAY_SECONDS),
  };
  if (config !== undefined) options.config = config;
  if (values.pool?.[0] !== undefined) options.pool = values.pool[0];
  const max = values.max === undefined ? workload.max : wholeNumber('max', values.max, 1);
  if (max !== undefined) options.max = max;
  if (workload.azs !== undefined) options.azs = workload.azs;
  if (values.interval !== undefined) options.intervalSeconds = positiveSeconds('interval', values.interval);
  if (values.platform !== undefined) options.platform = oneOf('platform', values.platform, PLATFORM_MODELS);
  options.scaleDown = scaleDownOptions(values);
  if (workload.soldOut.length > 0) options.soldOut = workload.soldOut;
  if (values['stock-aware'] !== undefined)
    options.stockAware = oneOf('stock-aware', values['stock-aware'], ['on', 'off'] as const) === 'on';
  const floors = floorOptions(values);
  if (floors !== undefined) options.floors = floors;
  const duration =
    values.duration === undefined ? workload.durationSeconds : positiveSeconds('duration', values.duration);
  if (duration !== undefined) options.durationSeconds = duration;
  const { setup, notes } = simulationSetup(options);
  const results: SimulationResult[] = values.compare ? compare(setup) : [simulate(setup)];
  const bound = values.compare ? setupBound(setup) : undefined;
  const chart = chartPath(values);
  await mkdir(dirname(chart), { recursive: true });
  await writeFile(
    chart,
    renderChart(results, describeSetup(setup).split('\n')[0] ?? setup.name, setup.durationSeconds),
  );

  for (const note of notes) output.note(`note: ${note}`);
  if (values.json) {
    output.out(
      JSON.stringify(
        {
          setup: setupSummary(setup, config),
          results: results.map(withoutSeries),
          ...(bound === undefined ? {} : { bound }),
          chart,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  output.info(describeSetup(setup));
  output.out(formatResults(results, bound));
  output.out(`chart: ${shownPath(chart)}`);
  return 0;
}

function scaleDownOptions(values: SimulateValues): NonNullable<SetupOptions['scaleDown']> {
  const scaleDown: NonNullable<SetupOptions['scaleDown']> = {};
  if (values['scale-down'] !== undefined)
    scaleDown.method = oneOf('scale-down', values['scale-down'], SCALE_DOWN_METHODS);
  if (values['idle-seconds'] !== undefined)
    scaleDown.idleSeconds = wholeNumber('idle-seconds', values['idle-seconds'], 0);
  if (values['drain-seconds'] !== undefined)
    scaleDown.drainSeconds = wholeNumber('drain-seconds', values['drain-seconds'], 0);
  if (values['drain-ahead'] !== undefined)
    scaleDown.drainAhead = oneOf('drain-ahead', values['drain-ahead'], ['on', 'off'] as const) === 'on';
  return scaleDown;
}

const FORECAST_FLAGS: Record<string, string> = { leadSeconds: 'forecast-lead', spread: 'forecast-spread' };

/** The config's complaint about a forecast field, named by the flag that set it. */
function forecastFlagError(error: unknown): UsageError {
  const message = flagMessage(error);
  const field = /^forecast: forecast\.(\w+): /.exec(message);
  const flag = field ? FORECAST_FLAGS[field[1] as string] : undefined;
  return new UsageError(
    flag && field ? `--${flag}: ${message.slice(field[0].length)}` : `--forecast: ${message}`,
    {
      cause: error,
    },
  );
}

function spreadFactor(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value))
    throw new UsageError(`--forecast-spread must be a number, got "${text}"`);
  return value;
}

/** --headroom and --forecast(-only), through the config's own checks, reported by flag. */
function floorOptions(values: SimulateValues): FloorOverrides | undefined {
  const floors: FloorOverrides = {};
  if (values.headroom !== undefined) {
    try {
      floors.headroom = parseHeadroom(values.headroom);
    } catch (error) {
      throw new UsageError(`--${flagMessage(error)}`, { cause: error });
    }
  }
  if (values.forecast && values['forecast-only'])
    throw new UsageError('--forecast and --forecast-only are two modes of one forecast: give one');
  const forecasts = values.forecast === true || values['forecast-only'] === true;
  for (const flag of ['forecast-lead', 'forecast-spread'] as const)
    if (values[flag] !== undefined && !forecasts)
      throw new UsageError(`--${flag} applies to --forecast or --forecast-only`);
  if (forecasts) {
    const override: ForecastOverride = { mode: values.forecast ? 'forecastAndScale' : 'forecastOnly' };
    if (values['forecast-lead'] !== undefined)
      override.leadSeconds = wholeNumber('forecast-lead', values['forecast-lead'], 0);
    if (values['forecast-spread'] !== undefined) override.spread = spreadFactor(values['forecast-spread']);
    try {
      floors.forecast = forecastPolicy(override);
    } catch (error) {
      throw forecastFlagError(error);
    }
  }
  return Object.keys(floors).length === 0 ? undefined : floors;
}

const flagMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function chartPath(values: SimulateValues): string {
  if (values.out !== undefined && values.chart !== undefined)
    throw new UsageError('--out and --chart name the same file: give one');
  return resolve(values.out ?? values.chart ?? DEFAULT_CHART);
}

/** Relative to the working directory when inside it: shorter, and what the user typed. */
function shownPath(path: string): string {
  const inside = relative(process.cwd(), path);
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path;
}

async function readWorkload(values: SimulateValues): Promise<Workload> {
  if ((values.trace === undefined) === (values.scenario === undefined))
    throw new UsageError('simulate needs exactly one of --trace FILE and --scenario NAME');
  if (values.scenario !== undefined) {
    const name = oneOf('scenario', values.scenario, SCENARIO_NAMES);
    const seed = values.seed === undefined ? 1 : wholeNumber('seed', values.seed, 0);
    const days = values.days === undefined ? 1 : wholeNumber('days', values.days, 1);
    if (days !== 1 && name !== 'diurnal') throw new UsageError('--days repeats the diurnal scenario only');
    if (days > MAX_SCENARIO_DAYS)
      throw new UsageError(`--days must be at most ${MAX_SCENARIO_DAYS}, got ${days}`);
    const built = scenario(name, seed, { days });
    return {
      name: `${name}${days === 1 ? '' : ` x ${days} days`} (seed ${seed})`,
      jobs: built.jobs,
      soldOut: built.soldOut,
      azs: built.azs,
      max: built.max,
      durationSeconds: built.durationSeconds,
    };
  }
  if (values.seed !== undefined) throw new UsageError('--seed applies to --scenario only');
  if (values.days !== undefined) throw new UsageError('--days applies to --scenario diurnal only');
  const path = values.trace as string;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new Error(`cannot read the trace ${path}: ${code === 'ENOENT' ? 'not found' : (code ?? 'error')}`, {
      cause,
    });
  }
  const extension = extname(path).toLowerCase();
  const format = extension === '.csv' ? 'csv' : extension === '.json' ? 'json' : undefined;
  const trace = parseTraceFile(text, format === undefined ? { source: path } : { source: path, format });
  return { name: path, ...trace };
}

function seconds(
  values: SimulateValues,
  flag: 'provisioning-delay' | 'deletion-delay',
  fallback: number,
): number {
  const text = values[flag];
  return text === undefined ? fallback : wholeNumber(flag, text, 0);
}

function setupSummary(setup: ReturnType<typeof simulationSetup>['setup'], config: Config | undefined) {
  return {
    name: setup.name,
    jobs: setup.jobs.length,
    policy: config === undefined ? 'built-in' : 'config',
    flavors: setup.pool.spec.resources.map((resource) => ({
      flavor: resource.flavor,
      azs: resource.azs?.map((az) => az.az) ?? [],
      policy: setup.policy.flavors[resource.flavor] ?? null,
      unit: setup.units[resource.flavor] ?? null,
    })),
    provisioningDelaySeconds: setup.delays.provisioningSeconds,
    deletionDelaySeconds: setup.delays.deletionSeconds,
    platform: setup.platform,
    scaleDown: setup.scaleDown,
    intervalSeconds: setup.intervalSeconds,
    durationSeconds: setup.durationSeconds,
    soldOut: setup.soldOut ?? [],
  };
}

const withoutSeries = ({ series: _series, ...rest }: SimulationResult) => rest;
