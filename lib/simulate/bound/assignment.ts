// The maximum-weight matching of a bipartite graph given as a dense weight matrix, exactly: the Hungarian
// method (Kuhn–Munkres, with potentials and the shortest augmenting path per row, O(n^2 m)). A pair of weight 0
// stands for "not matched", so the maximum over perfect assignments of the square matrix is the maximum over
// all matchings that use only positive pairs.

/** weights[row * size + column] >= 0. Returns, per row, its column, or -1 when the row is left unmatched. */
export function maxWeightMatching(weights: Float64Array, size: number): Int32Array {
  const n = size;
  const cost = (row: number, column: number) => -(weights[row * n + column] as number);
  // 1-based as the classic statement: row 0 and column 0 are the virtual start.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const rowOf = new Int32Array(n + 1);
  const way = new Int32Array(n + 1);
  const minv = new Float64Array(n + 1);
  const used = new Uint8Array(n + 1);
  for (let row = 1; row <= n; row++) {
    rowOf[0] = row;
    let column0 = 0;
    minv.fill(Number.POSITIVE_INFINITY);
    used.fill(0);
    do {
      used[column0] = 1;
      const row0 = rowOf[column0] as number;
      let delta = Number.POSITIVE_INFINITY;
      let column1 = 0;
      for (let column = 1; column <= n; column++) {
        if (used[column] === 1) continue;
        const reduced = cost(row0 - 1, column - 1) - (u[row0] as number) - (v[column] as number);
        if (reduced < (minv[column] as number)) {
          minv[column] = reduced;
          way[column] = column0;
        }
        if ((minv[column] as number) < delta) {
          delta = minv[column] as number;
          column1 = column;
        }
      }
      for (let column = 0; column <= n; column++) {
        if (used[column] === 1) {
          const r = rowOf[column] as number;
          u[r] = (u[r] as number) + delta;
          v[column] = (v[column] as number) - delta;
        } else minv[column] = (minv[column] as number) - delta;
      }
      column0 = column1;
    } while (rowOf[column0] !== 0);
    do {
      const column1 = way[column0] as number;
      rowOf[column0] = rowOf[column1] as number;
      column0 = column1;
    } while (column0 !== 0);
  }
  const matched = new Int32Array(n).fill(-1);
  for (let column = 1; column <= n; column++) {
    const row = (rowOf[column] as number) - 1;
    if (row >= 0 && (weights[row * n + column - 1] as number) > 0) matched[row] = column - 1;
  }
  return matched;
}
