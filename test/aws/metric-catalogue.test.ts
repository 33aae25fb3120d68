import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { catalogued, dimensionsOf, METRICS } from '../../lib/aws/metric-catalogue';
import { addCatalogued, createObservability, decisionLog } from '../../lib/aws/observability';
import { captureOutput, emfDocuments } from '../functions/harness';
import { uncataloguedMetrics } from '../functions/metric-check';

const ROOT = resolve(import.meta.dirname, '../..');

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('the metric catalogue', () => {
  let output: ReturnType<typeof captureOutput> | undefined;
  afterEach(() => output?.restore());

  it('is the only way lib and the functions add a metric: every addMetric call is addCatalogued', async () => {
    const calls: string[] = [];
    for (const file of [...(await sources('lib')), ...(await sources('functions'))]) {
      const text = await readFile(file, 'utf8');
      for (const match of text.matchAll(/\.addMetric\(([^,]*),/g))
        calls.push(`${file.slice(ROOT.length + 1)}: ${match[1]}`);
    }
    expect(calls).toEqual(['lib/aws/observability.ts: metric.name']);
  });

  it('names each metric once, with a meaning', () => {
    const names = catalogued().map((metric) => metric.name);
    expect(new Set(names).size).toBe(names.length);
    expect(catalogued().filter((metric) => metric.meaning.length < 10)).toEqual([]);
  });

  it('dimensions decision metrics per connection and flavor, and adds the pool only when asked', () => {
    expect(dimensionsOf('flavor', false)).toEqual(['connection', 'flavor', 'service', 'stage']);
    expect(dimensionsOf('flavor', true)).toEqual(['connection', 'flavor', 'pool', 'service', 'stage']);
    expect(dimensionsOf('invocation', true)).toEqual(['service', 'stage']);
    expect(dimensionsOf('cold-start', false)).toEqual(['function_name', 'service', 'stage']);
  });

  const base = { at: 0, key: 'project-2/pool-a', pool: 'pool-a', flavor: 'f', dryRun: false };
  const connectionOf = (key: string) => (key.startsWith('project-2/') ? 'second' : 'other');

  it('emits every decision figure under its catalogue name, available nodes and backoffs included', () => {
    output = captureOutput();
    const log = decisionLog(createObservability(), { perPool: false, connectionOf });
    log({
      ...base,
      current: 3,
      available: 2,
      target: 3,
      backlog: 4,
      action: 'keep',
      reasons: [],
      outcome: 'unchanged',
    });
    log({ ...base, action: 'skip', reasons: ['scale-in-backoff'], outcome: 'unchanged' });
    log({
      at: 0,
      key: 'project-2/pool-b',
      pool: 'pool-b',
      dryRun: false,
      action: 'skip',
      reasons: ['read-failed'],
      outcome: 'failed',
    });
    const lines = output.lines();
    expect(uncataloguedMetrics(lines, false)).toEqual([]);
    const docs = emfDocuments(lines);
    expect(docs[0]).toMatchObject({ connection: 'second', flavor: 'f', AvailableNodes: 2, CurrentNodes: 3 });
    expect(docs[0]).not.toHaveProperty('pool');
    expect(docs[1]).toMatchObject({ Backoffs: 1, GuardSkips: 1 });
    expect(docs[2]).toMatchObject({ connection: 'second', flavor: '-', Errors: 1 });
  });

  it('counts capacity backoffs by cause and ScalingFailed pools, each under its catalogue name', () => {
    output = captureOutput();
    const log = decisionLog(createObservability(), { perPool: false, connectionOf });
    const record = (reasons: string[]) =>
      log({ ...base, action: 'scale-up', reasons, outcome: 'backed-off' });
    record(['patch-sold-out']);
    record(['patch-quota']);
    record(['stuck-creating']);
    record(['patch-conflict']);
    log({ ...base, action: 'skip', reasons: ['pool-scaling-failed'], outcome: 'skipped' });
    const lines = output.lines();
    expect(uncataloguedMetrics(lines, false)).toEqual([]);
    const docs = emfDocuments(lines);
    expect(docs[0]).toMatchObject({ SoldOutBackoffs: 1 });
    expect(docs[0]).not.toHaveProperty('QuotaBackoffs');
    expect(docs[1]).toMatchObject({ QuotaBackoffs: 1 });
    expect(docs[2]).toMatchObject({ StuckCreatingBackoffs: 1 });
    expect(docs[3]).toMatchObject({ Backoffs: 1 });
    expect(docs[4]).toMatchObject({ PoolScalingFailed: 1, GuardSkips: 1 });
  });

  it('adds the pool dimension with perPool, and the check refuses a document dimensioned otherwise', () => {
    output = captureOutput();
    const log = decisionLog(createObservability(), { perPool: true, connectionOf });
    log({ ...base, current: 1, target: 1, action: 'keep', reasons: [], outcome: 'unchanged' });
    const lines = output.lines();
    expect(emfDocuments(lines)[0]).toMatchObject({ pool: 'pool-a', connection: 'second' });
    expect(uncataloguedMetrics(lines, true)).toEqual([]);
    expect(uncataloguedMetrics(lines, false)).toContain('CurrentNodes{connection,flavor,pool,service,stage}');
  });

  it('keeps two stages in one account apart: every metric carries the deploy stage, `local` outside one', () => {
    output = captureOutput();
    const record = {
      ...base,
      current: 1,
      target: 1,
      action: 'keep',
      reasons: [] as string[],
      outcome: 'unchanged' as const,
    };
    decisionLog(createObservability({}, { AUTOSCALER_STAGE: 'prod' }), { perPool: false, connectionOf })(
      record,
    );
    decisionLog(createObservability({}, { AUTOSCALER_STAGE: 'dev' }), { perPool: false, connectionOf })(
      record,
    );
    const unstaged = createObservability({}, {});
    addCatalogued(unstaged.metrics, METRICS.cyclesSucceeded, 1);
    unstaged.metrics.publishStoredMetrics();
    const lines = output.lines();
    expect(uncataloguedMetrics(lines, false)).toEqual([]);
    expect(emfDocuments(lines).map((document) => document.stage)).toEqual(['prod', 'dev', 'local']);
  });
});
