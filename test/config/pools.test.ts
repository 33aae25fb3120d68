import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../lib/config/load';
import { matchPools, resolveBacklogSettings, resolvePoolPolicy } from '../../lib/config/pools';
import { seedPoolNamed, seedPools, toYaml } from './fixtures';

const multiGpu = seedPoolNamed('multi-gpu-pool');
const singleFlavor = seedPoolNamed('single-flavor-pool');
const source = { type: 'static', value: 2 };

const configWith = (pools: unknown[], extra: Record<string, unknown> = {}) =>
  parseConfig({
    text: toYaml({
      connections: [
        { name: 'emulator', region: 'cn-north-7', projectId: 'emulator-project', auth: { type: 'none' } },
        { name: 'other', region: 'cn-north-4', projectId: 'p2' },
      ],
      defaults: { max: 8, backlog: { source } },
      ...extra,
      pools,
    }),
    env: {},
  });

describe('matchPools', () => {
  it('matches pools by name and by label selector, on the given connection only', () => {
    const config = configWith([
      { connection: 'emulator', name: multiGpu.metadata.name, flavors: [{ flavor: '*' }] },
      { connection: 'emulator', selector: { labels: { team: 'nlp' } }, flavors: [{ flavor: '*' }] },
      { connection: 'other', selector: { labels: {} }, flavors: [{ flavor: '*' }] },
    ]);
    const matches = matchPools(config, 'emulator', seedPools);
    expect(matches.map((match) => [match.pool.metadata.name, match.ok && match.poolConfig.index])).toEqual([
      [multiGpu.metadata.name, 0],
      [singleFlavor.metadata.name, 1],
    ]);
    expect(matchPools(config, 'other', seedPools)).toHaveLength(seedPools.length);
  });

  it('matches a selector on the workspace label and on every listed label', () => {
    const config = configWith([
      {
        connection: 'emulator',
        selector: { labels: { autoscaler: 'enabled', team: 'vision' }, workspaceId: '0' },
        flavors: [{ flavor: '*' }],
      },
      {
        connection: 'other',
        selector: { labels: { autoscaler: 'enabled' }, workspaceId: '1' },
        flavors: [{ flavor: '*' }],
      },
    ]);
    expect(matchPools(config, 'emulator', seedPools).map((match) => match.pool)).toEqual([multiGpu]);
    expect(matchPools(config, 'other', seedPools)).toEqual([]);
  });

  it('reports a pool matched by two entries as an error for that pool only', () => {
    const config = configWith([
      { connection: 'emulator', name: multiGpu.metadata.name, flavors: [{ flavor: '*' }] },
      { connection: 'emulator', selector: { labels: { autoscaler: 'enabled' } }, flavors: [{ flavor: '*' }] },
    ]);
    const matches = matchPools(config, 'emulator', seedPools);
    const conflict = matches.find((match) => match.pool === multiGpu);
    expect(conflict).toMatchObject({
      ok: false,
      reason: 'ambiguous-config',
      message: 'pool is matched by more than one config entry (pools[0], pools[1])',
    });
    expect(matches.filter((match) => match.ok).map((match) => match.pool.metadata.name)).toContain(
      singleFlavor.metadata.name,
    );
  });

  it('matches each pool once: ok when one entry selects it, an error when several do, absent when none', () => {
    const labels = fc.dictionary(
      fc.constantFrom('team', 'autoscaler', 'env'),
      fc.constantFrom('nlp', 'vision', 'enabled'),
      {
        maxKeys: 2,
      },
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(labels, {
          minLength: 1,
          maxLength: 3,
          selector: (l) => JSON.stringify(Object.entries(l).sort()),
        }),
        (selectors) => {
          const config = configWith(
            selectors.map((selectorLabels) => ({
              connection: 'emulator',
              selector: { labels: selectorLabels },
              flavors: [{ flavor: '*' }],
            })),
          );
          const matches = matchPools(config, 'emulator', seedPools);
          for (const pool of seedPools) {
            const selecting = selectors.filter((selectorLabels) =>
              Object.entries(selectorLabels).every(([key, value]) => pool.metadata.labels?.[key] === value),
            );
            const matchesOfPool = matches.filter((match) => match.pool === pool);
            expect(matchesOfPool).toHaveLength(selecting.length === 0 ? 0 : 1);
            if (selecting.length > 0) expect(matchesOfPool[0]?.ok).toBe(selecting.length === 1);
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('config.example.yaml against the emulator seed pools', () => {
  it('matches each entry to seed pools, without conflicts, and names only flavors those pools have', async () => {
    const path = new URL('../../config.example.yaml', import.meta.url).pathname;
    const config = await loadConfig({ path, env: {} });
    const matches = matchPools(config, 'emulator', seedPools);
    expect(matches.every((match) => match.ok)).toBe(true);
    for (const poolConfig of config.pools) {
      const pools = matches.flatMap((match) =>
        match.ok && match.poolConfig === poolConfig ? [match.pool] : [],
      );
      expect(pools.length).toBeGreaterThan(0);
      for (const pool of pools) {
        const named = poolConfig.flavors.map((managed) => managed.flavor).filter((flavor) => flavor !== '*');
        const poolFlavors = pool.spec.resources.map((resource) => resource.flavor);
        expect(poolFlavors).toEqual(expect.arrayContaining(named));
        expect(Object.keys(resolvePoolPolicy(config, poolConfig, pool).flavors).length).toBeGreaterThan(0);
      }
    }
  });
});

describe('resolvePoolPolicy', () => {
  const t4 = 'modelarts.vm.gpu.t4u8';
  const tnt = 'modelarts.vm.gpu.tnt004';

  it('layers flavor entry over pool defaults over global defaults over built-ins', () => {
    const config = configWith(
      [
        {
          connection: 'emulator',
          name: multiGpu.metadata.name,
          paused: 'scale-in',
          allowPrepaid: true,
          defaults: { min: 2, scaleDown: { cooldownSeconds: 120 }, backlog: { targetPerNode: 3 } },
          flavors: [
            {
              flavor: t4,
              max: 12,
              scaleDown: { stabilizationWindowSeconds: 60 },
              azStrategy: { weighted: { 'cn-north-7a': 1 } },
            },
            { flavor: tnt, fallback: { fixed: 3 }, backlog: { unit: 'nodes', staleAfterSeconds: 90 } },
          ],
        },
      ],
      { defaults: { max: 8, tolerance: 0.2, backlog: { source, activationThreshold: 5 } } },
    );
    const poolConfig = config.pools[0];
    if (!poolConfig) throw new Error('no pool');
    const policy = resolvePoolPolicy(config, poolConfig, multiGpu);
    expect(policy.paused).toBe('scale-in');
    expect(policy.allowPrepaid).toBe(true);
    expect(policy.flavors[t4]).toMatchObject({
      flavor: t4,
      min: 2,
      max: 12,
      targetPerNode: 3,
      activationThreshold: 5,
      tolerance: 0.2,
      azStrategy: { type: 'weighted', weights: { 'cn-north-7a': 1 } },
      scaleDown: { stabilizationWindowSeconds: 60, cooldownSeconds: 120, enabled: true, selectPolicy: 'Max' },
      fallback: { type: 'hold' },
    });
    // A backlog in nodes has no tolerance band by default, but an inherited tolerance still wins.
    expect(policy.flavors[tnt]).toMatchObject({
      min: 2,
      max: 8,
      tolerance: 0.2,
      fallback: { type: 'fixed', count: 3 },
    });
    expect(policy.flavors[tnt]?.scaleDown.stabilizationWindowSeconds).toBe(120);
    expect(resolveBacklogSettings(config, poolConfig, multiGpu)).toEqual({
      [t4]: { source, unit: 'jobs', staleAfterSeconds: 300 },
      [tnt]: { source, unit: 'nodes', staleAfterSeconds: 90 },
    });
  });

  it("expands '*' to the pool's flavors not listed by name, and leaves unlisted flavors unmanaged", () => {
    const config = configWith([
      {
        connection: 'emulator',
        name: multiGpu.metadata.name,
        flavors: [
          { flavor: tnt, max: 2 },
          { flavor: '*', max: 6 },
        ],
      },
      {
        connection: 'emulator',
        selector: { labels: { team: 'nlp' } },
        flavors: [{ flavor: tnt }, { flavor: 'absent' }],
      },
    ]);
    const [wildcard, exact] = config.pools;
    if (!wildcard || !exact) throw new Error('no pools');
    const policy = resolvePoolPolicy(config, wildcard, multiGpu);
    expect(Object.keys(policy.flavors).sort()).toEqual([t4, tnt]);
    expect(policy.flavors[t4]).toMatchObject({ flavor: t4, max: 6 });
    expect(policy.flavors[tnt]).toMatchObject({ flavor: tnt, max: 2 });
    // Configured flavors the pool does not have are ignored; the pool's own flavor is held (no policy).
    expect(resolvePoolPolicy(config, exact, singleFlavor).flavors).toEqual({});
  });

  it('shares one frozen policy per entry: changing it in place throws and changes neither the config nor another pool', () => {
    const config = configWith([
      { connection: 'emulator', name: multiGpu.metadata.name, flavors: [{ flavor: '*' }] },
    ]);
    const poolConfig = config.pools[0];
    if (!poolConfig) throw new Error('no pool');
    const first = resolvePoolPolicy(config, poolConfig, multiGpu);
    expect(() =>
      first.flavors[t4]?.scaleUp.policies.push({ type: 'Nodes', value: 99, periodSeconds: 1 }),
    ).toThrow(TypeError);
    expect(() => {
      (first.flavors[t4] as { scaleDown: { cooldownSeconds: number } }).scaleDown.cooldownSeconds = 1;
    }).toThrow(TypeError);
    // The flavor's own object is fresh: a pool's copy can be replaced field by field.
    const own = first.flavors[t4];
    if (!own) throw new Error('no t4 policy');
    first.flavors[t4] = { ...own, max: 1 };
    const second = resolvePoolPolicy(config, poolConfig, multiGpu);
    expect(second.flavors[t4]?.scaleUp.policies).toHaveLength(2);
    expect(second.flavors[t4]?.max).not.toBe(1);
    expect(second.flavors[tnt]?.scaleUp.policies).toHaveLength(2);
    expect(Object.isFrozen(poolConfig.flavors[0]?.policy)).toBe(false);
  });

  it('keeps min <= max for any layering of min and max', () => {
    const level = fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined });
    fc.assert(
      fc.property(
        level,
        level,
        level,
        level,
        fc.integer({ min: 1, max: 20 }),
        (gMin, pMin, fMin, pMax, fMax) => {
          const drop = (value: Record<string, unknown>) =>
            Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined));
          const text = toYaml({
            connections: [{ name: 'c', region: 'r', projectId: 'p' }],
            defaults: drop({ min: gMin, backlog: { source } }),
            pools: [
              {
                name: 'p',
                defaults: drop({ min: pMin, max: pMax }),
                flavors: [drop({ flavor: 'f', min: fMin, max: fMax })],
              },
            ],
          });
          const min = fMin ?? pMin ?? gMin ?? 1;
          if (fMax < min) {
            expect(() => parseConfig({ text, env: {} })).toThrow(
              `max: must be >= min (got ${fMax} < ${min})`,
            );
            return;
          }
          const flavorPolicy = parseConfig({ text, env: {} }).pools[0]?.flavors[0]?.policy;
          expect(flavorPolicy).toMatchObject({ min, max: fMax });
        },
      ),
      { numRuns: 50 },
    );
  });
});
