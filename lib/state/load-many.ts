// loadMany's contract for every store: each key's history, or the error that kept that key from being read.

import { StateStoreError } from './errors';
import type { LoadedHistories, StoredHistory } from './store';

/** `error` as the StateStoreError loadMany reports for `poolKey`. */
export const asStateStoreError = (poolKey: string, error: unknown): StateStoreError =>
  error instanceof StateStoreError
    ? error
    : new StateStoreError(`reading the history of pool ${poolKey} failed`, { cause: error });

/** The keys' results, one key at a time through `read`; a key that throws maps to its error. */
export function loadEach(
  poolKeys: readonly string[],
  read: (poolKey: string) => StoredHistory,
): LoadedHistories {
  const loaded: LoadedHistories = new Map();
  for (const poolKey of poolKeys) {
    try {
      loaded.set(poolKey, read(poolKey));
    } catch (error) {
      loaded.set(poolKey, asStateStoreError(poolKey, error));
    }
  }
  return loaded;
}
