// May we drain and delete, and is batch-drain there at all, found out without changing anything: each write is
// sent once naming a node that does not exist (a made-up name, checked against the node list). The answers read:
//   - "not in pool" / `"<name>" not found` (400 or 404): the API exists and the call got past the gateway and IAM
//     to the pool's own node lookup, so we are allowed: ok;
//   - 403: refused; 404 without "not found" (a bare 404, APIGW.0101): the API is missing here;
//   - 2xx: the API exists and took the call (it ignored the unknown name): ok, noted as such;
//   - anything else (pool not Running, 401, 5xx): failed, with the answer, since it proves neither.
// What this cannot prove: that a real node would be accepted (pay-per-use only, unlocked, Available, the pool
// keeping a node: those are checked on the node, after the name); that the platform checks the permission before
// it looks the node up ([unconfirmed]: if it looked up first, a "not found" would prove only that the API exists);
// nor how many names one batch-delete takes. `--probe-scale-in` settles the first on a pool the user gives up.

import { randomBytes } from 'node:crypto';
import { type ModelArtsNode, NodeNotFoundError } from '../../lib/modelarts';
import { type CheckResult, check, classifyFailure } from './checks';
import type { DoctorApis } from './read-checks';

/** A node name no pool has: the real ones are `os-node-created-xxxxx`. */
export function absentNodeName(nodes: readonly ModelArtsNode[] | undefined): string {
  const taken = new Set((nodes ?? []).map((node) => node.metadata.name));
  let name: string;
  do name = `autoscaler-doctor-absent-${randomBytes(4).toString('hex')}`;
  while (taken.has(name));
  return name;
}

const FALLBACK =
  'the autoscaler falls back to deleting nodes idle on two reads (drain-unavailable), so this is not fatal';

async function probe(name: string, send: () => Promise<void>, missingIsFatal: boolean): Promise<CheckResult> {
  try {
    await send();
    return check('permission', name, 'ok', 'allowed: answered 2xx for a node that does not exist');
  } catch (error) {
    if (error instanceof NodeNotFoundError) {
      const said = error.errorMsg ?? 'not found';
      return check(
        'permission',
        name,
        'ok',
        `exists and allowed: ${error.status} (${said}) for a made-up node`,
      );
    }
    const { status, reason } = classifyFailure(error);
    if (status === 'missing' && !missingIsFatal)
      return check('permission', name, 'missing', `${reason}; ${FALLBACK}`, false);
    // A 400 for another reason (the pool not Running, ...) proves neither the API nor the permission.
    return check('permission', name, status, status === 'failed' ? `inconclusive: ${reason}` : reason);
  }
}

/** batch-drain and batch-delete, each sent once for a node that does not exist. */
export async function writeProbes(
  apis: DoctorApis,
  pool: string,
  nodes: readonly ModelArtsNode[] | undefined,
): Promise<CheckResult[]> {
  const absent = absentNodeName(nodes);
  return [
    await probe('batch-drain', () => apis.nodes.drainNodes(pool, [absent]), false),
    await probe('batch-delete', () => apis.nodes.deleteNodes(pool, [absent]), true),
  ];
}
