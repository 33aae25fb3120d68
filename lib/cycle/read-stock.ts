// Step 4b: flavor stock per AZ (issue #15), read once per cycle per connection and shared through the state store
// for STOCK_SHARE_MS, so that the workers a cycle fans out to do not each read it. Stock can only hold growth
// back, never start a change: so it is read only for the connections where the plan without it grows a managed,
// stock-aware flavor, and those pools are planned again with it (a cycle that grows nothing costs no request). A read that fails leaves the stock unknown (never "sold out") and fails no pool: it
// is reported once, as a cycle warning. A dry run reads it fresh and writes nothing.

import { z } from 'zod';
import { type CapacitySettings, DEFAULT_CAPACITY, type FlavorStockMap } from '../capacity/types';
import { createFlavorsApi } from '../modelarts/flavors';
import { type Plan, type PoolPlan, plan } from '../scaling/plan';
import type { CycleDeps, CycleWarning, Prepared } from './types';

/** How long one connection's stock read serves every invocation. */
export const STOCK_SHARE_MS = 60_000;

/** The shared item of a connection's stock. */
export const stockKey = (connection: string) => `stock#${connection}`;

const StockMapSchema = z.record(z.string(), z.record(z.string(), z.string()));

/** The flavor's capacity settings (config `capacity:`; absent: the defaults). */
export const capacitySettings = (policy: { capacity?: CapacitySettings } | undefined): CapacitySettings =>
  policy?.capacity ?? DEFAULT_CAPACITY;

/** The connections with a pool that has a managed, stock-aware flavor. */
export function stockAwareConnections(prepared: readonly Prepared[]): string[] {
  const names = new Set<string>();
  for (const { snapshot, input } of prepared) {
    if (names.has(snapshot.connection.name)) continue;
    if (Object.values(input.policy.flavors).some((policy) => capacitySettings(policy).stockAware))
      names.add(snapshot.connection.name);
  }
  return [...names];
}

async function sharedStock(
  deps: CycleDeps,
  connection: string,
  at: number,
): Promise<FlavorStockMap | undefined> {
  const item = await deps.store.loadShared(stockKey(connection)).catch(() => undefined);
  // A read from the future (another clock) is as good as one from now, up to the same window.
  if (item === undefined || Math.abs(at - item.at) >= STOCK_SHARE_MS) return undefined;
  const parsed = StockMapSchema.safeParse(item.value);
  return parsed.success ? parsed.data : undefined;
}

async function freshStock(deps: CycleDeps, connection: string): Promise<FlavorStockMap> {
  const list = await createFlavorsApi(deps.clients(connection)).listFlavorStock();
  const stock: FlavorStockMap = {};
  for (const flavor of list.flavors) stock[flavor.flavor] = flavor.azs;
  return stock;
}

export interface StockRead {
  /** connection -> stock; a connection that is absent has unknown stock. */
  stock: Map<string, FlavorStockMap>;
  warnings: CycleWarning[];
}

export async function readStock(
  deps: CycleDeps,
  prepared: readonly Prepared[],
  dryRun: boolean,
  at: number,
): Promise<StockRead> {
  const read: StockRead = { stock: new Map(), warnings: [] };
  await Promise.all(
    stockAwareConnections(prepared).map(async (connection) => {
      const shared = dryRun ? undefined : await sharedStock(deps, connection, at);
      if (shared !== undefined) {
        read.stock.set(connection, shared);
        return;
      }
      try {
        const stock = await freshStock(deps, connection);
        read.stock.set(connection, stock);
        if (!dryRun) await deps.store.saveShared(stockKey(connection), stock, at).catch(() => undefined);
      } catch (error) {
        // ModelArts and store errors carry secret-free messages by construction.
        const why = error instanceof Error ? error.message : String(error);
        read.warnings.push({
          code: 'stock-unknown',
          connection,
          message: `flavor stock of connection ${connection} could not be read (growth goes on without it): ${why}`,
        });
      }
    }),
  );
  return read;
}

/** Whether the plan grows a flavor of the pool. */
export const grows = (poolPlan: PoolPlan): boolean =>
  poolPlan.flavors.some((decision) => decision.managed && decision.target > decision.current);

/**
 * Reads the stock of the connections whose pools `planned` grows, gives it to every pool of those connections
 * (their input, also used by the re-plan under the lease) and plans the growing pools again with it, in place.
 */
export async function withStockWhereGrowing(
  deps: CycleDeps,
  prepared: Prepared[],
  planned: Plan,
  dryRun: boolean,
  killSwitch: boolean,
  at: number,
): Promise<StockRead> {
  const growing = prepared.filter((_, index) => grows(planned.pools[index] as PoolPlan));
  if (growing.length === 0) return { stock: new Map(), warnings: [] };
  const read = await readStock(deps, growing, dryRun, at);
  prepared.forEach((entry, index) => {
    const stock = read.stock.get(entry.snapshot.connection.name);
    if (stock === undefined) return;
    entry.input.stock = stock;
    if (grows(planned.pools[index] as PoolPlan))
      planned.pools[index] = plan({ now: at, killSwitch, pools: [entry.input] }).pools[0] as PoolPlan;
  });
  return read;
}
