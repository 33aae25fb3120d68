// 50 concurrent invocations (scheduled, worker and webhook mixed) on the same pools, each in its own
// "execution environment" (clients, store, logger), all sharing one DynamoDB table on dynalite. Every
// round moves the pools to new targets; afterwards each pool must be exactly at its target, no PATCH may
// ask for more (or other) than the target, and no two PATCHes may ask a pool for the same thing.

import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyStructuredResultV2, SQSBatchResponse } from 'aws-lambda';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import { makeHandler as makeScheduled } from '../../functions/scheduled';
import { makeHandler as makeWebhook } from '../../functions/webhook';
import { makeHandler as makeWorker } from '../../functions/worker';
import { seededRandom } from '../../lib/prng';
import { createDynamoDbStateStore, createStateTable } from '../../lib/state/dynamodb';
import { createMemoryReplayGuard } from '../../lib/state/replay';
import { lambdaContext } from '../functions/harness';
import { recordFigures } from './figures';
import { countsOf, fleet, fleetConfig, poolOfPath, targetEntries } from './fleet';
import { invocationDeps, type SampleEvents, sampleEvents, webhookEvent, workerEvent } from './invocations';
import { LONG_TEST_MS } from './ledger';
import { captureRawOutput } from './output';
import { SENTINEL, SecretScan, sentinelEmulatorAuth } from './sentinels';

const POOLS = 12;
const INVOCATIONS = 50;
const ROUNDS = 3;
const ROUND_MS = 120_000;
const TABLE = 'autoscaler-races';
const T0 = Date.UTC(2026, 0, 6, 9, 0, 0);

const { pools, members } = fleet(POOLS);
const random = seededRandom(0x7ace);
const server = dynalite({ createTableMs: 0 });
let dynamo: DynamoDBClient;
let emulator: Emulator;
let events: SampleEvents;
let clock = T0;
const secrets = new SecretScan();
let patchesChecked = 0;
let invocations = 0;
let rounds = 0;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  dynamo = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await createStateTable(dynamo, TABLE);
  emulator = await startEmulator({
    pools,
    auth: sentinelEmulatorAuth(),
    now: () => clock,
    transitionMs: ROUND_MS / 4,
  });
  events = await sampleEvents();
});
afterAll(async () => {
  dynamo?.destroy();
  await emulator?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/**
 * Per pool and flavor, the node count this round's static backlog asks for (2 jobs per node). All flavors
 * of a pool move the same way: a mixed change is deferred by the planner to a later cycle by design.
 */
function roundTargets(): Map<string, Record<string, number>> {
  const targets = new Map<string, Record<string, number>>();
  for (const member of members) {
    const up = random() < 0.5;
    const counts = countsOf(emulator.pool(member.name)?.spec.resources ?? []);
    const next = Object.entries(counts).map(([flavor, count]) => {
      const step = Math.floor(random() * 6);
      return [flavor, up ? Math.min(20, count + step) : Math.max(1, count - step)] as const;
    });
    targets.set(member.name, Object.fromEntries(next));
  }
  return targets;
}

describe(`${INVOCATIONS} concurrent invocations on the same pools, DynamoDB state on dynalite`, {
  timeout: LONG_TEST_MS,
}, () => {
  it.each(Array.from({ length: ROUNDS }, (_, round) => round))(
    'round %i: every pool ends at its target with at most one PATCH per pool and target',
    async (round) => {
      // Rounds are far enough apart for nodes to settle and for scale events to leave every window.
      clock = T0 + round * ROUND_MS;
      const targets = roundTargets();
      const config = fleetConfig({
        endpoint: emulator.url,
        projectId: emulator.projectId,
        pools: targetEntries(targets),
      });
      const before = new Map(
        members.map((m) => [m.name, countsOf(emulator.pool(m.name)?.spec.resources ?? [])]),
      );
      const firstRequest = emulator.requests.length;
      const now = () => clock;
      // Each invocation is its own execution environment: own clients, own store object, same table.
      const environment = () =>
        invocationDeps({
          config,
          store: createDynamoDbStateStore({ client: dynamo, tableName: TABLE, now }),
          now,
        });

      const output = captureRawOutput();
      const kinds: string[] = [];
      let answers: unknown[];
      try {
        answers = await Promise.all(
          Array.from({ length: INVOCATIONS }, (_, i) => {
            const context = lambdaContext(`race-${round}-${i}`);
            const member = members[(i * 5 + round) % members.length] as (typeof members)[number];
            switch (i % 3) {
              case 0:
                kinds.push('scheduled');
                return makeScheduled(environment())(
                  { ...events.scheduled, id: `tick-${round}-${i}` },
                  context,
                );
              case 1: {
                kinds.push('worker');
                const three = [0, 1, 2].map(
                  (k) => members[(i + k * 4) % members.length] as (typeof members)[number],
                );
                const messages = three.map((m) => ({
                  connection: 'emu',
                  project: emulator.projectId,
                  pool: m.name,
                  tick: `round-${round}`,
                }));
                return makeWorker(environment())(
                  workerEvent(events.worker, messages, `msg-${round}-${i}`),
                  context,
                );
              }
              default: {
                kinds.push('webhook');
                const [flavor, minCount] = Object.entries(targets.get(member.name) ?? {})[0] as [
                  string,
                  number,
                ];
                const body = JSON.stringify({ pool: member.name, flavor, minCount });
                return makeWebhook({
                  ...environment(),
                  webhookSecrets: async () => [SENTINEL.webhookSecret],
                  replay: createMemoryReplayGuard({ now: () => clock }),
                })(webhookEvent(events.webhook, body, clock), context);
              }
            }
          }),
        );
      } finally {
        secrets.scan(`round ${round} output`, output.text());
        output.restore();
      }
      invocations += INVOCATIONS;
      rounds += 1;
      secrets.scanAll(`round ${round} answer`, answers);

      // Every invocation succeeded: nothing failed, a webhook got 202 (or 409 while another held the lease).
      answers.forEach((answer, i) => {
        if (kinds[i] === 'scheduled') {
          const { counts, outcomes } = answer as { counts: Record<string, number>; outcomes: unknown[] };
          expect(counts.failed, JSON.stringify(outcomes)).toBeUndefined();
        }
        if (kinds[i] === 'worker') expect((answer as SQSBatchResponse).batchItemFailures).toEqual([]);
        if (kinds[i] === 'webhook')
          expect([202, 409]).toContain((answer as APIGatewayProxyStructuredResultV2).statusCode);
      });

      const patches = emulator.requests
        .slice(firstRequest)
        .filter((request) => request.route === 'patchPool');
      patchesChecked += patches.length;
      for (const member of members) {
        const sent = patches.filter((request) => poolOfPath(request.path) === member.name);
        const final = countsOf(emulator.pool(member.name)?.spec.resources ?? []);
        if (!member.scalable) {
          expect(sent).toEqual([]);
          expect(final).toEqual(before.get(member.name));
          continue;
        }
        expect(final).toEqual(targets.get(member.name));
        // No overshoot: every PATCH asked for exactly the target, and never twice.
        for (const request of sent) {
          const body = JSON.parse(request.body ?? '{}') as {
            spec: { resources: { flavor: string; count: number }[] };
          };
          expect(countsOf(body.spec.resources)).toEqual(targets.get(member.name));
        }
        expect(new Set(sent.map((request) => request.body)).size).toBe(sent.length);
        const changed = JSON.stringify(before.get(member.name)) !== JSON.stringify(targets.get(member.name));
        expect(sent.length).toBe(changed ? 1 : 0);
      }
    },
  );

  afterAll(async () => {
    secrets.scanAll('emulator request', emulator.requests);
    await recordFigures('races', {
      races: rounds,
      raceInvocations: invocations,
      pools: POOLS,
      patchesChecked,
      secrets: secrets.figures,
    });
    expect(secrets.findings).toEqual([]);
  });
});
