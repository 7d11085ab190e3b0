/**
 * Fold-in of one user vector, item side frozen: a few Adam steps on the training loss of that user's
 * events, in plain JS.
 *
 * Why not on the GPU: the problem is one `[dim]` vector against a few dozen item rows. On the device
 * each Adam step is ~50 tiny dispatches (scores, softplus, logSumExp, their gradients, the update):
 * measured 1.8 s for 20 steps on SwiftShader, where dispatches cost a millisecond each, and still
 * dispatch-bound on a real GPU. Here the caller reads the needed rows back once (a few KB) and the
 * steps take microseconds on any device.
 */

/** The model's NCF-style head as plain arrays (see EmbeddingModel.headScores). */
export interface FoldInHead {
  hidden: number;
  /** row-major `[dim, hidden]` */
  userKernel: Float32Array;
  itemKernel: Float32Array;
  productKernel: Float32Array;
  /** `[hidden]` */
  bias: Float32Array;
  /** `[hidden]` output weights */
  out: Float32Array;
}

export interface FoldInRows {
  dim: number;
  /** row-major `[sampled + positives + negatives, dim]` item vectors, in that order */
  vectors: Float32Array;
  /** the matching item biases */
  biases: Float32Array;
  /** how many rows are sampled negatives, the user's positives, explicit negatives */
  sampled: number;
  positives: number;
  negatives: number;
  /** weight of each positive / explicit negative (> 0) */
  positiveWeights: Float32Array;
  negativeWeights: Float32Array;
  /** the 'mlp' head, absent for a dot-product model */
  head?: FoldInHead | null;
}

export interface FoldInOptions {
  steps: number;
  lr: number;
  l2: number;
  loss: 'bpr' | 'sampled-softmax';
  /** logQ correction of a sampled negative, log(M / N): each stands for N/M items */
  sampledCorrection: number;
}

const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/**
 * The fold-in loss of `u` and its gradient (written into `grad`):
 *   l2 |u|^2
 *   + positives: weighted mean over p of
 *       softmax: softplus(logsumexp([s_sampled - corr, s_neg]) - s_p)
 *       bpr:     mean over the others o of softplus(s_o - s_p)
 *   + explicit negatives: weighted mean over h of softplus(s_h - mean(s_sampled))
 * with s_r = vectors[r] . u + biases[r] (+ head(u, vectors[r]) when the model has one).
 */
export function foldInLossAndGradient(rows: FoldInRows, u: Float64Array, options: Pick<FoldInOptions, 'l2' | 'loss' | 'sampledCorrection'>, grad: Float64Array): number {
  const { dim, sampled: M, positives: P, negatives: H } = rows;
  const R = M + P + H;
  const s = new Float64Array(R);
  // J[r] = d s_r / d u: the item vector itself for a dot product
  const J = rowScores(rows, u, s);
  /** grad += c * J[r] */
  const addRow = (r: number, c: number) => {
    if (c === 0) return;
    for (let d = 0; d < dim; d++) grad[d]! += c * J[r * dim + d]!;
  };
  let loss = 0;
  for (let d = 0; d < dim; d++) {
    loss += options.l2 * u[d]! * u[d]!;
    grad[d] = 2 * options.l2 * u[d]!;
  }
  const others = (function* () {
    for (let r = 0; r < M; r++) yield r;
    for (let r = M + P; r < R; r++) yield r;
  })();
  const otherRows = [...others];
  if (P > 0 && otherRows.length > 0) {
    let sumW = 0;
    for (let p = 0; p < P; p++) sumW += rows.positiveWeights[p]!;
    if (options.loss === 'sampled-softmax') {
      const logit = (r: number) => (r < M ? s[r]! - options.sampledCorrection : s[r]!);
      let mx = -Infinity;
      for (const r of otherRows) mx = Math.max(mx, logit(r));
      let z = 0;
      for (const r of otherRows) z += Math.exp(logit(r) - mx);
      const lse = mx + Math.log(z);
      // d lse / d s_o = softmax_o
      let coefLse = 0;
      for (let p = 0; p < P; p++) {
        const w = rows.positiveWeights[p]! / sumW;
        const x = lse - s[M + p]!;
        loss += w * softplus(x);
        const g = w * sigmoid(x);
        coefLse += g;
        addRow(M + p, -g);
      }
      for (const r of otherRows) addRow(r, (coefLse * Math.exp(logit(r) - mx)) / z);
    } else {
      const O = otherRows.length;
      for (let p = 0; p < P; p++) {
        const w = rows.positiveWeights[p]! / sumW / O;
        let gp = 0;
        for (const r of otherRows) {
          const x = s[r]! - s[M + p]!;
          loss += w * softplus(x);
          const g = w * sigmoid(x);
          addRow(r, g);
          gp += g;
        }
        addRow(M + p, -gp);
      }
    }
  }
  if (H > 0 && M > 0) {
    let meanSampled = 0;
    for (let r = 0; r < M; r++) meanSampled += s[r]!;
    meanSampled /= M;
    let sumW = 0;
    for (let h = 0; h < H; h++) sumW += rows.negativeWeights[h]!;
    for (let h = 0; h < H; h++) {
      const w = rows.negativeWeights[h]! / sumW;
      const x = s[M + P + h]! - meanSampled;
      loss += w * softplus(x);
      const g = w * sigmoid(x);
      addRow(M + P + h, g);
      for (let r = 0; r < M; r++) addRow(r, -g / M);
    }
  }
  return loss;
}

/** Scores of every row for `u` (into `s`) and their gradients w.r.t. `u`, row-major `[rows, dim]`. */
function rowScores(rows: FoldInRows, u: Float64Array, s: Float64Array): Float64Array | Float32Array {
  const { dim, vectors: V, biases } = rows;
  const R = s.length;
  for (let r = 0; r < R; r++) {
    let acc = biases[r]!;
    for (let d = 0; d < dim; d++) acc += V[r * dim + d]! * u[d]!;
    s[r] = acc;
  }
  const head = rows.head;
  if (!head) return V;
  const Hd = head.hidden;
  const J = Float64Array.from(V);
  // the user's part of every hidden unit is the same for all rows
  const userPart = new Float64Array(Hd);
  for (let k = 0; k < Hd; k++) {
    let acc = head.bias[k]!;
    for (let d = 0; d < dim; d++) acc += u[d]! * head.userKernel[d * Hd + k]!;
    userPart[k] = acc;
  }
  for (let r = 0; r < R; r++) {
    for (let k = 0; k < Hd; k++) {
      let z = userPart[k]!;
      for (let d = 0; d < dim; d++) {
        const v = V[r * dim + d]!;
        z += v * head.itemKernel[d * Hd + k]! + u[d]! * v * head.productKernel[d * Hd + k]!;
      }
      if (z <= 0) continue; // ReLU: no score, no gradient
      const w = head.out[k]!;
      s[r]! += w * z;
      for (let d = 0; d < dim; d++) J[r * dim + d]! += w * (head.userKernel[d * Hd + k]! + V[r * dim + d]! * head.productKernel[d * Hd + k]!);
    }
  }
  return J;
}

/** Adam from `start` (or 0) on {@link foldInLossAndGradient}; returns the new `[dim]` vector. */
export function foldInUserVector(rows: FoldInRows, start: Float32Array | null, options: FoldInOptions): Float32Array {
  const dim = rows.dim;
  const u = new Float64Array(dim);
  if (start) u.set(start);
  const m = new Float64Array(dim);
  const v = new Float64Array(dim);
  const grad = new Float64Array(dim);
  const b1 = 0.9;
  const b2 = 0.999;
  for (let t = 1; t <= options.steps; t++) {
    foldInLossAndGradient(rows, u, options, grad);
    const c1 = 1 - Math.pow(b1, t);
    const c2 = 1 - Math.pow(b2, t);
    for (let d = 0; d < dim; d++) {
      const g = grad[d]!;
      m[d] = b1 * m[d]! + (1 - b1) * g;
      v[d] = b2 * v[d]! + (1 - b2) * g * g;
      u[d]! -= (options.lr * (m[d]! / c1)) / (Math.sqrt(v[d]! / c2) + 1e-7);
    }
  }
  return Float32Array.from(u);
}
