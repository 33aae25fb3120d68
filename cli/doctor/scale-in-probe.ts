// `doctor --probe-scale-in`: on a pool the user has given up for it, the whole idle-node scale-in once, by hand:
// pick ONE idle node, drain it, check it is still idle, delete it by name, then read the pool back and say whether
// spec.resources[].count dropped by itself (node-apis.md: [unconfirmed]). It never PATCHes: a lower count sent
// after a delete could make ModelArts delete a second node it picks itself. No idle node: nothing is changed.
// Like the cycle, it writes only under the pool's lease (taken from the config's state store, fenced before the
// drain and the delete), so it cannot race an autoscaler running on the same state.

import {
  BILLING_ANNOTATION,
  type ModelArtsNode,
  NodeApiMissingError,
  type NodeFacts,
  nodeFacts,
  type Pool,
} from '../../lib/modelarts';
import { plural } from '../../lib/plural';
import { staticKeep } from '../../lib/scale-in/eligibility';
import type { KeptWhy } from '../../lib/scale-in/types';
import { type CheckResult, check, classifyFailure } from './checks';
import type { DoctorApis } from './read-checks';

const probeCheck = (name: string, status: CheckResult['status'], reason: string, needed = true) =>
  check('probe', name, status, reason, needed);

const countOf = (pool: Pool, flavor: string) =>
  pool.spec.resources.find((resource) => resource.flavor === flavor)?.count;

/** The probe's words for the scale-in choice's reasons to keep a node. */
const KEPT_TEXT: Partial<Record<KeptWhy, string>> = {
  'no-ip': 'no private IP to check its jobs',
  prepaid: 'yearly/monthly',
  'billing-unknown': 'billing unknown',
  'drained-by-others': 'drained already (by someone else?)',
};

/**
 * Why a node may not go, from its own answer; undefined when it may (the workloads read decides the rest). The
 * cycle's rules (lib/scale-in/eligibility.ts), plus one of the probe's own: it never takes a flavor's last node.
 */
export function keptBecause(facts: NodeFacts, pool: Pool): string | undefined {
  const why = staticKeep(facts, undefined);
  if (why === 'not-available') return `phase ${facts.phase}`;
  if (why !== undefined) return KEPT_TEXT[why] ?? why;
  if (facts.acceleratorsBusy === true) return 'accelerators in use';
  // The pool keeps at least one node per flavor: a delete must leave one.
  if ((countOf(pool, facts.flavor) ?? 0) < 2) return 'last node of its flavor';
  return undefined;
}

const tally = (reasons: readonly string[]) => {
  const counts = new Map<string, number>();
  for (const reason of reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return [...counts].map(([reason, count]) => `${count} ${reason}`).join(', ');
};

interface Pick {
  node?: NodeFacts;
  kept: string[];
}

/** One idle node of the pool, by name order, or why each was kept. */
async function pickIdle(apis: DoctorApis, pool: Pool, nodes: readonly ModelArtsNode[]): Promise<Pick> {
  const billing = pool.metadata.annotations?.[BILLING_ANNOTATION];
  const kept: string[] = [];
  const candidates: NodeFacts[] = [];
  for (const node of [...nodes].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const facts = nodeFacts(node, billing);
    const why = keptBecause(facts, pool);
    if (why) kept.push(why);
    else candidates.push(facts);
  }
  const ips = candidates.map((facts) => facts.privateIp as string);
  const hosts = await apis.workloads.listWorkloadsOnHosts(pool.metadata.name, ips);
  const node = candidates.find((facts) => hosts.idle.has(facts.privateIp as string));
  for (const facts of candidates) if (hosts.busy.has(facts.privateIp as string)) kept.push('a job on its IP');
  return { kept, ...(node ? { node } : {}) };
}

/** Whether the node is still idle now: its own answer, then the jobs on its IP. */
async function stillIdle(apis: DoctorApis, pool: Pool, name: string): Promise<string | undefined> {
  const node = nodeFacts(
    await apis.nodes.getNode(pool.metadata.name, name),
    pool.metadata.annotations?.[BILLING_ANNOTATION],
  );
  if (node.phase !== 'Available') return `it is ${node.phase} now`;
  if (node.acceleratorsBusy === true) return 'its accelerators are in use now';
  const hosts = await apis.workloads.listWorkloadsOnHosts(pool.metadata.name, [node.privateIp as string]);
  return hosts.busy.size > 0 ? 'a job holds it now' : undefined;
}

const failedStep = (name: string, error: unknown, after: string) => {
  const { status, reason } = classifyFailure(error);
  return probeCheck(name, status, `${reason}; ${after}`);
};

/** The pool's lease, as the probe needs it (built over the StateStore by the command). */
export interface ProbeLease {
  /** False when another holder (an autoscaler cycle) has the pool. */
  take(): Promise<boolean>;
  /** The fence right before a write: false once the lease was lost. */
  fence(): Promise<boolean>;
  release(): Promise<void>;
}

const leaseLost = (step: string, after: string) =>
  probeCheck(step, 'failed', `the pool's lease was lost (an autoscaler took the pool?): ${after}`);

/**
 * Runs the probe under the pool's lease; the user has confirmed. Each step is a line; the first that fails ends
 * it.
 */
export async function probeScaleIn(
  apis: DoctorApis,
  poolName: string,
  lease: ProbeLease,
): Promise<CheckResult[]> {
  try {
    if (!(await lease.take()))
      return [
        probeCheck(
          'lease',
          'failed',
          'another holder (an autoscaler cycle) has the pool: pause it for this pool and try again; nothing was changed',
        ),
      ];
  } catch (error) {
    return [failedStep('lease', error, 'nothing was changed')];
  }
  try {
    return await probeUnderLease(apis, poolName, lease);
  } finally {
    await lease.release().catch(() => undefined);
  }
}

async function probeUnderLease(
  apis: DoctorApis,
  poolName: string,
  lease: ProbeLease,
): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  let pool: Pool;
  let pick: Pick;
  try {
    pool = await apis.client.getPool(poolName);
    pick = await pickIdle(apis, pool, await apis.nodes.listNodes(poolName));
  } catch (error) {
    return [failedStep('pick', error, 'nothing was changed')];
  }
  const kept = pick.kept.length > 0 ? `; kept: ${tally(pick.kept)}` : '';
  const node = pick.node;
  if (!node) return [probeCheck('pick', 'skipped', `no idle node: nothing was changed${kept}`, false)];
  const before = countOf(pool, node.flavor) as number;
  const where = `${node.name} (${node.flavor}, ${node.az ?? 'no AZ'}, ${node.privateIp})`;
  out.push(probeCheck('pick', 'ok', `${where} is idle${kept}`));

  if (!(await lease.fence())) return [...out, leaseLost('drain', 'nothing was changed')];
  try {
    await apis.nodes.drainNodes(poolName, [node.name]);
    out.push(probeCheck('drain', 'ok', `${node.name} drained`));
  } catch (error) {
    if (!(error instanceof NodeApiMissingError))
      return [...out, failedStep('drain', error, 'nothing was deleted')];
    out.push(
      probeCheck('drain', 'missing', 'batch-drain is missing: going on undrained, as the cycle would', false),
    );
  }

  try {
    const busy = await stillIdle(apis, pool, node.name);
    if (busy)
      return [
        ...out,
        probeCheck(
          're-check',
          'skipped',
          `${busy}: not deleted; it stays drained (no undrain is documented)`,
          false,
        ),
      ];
    out.push(probeCheck('re-check', 'ok', `${node.name} is still idle`));
    if (!(await lease.fence())) return [...out, leaseLost('delete', `${node.name} may stay drained`)];
    await apis.nodes.deleteNodes(poolName, [node.name]);
    out.push(probeCheck('delete', 'ok', `${node.name} deleted by name`));
  } catch (error) {
    return [...out, failedStep('delete', error, `${node.name} may stay drained`)];
  }

  try {
    const after = countOf(await apis.client.getPool(poolName), node.flavor);
    return [...out, countCheck(node.flavor, before, after)];
  } catch (error) {
    return [...out, failedStep('count', error, 'read the pool again to see its count')];
  }
}

function countCheck(flavor: string, before: number, after: number | undefined): CheckResult {
  const change = `${flavor} count ${before} -> ${after ?? '(flavor gone)'}`;
  if (after === before - 1) return probeCheck('count', 'ok', `${change}: dropped by itself after the delete`);
  if (after === before)
    return probeCheck(
      'count',
      'failed',
      `${change}: count-not-lowered, the platform kept the count (doctor sent no PATCH); the cycle would stop idle-node scale-in on this pool`,
    );
  return probeCheck(
    'count',
    'warn',
    `${change}: changed by ${plural(Math.abs(before - (after ?? 0)), 'node')}, not by the one deleted`,
    false,
  );
}
