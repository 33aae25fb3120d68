// The global pause: from the config, from the environment, or from an SSM parameter an operator flips.
// Engaged, it stops every PATCH to every pool at once, through every trigger (scheduled, worker, webhook);
// a parameter that cannot be read, or says something unexpected, counts as engaged. Each case has a
// control: the same invocation with the switch released does PATCH, so the test can fail.

import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyStructuredResultV2, SQSBatchResponse } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import { makeHandler as makeScheduled } from '../../functions/scheduled';
import { makeHandler as makeWebhook } from '../../functions/webhook';
import { makeHandler as makeWorker } from '../../functions/worker';
import { KILL_SWITCH_MAX_AGE_SECONDS, type KillSwitch, ssmKillSwitch } from '../../lib/aws/kill-switch';
import { ssmParameterStore } from '../../lib/aws/parameters';
import type { FunctionDeps } from '../../lib/aws/runtime';
import type { Config } from '../../lib/config';
import { runCycle } from '../../lib/cycle';
import { createMemoryStateStore } from '../../lib/state/memory';
import { createMemoryReplayGuard } from '../../lib/state/replay';
import { lambdaContext } from '../functions/harness';
import { recordFigures } from './figures';
import { CPU, FAST_RULES, fleet, fleetConfig } from './fleet';
import { invocationDeps, type SampleEvents, sampleEvents, webhookEvent, workerEvent } from './invocations';
import { type CapturedOutput, captureRawOutput } from './output';
import { SENTINEL, SecretScan, sentinelEmulatorAuth } from './sentinels';

const POOLS = 50;
const PARAMETER = '/modelarts-autoscaler/kill-switch';
const T0 = Date.UTC(2026, 0, 11, 9, 0, 0);
const { pools, members } = fleet(POOLS);
const scalable = members.filter((member) => member.scalable);
const ssm = mockClient(SSMClient);

let emulator: Emulator;
let events: SampleEvents;
let output: CapturedOutput;
let clock = T0;
const secrets = new SecretScan();
const figures = { killSwitchCases: 0, patchesStopped: 0, controlPatches: 0 };

/** Every flavor of every pool is asked for `nodes` nodes: all 50 pools have a change pending. */
const configFor = (nodes: number, extra = '', env: Record<string, string> = {}) =>
  fleetConfig({
    endpoint: emulator.url,
    projectId: emulator.projectId,
    extra,
    rules: FAST_RULES.replace(
      'source: { type: static, value: 0 }',
      `source: { type: static, value: ${nodes * 2} }`,
    ),
    env,
  });

const patches = () => emulator.requests.filter((request) => request.route === 'patchPool');

beforeEach(async () => {
  clock += 3_600_000;
  ssm.reset();
  emulator = await startEmulator({ pools, auth: sentinelEmulatorAuth(), now: () => clock });
  events ??= await sampleEvents();
  output = captureRawOutput();
});
afterEach(async () => {
  secrets.scan('handler output', output.text());
  output.restore();
  await emulator.close();
});
afterAll(() => ssm.restore());

describe('the kill switch in the config or the environment', () => {
  const cycle = (config: Config) =>
    runCycle(config, {
      clients: invocationDeps({ config, store: createMemoryStateStore(), now: () => clock }).cycle.clients,
      store: createMemoryStateStore(),
      now: () => clock,
      owner: 'kill',
    });

  it.each([
    ['killSwitch: true', {}],
    ['killSwitch: { enabled: true, ssmParameter: /unused }', {}],
    ['', { AUTOSCALER_KILL_SWITCH: 'true' }],
  ])('config %j, environment %j: no pool is PATCHed, every plan says why', async (extra, env) => {
    figures.killSwitchCases += 1;
    const stopped = await cycle(configFor(6, extra, env));
    secrets.scan('plan', stopped);
    expect(patches()).toEqual([]);
    expect(stopped.plan.pools).toHaveLength(POOLS);
    for (const poolPlan of stopped.plan.pools) {
      expect(poolPlan.patch).toBeUndefined();
      expect(poolPlan.reasons.map((reason) => reason.code)).toContain('kill-switch');
    }
    figures.patchesStopped += stopped.plan.pools.filter((p) => p.flavors.some((f) => f.current !== 6)).length;

    const released = await cycle(configFor(6));
    expect(patches()).toHaveLength(scalable.length);
    expect(released.outcomes.filter((o) => o.status === 'patched')).toHaveLength(scalable.length);
    figures.controlPatches += patches().length;
  });
});

describe('the kill switch SSM parameter', () => {
  const killSwitch = (): KillSwitch =>
    ssmKillSwitch(ssmParameterStore(new SSMClient({ region: 'eu-west-1' })), PARAMETER);
  const deps = (config: Config, reader: KillSwitch): FunctionDeps => ({
    ...invocationDeps({ config, store: createMemoryStateStore(), now: () => clock }),
    killSwitch: reader,
  });

  /** One scheduled run over all pools, a worker batch for three pools and a webhook raise for one. */
  async function everyTrigger(config: Config, reader: KillSwitch, round: string) {
    const scheduled = await makeScheduled(deps(config, reader))(
      { ...events.scheduled, id: `tick-${round}` },
      lambdaContext(`s-${round}`),
    );
    const messages = scalable
      .slice(0, 3)
      .map((m) => ({ connection: 'emu', project: emulator.projectId, pool: m.name, tick: round }));
    const worker = (await makeWorker(deps(config, reader))(
      workerEvent(events.worker, messages, `w-${round}`),
      lambdaContext(`w-${round}`),
    )) as SQSBatchResponse;
    const body = JSON.stringify({ pool: scalable[1]?.name, flavor: CPU, minCount: 15 });
    const webhook = (await makeWebhook({
      ...deps(config, reader),
      webhookSecrets: async () => [SENTINEL.webhookSecret],
      replay: createMemoryReplayGuard({ now: () => clock }),
    })(
      webhookEvent(events.webhook, body, clock),
      lambdaContext(`h-${round}`),
    )) as APIGatewayProxyStructuredResultV2;
    secrets.scanAll('handler answer', [scheduled, worker, webhook]);
    return { scheduled, worker, webhook };
  }

  it.each([
    ['on', { Parameter: { Value: 'on' } }],
    ['TRUE', { Parameter: { Value: ' TRUE\n' } }],
    ['1', { Parameter: { Value: '1' } }],
    ['an unexpected value', { Parameter: { Value: 'pause please' } }],
    ['no value', { Parameter: {} }],
    ['a missing parameter', Object.assign(new Error('not found'), { name: 'ParameterNotFound' })],
    ['access denied', Object.assign(new Error('denied'), { name: 'AccessDeniedException' })],
  ])('engaged by %s: no trigger PATCHes any pool', async (_, answer) => {
    figures.killSwitchCases += 1;
    if (answer instanceof Error) ssm.on(GetParameterCommand, { Name: PARAMETER }).rejects(answer);
    else ssm.on(GetParameterCommand, { Name: PARAMETER }).resolves(answer);
    const { scheduled, worker, webhook } = await everyTrigger(configFor(6), killSwitch(), 'engaged');

    expect(patches()).toEqual([]);
    expect(scheduled).toMatchObject({ mode: 'cycle', pools: POOLS });
    expect(worker.batchItemFailures).toEqual([]);
    expect(webhook.statusCode).toBe(202);
    expect(JSON.parse(webhook.body ?? '{}')).toMatchObject({
      outcome: 'skipped',
      poolReasons: ['kill-switch'],
    });
    expect(output.text()).toContain('kill switch engaged');
    figures.patchesStopped += scalable.length;
  });

  it('released ("off"), the same triggers PATCH', async () => {
    figures.killSwitchCases += 1;
    ssm.on(GetParameterCommand, { Name: PARAMETER }).resolves({ Parameter: { Value: 'off' } });
    await everyTrigger(configFor(6), killSwitch(), 'released');
    // The scheduled run moves every scalable pool to 6; the webhook then raises one flavor to 15.
    expect(patches()).toHaveLength(scalable.length + 1);
    figures.controlPatches += patches().length;
  });

  it(`a flip stops every PATCH once the reading is ${KILL_SWITCH_MAX_AGE_SECONDS} s old, and a flip back resumes them`, async () => {
    figures.killSwitchCases += 1;
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    try {
      const reader = killSwitch(); // one execution environment: its cached reading is what may lag
      const flip = (value: string) => {
        ssm.on(GetParameterCommand, { Name: PARAMETER }).resolves({ Parameter: { Value: value } });
        vi.setSystemTime(Date.now() + (KILL_SWITCH_MAX_AGE_SECONDS + 1) * 1000);
      };
      const scheduled = (nodes: number, round: string) =>
        makeScheduled(deps(configFor(nodes), reader))(
          { ...events.scheduled, id: round },
          lambdaContext(round),
        );

      flip('off');
      await scheduled(9, 'before');
      expect(patches()).toHaveLength(scalable.length);
      flip('on');
      clock += 600_000;
      await scheduled(12, 'during');
      expect(patches()).toHaveLength(scalable.length);
      flip('off');
      clock += 600_000;
      await scheduled(12, 'after');
      expect(patches()).toHaveLength(scalable.length * 2);
      figures.patchesStopped += scalable.length;
    } finally {
      vi.useRealTimers();
    }
  });

  afterAll(async () => {
    await recordFigures('kill-switch', { ...figures, secrets: secrets.figures });
    expect(secrets.findings).toEqual([]);
  });
});
