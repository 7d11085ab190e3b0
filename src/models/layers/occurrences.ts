/**
 * CSR of "which entries use row r": `ptr[r]..ptr[r+1]` indexes `occ`, which lists the positions
 * `k` with `rowOf[k] == r` in increasing order.
 */
export function occurrences(rowOf: Int32Array, rows: number): { ptr: Int32Array; occ: Int32Array } {
  const ptr = new Int32Array(rows + 1);
  for (let k = 0; k < rowOf.length; k++) {
    const r = rowOf[k]!;
    if (r < 0 || r >= rows) throw new Error(`row ${r} out of range [0, ${rows})`);
    ptr[r + 1]!++;
  }
  for (let r = 0; r < rows; r++) ptr[r + 1]! += ptr[r]!;
  const fill = ptr.slice(0, rows);
  const occ = new Int32Array(rowOf.length);
  for (let k = 0; k < rowOf.length; k++) occ[fill[rowOf[k]!]!++] = k;
  return { ptr, occ };
}
