/** A state backend failed (I/O, corrupt data, unexpected service error). Never carries history contents. */
export class StateStoreError extends Error {
  override readonly name: string = 'StateStoreError';
}

/** One pool's history item cannot be used: it fails that pool alone; `state reset --pool` clears it. */
export class HistoryItemError extends StateStoreError {
  override readonly name: string = 'HistoryItemError';

  constructor(
    readonly poolKey: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(
      `history item for pool ${poolKey} ${problem} (clear it with: modelarts-autoscaler state reset --pool ${poolKey})`,
      options,
    );
  }
}

/** Another writer saved the pool's history since it was loaded. */
export class HistoryConflictError extends StateStoreError {
  override readonly name: string = 'HistoryConflictError';

  constructor(
    readonly poolKey: string,
    readonly expectedRevision: number,
  ) {
    super(`history of pool ${poolKey} changed since it was loaded (expected revision ${expectedRevision})`);
  }
}
