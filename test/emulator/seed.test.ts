import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSeedPools } from '../../emulator/server';
import { POOL_NAME_PATTERN, type Pool, parsePool } from '../../lib/modelarts/schemas';

const pools: Pool[] = (await loadSeedPools()).map(parsePool);
const readme = readFileSync(new URL('../../emulator/README.md', import.meta.url), 'utf8');
const total = (entries: { count?: number | undefined }[] | undefined) =>
  (entries ?? []).reduce((sum, entry) => sum + (entry.count ?? 0), 0);
const find = (predicate: (pool: Pool) => boolean) =>
  pools.filter(predicate).map((pool) => pool.metadata.labels?.['os.modelarts/name']);

describe('the bundled seed', () => {
  it.each(pools.map((pool) => [pool.metadata.name, pool] as const))(
    '%s is consistent and documented',
    (name, pool) => {
      expect(name).toMatch(POOL_NAME_PATTERN);
      const displayName = pool.metadata.labels?.['os.modelarts/name'] ?? '';
      expect(name).toBe(`${displayName}-${name.slice(-32)}`);
      expect(name.slice(-32)).toMatch(/^[0-9a-f]{32}$/);
      expect(readme).toContain(displayName);
      const resources = pool.status?.resources;
      for (const { flavor, count, azs } of pool.spec.resources) {
        if (azs) expect(total(azs)).toBe(count);
        const of = (state: 'available' | 'abnormal' | 'creating') =>
          resources?.[state]?.filter((entry) => entry.flavor === flavor);
        // Nodes present or on their way add up to the spec.
        expect(total(of('available')) + total(of('abnormal')) + total(of('creating'))).toBe(count);
      }
    },
  );

  it('holds every kind of pool the scaler must handle', () => {
    const mode = (pool: Pool) => pool.spec.controlMode ?? 0;
    expect(find((pool) => (mode(pool) & 8) !== 0)).toEqual(['frozen-pool']);
    expect(find((pool) => mode(pool) === 2)).toEqual(['spec-restricted-pool']);
    expect(find((pool) => mode(pool) === 1)).toEqual(['billing-restricted-pool']);
    expect(find((pool) => pool.status?.phase === 'Creating')).toEqual(['creating-pool']);
    expect(find((pool) => pool.status?.phase === 'Abnormal')).toEqual(['abnormal-pool']);
    expect(find((pool) => pool.metadata.annotations?.['os.modelarts/billing.mode'] === '1')).toEqual([
      'prepaid-pool',
    ]);
    expect(
      find(
        (pool) =>
          pool.spec.resources.length >= 2 &&
          pool.spec.resources.every((resource) => (resource.azs?.length ?? 0) >= 2),
      ),
    ).toEqual(['multi-gpu-pool']);
    expect(
      find(
        (pool) =>
          pool.spec.resources.length === 1 &&
          !pool.spec.resources[0]?.azs &&
          pool.metadata.labels?.autoscaler === 'enabled',
      ),
    ).toContain('single-flavor-pool');
    expect(pools.some((pool) => pool.metadata.name === 'auto-pool-os-86c13962597848eeb29c5861153a391f')).toBe(
      true,
    );
  });
});
