// Per-AZ stock of the flavors GET /v1/{project_id}/resourceflavors lists. Every flavor of a pool is listed, in
// the AZs its nodes sit in, `normal` unless set otherwise; a stock set for a flavor or AZ no pool has adds it.
// Set at start (EmulatorOptions.flavorStock), from a test (setFlavorStock) or over HTTP
// (POST /__admin/flavor-stock); reset restores the starting stock.

import { z } from 'zod';

export const AZ_STOCK = ['normal', 'soldout'] as const;
export type EmulatorAzStock = (typeof AZ_STOCK)[number];

/** flavor -> AZ -> stock. */
export const FlavorStockChangeSchema = z.record(
  z.string().min(1),
  z.record(z.string().min(1), z.enum(AZ_STOCK)),
);
export type FlavorStockChange = z.infer<typeof FlavorStockChangeSchema>;

export class FlavorStockStore {
  #stock: FlavorStockChange = {};

  constructor(private readonly starting: FlavorStockChange = {}) {
    this.reset();
  }

  reset(): void {
    this.#stock = {};
    this.set(this.starting);
  }

  /** Merges `change` into the stock (per flavor, per AZ); throws a ZodError naming a bad field. */
  set(change: unknown): FlavorStockChange {
    for (const [flavor, azs] of Object.entries(FlavorStockChangeSchema.parse(change)))
      this.#stock[flavor] = { ...this.#stock[flavor], ...azs };
    return this.snapshot();
  }

  /** Whether the flavor is set sold out in the AZ (a flavor or AZ not set has stock). */
  soldOut(flavor: string, az: string): boolean {
    return this.#stock[flavor]?.[az] === 'soldout';
  }

  snapshot(): FlavorStockChange {
    return structuredClone(this.#stock);
  }

  /** The stock of each flavor in `present` (flavor -> its AZs) and of each one set, `normal` unless set. */
  render(present: ReadonlyMap<string, ReadonlySet<string>>): FlavorStockChange {
    const flavors = new Set([...present.keys(), ...Object.keys(this.#stock)]);
    const out: FlavorStockChange = {};
    for (const flavor of [...flavors].sort()) {
      const set = this.#stock[flavor] ?? {};
      const azs = [...new Set([...(present.get(flavor) ?? []), ...Object.keys(set)])].sort();
      out[flavor] = Object.fromEntries(azs.map((az) => [az, set[az] ?? 'normal']));
    }
    return out;
  }
}
