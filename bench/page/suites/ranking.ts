/**
 * Suite 1: ranking latency, top-K over N items (dim 64), every variant reading back what it produces.
 * Variants run interleaved rep by rep (side by side), so drift affects all of them equally.
 */
import * as tf from '@tensorflow/tfjs';
import { stockTopKByEmbedding, topK } from '../../../src/ranking';
import { fusedRankTopK, TOP_K_KERNEL } from '../../../src/compute/kernels';
import { errorText, median, now, syntheticFloats, syntheticInts, tick } from '../timing';

export interface RankingParams {
  sizes: number[];
  dim: number;
  k: number;
  excludeCount: number;
  maxReps: number;
  minReps: number;
  /** stop adding reps for a size once this much time has been spent on it */
  budgetMs: number;
}

export type RankingVariant = 'matmul' | 'stock' | 'fused' | 'scores+js';

export const VARIANT_LABELS: Record<RankingVariant, string> = {
  matmul: 'bare matMul [N,64]x[64,1] + 1-value readback (sync)',
  stock: 'topKByEmbedding stock: matMul + bias + scatterND mask + tf.topk + readback top-K',
  fused: 'topKByEmbedding fused WGSL: score+mask+partial top-K, merge, readback top-K',
  'scores+js': 'matMul + bias, read back all N scores, topK in JS',
};

export interface RankingRow {
  n: number;
  variant: RankingVariant;
  reps: number;
  medianMs: number | null;
  minMs: number | null;
  samplesMs: number[];
  /** the only sample is the first (cold) run: one round exceeded the time budget */
  cold?: boolean;
  error?: string;
}

export interface RankingCheck {
  n: number;
  against: RankingVariant;
  variant: RankingVariant;
  ok: boolean;
  detail: string;
}

export interface RankingResult {
  params: RankingParams;
  rows: RankingRow[];
  checks: RankingCheck[];
  setup: { n: number; ms: number; error?: string }[];
}

type Runner = () => Promise<{ indices: Int32Array; scores: Float32Array } | null>;

/** Same ranking, two implementations: equal length, scores within tol, any index mismatch a near-tie. */
export function compareTopK(
  a: { indices: Int32Array; scores: Float32Array },
  b: { indices: Int32Array; scores: Float32Array },
  exclude: Int32Array,
  tol = 1e-3,
): { ok: boolean; detail: string } {
  if (a.indices.length !== b.indices.length) return { ok: false, detail: `length ${a.indices.length} vs ${b.indices.length}` };
  let maxDiff = 0;
  for (let i = 0; i < a.scores.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.scores[i]! - b.scores[i]!));
  const ex = new Set(exclude);
  const leaked = [...b.indices].filter((i) => ex.has(i)).length;
  const setA = new Set(a.indices);
  const kth = a.scores.length > 0 ? a.scores[a.scores.length - 1]! : 0;
  let mismatches = 0;
  let nonTies = 0;
  for (let i = 0; i < b.indices.length; i++) {
    if (!setA.has(b.indices[i]!)) {
      mismatches++;
      if (Math.abs(b.scores[i]! - kth) > tol) nonTies++;
    }
  }
  const ok = maxDiff <= tol * Math.max(1, Math.abs(kth)) && leaked === 0 && nonTies === 0;
  return { ok, detail: `max |score diff| ${maxDiff.toExponential(2)}, set mismatches ${mismatches} (non-tie ${nonTies}), excluded leaked ${leaked}` };
}

export async function runRanking(params: RankingParams): Promise<RankingResult> {
  const rows: RankingRow[] = [];
  const checks: RankingCheck[] = [];
  const setup: RankingResult['setup'] = [];
  const { dim, k } = params;

  for (const n of params.sizes) {
    let emb: tf.Tensor2D | null = null;
    let user: tf.Tensor1D | null = null;
    let bias: tf.Tensor1D | null = null;
    const t0 = now();
    try {
      // uniform in [-0.1, 0.1): realistic magnitudes for trained embeddings
      emb = tf.tensor2d(syntheticFloats(n * dim, 1234 + n, 0.1), [n, dim]);
      user = tf.tensor1d(syntheticFloats(dim, 99, 1));
      bias = tf.tensor1d(syntheticFloats(n, 7 + n, 0.05));
      // force the upload now, outside the timed region
      const probe = tf.slice(emb, [n - 1, 0], [1, 1]);
      await probe.data();
      probe.dispose();
      setup.push({ n, ms: now() - t0 });
    } catch (e) {
      setup.push({ n, ms: now() - t0, error: errorText(e) });
      for (const t of [emb, user, bias]) t?.dispose();
      for (const variant of ['matmul', 'stock', 'fused', 'scores+js'] as const) {
        rows.push({ n, variant, reps: 0, medianMs: null, minMs: null, samplesMs: [], error: `setup failed: ${errorText(e)}` });
      }
      continue;
    }
    const E = emb;
    const U = user;
    const B = bias;
    const exclude = syntheticInts(Math.min(params.excludeCount, n >> 1), n, 5 + n);

    const runners: Partial<Record<RankingVariant, Runner>> = {
      matmul: async () => {
        const out = tf.tidy(() => tf.slice(tf.matMul(E, tf.reshape(U, [dim, 1])), [0, 0], [1, 1]));
        await out.data();
        out.dispose();
        return null;
      },
      stock: () => stockTopKByEmbedding(E, U, B, k, exclude),
      'scores+js': async () => {
        const s = tf.tidy(() => tf.add(tf.reshape(tf.matMul(E, tf.reshape(U, [dim, 1])), [n]), B));
        const vals = (await s.data()) as Float32Array;
        s.dispose();
        return topK(vals, k, exclude);
      },
    };
    if (TOP_K_KERNEL.supported({ dim, k, items: n, hasBias: B !== null })) runners.fused = () => fusedRankTopK(E, U, B, k, exclude);

    const samples = new Map<RankingVariant, number[]>();
    const errors = new Map<RankingVariant, string>();
    const outputs = new Map<RankingVariant, { indices: Int32Array; scores: Float32Array }>();
    const active = Object.keys(runners) as RankingVariant[];
    // warm-up (shader compilation, kernel selection) + correctness outputs
    const cold = new Map<RankingVariant, number>();
    const warm0 = now();
    for (const v of active) {
      try {
        const ts = now();
        const out = await runners[v]!();
        cold.set(v, now() - ts);
        if (out !== null) outputs.set(v, out);
        samples.set(v, []);
      } catch (e) {
        errors.set(v, errorText(e));
      }
      await tick();
    }
    // When one warm-up round already costs more than the budget (1M items on SwiftShader), that
    // round is the measurement: one cold sample per variant, flagged in the report.
    const coldOnly = now() - warm0 > params.budgetMs;
    if (coldOnly) for (const [v, ms] of cold) samples.get(v)?.push(ms);
    const start = now();
    for (let rep = 0; rep < (coldOnly ? 0 : params.maxReps); rep++) {
      if (rep >= params.minReps && now() - start > params.budgetMs) break;
      for (const v of active) {
        if (errors.has(v)) continue;
        const ts = now();
        try {
          await runners[v]!();
          samples.get(v)!.push(now() - ts);
        } catch (e) {
          errors.set(v, errorText(e));
        }
      }
      await tick();
    }
    for (const v of ['matmul', 'stock', 'fused', 'scores+js'] as const) {
      if (!(v in runners)) continue;
      const xs = samples.get(v) ?? [];
      rows.push({
        n,
        variant: v,
        reps: xs.length,
        medianMs: xs.length > 0 ? median(xs) : null,
        minMs: xs.length > 0 ? Math.min(...xs) : null,
        samplesMs: xs,
        ...(coldOnly ? { cold: true } : {}),
        ...(errors.has(v) ? { error: errors.get(v) } : {}),
      });
    }
    const ref = outputs.get('scores+js');
    if (ref !== undefined) {
      for (const v of ['stock', 'fused'] as const) {
        const out = outputs.get(v);
        if (out !== undefined) checks.push({ n, against: 'scores+js', variant: v, ...compareTopK(ref, out, exclude) });
      }
    }
    tf.dispose([E, U, B]);
    await tick();
  }
  return { params, rows, checks, setup };
}
