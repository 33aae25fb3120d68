// Every line a function writes is JSON (Powertools logs, EMF documents), so CloudWatch Logs Insights and
// metric filters can read all of them: Powertools Metrics' own warnings included.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import { makeHandler, type PlanEvent } from '../../functions/plan';
import { buildFunctionDeps } from '../../lib/aws/runtime';
import type { Config } from '../../lib/config';
import { type CapturedOutput, captureRawOutput } from '../reliability/output';
import { lambdaContext, NOW, sampleConfig } from './harness';

let emulator: Emulator;
let output: CapturedOutput;

beforeEach(async () => {
  emulator = await startEmulator({ now: () => NOW });
  output = captureRawOutput();
});
afterEach(async () => {
  output.restore();
  await emulator.close();
});

/** The plan function's own deps, built as in Lambda from the sample config (memory state, no AWS). */
const planHandler = async (config: Config) =>
  makeHandler(await buildFunctionDeps({}, { config, now: () => NOW, sleep: async () => undefined }));

/** The lines written that do not parse as a JSON object. */
const notJson = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => {
      try {
        return typeof JSON.parse(line) !== 'object';
      } catch {
        return true;
      }
    });

describe('plan output', () => {
  it('is JSON on every line for an invalid event, the empty-metrics warning included', async () => {
    const handler = await planHandler(await sampleConfig(emulator.url));
    await expect(handler({ pool: 'pool-a' } as PlanEvent, lambdaContext())).rejects.toThrow(/invalid event/);

    const text = output.text();
    expect(text).toContain('No application metrics to publish');
    expect(notJson(text)).toEqual([]);
  });

  it('is JSON on every line for a valid event', async () => {
    const handler = await planHandler(await sampleConfig(emulator.url));
    await handler({}, lambdaContext());

    expect(output.text()).toContain('pool decision');
    expect(notJson(output.text())).toEqual([]);
  });
});
