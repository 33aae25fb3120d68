// A model of DynamoDB for the cycle-cost bench: the memory store, each call taking a fixed latency and counted
// as the DynamoDB request(s) the DynamoDB store would send for it. Unlike dynalite, whose one process answers
// a few hundred writes a second on a shared machine, it has no bound on throughput (an on-demand table takes
// thousands of writes a second at about the same latency), and it costs none of the SDK's CPU (which dynalite
// does measure). Save conflicts and their read-backs are not modelled: the bench has none.

import { setTimeout as sleep } from 'node:timers/promises';
import { BATCH_GET_KEYS } from '../lib/state/dynamodb-batch-load';
import { createMemoryStateStore } from '../lib/state/memory';
import type { StateStore } from '../lib/state/store';
import type { DynaliteState } from './dynalite-state';

export function modelledDynamoDbState(latencyMs: number): DynaliteState {
  return {
    async freshStore() {
      const inner = createMemoryStateStore();
      const counts: Record<string, number> = {};
      const request = async (command: string, n = 1) => {
        counts[command] = (counts[command] ?? 0) + n;
        if (latencyMs > 0) await sleep(latencyMs);
      };
      // The call, after the latency of the request(s) it stands for.
      const after =
        <A extends unknown[], R>(
          command: string,
          call: (...args: A) => Promise<R>,
          n?: (...args: A) => number,
        ) =>
        async (...args: A): Promise<R> => {
          await request(command, n?.(...args) ?? 1);
          return call(...args);
        };
      const store: StateStore = {
        load: after('GetItem', inner.load),
        // The batches run a few at once in the store; one latency for all of them is close enough here.
        loadMany: after('BatchGetItem', inner.loadMany, (keys) =>
          Math.ceil(new Set(keys).size / BATCH_GET_KEYS),
        ),
        save: after('UpdateItem', inner.save),
        reset: after('DeleteItem', inner.reset),
        acquireLease: after('UpdateItem', inner.acquireLease),
        fenceLease: after('UpdateItem', inner.fenceLease),
        releaseLease: after('UpdateItem', inner.releaseLease),
        loadShared: after('GetItem', inner.loadShared),
        saveShared: after('UpdateItem', inner.saveShared),
      };
      return { store, requests: () => ({ ...counts }) };
    },
    close: async () => undefined,
  };
}
