// ModelArts answers under hostile fuzzing, served over real HTTP: list and get bodies with wrong types,
// missing and extra fields, huge arrays, another pool than the one asked for, non-JSON; PATCH answers of any
// shape. The cycle must never throw, must report a pool it cannot read as failed with the field at fault,
// and may PATCH only a pool whose answer is sound by an independent reading, with the plan's body.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CycleResult, runCycle } from '../../lib/cycle';
import type { Pool } from '../../lib/modelarts/schemas';
import { createMemoryStateStore } from '../../lib/state/memory';
import {
  type CapturedRequest,
  type Reply,
  type ScriptedServer,
  startScriptedServer,
} from '../modelarts/client-scripted-server';
import { recordFigures } from './figures';
import { fleet, fleetConfig, poolOfPath } from './fleet';
import { FUZZ_RUNS, hostileValue, mutated } from './hostile';
import { sentinelClients } from './invocations';
import { LONG_TEST_MS } from './ledger';
import { SecretScan } from './sentinels';

const T0 = Date.UTC(2026, 0, 10, 9, 0, 0);
const PROJECT = 'fuzz-project';
// Pool 0 has two flavors, pool 1 one split over two AZs, pool 2 one; all above the 1 node a zero backlog
// asks for, so a sound answer turns into a PATCH.
const { pools } = fleet(3);
const bigger = pools.map((pool) => ({
  ...pool,
  spec: {
    ...pool.spec,
    resources: pool.spec.resources.map((r) => ({
      ...r,
      count: r.count + 2,
      ...(r.azs ? { azs: r.azs.map((az) => ({ ...az, count: az.count + 1 })) } : {}),
    })),
  },
})) as Pool[];

let server: ScriptedServer;
/** What the server answers this case, by operation. */
let answers: { list: Reply; get: Reply | ((url: string) => Reply); patch: Reply };
const secrets = new SecretScan();
const cases = { modelartsLists: 0, modelartsGets: 0, modelartsPatches: 0 };
let clock = T0;

beforeAll(async () => {
  server = await startScriptedServer((request) => {
    if (request.method === 'PATCH') return answers.patch;
    if (request.url.split('?')[0]?.endsWith('/pools')) return answers.list;
    return typeof answers.get === 'function' ? answers.get(request.url) : answers.get;
  });
});
afterAll(() => server?.close());

const config = () => fleetConfig({ endpoint: server.url, projectId: PROJECT });

async function cycle(pools?: string[]): Promise<{ result: CycleResult; patches: CapturedRequest[] }> {
  clock += 60_000;
  const first = server.requests.length;
  const settings = config();
  const result = await runCycle(
    settings,
    {
      clients: sentinelClients(settings, () => clock),
      store: createMemoryStateStore(),
      now: () => clock,
      owner: 'fuzz',
    },
    {
      ...(pools ? { pools } : {}),
      push: {
        origin: 'fuzz',
        backlogs: bigger.flatMap((pool) =>
          pool.spec.resources.map((r) => ({ pool: pool.metadata.name, flavor: r.flavor, value: 0 })),
        ),
      },
    },
  );
  secrets.scan('cycle result', result);
  return { result, patches: server.requests.slice(first).filter((request) => request.method === 'PATCH') };
}

// An independent reading of what the scaler must know for sure before it changes a pool.
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const count = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= 0;
function sound(item: unknown): boolean {
  if (!isObject(item) || !isObject(item.metadata) || !isObject(item.spec)) return false;
  const { metadata, spec, status } = item;
  if (typeof metadata.name !== 'string' || metadata.name === '') return false;
  const annotations = metadata.annotations;
  if (
    annotations !== undefined &&
    (!isObject(annotations) || !Object.values(annotations).every((v) => typeof v === 'string'))
  )
    return false;
  if (spec.controlMode !== undefined && !count(spec.controlMode)) return false;
  if (!Array.isArray(spec.resources)) return false;
  for (const resource of spec.resources) {
    if (
      !isObject(resource) ||
      typeof resource.flavor !== 'string' ||
      resource.flavor === '' ||
      !count(resource.count)
    )
      return false;
    if (
      resource.azs !== undefined &&
      !(
        Array.isArray(resource.azs) &&
        resource.azs.every((az) => isObject(az) && typeof az.az === 'string' && count(az.count))
      )
    )
      return false;
  }
  if (!isObject(status) || status.phase !== 'Running') return false;
  const nodes = status.resources;
  if (nodes === undefined || nodes === null) return true;
  if (!isObject(nodes)) return false;
  return ['creating', 'available', 'abnormal', 'deleting'].every((kind) => {
    const entries = nodes[kind];
    if (entries === undefined || entries === null) return true;
    const list = Array.isArray(entries) ? entries : [entries];
    return list.every((entry) => isObject(entry) && (entry.count === undefined || count(entry.count)));
  });
}

const CLEAR =
  /has a bad response: .+|failed: \d{3}|is not managed|cannot be a URL path segment|not sent: invalid .+: .+/;

/** Every PATCH went to a sound pool the cycle was allowed to touch, with the plan's body listing that pool's flavors. */
function judge(
  { result, patches }: Awaited<ReturnType<typeof cycle>>,
  served: unknown[],
  asked?: string[],
): void {
  const plans = new Map(result.plan.pools.map((p) => [p.pool, p]));
  for (const patch of patches) {
    const name = poolOfPath(patch.url);
    if (asked) expect(asked).toContain(name);
    const item = served.find(
      (candidate) => isObject(candidate) && isObject(candidate.metadata) && candidate.metadata.name === name,
    );
    expect(sound(item)).toBe(true);
    expect(patch.body).toBe(JSON.stringify(plans.get(name)?.patch));
    const body = JSON.parse(patch.body) as {
      spec: { resources: { flavor: string; count: number; azs?: { count: number }[] }[] };
    };
    const listed = ((item as { spec: { resources: { flavor: string }[] } }).spec.resources ?? []).map(
      (r) => r.flavor,
    );
    expect(body.spec.resources.map((r) => r.flavor)).toEqual(listed);
    for (const r of body.spec.resources) {
      expect(r.count).toBeGreaterThanOrEqual(1);
      if (r.azs) expect(r.azs.reduce((sum, az) => sum + az.count, 0)).toBe(r.count);
    }
  }
  for (const outcome of result.outcomes.filter((o) => o.status === 'failed'))
    expect(outcome.error).toMatch(CLEAR);
}

const ok = (body: unknown): Reply => ({ status: 200, body });
const listOf = (items: unknown[]) => ({ kind: 'PoolList', apiVersion: 'v2', items });

/** A response body: the valid one with hostile mutations, any JSON, text that is no JSON, nothing. */
const hostileBody = (valid: unknown) =>
  fc.oneof(
    { weight: 6, arbitrary: mutated(valid) },
    fc.jsonValue({ maxDepth: 4 }),
    fc.constantFrom('', 'null', '{', '<html>502 Bad Gateway</html>', '{"items":', '[]'),
  );

describe('ModelArts answers under hostile fuzzing', { timeout: LONG_TEST_MS }, () => {
  it('lists: every sound pool may be scaled, every other one is reported, nothing throws', async () => {
    const listed = bigger.slice(0, 2);
    const junk = fc.array(hostileValue, { maxLength: 40 }).map((extra) => listOf([...listed, ...extra]));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 8, arbitrary: hostileBody(listOf(listed)) }, junk),
        async (body) => {
          cases.modelartsLists += 1;
          answers = {
            list: typeof body === 'string' ? { status: 200, body } : ok(body),
            get: ok({}),
            patch: ok(listed[0]),
          };
          const run = await cycle();
          const items = isObject(body) && Array.isArray(body.items) ? body.items : [];
          judge(run, items);
          if (!(isObject(body) && Array.isArray(body.items)))
            expect(run.result.outcomes).toEqual([expect.objectContaining({ pool: '*', status: 'failed' })]);
        },
      ),
      { numRuns: FUZZ_RUNS * 0.6, seed: 0x1157 },
    );
  });

  it('lists: a list of 20,000 items, most of them junk, fails each bad item alone and scales the good ones', async () => {
    cases.modelartsLists += 1;
    const items = [
      ...bigger,
      ...Array.from({ length: 20_000 }, (_, i) => (i % 2 ? { junk: i } : { metadata: { name: `x${i}` } })),
    ];
    // Each changed pool is read again before its PATCH: the GET answers with that pool.
    const named = (url: string) => bigger.find((pool) => url.endsWith(`/pools/${pool.metadata.name}`));
    answers = { list: ok(listOf(items)), get: (url) => ok(named(url) ?? {}), patch: ok(bigger[0]) };
    const run = await cycle();
    judge(run, items);
    expect(run.patches.map((p) => poolOfPath(p.url)).sort()).toEqual(
      bigger.map((p) => p.metadata.name).sort(),
    );
  });

  it('gets: only the pool asked for is ever PATCHed, and only when its answer is sound', async () => {
    const asked = bigger[1]?.metadata.name as string;
    const impostor = { ...(bigger[2] as Pool) };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 8, arbitrary: hostileBody(bigger[1]) }, fc.constant(impostor)),
        async (body) => {
          cases.modelartsGets += 1;
          answers = {
            list: ok(listOf([])),
            get: typeof body === 'string' ? { status: 200, body } : ok(body),
            patch: ok(body),
          };
          const run = await cycle([asked]);
          judge(run, [body], [asked]);
        },
      ),
      { numRuns: FUZZ_RUNS * 0.4, seed: 0x6e7 },
    );
  });

  it('gets: an answer naming another pool is a bad response, and nothing is PATCHed', async () => {
    cases.modelartsGets += 1;
    const asked = bigger[1]?.metadata.name as string;
    answers = { list: ok(listOf([])), get: ok(bigger[2]), patch: ok(bigger[2]) };
    const run = await cycle([asked]);
    expect(run.patches).toEqual([]);
    expect(run.result.outcomes).toEqual([
      expect.objectContaining({
        pool: asked,
        status: 'failed',
        error: expect.stringMatching(/metadata\.name: names another pool/),
      }),
    ]);
  });

  it('PATCH answers of any shape end in patched or a clear failure, never a throw', async () => {
    const asked = bigger[0]?.metadata.name as string;
    await fc.assert(
      fc.asyncProperty(hostileBody(bigger[0]), fc.constantFrom(200, 201, 202, 204), async (body, status) => {
        cases.modelartsPatches += 1;
        const text = typeof body === 'string' ? body : JSON.stringify(body);
        answers = { list: ok(listOf([])), get: ok(bigger[0]), patch: { status, body: text } };
        const run = await cycle([asked]);
        judge(run, bigger, [asked]);
        expect(run.patches).toHaveLength(1);
        expect(['patched', 'failed']).toContain(run.result.outcomes[0]?.status);
      }),
      { numRuns: FUZZ_RUNS * 0.3, seed: 0x9a7c },
    );
  });

  afterAll(async () => {
    await recordFigures('fuzz-modelarts', { fuzzCases: cases, secrets: secrets.figures });
    expect(secrets.findings).toEqual([]);
  });
});
