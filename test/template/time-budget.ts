// The deployment's time budget: what the function timeouts, the queue's visibility timeout and retention,
// the worker's batch size and its concurrency must fit, computed from the constants the code runs with and
// the generated CloudFormation template. Every figure is a worst case: each call takes every attempt it may
// make to its timeout, and every wait between attempts to its bound.
//
//   ModelArts call, no deadline (a LIST, the GET of a pool whose message carries no usable snapshot):
//     (retry limit + 1) attempts + 1 attempt after a token refresh, of the attempt timeout each, plus the
//     retry wait budget.
//   Under a pool's lease (acquire, load, GET, kill switch, fence, PATCH): no ModelArts attempt starts after
//     lease end - attempt timeout - clock skew, and one attempt ends within its timeout, so all of it ends
//     by lease end - skew; a kill-switch read and a fence that straddle that end come on top.
//   After the lease's ModelArts calls: the history save (with one conflicting writer: save, load, save) and
//     the release. A burst of writers on one pool retries more (lib/cycle/save-history.ts); not counted.
//   AWS call (DynamoDB, SSM): lib/aws/sdk-settings.ts attempts of connection + request timeout each, and
//     the SDK standard retry's backoff between them (full jitter under min(500 ms x 2^retry, 20 s) for
//     throttling, its largest base; @smithy/core retry). A server's retry-after hint, which can add up to
//     5 s, is not counted: neither DynamoDB nor SSM sends one.
//   Backlog read: cut off at DEFAULT_READ_TIMEOUT_MS, `concurrency` at a time.
//   Histories: one loadMany, BatchGetItems of BATCH_GET_KEYS keys, BATCH_GETS_AT_ONCE at a time, each batch
//     up to BATCH_GET_ATTEMPTS AWS calls (keys left unprocessed) with the pauses between them.
//
// The cycle the scheduled function runs itself (up to fanOutAbovePools pools) is sized for one connection
// and workspace and one flavor per pool; the fan-out for FAN_OUT_FLEET_POOLS pools.

import {
  AWS_CALL_ATTEMPTS,
  AWS_CONNECTION_TIMEOUT_MS,
  AWS_REQUEST_TIMEOUT_MS,
} from '../../lib/aws/sdk-settings';
import { builtInGlobalDefaults } from '../../lib/config/defaults';
import { CLOCK_SKEW_ALLOWANCE_MS, LEASE_TTL_MS } from '../../lib/cycle/lease-timing';
import { DEFAULT_READ_TIMEOUT_MS } from '../../lib/metrics/read';
import { DEFAULT_ATTEMPT_TIMEOUT_MS, DEFAULT_RETRY_POLICY } from '../../lib/modelarts';
import {
  BATCH_GET_ATTEMPTS,
  BATCH_GET_KEYS,
  BATCH_GETS_AT_ONCE,
  batchGetPauseBoundMs,
} from '../../lib/state/dynamodb-batch-load';

/** The fleet the fan-out is sized for (the cycle-cost bench's). */
export const FAN_OUT_FLEET_POOLS = 1000;

/**
 * The ModelArts API gateway's default limit is 200 calls per second per API; the pool APIs publish none.
 * The workers may use half of it (the rest is for the scheduled function's list calls, the webhook, plans
 * and people), and a pool request is assumed to take at least 50 ms (the cycle-cost bench's latency; a
 * request from AWS to Huawei Cloud takes longer). A worker has one pool request in flight at a time: it
 * works on one pool after another, and on a pool it sends the GET and then the PATCH.
 */
export const GATEWAY_CALLS_PER_SECOND = 200;
export const WORKER_SHARE_OF_GATEWAY = 0.5;
export const MIN_POOL_REQUEST_MS = 50;

/** AWS's advice for a queue feeding a Lambda function: a visibility timeout of at least 6 function timeouts. */
export const VISIBILITY_PER_FUNCTION_TIMEOUT = 6;

const SDK_THROTTLING_BACKOFF_BASE_MS = 500;
const SDK_MAX_BACKOFF_MS = 20_000;
const SQS_BATCH_ENTRIES = 10;

export interface WorstCases {
  /** One ModelArts call without a deadline. */
  modelArtsCallMs: number;
  /** One AWS SDK call (DynamoDB, SSM, SQS). */
  awsCallMs: number;
  /** One backlog read. */
  backlogReadMs: number;
  /** Loading `pools` histories (one loadMany). */
  loadManyMs: (pools: number) => number;
  /** Settling one pool that may change: its lease section, then the history save and the release. */
  settleMs: number;
  /** One worker message: kill switch, the pool's GET (no usable snapshot), backlogs, history, settle. */
  workerMessageMs: number;
  /** The cycle the scheduled function runs itself over `pools` pools at `concurrency`. */
  scheduledCycleMs: (pools: number, concurrency: number) => number;
  /** The scheduled function fanning out `pools` pools. */
  scheduledFanOutMs: (pools: number, concurrency: number) => number;
}

export function worstCases(): WorstCases {
  const retry = DEFAULT_RETRY_POLICY;
  const modelArtsCallMs = (retry.limit + 2) * DEFAULT_ATTEMPT_TIMEOUT_MS + retry.budgetMs;
  const backoffs = Array.from({ length: AWS_CALL_ATTEMPTS - 1 }, (_, index) =>
    Math.min(SDK_THROTTLING_BACKOFF_BASE_MS * 2 ** index, SDK_MAX_BACKOFF_MS),
  );
  const awsCallMs =
    AWS_CALL_ATTEMPTS * (AWS_CONNECTION_TIMEOUT_MS + AWS_REQUEST_TIMEOUT_MS) +
    backoffs.reduce((sum, ms) => sum + ms, 0);
  const killSwitchMs = awsCallMs;
  const leaseWindowMs = LEASE_TTL_MS - CLOCK_SKEW_ALLOWANCE_MS;
  const straddleMs = killSwitchMs + awsCallMs;
  const saveMs = 3 * awsCallMs;
  const settleMs = leaseWindowMs + straddleMs + saveMs + awsCallMs;
  const backlogReadMs = DEFAULT_READ_TIMEOUT_MS;
  const rounds = (items: number, concurrency: number) => Math.ceil(items / concurrency);
  let batchGetMs = BATCH_GET_ATTEMPTS * awsCallMs;
  for (let attempt = 2; attempt <= BATCH_GET_ATTEMPTS; attempt++) batchGetMs += batchGetPauseBoundMs(attempt);
  const loadManyMs = (pools: number) =>
    rounds(rounds(pools, BATCH_GET_KEYS), BATCH_GETS_AT_ONCE) * batchGetMs;
  const workerMessageMs = killSwitchMs + modelArtsCallMs + backlogReadMs + loadManyMs(1) + settleMs;
  return {
    modelArtsCallMs,
    awsCallMs,
    backlogReadMs,
    loadManyMs,
    settleMs,
    workerMessageMs,
    // Counting the pools lists once, the cycle again; the histories; then backlogs and settling, in rounds.
    scheduledCycleMs: (pools, concurrency) =>
      killSwitchMs +
      2 * modelArtsCallMs +
      loadManyMs(pools) +
      rounds(pools, concurrency) * (backlogReadMs + settleMs),
    scheduledFanOutMs: (pools, concurrency) =>
      modelArtsCallMs + rounds(rounds(pools, SQS_BATCH_ENTRIES), concurrency) * awsCallMs,
  };
}

/** What the budget reads from the template: function and queue settings, in the template's units. */
export interface DeploymentSettings {
  scheduledTimeoutS: number;
  workerTimeoutS: number;
  workerReservedConcurrency?: number;
  workerMaximumConcurrency?: number;
  batchSize: number;
  visibilityTimeoutS: number;
  retentionS: number;
  maxReceiveCount: number;
}

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

const integer = (value: unknown, what: string): number => {
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number))
    throw new Error(`${what} is not a whole number`);
  return number;
};

export function deploymentSettings(template: { Resources: Record<string, Resource> }): DeploymentSettings {
  const resource = (id: string) => {
    const found = template.Resources[id];
    if (!found) throw new Error(`no resource ${id} in the template`);
    return found.Properties;
  };
  const [mapping, ...others] = Object.values(template.Resources).filter(
    (r) => r.Type === 'AWS::Lambda::EventSourceMapping',
  );
  if (!mapping || others.length > 0)
    throw new Error('expected exactly one event source mapping (the worker)');
  const worker = resource('WorkerLambdaFunction');
  const queue = resource('PoolQueue');
  const scaling = mapping.Properties.ScalingConfig as { MaximumConcurrency?: unknown } | undefined;
  const optional = (value: unknown, what: string) => (value === undefined ? undefined : integer(value, what));
  const settings: DeploymentSettings = {
    scheduledTimeoutS: integer(resource('ScheduledLambdaFunction').Timeout, 'the scheduled timeout'),
    workerTimeoutS: integer(worker.Timeout, 'the worker timeout'),
    batchSize: integer(mapping.Properties.BatchSize, 'the batch size'),
    visibilityTimeoutS: integer(queue.VisibilityTimeout, 'the visibility timeout'),
    retentionS: integer(queue.MessageRetentionPeriod, 'the message retention'),
    maxReceiveCount: integer(
      (queue.RedrivePolicy as { maxReceiveCount?: unknown } | undefined)?.maxReceiveCount,
      'maxReceiveCount',
    ),
  };
  const reserved = optional(worker.ReservedConcurrentExecutions, 'the reserved concurrency');
  const maximum = optional(scaling?.MaximumConcurrency, 'the maximum concurrency');
  return {
    ...settings,
    ...(reserved === undefined ? {} : { workerReservedConcurrency: reserved }),
    ...(maximum === undefined ? {} : { workerMaximumConcurrency: maximum }),
  };
}

const seconds = (ms: number) => `${Math.ceil(ms / 1000)} s`;

/** Every way the settings do not fit the worst cases; empty when they do. */
export function timeBudgetProblems(
  settings: DeploymentSettings,
  config: { concurrency: number; fanOutAbovePools: number } = builtInGlobalDefaults,
): string[] {
  const worst = worstCases();
  const problems: string[] = [];
  const check = (fits: boolean, problem: string) => {
    if (!fits) problems.push(problem);
  };
  // The first message of a cold start also reads the credentials parameter.
  const batchMs = worst.awsCallMs + settings.batchSize * worst.workerMessageMs;
  check(
    batchMs <= settings.workerTimeoutS * 1000,
    `worker: a batch of ${settings.batchSize} pool message(s) may take ${seconds(batchMs)}, over its ` +
      `${settings.workerTimeoutS} s timeout`,
  );
  const cycleMs = worst.awsCallMs + worst.scheduledCycleMs(config.fanOutAbovePools, config.concurrency);
  check(
    cycleMs <= settings.scheduledTimeoutS * 1000,
    `scheduled: a cycle over ${config.fanOutAbovePools} pools at concurrency ${config.concurrency} may take ` +
      `${seconds(cycleMs)}, over its ${settings.scheduledTimeoutS} s timeout`,
  );
  const fanOutMs = worst.awsCallMs + worst.scheduledFanOutMs(FAN_OUT_FLEET_POOLS, config.concurrency);
  check(
    fanOutMs <= settings.scheduledTimeoutS * 1000,
    `scheduled: fanning out ${FAN_OUT_FLEET_POOLS} pools may take ${seconds(fanOutMs)}, over its ` +
      `${settings.scheduledTimeoutS} s timeout`,
  );
  const visibility = VISIBILITY_PER_FUNCTION_TIMEOUT * settings.workerTimeoutS;
  check(
    settings.visibilityTimeoutS >= visibility,
    `queue: visibility timeout ${settings.visibilityTimeoutS} s is under ${VISIBILITY_PER_FUNCTION_TIMEOUT} ` +
      `worker timeouts (${visibility} s)`,
  );
  // A message failing every time must reach its last receive before it expires, or it never dead-letters.
  const lastReceiveS = (settings.maxReceiveCount - 1) * settings.visibilityTimeoutS + settings.workerTimeoutS;
  check(
    settings.retentionS > lastReceiveS,
    `queue: messages are kept ${settings.retentionS} s, but a failing one is received for the last time ` +
      `after up to ${lastReceiveS} s`,
  );
  const reserved = settings.workerReservedConcurrency;
  const rateLimit = GATEWAY_CALLS_PER_SECOND * WORKER_SHARE_OF_GATEWAY;
  if (reserved === undefined) problems.push('worker: no reserved concurrency bounds its ModelArts requests');
  else {
    const rate = (reserved * 1000) / MIN_POOL_REQUEST_MS;
    check(
      rate <= rateLimit,
      `worker: ${reserved} workers may send ${rate} pool requests/s, over ${rateLimit}/s ` +
        `(${WORKER_SHARE_OF_GATEWAY * 100}% of the gateway's ${GATEWAY_CALLS_PER_SECOND}/s)`,
    );
    // Above the reserved concurrency, the queue's poller is throttled and messages go back to the queue,
    // each time one receive closer to the dead-letter queue.
    check(
      settings.workerMaximumConcurrency !== undefined && settings.workerMaximumConcurrency <= reserved,
      `worker: the queue's maximum concurrency (${settings.workerMaximumConcurrency ?? 'unset'}) must not ` +
        `exceed its reserved concurrency (${reserved})`,
    );
  }
  return problems;
}
