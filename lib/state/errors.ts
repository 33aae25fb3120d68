/** A state backend failed (I/O, corrupt data, unexpected service error). Never carries history contents. */
export class StateStoreError extends Error {
  override readonly name = 'StateStoreError';
}
