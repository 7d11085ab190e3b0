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

  constructor(readonly range: number, maxBatch = 0) {
    this.slot = new Int32Array(range).fill(-1);
    this.touched = new Int32Array(Math.max(1, Math.min(range, maxBatch || range)));
  }

  run(indices: Int32Array, n = indices.length): UniqueInverse {
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
    const unique = scratch.slice(0, u);
    for (let i = 0; i < u; i++) this.slot[unique[i]!] = -1;
    return { unique, inverse };
  }
}

/** One-off convenience wrapper around {@link Deduper}. */
export function uniqueInverse(indices: Int32Array, range: number): UniqueInverse {
  return new Deduper(range, indices.length).run(indices);
}
