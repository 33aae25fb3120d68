// 100 cycles over 50 pools while the emulator fails a third of all requests: 5xx, 429 with Retry-After,
// hangs (the client times out), dropped connections and truncated bodies. Every PATCH on the wire must be
// the plan's body for that pool in that cycle, every pool must end the cycle at its target or be reported
// failed, no call may retry past its limit or wait past its budget, and no cycle may hang. Then the
// faults stop and every pool must reach its target.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, type FaultRules, startEmulator } from '../../emulator/server';
import { type CycleResult, type DecisionRecord, runCycle } from '../../lib/cycle';
import type { PushedBacklog } from '../../lib/metrics/pushed';
import { RetryBudgetExceededError, type RetryPolicy } from '../../lib/modelarts';
import type { PoolFlavorResource } from '../../lib/modelarts/schemas';
import { seededRandom } from '../../lib/prng';
import { createMemoryStateStore } from '../../lib/state/memory';
import { recordFigures } from './figures';
import { fleet, fleetConfig, poolOfPath } from './fleet';
import { type ClientLedger, createClientLedger, LONG_TEST_MS, withinDeadline, worstCallMs } from './ledger';
import { SecretScan, sentinelCredentials, sentinelEmulatorAuth } from './sentinels';

const POOLS = 50;
const CYCLES = 100;
const CONCURRENCY = 10;
const CYCLE_MS = 60_000;
const BACKLOG_CHANGE_RATE = 0.15;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const TIMEOUT_MS = 120;
const RETRY: RetryPolicy = { limit: 3, baseDelayMs: 50, maxDelayMs: 400, budgetMs: 1_500 };
const FAULTS: FaultRules = {
  '*': {
    errorRate: 0.2,
    throttleRate: 0.05,
    retryAfterSeconds: 1,
    hangRate: 0.025,
    dropRate: 0.025,
    malformedRate: 0.03,
  },
};
// What a failed pool's error may say: each names the request and what went wrong.
const CLEAR_FAILURE =
  /failed: (\d{3}|network error|no response within)|gave up after \d+ attempts|has a bad response|not sent: invalid/;

const { pools, members } = fleet(POOLS);
const scalable = members.filter((member) => member.scalable);
const backlogRandom = seededRandom(0xb4c1);

let clock = T0;
let emulator: Emulator;
const secrets = new SecretScan();
const records: DecisionRecord[] = [];
const results: CycleResult[] = [];
let patchesChecked = 0;

beforeAll(async () => {
  emulator = await startEmulator({
    pools,
    auth: sentinelEmulatorAuth(),
    now: () => clock,
    transitionMs: CYCLE_MS / 2,
    seed: 0xfa17,
  });
});
afterAll(async () => {
  await emulator?.close();
});

/** A flavor list as a comparable string: flavor, count and AZ split, nothing else. */
const specKey = (resources: readonly PoolFlavorResource[] | undefined) =>
  JSON.stringify(
    (resources ?? []).map((r) => ({
      flavor: r.flavor,
      count: r.count,
      ...(r.azs ? { azs: r.azs.map((az) => ({ az: az.az, count: az.count })) } : {}),
    })),
  );

const countBy = (values: readonly string[]) => {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
};

/** Each cycle, about 15% of the flavors see a new backlog (0..36 jobs, 2 per node: 1..18 nodes). */
const backlogs = new Map<string, number>();
function nextBacklogs(): PushedBacklog[] {
  const pushed: PushedBacklog[] = [];
  for (const member of members) {
    for (const flavor of member.flavors) {
      const key = `${member.name}/${flavor}`;
      if (!backlogs.has(key) || backlogRandom() < BACKLOG_CHANGE_RATE)
        backlogs.set(key, Math.floor(backlogRandom() * 37));
      pushed.push({ pool: member.name, flavor, value: backlogs.get(key) as number });
    }
  }
  return pushed;
}

/** Everything one cycle did wrong, judged from the emulator's log and state against the cycle's result. */
function judgeCycle(
  cycle: number,
  result: CycleResult,
  before: Map<string, string>,
  firstRequest: number,
): string[] {
  const problems: string[] = [];
  const at = `cycle ${cycle}`;
  const patches = emulator.requests.slice(firstRequest).filter((request) => request.route === 'patchPool');
  const plans = new Map(result.plan.pools.map((poolPlan) => [poolPlan.pool, poolPlan]));

  for (const request of patches) {
    patchesChecked += 1;
    const poolPlan = plans.get(poolOfPath(request.path));
    if (!poolPlan?.patch)
      problems.push(`${at}: PATCH to ${poolOfPath(request.path)}, which has no PATCH in the plan`);
    else if (request.body !== JSON.stringify(poolPlan.patch))
      problems.push(`${at}: PATCH body for ${poolPlan.pool} differs from the plan: ${request.body}`);
  }

  const listFailed = result.outcomes.some((outcome) => outcome.pool === '*' && outcome.status === 'failed');
  const outcomes = new Map(result.outcomes.map((outcome) => [outcome.pool, outcome]));
  for (const member of members) {
    const now = specKey(emulator.pool(member.name)?.spec.resources);
    const then = before.get(member.name);
    const patchedHere = patches.some((request) => poolOfPath(request.path) === member.name);
    const outcome = outcomes.get(member.name);
    if (!member.scalable && patchedHere) problems.push(`${at}: PATCH to guarded pool ${member.name}`);
    if (!outcome) {
      if (!listFailed) problems.push(`${at}: ${member.name} has no outcome`);
      if (now !== then) problems.push(`${at}: ${member.name} changed without an outcome`);
      continue;
    }
    const target = specKey(outcome.patch?.spec?.resources ?? plans.get(member.name)?.patch?.spec?.resources);
    switch (outcome.status) {
      case 'patched':
        if (now !== target)
          problems.push(`${at}: ${member.name} reported patched but is ${now}, target ${target}`);
        break;
      case 'failed':
        if (!CLEAR_FAILURE.test(outcome.error ?? ''))
          problems.push(`${at}: ${member.name} failed without a clear error: ${outcome.error}`);
        // A PATCH whose answer was lost may have landed: the pool is where it was or at its target, nowhere else.
        if (now !== then && now !== target)
          problems.push(`${at}: failed ${member.name} is neither as it was nor at target`);
        if (
          !records.some(
            (record) => record.pool === member.name && record.outcome === 'failed' && record.at === result.at,
          )
        )
          problems.push(`${at}: failed ${member.name} has no failed decision record`);
        break;
      default:
        if (patchedHere || now !== then)
          problems.push(`${at}: ${member.name} is ${outcome.status} but was changed (${then} -> ${now})`);
    }
  }
  return problems;
}

describe('a cycle under injected faults', { timeout: LONG_TEST_MS }, () => {
  let clients: ClientLedger;
  const store = createMemoryStateStore();
  const deps = () => ({
    clients: clients.clients,
    store,
    now: () => clock,
    owner: `cycle-${clock}`,
    log: (record: DecisionRecord) => records.push(record),
  });
  // One list call, then per pool at most a GET and a PATCH, spread over `concurrency` workers; generous.
  const deadlineMs =
    worstCallMs({ timeoutMs: TIMEOUT_MS, retry: RETRY }) * (1 + 2 * Math.ceil(POOLS / CONCURRENCY)) + 5_000;

  it(`keeps every PATCH to the plan and every pool at its target or reported failed over ${CYCLES} cycles`, async () => {
    clients = createClientLedger({
      endpoint: emulator.url,
      projectId: emulator.projectId,
      credentials: sentinelCredentials(emulator.projectId),
      timeoutMs: TIMEOUT_MS,
      retry: RETRY,
      now: () => clock,
    });
    const config = fleetConfig({
      endpoint: emulator.url,
      projectId: emulator.projectId,
      concurrency: CONCURRENCY,
    });
    emulator.setFaults(FAULTS);
    const problems: string[] = [];
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const before = new Map(members.map((m) => [m.name, specKey(emulator.pool(m.name)?.spec.resources)]));
      const firstRequest = emulator.requests.length;
      const result = await withinDeadline(
        `cycle ${cycle}`,
        deadlineMs,
        runCycle(config, deps(), { push: { origin: 'reliability', backlogs: nextBacklogs() } }),
      );
      results.push(result);
      problems.push(...judgeCycle(cycle, result, before, firstRequest));
      clock += CYCLE_MS;
    }
    expect(problems).toEqual([]);

    // The run really was hostile, and really did scale.
    const statuses = emulator.requests.map((request) => request.status);
    expect(statuses.filter((status) => status === 500).length).toBeGreaterThan(CYCLES);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(CYCLES / 10);
    expect(clients.wire.timeouts).toBeGreaterThan(5);
    expect(clients.wire.networkErrors).toBeGreaterThan(5);
    expect(clients.wire.malformed).toBeGreaterThan(5);
    const patched = results.flatMap((r) => r.outcomes).filter((o) => o.status === 'patched').length;
    expect(patched).toBeGreaterThan(CYCLES * 5);
    expect(results.flatMap((r) => r.outcomes).some((o) => o.status === 'failed')).toBe(true);
  });

  it('retries every call within its attempt limit and wait budget', () => {
    expect(clients.calls.length).toBeGreaterThan(CYCLES * 10);
    expect(clients.violations()).toEqual([]);
    const gaveUp = clients.calls
      .map((call) => call.error)
      .filter((e) => e instanceof RetryBudgetExceededError);
    expect(gaveUp.length).toBeGreaterThan(0);
    for (const error of gaveUp) {
      expect(error.attempts).toBeLessThanOrEqual(RETRY.limit + 1);
      expect(error.waitedMs).toBeLessThanOrEqual(RETRY.budgetMs);
    }
    // Retry-After (1 s) was honoured: some waits are the server's, not the 50..400 ms backoff.
    expect(clients.calls.some((call) => call.waitedMs >= 1_000)).toBe(true);
  });

  it('brings every pool to its target once the faults stop', async () => {
    emulator.setFaults({});
    const config = fleetConfig({
      endpoint: emulator.url,
      projectId: emulator.projectId,
      concurrency: CONCURRENCY,
    });
    const pushed = [...backlogs].map(([key, value]) => {
      const [pool, flavor] = key.split('/') as [string, string];
      return { pool, flavor, value };
    });
    let last: CycleResult | undefined;
    for (let cycle = 0; cycle < 3; cycle++) {
      const firstRequest = emulator.requests.length;
      const before = new Map(members.map((m) => [m.name, specKey(emulator.pool(m.name)?.spec.resources)]));
      last = await runCycle(config, deps(), { push: { origin: 'reliability', backlogs: pushed } });
      results.push(last);
      expect(judgeCycle(CYCLES + cycle, last, before, firstRequest)).toEqual([]);
      clock += CYCLE_MS;
    }
    const settled = last as CycleResult;
    expect(settled.outcomes.map((o) => o.status).filter((s) => s !== 'unchanged' && s !== 'skipped')).toEqual(
      [],
    );
    for (const member of scalable) {
      const poolPlan = settled.plan.pools.find((p) => p.pool === member.name);
      const counts = Object.fromEntries(
        (emulator.pool(member.name)?.spec.resources ?? []).map((r) => [r.flavor, r.count]),
      );
      expect(Object.fromEntries(poolPlan?.flavors.map((f) => [f.flavor, f.target]) ?? [])).toEqual(counts);
      // ... and the target is what the last backlog asks for: ceil(backlog / 2) within 1..20.
      for (const flavor of member.flavors) {
        const wanted = Math.min(
          20,
          Math.max(1, Math.ceil((backlogs.get(`${member.name}/${flavor}`) ?? 0) / 2)),
        );
        expect(counts[flavor]).toBe(wanted);
      }
    }
  });

  afterAll(async () => {
    secrets.scanAll('decision record', records);
    secrets.scanAll('cycle result', results);
    secrets.scanAll('call error', clients?.calls.map((call) => call.error).filter(Boolean) ?? []);
    secrets.scanAll('emulator request', emulator.requests);
    const statuses = emulator.requests.map((request) => request.status);
    await recordFigures('faults', {
      pools: POOLS,
      cycles: results.length,
      faultsInjected: {
        http5xx: statuses.filter((status) => status >= 500).length,
        http429: statuses.filter((status) => status === 429).length,
        unanswered: statuses.filter((status) => status === 0).length,
        timeouts: clients?.wire.timeouts ?? 0,
        dropped: clients?.wire.networkErrors ?? 0,
        malformed: clients?.wire.malformed ?? 0,
      },
      requests: emulator.requests.length,
      calls: clients?.calls.length ?? 0,
      patchesChecked,
      outcomes: countBy(results.flatMap((r) => r.outcomes.map((o) => o.status))),
      secrets: secrets.figures,
    });
    expect(secrets.findings).toEqual([]);
  });
});
