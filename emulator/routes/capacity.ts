// Admin routes of the capacity rules (sold out, quotas, ScalingFailed, orders) and the node faults. Both live in
// the pool store, which the emulator resets itself.

import { validated } from '../admin';
import { CapacityRulesChangeSchema } from '../capacity-rules';
import { NodeFaultSchema } from '../node-faults';
import type { EmulatorState, RouteResult } from '../route';

/** `GET|POST /__admin/capacity` (rules, merged), `GET|POST /__admin/node-faults` (one fault, queued). */
export function handleCapacityAdmin(
  method: string,
  path: string,
  body: string | undefined,
  state: EmulatorState,
): RouteResult | undefined {
  if (path === '/__admin/capacity') {
    if (method === 'GET') return { status: 200, body: state.pools.capacity };
    if (method !== 'POST') return undefined;
    return { status: 200, body: state.pools.setCapacity(validated(CapacityRulesChangeSchema, body)) };
  }
  if (path === '/__admin/node-faults') {
    if (method === 'GET') return { status: 200, body: state.pools.faults.pending() };
    if (method !== 'POST') return undefined;
    return { status: 200, body: state.pools.faults.add(validated(NodeFaultSchema, body)) };
  }
  return undefined;
}
