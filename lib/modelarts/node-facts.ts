// What a scale-in needs to know about one node, read from its answer. Where the docs leave a reading open, it
// leans to "keep the node": an unreadable lock is a lock, an unknown drain value is a drain.

import type { ModelArtsNode, NodeTaint } from './node-schemas';

export const DRAIN_ANNOTATION = 'os.modelarts.node/drain';
export const LOCK_ANNOTATION = 'os.modelarts.node/lock.action';
export const BILLING_ANNOTATION = 'os.modelarts/billing.mode';
export const NPU_PLACEMENT_ANNOTATION = 'os.modelarts/npu-topology-placement';

export type NodeBillingMode = 'pay-per-use' | 'yearly-monthly' | 'unknown';

export interface NodeFacts {
  name: string;
  flavor: string;
  /** As the API says it: `Available`, ..., or a phase it adds later. */
  phase: string;
  az: string | undefined;
  privateIp: string | undefined;
  /** `metadata.creationTimestamp` in epoch ms, when readable. */
  createdAt: number | undefined;
  /** Annotation `os.modelarts.node/drain` set to anything but `false`. */
  drained: boolean;
  /** Annotation `os.modelarts.node/lock.action` set (batch-lock writes the locked actions there). */
  deleteLocked: boolean;
  billing: NodeBillingMode;
  /**
   * Whether some accelerator is taken: `availableResources` below `resources` for a GPU or Ascend key, or a 1
   * in `npu-topology-placement`. Undefined when the node reports no accelerator. CPU and memory are not
   * compared: system pods take some on an idle node.
   */
  acceleratorsBusy: boolean | undefined;
  taints: NodeTaint[];
}

const ACCELERATOR = /^(nvidia\.com\/gpu|huawei\.com\/ascend-.+)$/;

/**
 * The facts of `node`. Its billing comes from its own `os.modelarts/billing.mode` annotation when present
 * ([unconfirmed] that nodes carry it), else from the pool's (`poolBillingMode`): an unmarked node of a
 * yearly/monthly pool is taken as yearly/monthly, which is never deleted.
 */
export function nodeFacts(node: ModelArtsNode, poolBillingMode?: string): NodeFacts {
  const annotations = node.metadata.annotations ?? {};
  const lock = annotations[LOCK_ANNOTATION];
  const drain = annotations[DRAIN_ANNOTATION];
  const created = Date.parse(node.metadata.creationTimestamp ?? '');
  return {
    name: node.metadata.name,
    flavor: node.spec.flavor,
    phase: node.status.phase,
    az: node.status.az,
    privateIp: node.status.privateIp,
    createdAt: Number.isNaN(created) ? undefined : created,
    drained: drain !== undefined && drain.trim().toLowerCase() !== 'false',
    deleteLocked: lock !== undefined && lock.trim() !== '',
    billing: billingMode(annotations[BILLING_ANNOTATION] ?? poolBillingMode),
    acceleratorsBusy: acceleratorsBusy(node),
    taints: node.status.taints ?? [],
  };
}

function billingMode(mode: string | undefined): NodeBillingMode {
  if (mode === '0') return 'pay-per-use';
  if (mode === '1') return 'yearly-monthly';
  return 'unknown';
}

function acceleratorsBusy(node: ModelArtsNode): boolean | undefined {
  const total = node.status.resources ?? {};
  const free = node.status.availableResources ?? {};
  const keys = Object.keys(total).filter((key) => ACCELERATOR.test(key));
  const placement = node.metadata.annotations?.[NPU_PLACEMENT_ANNOTATION];
  if (keys.length === 0 && placement === undefined) return undefined;
  if (placement?.includes('1')) return true;
  // A key missing from availableResources, or a value that is not a number, reads as taken.
  return keys.some((key) => !(quantity(free[key]) >= quantity(total[key])));
}

/** A plain count (`"8"`, `8`); accelerators are whole devices, so suffixed quantities are not expected. */
function quantity(value: string | number | undefined): number {
  if (typeof value === 'number') return value;
  return value !== undefined && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
}
