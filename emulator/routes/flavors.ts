// Flavor stock (node-apis.md, "flavor stock"): GET /v1/{project_id}/resourceflavors lists every flavor the
// emulator's pools use, with `status.phase` the per-AZ stock (`normal` | `soldout`) from the FlavorStockStore.
// Plus the admin route that sets the stock.

import { validated } from '../admin';
import { FlavorStockChangeSchema } from '../flavor-stock';
import type { EmulatorState, Route, RouteResult } from '../route';

/** flavor -> the AZs its nodes sit in, over every pool. */
function flavorsInUse(state: EmulatorState): Map<string, Set<string>> {
  const present = new Map<string, Set<string>>();
  for (const pool of state.pools.all()) {
    for (const resource of pool.spec.resources)
      if (!present.has(resource.flavor)) present.set(resource.flavor, new Set());
    for (const node of state.pools.nodes(pool.metadata.name)?.nodes ?? [])
      present.get(node.flavor)?.add(node.az);
  }
  return present;
}

export const listFlavors: Route = {
  name: 'listFlavors',
  method: 'GET',
  path: '/v1/{project_id}/resourceflavors',
  auth: 'modelarts',
  // `labelSelector` is accepted and ignored: the emulator's flavors carry no labels.
  handle({ state }) {
    const stock = state.flavorStock.render(flavorsInUse(state));
    const items = Object.entries(stock).map(([name, azs]) => ({
      apiVersion: 'v1',
      kind: 'ResourceFlavor',
      metadata: { name },
      spec: { type: 'Dedicate' },
      status: { phase: azs },
    }));
    return { status: 200, body: { apiVersion: 'v1', kind: 'List', metadata: {}, items } };
  },
};

/** `GET /__admin/flavor-stock` (as the API would list it), `POST` (`{flavor: {az: "normal"|"soldout"}}`, merged). */
export function handleFlavorsAdmin(
  method: string,
  path: string,
  body: string | undefined,
  state: EmulatorState,
): RouteResult | undefined {
  if (path !== '/__admin/flavor-stock') return undefined;
  if (method === 'POST') state.flavorStock.set(validated(FlavorStockChangeSchema, body));
  else if (method !== 'GET') return undefined;
  return { status: 200, body: state.flavorStock.render(flavorsInUse(state)) };
}
