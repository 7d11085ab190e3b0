/**
 * The one ranker (after TensorFlow Recommenders' brute-force top-K index): every list the app
 * shows, the eval scores and the pack CLI measures is cut from a ranking here. Two paths, one
 * ordering contract:
 *  - higher score first;
 *  - ties are broken by the LOWER item index first (the same rule tf.topk documents);
 *  - items in `exclude`, and items whose score is NaN or -Infinity, are never returned;
 *  - so fewer than k results come back when fewer than k items are rankable.
 *
 * `topK` ranks a score array on the CPU. `topKByEmbedding` ranks by a model's embeddings on the
 * compute backend (scores = itemEmb · user + bias, never read back whole; the fused WebGPU kernel
 * where it is validated, stock TF.js ops elsewhere: embedding-topk.ts).
 *
 * Which path where: Up next ranks by the sequence model alone (its scores are the item table times
 * the last hidden state), so it takes the GPU path (worker/personal-sequence.ts). For you takes the
 * CPU path, and has to: it mixes six standardised signals on the CPU (the personal model, content,
 * the sequence model, era, popularity, ratings: hybrid.ts) and explains each card from the same
 * per-signal scores, so every signal's scores are read back anyway; forcing the kernel there would
 * rank one signal, not the blend. The eval and the pack CLI rank score arrays: the CPU path.
 * The GPU path is checked against `topK` in a real browser (bench correctness, e2e kernels).
 */
export interface TopKResult {
  /** item indices, best first */
  indices: Int32Array;
  /** their scores, same order */
  scores: Float32Array;
}

/** Is (sa, ia) strictly better than (sb, ib) under the ordering contract? */
export function isBetter(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa > sb || (sa === sb && ia < ib);
}

/** A Uint8Array membership mask for `exclude` over [0, n); out-of-range entries are ignored. */
export function exclusionMask(n: number, exclude: ArrayLike<number>): Uint8Array {
  const mask = new Uint8Array(n);
  for (let i = 0; i < exclude.length; i++) {
    const e = exclude[i]!;
    if (e >= 0 && e < n) mask[e] = 1;
  }
  return mask;
}

/**
 * Top-k of `scores` on the CPU (O(n log k), a bounded min-heap whose root is the worst kept item).
 * `exclude` may contain duplicates and out-of-range indices (ignored).
 */
export function topK(scores: ArrayLike<number>, k: number, exclude: ArrayLike<number> = []): TopKResult {
  const n = scores.length;
  const kk = Math.max(0, Math.min(Math.floor(k), n));
  if (kk === 0) return { indices: new Int32Array(0), scores: new Float32Array(0) };
  const mask = exclude.length > 0 ? exclusionMask(n, exclude) : null;
  const hs = new Float64Array(kk); // heap scores
  const hi = new Int32Array(kk); // heap indices
  let size = 0;

  // heap order: parent is "worse or equal" than children; the root is the worst kept item
  const worse = (a: number, b: number): boolean => isBetter(hs[b]!, hi[b]!, hs[a]!, hi[a]!);
  const swap = (a: number, b: number): void => {
    const ts = hs[a]!;
    hs[a] = hs[b]!;
    hs[b] = ts;
    const ti = hi[a]!;
    hi[a] = hi[b]!;
    hi[b] = ti;
  };
  const siftDown = (start: number): void => {
    let p = start;
    for (;;) {
      const l = 2 * p + 1;
      if (l >= size) return;
      const r = l + 1;
      const c = r < size && worse(r, l) ? r : l;
      if (!worse(c, p)) return;
      swap(c, p);
      p = c;
    }
  };

  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    if (s !== s || s === -Infinity) continue; // NaN or -Inf: not rankable
    if (mask !== null && mask[i] === 1) continue;
    if (size < kk) {
      hs[size] = s;
      hi[size] = i;
      let c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(c, p)) break;
        swap(c, p);
        c = p;
      }
    } else if (isBetter(s, i, hs[0]!, hi[0]!)) {
      hs[0] = s;
      hi[0] = i;
      siftDown(0);
    }
  }

  // pop worst-first into the tail so the output is best-first
  const indices = new Int32Array(size);
  const out = new Float32Array(size);
  for (let pos = size - 1; pos >= 0; pos--) {
    indices[pos] = hi[0]!;
    out[pos] = hs[0]!;
    size--;
    if (size > 0) {
      hs[0] = hs[size]!;
      hi[0] = hi[size]!;
      siftDown(0);
    }
  }
  return { indices, scores: out };
}

export { topKByEmbedding, stockTopKByEmbedding, embeddingTopKOp, type RankOptions } from './embedding-topk';

/** `topK`'s item indices as a plain list, best first (what list-building code such as MMR consumes). */
export function topKItems(scores: ArrayLike<number>, k: number, exclude: ArrayLike<number> = []): number[] {
  return Array.from(topK(scores, k, exclude).indices);
}
