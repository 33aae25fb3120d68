import { createHash, randomBytes } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateStoreError } from '../../lib/state/errors';
import { createMemoryReplayGuard, type ReplayGuard } from '../../lib/state/replay';
import { createDynamoDbReplayGuard, replayKey } from '../../lib/state/replay-dynamodb';
import { type DynaliteTable, startDynaliteTable } from './dynalite-table';

const T0 = 1_700_000_000_000;
const WINDOW = 5 * 60_000;
const tableName = 'autoscaler-state';
let dynamo: DynaliteTable;

beforeAll(async () => {
  dynamo = await startDynaliteTable(tableName);
});
afterAll(() => dynamo.close());

const signature = () => randomBytes(32).toString('hex');

// `open` returns another handle on the same ledger, as a second Lambda instance would have.
function describeReplayGuardContract(name: string, open: () => ReplayGuard) {
  describe(`${name} replay guard`, () => {
    it('accepts a signature once, and refuses it while it is remembered', async () => {
      const guard = open();
      const used = signature();
      expect(await guard.claim(used, T0 + WINDOW)).toBe(true);
      expect(await guard.claim(used, T0 + WINDOW)).toBe(false);
      expect(await open().claim(used, T0 + WINDOW)).toBe(false);
    });

    it('keeps signatures apart', async () => {
      const guard = open();
      expect(await guard.claim(signature(), T0 + WINDOW)).toBe(true);
      expect(await guard.claim(signature(), T0 + WINDOW)).toBe(true);
    });

    it('lets exactly one of many concurrent claims of a signature through', async () => {
      const used = signature();
      const claims = await Promise.all(Array.from({ length: 8 }, () => open().claim(used, T0 + WINDOW)));
      expect(claims.filter(Boolean)).toHaveLength(1);
    });
  });
}

const memory = createMemoryReplayGuard({ now: () => T0 });
describeReplayGuardContract('memory', () => memory);
describeReplayGuardContract('DynamoDB', () =>
  createDynamoDbReplayGuard({ client: dynamo.client, tableName }),
);

describe('memory replay guard', () => {
  it('forgets a signature once its window has closed', async () => {
    let now = T0;
    const guard = createMemoryReplayGuard({ now: () => now });
    const used = signature();
    expect(await guard.claim(used, T0 + WINDOW)).toBe(true);
    now = T0 + WINDOW;
    expect(await guard.claim(used, T0 + 2 * WINDOW)).toBe(false);
    now = T0 + WINDOW + 1;
    expect(await guard.claim(used, T0 + 2 * WINDOW)).toBe(true);
  });
});

describe('DynamoDB replay guard', () => {
  it('stores the sha256 of the signature under replay#, never the signature, with a ttl past its window', async () => {
    const used = signature();
    await createDynamoDbReplayGuard({ client: dynamo.client, tableName, retentionSeconds: 60 }).claim(
      used,
      T0 + WINDOW,
    );

    const pk = `replay#${createHash('sha256').update(used).digest('hex')}`;
    expect(replayKey(used)).toBe(pk);
    const { Item } = await dynamo.client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk } }, ConsistentRead: true }),
    );
    expect(Item).toEqual({
      pk: { S: pk },
      expiresAt: { N: String(T0 + WINDOW) },
      ttl: { N: String((T0 + WINDOW) / 1000 + 60) },
    });
    expect(JSON.stringify(Item)).not.toContain(used);
  });

  it('fails with StateStoreError naming the table when DynamoDB cannot answer', async () => {
    const claim = createDynamoDbReplayGuard({ client: dynamo.client, tableName: 'no-such-table' }).claim(
      signature(),
      T0,
    );
    await expect(claim).rejects.toThrow(StateStoreError);
    await expect(claim).rejects.toThrow(/replay claim failed \(table no-such-table\)/);
  });
});
