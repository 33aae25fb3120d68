import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInFlavorDefaults } from '../../lib/config/defaults';
import { loadConfig, parseConfig } from '../../lib/config/load';
import { minimalConfig, problems, toYaml } from './fixtures';

const examplePath = new URL('../../config.example.yaml', import.meta.url).pathname;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'autoscaler-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('loads config.example.yaml without error', async () => {
    const config = await loadConfig({ path: examplePath, env: {} });
    expect(config.connections.map((connection) => connection.name)).toEqual(['emulator']);
    expect(config.pools.length).toBeGreaterThanOrEqual(3);
    expect(config.dryRun).toBe(true);
  });

  it('reads the file named by AUTOSCALER_CONFIG when no path is passed', async () => {
    const path = join(dir, 'from-env.yaml');
    await writeFile(path, toYaml(minimalConfig()));
    const config = await loadConfig({ env: { AUTOSCALER_CONFIG: path } });
    expect(config.pools[0]?.name).toBe('pool-a');
  });

  it('reads JSON as well as YAML', async () => {
    const path = join(dir, 'config.json');
    await writeFile(path, JSON.stringify(minimalConfig()));
    expect((await loadConfig({ path, env: {} })).pools).toHaveLength(1);
  });

  it('says when there is no config to read', async () => {
    await expect(loadConfig({ env: {} })).rejects.toThrow(/pass a path or set AUTOSCALER_CONFIG/);
    await expect(loadConfig({ path: join(dir, 'missing.yaml'), env: {} })).rejects.toThrow(/not found/);
  });

  it('keeps per-pool metric dimensions off unless metrics.perPool is true, and names a bad value', () => {
    const withMetrics = (metrics: unknown) => toYaml({ ...minimalConfig(), metrics });
    expect(parseConfig({ text: withMetrics({}), env: {} }).metrics).toEqual({ perPool: false });
    expect(parseConfig({ text: withMetrics({ perPool: true }), env: {} }).metrics).toEqual({ perPool: true });
    expect(() => parseConfig({ text: withMetrics({ perPool: 'yes' }), env: {} })).toThrow(/metrics\.perPool/);
  });

  it('fills the global defaults and the built-in flavor defaults', () => {
    const config = parseConfig({ text: toYaml(minimalConfig()), env: {} });
    expect(config).toMatchObject({
      dryRun: false,
      killSwitch: { enabled: false },
      intervalSeconds: 60,
      concurrency: 8,
      fanOutAbovePools: 50,
      metrics: { perPool: false },
      state: { type: 'file', path: '.autoscaler/state.json' },
      connections: [{ name: 'main', auth: { type: 'aksk' } }],
    });
    expect(config.pools[0]).toMatchObject({
      index: 0,
      connection: 'main',
      paused: false,
      allowPrepaid: false,
    });
    expect(config.pools[0]?.flavors[0]?.policy).toEqual({
      flavor: 'modelarts.vm.gpu.t4u8',
      min: 1,
      max: 4,
      targetPerNode: 1,
      activationThreshold: 0,
      tolerance: 0.1,
      azStrategy: { type: 'balanced' },
      scaleUp: builtInFlavorDefaults.scaleUp,
      scaleDown: { ...builtInFlavorDefaults.scaleDown, drainSeconds: 60 },
      fallback: { type: 'hold' },
      capacity: builtInFlavorDefaults.capacity,
    });
    expect(config.pools[0]?.flavors[0]?.backlog).toEqual({
      source: { type: 'static', value: 3 },
      unit: 'jobs',
      staleAfterSeconds: 300,
    });
  });

  it('keeps the HPA shape with a bigger scale-up step, and a short scale-down window with no cooldown', () => {
    expect(builtInFlavorDefaults.scaleUp).toEqual({
      stabilizationWindowSeconds: 0,
      policies: [
        { type: 'Nodes', value: 32, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
      selectPolicy: 'Max',
      cooldownSeconds: 0,
    });
    expect(builtInFlavorDefaults.scaleDown).toEqual({
      enabled: true,
      method: 'idle-nodes',
      idleSeconds: 0,
      drainAhead: true,
      stabilizationWindowSeconds: 120,
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
      selectPolicy: 'Max',
      cooldownSeconds: 0,
    });
  });

  it('scales down by idle nodes by default, draining for one cycle unless drainSeconds says otherwise', () => {
    const document = minimalConfig();
    const config = parseConfig({ text: toYaml({ ...document, intervalSeconds: 120 }), env: {} });
    expect(config.pools[0]?.flavors[0]?.policy.scaleDown).toMatchObject({
      method: 'idle-nodes',
      idleSeconds: 0,
      drainSeconds: 120,
      drainAhead: true,
    });
    const flavors = document.pools[0]?.flavors as Record<string, unknown>[];
    flavors[0] = {
      ...flavors[0],
      scaleDown: { method: 'count', drainSeconds: 30, idleSeconds: 300, drainAhead: false },
    };
    expect(
      parseConfig({ text: toYaml(document), env: {} }).pools[0]?.flavors[0]?.policy.scaleDown,
    ).toMatchObject({
      method: 'count',
      idleSeconds: 300,
      drainSeconds: 30,
      drainAhead: false,
    });
    flavors[0] = { ...flavors[0], scaleDown: { drainAhead: 'yes' } };
    expect(() => parseConfig({ text: toYaml(document), env: {} })).toThrow(/drainAhead/);
  });

  it('has no tolerance band by default for a backlog in nodes, and HPA 10% for one in jobs', () => {
    const document = minimalConfig();
    const flavors = document.pools[0]?.flavors as Record<string, unknown>[];
    flavors.push({
      flavor: 'modelarts.vm.gpu.tnt004',
      max: 4,
      backlog: { source: { type: 'static', value: 3 }, unit: 'nodes' },
    });
    const policies = parseConfig({ text: toYaml(document), env: {} }).pools[0]?.flavors.map((f) => f.policy);
    expect(policies?.map((policy) => policy.tolerance)).toEqual([0.1, 0]);
  });

  it('an inherited tolerance wins over the per-unit default, whatever the unit', () => {
    const document = { ...minimalConfig(), defaults: { tolerance: 0.05, backlog: { unit: 'nodes' } } };
    const [flavor] = parseConfig({ text: toYaml(document), env: {} }).pools[0]?.flavors ?? [];
    expect(flavor?.backlog.unit).toBe('nodes');
    expect(flavor?.policy.tolerance).toBe(0.05);
  });

  it('accepts the short forms of killSwitch and paused', () => {
    const document = { ...minimalConfig(), killSwitch: true };
    (document.pools[0] as Record<string, unknown>).paused = true;
    const config = parseConfig({ text: toYaml(document), env: {} });
    expect(config.killSwitch).toEqual({ enabled: true });
    expect(config.pools[0]?.paused).toBe('all');
  });
});

describe('environment overrides', () => {
  const text = toYaml({
    ...minimalConfig(),
    dryRun: false,
    killSwitch: { enabled: false, ssmParameter: '/kill' },
    state: { type: 'dynamodb', tableName: 'from-file', region: 'eu-west-1' },
    connections: [
      { name: 'a', region: 'cn-north-4', projectId: 'p1', endpoint: 'https://modelarts.example.com' },
      {
        name: 'b',
        region: 'cn-north-4',
        projectId: 'p2',
        auth: { type: 'token', user: { name: 'u', domain: 'd' } },
      },
    ],
    pools: [{ ...minimalConfig().pools[0], connection: 'a' }],
  });

  it('leave the file as it is when unset or empty', () => {
    const config = parseConfig({ text, env: { AUTOSCALER_DRY_RUN: '', AUTOSCALER_ENDPOINT: ' ' } });
    expect(config.dryRun).toBe(false);
    expect(config.connections[0]?.endpoint).toBe('https://modelarts.example.com');
  });

  it('override dry-run, kill switch, every endpoint and the state table', () => {
    const config = parseConfig({
      text,
      env: {
        AUTOSCALER_DRY_RUN: 'yes',
        AUTOSCALER_KILL_SWITCH: 'TRUE',
        AUTOSCALER_ENDPOINT: 'http://127.0.0.1:8787',
        AUTOSCALER_STATE_TABLE: 'from-env',
      },
    });
    expect(config.dryRun).toBe(true);
    expect(config.killSwitch).toEqual({ enabled: true, ssmParameter: '/kill' });
    expect(config.connections.map((connection) => connection.endpoint)).toEqual([
      'http://127.0.0.1:8787',
      'http://127.0.0.1:8787',
    ]);
    expect(config.connections[1]?.auth).toMatchObject({
      type: 'token',
      iamEndpoint: 'http://127.0.0.1:8787',
    });
    expect(config.state).toEqual({ type: 'dynamodb', tableName: 'from-env', region: 'eu-west-1' });
  });

  it('switch a file state to DynamoDB with AUTOSCALER_STATE_TABLE', () => {
    const config = parseConfig({ text: toYaml(minimalConfig()), env: { AUTOSCALER_STATE_TABLE: 'table-1' } });
    expect(config.state).toEqual({ type: 'dynamodb', tableName: 'table-1' });
  });

  it('are validated and reported by variable name, together with the file problems', () => {
    const broken = toYaml({ ...minimalConfig(), intervalSeconds: 0 });
    expect(
      problems(() =>
        parseConfig({
          text: broken,
          env: { AUTOSCALER_KILL_SWITCH: 'sometimes', AUTOSCALER_ENDPOINT: 'ftp://x' },
        }),
      ),
    ).toEqual([
      'AUTOSCALER_KILL_SWITCH: must be true or false (or 1/0, yes/no, on/off)',
      'AUTOSCALER_ENDPOINT: must be an http(s) URL',
      'intervalSeconds: must be >= 1 (got 0)',
    ]);
  });
});

describe('YAML syntax errors', () => {
  it('are reported by line and column without quoting the source', () => {
    const text = 'connections:\n  - name: a\n    sk: "Sup3rS3cretValueThatMustNotLeak\npools: []\n';
    const messages = problems(() => parseConfig({ text, env: {} }));
    expect(messages.length).toBeGreaterThan(0);
    expect(messages[0]).toMatch(/^line \d+, column \d+: /);
    expect(messages.join('\n')).not.toContain('Sup3rS3cret');
  });

  it('include duplicate keys', () => {
    expect(problems(() => parseConfig({ text: 'dryRun: true\ndryRun: false\n', env: {} }))).toEqual([
      'line 2, column 1: Map keys must be unique',
    ]);
  });

  it('are reported once: the first, without the knock-on errors the parser makes after it', async () => {
    // `connections` without its colon in the example config: the parser then misreads the lines below it,
    // and says so eight more times.
    const lines = (await readFile(examplePath, 'utf8')).split('\n');
    const at = lines.indexOf('connections:');
    lines[at] = 'connections';
    expect(problems(() => parseConfig({ text: lines.join('\n'), env: {} }))).toEqual([
      `line ${at + 1}, column 1: A map key must fit on one line (is the colon after a key missing?)`,
    ]);
  });

  it('name the source file in the error message', () => {
    expect(() => parseConfig({ text: 'dryRun: [', env: {}, source: 'my.yaml' })).toThrow(/\(my\.yaml\)/);
  });
});
