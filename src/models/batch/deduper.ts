/**
 * CPU-side de-duplication of a batch's row indices. The device then gathers each distinct row
 * once, and the gradient w.r.t. those `[unique, dim]` rows already has duplicates summed (the
 * scatterND in gatherRows' backward pass), so the sparse optimizer sees one update per row.
 */
export interface UniqueInverse {
  /** [u] distinct indices in first-seen order */
  unique: Int32Array;
  /** [n] position of each input index in `unique` */
  inverse: Int32Array;
}

/**
 * Reusable de-duplicator for indices in `[0, range)`. Keeps a `[range]` scratch map, so each
 * call is O(n) with no hashing and no allocation of the map.
 */
export class Deduper {
  private readonly slot: Int32Array;
  private readonly touched: Int32Array;
  /** where the search for padding rows resumes, so padding spreads over the table */
  private padCursor = 0;

  constructor(readonly range: number, maxBatch = 0) {
    this.slot = new Int32Array(range).fill(-1);
    this.touched = new Int32Array(Math.max(1, Math.min(range, maxBatch || range)));
  }

  /**
   * @param padToBucket extend `unique` to {@link bucketSize} with rows absent from the batch. GPU
   *   backends compile a kernel per tensor shape, and the count of distinct rows changes every
   *   step; padding keeps it to a few sizes. Padding rows get a zero gradient (no inverse points at
   *   them), so a sparse Adam moves them only by their decaying momentum, as dense Adam would.
   */
  run(indices: Int32Array, n = indices.length, padToBucket = false): UniqueInverse {
    const inverse = new Int32Array(n);
    const scratch = n <= this.touched.length ? this.touched : new Int32Array(Math.min(n, this.range));
    let u = 0;
    for (let i = 0; i < n; i++) {
      const r = indices[i]!;
      if (r < 0 || r >= this.range) throw new Error(`index ${r} out of range [0, ${this.range})`);
      let s = this.slot[r]!;
      if (s < 0) {
        s = u++;
        this.slot[r] = s;
        scratch[s] = r;
      }
      inverse[i] = s;
    }
    const size = padToBucket ? bucketSize(u, this.range) : u;
    const unique = new Int32Array(size);
    unique.set(scratch.subarray(0, u));
    for (let filled = u, r = this.padCursor; filled < size; r = (r + 1) % this.range) {
      if (this.slot[r]! < 0) {
        unique[filled++] = r;
        this.padCursor = (r + 1) % this.range;
      }
    }
    for (let i = 0; i < u; i++) this.slot[unique[i]!] = -1;
    return { unique, inverse };
  }
}

/** The size class of `u` distinct rows: the next power of two, at most `range`. */
export function bucketSize(u: number, range: number): number {
  let size = 1;
  while (size < u) size *= 2;
  return Math.min(size, range);
}

/** One-off convenience wrapper around {@link Deduper}. */
export function uniqueInverse(indices: Int32Array, range: number): UniqueInverse {
  return new Deduper(range, indices.length).run(indices);
}
