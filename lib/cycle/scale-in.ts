// Step 5b: idle-node scale-in for a pool whose fresh plan has `scaleIn` and no PATCH (issue #14). Under the
// pool's lease (or, for a dry run, with the same reads and no writes): list the nodes, read the workloads on the
// candidate IPs once, let the pure choice name the nodes, then undrain, drain and delete them, each write behind
// a fresh kill-switch reading and a lease fence. After a delete the pool is read back: a count that did not
// drop stops scale-in for the pool (never followed by a lower-count PATCH).

import { nextConflict } from '../capacity/conflict';
import { builtInFlavorDefaults } from '../config/defaults';
import type { ModelArtsClient } from '../modelarts/client';
import { ModelArtsApiError } from '../modelarts/errors';
import { NodeApiMissingError, NodeDrainIncompleteError } from '../modelarts/node-errors';
import { type NodeFacts, nodeFacts } from '../modelarts/node-facts';
import { createNodesApi } from '../modelarts/nodes';
import type { Pool } from '../modelarts/schemas';
import type { Deadline } from '../modelarts/transport';
import { createWorkloadsApi } from '../modelarts/workloads';
import { chooseScaleIn } from '../scale-in/choose';
import { staticKeep } from '../scale-in/eligibility';
import type { NodeChoice, ScaleInChoice, ScaleInMemory } from '../scale-in/types';
import { PREPAID_ANNOTATION } from '../scaling/guards';
import type { PoolPlan } from '../scaling/plan';
import { msg, type Reason, reason } from '../scaling/reasons';
import { isConflict } from './conflict-backoff';
import type { PoolStatus, ScaleInReport } from './types';

export interface ScaleInStep {
  client: ModelArtsClient;
  /** The pool as read just now (under the lease for apply). */
  pool: Pool;
  plan: PoolPlan;
  memory: ScaleInMemory | undefined;
  deadline?: Deadline;
  now: () => number;
  /** Before each write: true when it may go (kill switch off, lease fenced). Undefined: a dry run. */
  mayWrite?: () => Promise<WriteGate>;
}

export type WriteGate = 'go' | 'kill-switch' | 'lease-lost';

export interface ScaleInResult {
  status: PoolStatus;
  /** Reasons to add to the pool's plan (node-api-unavailable, drain-unavailable, count-not-lowered, ...). */
  reasons: Reason[];
  report: ScaleInReport;
  /** The memory to save with the history. */
  memory: ScaleInMemory;
  /** A write that failed part-way (a drain call after others went through): the memory still says what did. */
  error?: unknown;
}

const emptyReport = (): ScaleInReport => ({ drained: [], deleted: [], undrained: [], picked: [], kept: [] });

/** A node or workload API that refused the scaler (403, or 404 for the API itself): a loud guard, not a failure. */
function refused(error: unknown): boolean {
  return (
    error instanceof ModelArtsApiError &&
    (error.status === 403 || (error.status === 404 && error.errorCode !== 'ModelArts.50015001'))
  );
}

const apiUnavailable = (what: string, error: ModelArtsApiError): Reason =>
  reason(
    'node-api-unavailable',
    msg`the ${what} API answered ${error.status}${error.errorCode ? ` ${error.errorCode}` : ''}: no scale-in for this pool until it is allowed (node read, drain, delete; workloads read)`,
  );

export async function runScaleIn(step: ScaleInStep): Promise<ScaleInResult> {
  const memory: ScaleInMemory = step.memory ?? { nodes: {} };
  const flavors = step.plan.scaleIn ?? [];
  const poolName = step.pool.metadata.name;
  const options = step.deadline === undefined ? {} : { deadline: step.deadline };
  const nodesApi = createNodesApi(step.client);
  const workloads = createWorkloadsApi(step.client);
  const quiet = (reasons: Reason[] = []): ScaleInResult => ({
    status: 'unchanged',
    reasons,
    report: emptyReport(),
    memory,
  });
  if (memory.stopped !== undefined || flavors.length === 0) return quiet();
  const waiting = memory.conflict;
  if (waiting !== undefined && waiting.until > step.now()) {
    return quiet([
      reason(
        'scale-in-backoff',
        msg`ModelArts answered a node operation with a conflict ${waiting.failures} time(s) in a row: scale-in waits until ${new Date(waiting.until).toISOString()}`,
      ),
    ]);
  }

  let facts: NodeFacts[];
  try {
    const billing = step.pool.metadata.annotations?.[PREPAID_ANNOTATION];
    facts = (await nodesApi.listNodes(poolName, options)).map((node) => nodeFacts(node, billing));
  } catch (error) {
    if (refused(error)) return quiet([apiUnavailable('node list', error as ModelArtsApiError)]);
    throw error;
  }
  const wanted = new Set(flavors.map((flavor) => flavor.flavor));
  const replacing = new Set(
    flavors
      .filter((flavor) => flavor.replaceAbnormalAfterSeconds !== undefined)
      .map((flavor) => flavor.flavor),
  );
  // An Abnormal node that may be replaced is asked about like an Available one: is a workload on it?
  const asAvailable = (node: NodeFacts) =>
    replacing.has(node.flavor) && node.phase === 'Abnormal' ? { ...node, phase: 'Available' } : node;
  const ips = facts
    .filter(
      (node) =>
        wanted.has(node.flavor) && staticKeep(asAvailable(node), memory.nodes[node.name]) === undefined,
    )
    .map((node) => node.privateIp as string);
  let busy: Set<string>;
  try {
    busy = (await workloads.listWorkloadsOnHosts(poolName, ips, options)).busy;
  } catch (error) {
    if (refused(error)) return quiet([apiUnavailable('workloads', error as ModelArtsApiError)]);
    throw error;
  }

  const choice = chooseScaleIn({
    now: step.now(),
    settings: {
      method: 'idle-nodes',
      idleSeconds: builtInFlavorDefaults.scaleDown.idleSeconds,
      drainSeconds: 0,
    },
    flavors,
    nodes: facts,
    busyIps: busy,
    memory,
    drainAvailable: memory.drainUnavailableSince === undefined,
    undrainAvailable: memory.undrainUnavailableSince === undefined,
  });
  const reasons: Reason[] = choice.reasons.map((r) => reason(r.code as Reason['code'], r.message));
  const report: ScaleInReport = {
    drained: choice.drain,
    deleted: choice.delete,
    undrained: choice.undrain,
    picked: choice.pick,
    kept: choice.kept,
  };
  if (step.mayWrite === undefined) {
    const acts = choice.drain.length + choice.delete.length + choice.undrain.length > 0;
    return { status: acts ? 'dry-run' : 'unchanged', reasons, report, memory };
  }
  try {
    const result = await applyChoice(step, choice, facts, reasons, report);
    if (isConflict(result.error)) return backOff(result, memory.conflict, step.now());
    if (result.error === undefined && result.status !== 'skipped' && result.status !== 'lease-lost')
      delete result.memory.conflict;
    return result;
  } catch (error) {
    if (!isConflict(error)) throw error;
    // The first write was refused, so nothing of this choice went out: the memory stays as it was loaded.
    return backOff(
      { status: 'failed', reasons, report: emptyReport(), memory, error },
      memory.conflict,
      step.now(),
    );
  }
}

function backOff(result: ScaleInResult, previous: ScaleInMemory['conflict'], now: number): ScaleInResult {
  const conflict = nextConflict(previous, now);
  const waits = reason(
    'scale-in-backoff',
    msg`ModelArts answered a node operation with a conflict (${conflict.failures} in a row): scale-in is tried again after ${(conflict.until - now) / 1000} s`,
  );
  return { ...result, reasons: [...result.reasons, waits], memory: { ...result.memory, conflict } };
}

/** The writes, in order: put back, drain, delete. A refused gate stops the rest and forgets what was not sent. */
async function applyChoice(
  step: ScaleInStep,
  choice: ScaleInChoice,
  facts: readonly NodeFacts[],
  reasons: Reason[],
  report: ScaleInReport,
): Promise<ScaleInResult> {
  const poolName = step.pool.metadata.name;
  const options = step.deadline === undefined ? {} : { deadline: step.deadline };
  const nodesApi = createNodesApi(step.client);
  const memory = choice.memory;
  const before = step.memory?.nodes ?? {};
  const sent: ScaleInReport = {
    drained: [],
    deleted: [],
    undrained: [],
    picked: choice.pick,
    kept: report.kept,
  };
  const result = (status: PoolStatus): ScaleInResult => ({ status, reasons, report: sent, memory });
  const gate = async (): Promise<PoolStatus | undefined> => {
    const answer = await (step.mayWrite as () => Promise<WriteGate>)();
    return answer === 'go' ? undefined : answer === 'lease-lost' ? 'lease-lost' : 'skipped';
  };
  const unsent = (nodes: readonly NodeChoice[], restore: (name: string) => void) => {
    for (const node of nodes) restore(node.name);
  };
  const forgetDrain = (name: string) => {
    const entry = memory.nodes[name];
    if (entry !== undefined) delete entry.drainedAt;
  };
  const keepDrain = (name: string) => {
    const entry = memory.nodes[name];
    const drainedAt = before[name]?.drainedAt;
    if (entry !== undefined && drainedAt !== undefined) entry.drainedAt = drainedAt;
  };

  if (choice.undrain.length > 0) {
    const stop = await gate();
    if (stop !== undefined) {
      unsent(choice.undrain, keepDrain);
      unsent(choice.drain, forgetDrain);
      return result(stop);
    }
    try {
      await nodesApi.undrainNodes(
        poolName,
        choice.undrain.map((node) => node.name),
        options,
      );
      sent.undrained = choice.undrain;
    } catch (error) {
      if (!(error instanceof NodeApiMissingError)) throw error;
      // No undrain here: the nodes stay drained, and from now on drained nodes are deleted and regrown.
      unsent(choice.undrain, keepDrain);
      memory.undrainUnavailableSince = step.now();
    }
  }

  if (choice.drain.length > 0) {
    const stop = await gate();
    if (stop !== undefined) {
      unsent(choice.drain, forgetDrain);
      return result(stop);
    }
    try {
      await nodesApi.drainNodes(
        poolName,
        choice.drain.map((node) => node.name),
        options,
      );
      sent.drained = choice.drain;
    } catch (error) {
      if (error instanceof NodeDrainIncompleteError) {
        const drained = new Set(error.drained);
        sent.drained = choice.drain.filter((node) => drained.has(node.name));
        unsent(
          choice.drain.filter((node) => !drained.has(node.name)),
          forgetDrain,
        );
        return { ...result('drained'), error };
      }
      if (!(error instanceof NodeApiMissingError)) throw error;
      unsent(choice.drain, forgetDrain);
      memory.drainUnavailableSince = step.now();
      reasons.push(
        reason(
          'drain-unavailable',
          'batch-drain is not available: nodes are deleted only when idle on two reads drainSeconds apart',
        ),
      );
    }
  }

  // Drains may have gone out: whatever fails now, the memory of what was sent is saved with the history.
  try {
    return result(await deleteStep(step, choice, facts, reasons, sent, gate));
  } catch (error) {
    return { ...result(statusOf(sent)), error };
  }
}

/** Deletes the chosen nodes still idle, and reads the pool back; the status to report. */
async function deleteStep(
  step: ScaleInStep,
  choice: ScaleInChoice,
  facts: readonly NodeFacts[],
  reasons: Reason[],
  sent: ScaleInReport,
  gate: () => Promise<PoolStatus | undefined>,
): Promise<PoolStatus> {
  const poolName = step.pool.metadata.name;
  const options = step.deadline === undefined ? {} : { deadline: step.deadline };
  const memory = choice.memory;
  let going = choice.delete;
  // Without a drain, a picked node could have taken a job since the read: read again just before the delete.
  const undrained = going.filter((node) => memory.nodes[node.name]?.drainedAt === undefined);
  if (undrained.length > 0) {
    const ipOf = new Map(facts.map((node) => [node.name, node.privateIp as string]));
    const again = await createWorkloadsApi(step.client).listWorkloadsOnHosts(
      poolName,
      undrained.map((node) => ipOf.get(node.name) as string),
      options,
    );
    going = going.filter(
      (node) =>
        memory.nodes[node.name]?.drainedAt !== undefined || !again.busy.has(ipOf.get(node.name) as string),
    );
    for (const node of undrained) {
      const entry = memory.nodes[node.name];
      if (entry !== undefined && again.busy.has(ipOf.get(node.name) as string)) {
        delete entry.pickedAt;
        delete entry.idleSince;
      }
    }
  }
  if (going.length > 0) {
    const stop = await gate();
    if (stop !== undefined) return stop;
    await deleteAll(
      createNodesApi(step.client),
      poolName,
      going.map((node) => node.name),
      options,
    );
    sent.deleted = going;
    const stopped = await checkCountDropped(step, going);
    if (stopped !== undefined) {
      memory.stopped = stopped;
      reasons.push(
        reason(
          'count-not-lowered',
          msg`deleting ${stopped.nodes.join(', ')} left ${stopped.flavor} at ${stopped.countAfter} (was ${stopped.countBefore}): scale-in stopped until \`state reset --pool\``,
        ),
      );
      return 'count-not-lowered';
    }
  }
  return statusOf(sent);
}

function statusOf(sent: ScaleInReport): PoolStatus {
  if (sent.deleted.length > 0) return 'deleted';
  if (sent.drained.length > 0) return 'drained';
  if (sent.undrained.length > 0) return 'undrained';
  return 'unchanged';
}

/**
 * One batch-delete; when the platform answers that it takes at most N names per call (no doc gives N), the
 * names go N at a time instead. Nothing was deleted by the refused call, so splitting deletes nothing twice.
 */
async function deleteAll(
  nodesApi: ReturnType<typeof createNodesApi>,
  pool: string,
  names: string[],
  options: { deadline?: Deadline },
): Promise<void> {
  try {
    await nodesApi.deleteNodes(pool, names, options);
  } catch (error) {
    const limit = error instanceof ModelArtsApiError && error.status === 400 ? maxNamesOf(error) : undefined;
    if (limit === undefined || limit >= names.length) throw error;
    for (let i = 0; i < names.length; i += limit) {
      await nodesApi.deleteNodes(pool, names.slice(i, i + limit), options);
    }
  }
}

function maxNamesOf(error: ModelArtsApiError): number | undefined {
  const match = /at most (\d+) nodes? per call/i.exec(error.errorMsg ?? error.message);
  return match ? Number(match[1]) : undefined;
}

/** Reads the pool back: a flavor whose count did not drop by the nodes deleted stops scale-in. */
async function checkCountDropped(
  step: ScaleInStep,
  deleted: readonly NodeChoice[],
): Promise<ScaleInMemory['stopped']> {
  const options = step.deadline === undefined ? {} : { deadline: step.deadline };
  const after = await step.client.getPool(step.pool.metadata.name, options);
  const countOf = (pool: Pool, flavor: string) =>
    pool.spec.resources.find((resource) => resource.flavor === flavor)?.count ?? 0;
  for (const flavor of new Set(deleted.map((node) => node.flavor))) {
    const names = deleted.filter((node) => node.flavor === flavor).map((node) => node.name);
    const countBefore = countOf(step.pool, flavor);
    const countAfter = countOf(after, flavor);
    if (countAfter > countBefore - names.length) {
      return { at: step.now(), flavor, nodes: names, countBefore, countAfter };
    }
  }
  return undefined;
}
