import { afterEach, describe, expect, it } from 'vitest';
import { createObservability, decisionLog } from '../../lib/aws/observability';
import { captureOutput, emfDocuments } from '../functions/harness';

// The metrics of an idle-node scale-in, from its decision records: nodes drained and deleted, and the two alarms.

describe('decision metrics of an idle-node scale-in', () => {
  let output: ReturnType<typeof captureOutput> | undefined;
  afterEach(() => output?.restore());

  const base = { at: 0, key: 'p/pool-a', pool: 'pool-a', flavor: 'f', dryRun: false, action: 'scale-down' };

  it('count the nodes drained and deleted, and raise count-not-lowered and node-api-unavailable', () => {
    output = captureOutput();
    const log = decisionLog(createObservability(), { perPool: false, connectionOf: () => 'main' });
    log({ ...base, reasons: ['idle-nodes'], outcome: 'drained', drained: ['n1', 'n2'] });
    log({ ...base, reasons: ['idle-nodes'], outcome: 'deleted', deleted: ['n1'] });
    log({ ...base, reasons: ['count-not-lowered'], outcome: 'count-not-lowered', deleted: ['n2'] });
    log({ ...base, reasons: ['node-api-unavailable'], outcome: 'unchanged' });
    const docs = emfDocuments(output.lines());
    expect(
      docs.map((doc) => [doc.NodesDrained, doc.NodesDeleted, doc.CountNotLowered, doc.NodeApiUnavailable]),
    ).toEqual([
      [2, undefined, undefined, undefined],
      [undefined, 1, undefined, undefined],
      [undefined, 1, 1, undefined],
      [undefined, undefined, undefined, 1],
    ]);
  });
});
