/**
 * The For you hybrid: score(i) = Σ_k w_k · z_k(i) over a few standardised signals (the personal
 * embedding model, the content profile, the sequence model, the era the user's likes come from,
 * and a popularity / quality prior), with
 * weights learned per user on their own most recent held-out positives, pulled towards a prior
 * weight vector so a user with little evidence gets the prior's ranking.
 *
 * Why z-scores: the signals live on unrelated scales (a dot product, a cosine, a percentile), and
 * a weight is only comparable across users when each signal has mean 0 and unit spread over the
 * catalog. Why a softmax likelihood: it is the probability the list gives the item the user
 * actually picked next among all items, which is what HR / NDCG reward, and its gradient is cheap
 * (one pass over the catalog per step). Pure functions on Float32Arrays; no TF.js.
 */

export const HYBRID_SIGNALS = ['personal', 'content', 'sequence', 'era', 'popularity', 'quality'] as const;
export type HybridSignal = (typeof HYBRID_SIGNALS)[number];
export type HybridWeights = Record<HybridSignal, number>;
export type HybridInputs = Partial<Record<HybridSignal, Float32Array | null>>;

/**
 * Where every user starts, and what their own fit (HISTORY_FIT) is pulled back to, in units of one
 * standard deviation of each signal over the catalog: the catalog's popularity, its ratings and
 * the era of the likes in equal parts, content similarity at half of that. Ratings carry as much
 * as popularity because the replay scores *likes* (4-5 stars), not views: rated alone, the catalog's
 * ratings put a film the user goes on to like in the top 10 more often than its popularity does
 * (ml-100k, 919 users, first session HR@10 0.393 against 0.339). Content at half the popularity
 * weight keeps a user's genres in the list (four horror likes still bring horror) without letting
 * a shared genre outrank what people pick. The learned signals (personal, sequence) start small: on
 * the shipped synthetic pack they carry little, and a pack from real logs brings its own starting
 * weights (PackManifest.blendPrior).
 * A development choice, made on a blend-only simulation of ml-100k users *outside* the replay's
 * sample (seed 42, users 300-942) and then checked on the replay's 300 users (bench/REPORT.md).
 */
export const PRIOR_WEIGHTS: Readonly<HybridWeights> = Object.freeze({
  personal: 0.1,
  content: 0.5,
  sequence: 0.1,
  era: 1,
  popularity: 1,
  quality: 1,
});

/** Stored weights from an older signal set (or damaged) are dropped: the prior takes over. */
export function parseHybridWeights(value: unknown): HybridWeights | null {
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length !== HYBRID_SIGNALS.length) return null;
  const out = {} as HybridWeights;
  for (const k of HYBRID_SIGNALS) {
    const w = record[k];
    if (typeof w !== 'number' || !Number.isFinite(w)) return null;
    out[k] = w;
  }
  return out;
}

export interface FitOptions {
  /** strength of the pull towards the prior weights (a Gaussian prior's precision: more evidence, weaker pull) */
  l2: number;
  /** at most this many Newton steps (it usually stops after a few, once the weights stand still) */
  steps: number;
}

/**
 * For a prior learned over many users' examples (a pack's calibration users): l2 10 is weak
 * against hundreds of targets, and keeps a signal no example informs at its prior.
 */
export const DEFAULT_FIT: Readonly<FitOptions> = Object.freeze({ l2: 10, steps: 25 });

/**
 * For one user's own likes (likeMoments in events/, fitted by the engine at each ranking): each
 * like is a held-out example for the list the user's taste gave just before it. With l2 1 a few
 * consistent likes move a weight by about one unit (four likes all from one decade raise the era
 * weight), and one like alone by less. Chosen on the same blend-only simulation as PRIOR_WEIGHTS
 * (users outside the replay's sample; HR@10 first session / regular): no fit 0.362 / 0.562,
 * l2 30 0.368 / 0.592, l2 3 0.391 / 0.592, l2 1 0.425 / 0.619.
 */
export const HISTORY_FIT: Readonly<FitOptions> = Object.freeze({ l2: 1, steps: 25 });

/** The most recent likes the history fit learns from: enough to say how a user's likes follow, cheap at every ranking. */
export const HISTORY_FIT_LIKES = 30;

/** z-score over the finite entries; -Infinity stays -Infinity; a constant signal becomes all 0. */
export function standardise(scores: Float32Array): Float32Array {
  let n = 0;
  let sum = 0;
  let sq = 0;
  for (const v of scores) {
    if (!Number.isFinite(v)) continue;
    n++;
    sum += v;
    sq += v * v;
  }
  const mean = n > 0 ? sum / n : 0;
  const std = n > 1 ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : 0;
  return scores.map((v) => (Number.isFinite(v) ? (std > 1e-9 ? (v - mean) / std : 0) : v));
}

function presentSignals(inputs: HybridInputs): [HybridSignal, Float32Array][] {
  return HYBRID_SIGNALS.flatMap((k) => {
    const v = inputs[k];
    return v ? [[k, standardise(v)] as [HybridSignal, Float32Array]] : [];
  });
}

/** Σ w_k z_k(i) over the signals present; excluded items get -Infinity. */
export function hybridScores(inputs: HybridInputs, weights: HybridWeights, exclude: Iterable<number> = []): Float32Array {
  const signals = presentSignals(inputs);
  const n = signals[0]?.[1].length ?? 0;
  const out = new Float32Array(n);
  for (const [k, z] of signals) {
    const w = weights[k];
    for (let i = 0; i < n; i++) out[i]! += w * (Number.isFinite(z[i]!) ? z[i]! : 0);
  }
  for (const i of exclude) out[i] = -Infinity;
  return out;
}

/** Each signal's share of one item's hybrid score (w_k · z_k(i)), for explanations. */
export function contributions(inputs: HybridInputs, weights: HybridWeights, item: number): Record<HybridSignal, number> {
  const out = Object.fromEntries(HYBRID_SIGNALS.map((k) => [k, 0])) as Record<HybridSignal, number>;
  for (const [k, z] of presentSignals(inputs)) out[k] = weights[k] * (Number.isFinite(z[item]!) ? z[item]! : 0);
  return out;
}

/** A state of a user's taste: the blend's inputs, the likes that followed, what was excluded. */
export interface BlendExample {
  inputs: HybridInputs;
  targets: readonly number[];
  exclude: Iterable<number>;
}

/**
 * Learns the weights on examples of what was picked next: maximises Σ_h log softmax(s)[h] over the
 * items not excluded, summed over every target of every example, minus (l2 / 2)·|w - prior|². The
 * objective is concave in w and has only a handful of parameters, so Newton's method reaches its
 * maximum in a few passes over the catalog (the Hessian is the softmax covariance of the signals,
 * the same one weightPosterior reads). One user's likes (HISTORY_FIT) or many users' cut-offs (a
 * pack's starting blend, DEFAULT_FIT). Only signals present in every example are fitted; the
 * others keep their prior weight. Without examples the prior comes back unchanged.
 */
export function fitPooledHybridWeights(
  examples: readonly BlendExample[],
  prior: HybridWeights = PRIOR_WEIGHTS,
  options: FitOptions = DEFAULT_FIT,
): HybridWeights {
  const weights = { ...prior };
  const usable = examples.filter((e) => e.targets.length > 0);
  const fitted = HYBRID_SIGNALS.filter((k) => usable.length > 0 && usable.every((e) => e.inputs[k]));
  if (usable.length === 0 || fitted.length === 0) return weights;
  const K = fitted.length;
  const prepared = usable.map((e) => prepareExample(fitted.map((k) => e.inputs[k]!), e.exclude, e.targets));
  const w = fitted.map((k) => weights[k]);
  const anchor = fitted.map((k) => prior[k]);
  for (let step = 0; step < options.steps; step++) {
    // gradient and negative Hessian of the log-posterior at w
    const gradient = w.map((wk, k) => -options.l2 * (wk - anchor[k]!));
    const precision = Array.from({ length: K }, (_, a) => Array.from({ length: K }, (_, b) => (a === b ? options.l2 : 0)));
    for (const example of prepared) {
      const { mean, covariance } = softmaxMoments(example.z, K, w);
      for (let a = 0; a < K; a++) {
        gradient[a]! += example.targetSum[a]! - example.targets * mean[a]!;
        for (let b = 0; b < K; b++) precision[a]![b]! += example.targets * covariance[a * K + b]!;
      }
    }
    const delta = solveSymmetric(precision, gradient);
    // a damped step: far from the maximum a full Newton step can overshoot
    const largest = Math.max(...delta.map(Math.abs));
    const scale = largest > MAX_NEWTON_STEP ? MAX_NEWTON_STEP / largest : 1;
    for (let k = 0; k < K; k++) w[k] = w[k]! + scale * delta[k]!;
    if (largest < 1e-6) break;
  }
  fitted.forEach((k, i) => {
    weights[k] = w[i]!;
  });
  return weights;
}

/** the largest change of one weight in one Newton step (in standard deviations of its signal) */
const MAX_NEWTON_STEP = 1;

/** One example, compacted to the candidate items: z as [candidates × K] (standardised, unknown as 0). */
interface PreparedExample {
  z: Float32Array;
  /** Σ of z over the example's targets, per signal */
  targetSum: Float64Array;
  targets: number;
}

function prepareExample(signals: readonly Float32Array[], exclude: Iterable<number>, targets: readonly number[]): PreparedExample {
  const K = signals.length;
  const columns = signals.map((v) => standardise(v));
  const n = columns[0]!.length;
  const excluded = new Uint8Array(n);
  for (const i of exclude) excluded[i] = 1;
  for (const h of targets) excluded[h] = 0;
  let count = 0;
  for (let i = 0; i < n; i++) if (!excluded[i]) count++;
  const z = new Float32Array(count * K);
  let c = 0;
  for (let i = 0; i < n; i++) {
    if (excluded[i]) continue;
    for (let k = 0; k < K; k++) {
      const v = columns[k]![i]!;
      z[c * K + k] = Number.isFinite(v) ? v : 0;
    }
    c++;
  }
  const targetSum = new Float64Array(K);
  for (const h of targets) {
    for (let k = 0; k < K; k++) {
      const v = columns[k]![h]!;
      targetSum[k]! += Number.isFinite(v) ? v : 0;
    }
  }
  return { z, targetSum, targets: targets.length };
}

/**
 * Mean and covariance ([K × K], row-major) of the rows of z under the softmax of z·w: what the
 * fit's gradient and Hessian and the posterior's precision are made of. Two passes, no allocation
 * per item.
 */
function softmaxMoments(z: Float32Array, K: number, w: readonly number[]): { mean: Float64Array; covariance: Float64Array } {
  const count = z.length / K;
  let max = -Infinity;
  for (let c = 0; c < count; c++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += w[k]! * z[c * K + k]!;
    if (s > max) max = s;
  }
  const mean = new Float64Array(K);
  const second = new Float64Array(K * K);
  let total = 0;
  for (let c = 0; c < count; c++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += w[k]! * z[c * K + k]!;
    const p = Math.exp(s - max);
    total += p;
    for (let a = 0; a < K; a++) {
      const za = p * z[c * K + a]!;
      mean[a]! += za;
      for (let b = 0; b <= a; b++) second[a * K + b]! += za * z[c * K + b]!;
    }
  }
  const covariance = new Float64Array(K * K);
  if (total <= 0) return { mean, covariance };
  for (let a = 0; a < K; a++) mean[a]! /= total;
  for (let a = 0; a < K; a++) {
    for (let b = 0; b <= a; b++) {
      const v = second[a * K + b]! / total - mean[a]! * mean[b]!;
      covariance[a * K + b] = v;
      covariance[b * K + a] = v;
    }
  }
  return { mean, covariance };
}

/** x with A x = b for a symmetric positive-definite A (Cholesky). */
function solveSymmetric(A: number[][], b: readonly number[]): number[] {
  const L = choleskyLower(A);
  const K = b.length;
  const y = new Array<number>(K).fill(0);
  for (let i = 0; i < K; i++) {
    let v = b[i]!;
    for (let j = 0; j < i; j++) v -= L[i]![j]! * y[j]!;
    y[i] = v / L[i]![i]!;
  }
  const x = new Array<number>(K).fill(0);
  for (let i = K - 1; i >= 0; i--) {
    let v = y[i]!;
    for (let j = i + 1; j < K; j++) v -= L[j]![i]! * x[j]!;
    x[i] = v / L[i]![i]!;
  }
  return x;
}

/** Mean log-probability the blend's softmax (over the items not excluded) gives each target. */
export function meanLogLikelihood(examples: readonly BlendExample[], weights: (example: BlendExample) => HybridWeights): number {
  let sum = 0;
  let count = 0;
  for (const e of examples) {
    const targets = new Set(e.targets);
    const s = hybridScores(e.inputs, weights(e), [...e.exclude].filter((i) => !targets.has(i)));
    let max = -Infinity;
    for (const v of s) if (v > max) max = v;
    let z = 0;
    for (const v of s) if (Number.isFinite(v)) z += Math.exp(v - max);
    const logZ = max + Math.log(z);
    for (const h of e.targets) {
      sum += s[h]! - logZ;
      count++;
    }
  }
  return count > 0 ? sum / count : 0;
}

/** One held-out user of a pack's calibration: their likes as the app's history fit sees them, and their state at the cut-off. */
export interface CalibrationUser {
  /** the examples the app's history fit would learn from at the cut-off (one per earlier like) */
  history: readonly BlendExample[];
  /** the blend's inputs at the cut-off and the likes that followed */
  cutoff: BlendExample;
}

/** How hard each user's own fit is pulled to the pack's starting blend; null: not refitted at all. */
export type HistoryL2 = number | null;
export const HISTORY_L2_CANDIDATES: readonly HistoryL2[] = [1, 3, 10, 30, null];

/**
 * The history fit's l2 for a pack's starting blend, learned on its calibration users rather than
 * taken from the app's default: a starting blend learned from real users may already sit where
 * each user's few likes would pull it (then refitting only adds noise), or not. Cross-fitted in
 * two halves, so the prior a user's fit starts from was learned without that user: for each
 * candidate, the mean log-likelihood of each user's next likes under their own refitted blend.
 * Among equals (within 0.001 nats) the stronger pull wins.
 */
export function chooseHistoryL2(
  users: readonly CalibrationUser[],
  prior: HybridWeights,
  candidates: readonly HistoryL2[] = HISTORY_L2_CANDIDATES,
): { l2: HistoryL2; logLikelihood: Record<string, number> } {
  const halves = [users.filter((_, i) => i % 2 === 0), users.filter((_, i) => i % 2 === 1)];
  const priors = halves.map((_, h) => fitPooledHybridWeights(halves[1 - h]!.map((u) => u.cutoff), prior, DEFAULT_FIT));
  const scored = candidates.map((l2) => {
    const perHalf = halves.map((half, h) =>
      half.map((u) => ({
        example: u.cutoff,
        weights: l2 === null ? priors[h]! : fitPooledHybridWeights(u.history, priors[h]!, { ...HISTORY_FIT, l2 }),
      })),
    );
    const all = perHalf.flat();
    const byExample = new Map(all.map((x) => [x.example, x.weights]));
    return { l2, value: meanLogLikelihood(all.map((x) => x.example), (e) => byExample.get(e)!) };
  });
  const best = Math.max(...scored.map((s) => s.value));
  const strength = (l2: HistoryL2) => (l2 === null ? Infinity : l2);
  const chosen = scored.filter((s) => s.value >= best - 1e-3).sort((a, b) => strength(b.l2) - strength(a.l2))[0]!;
  return { l2: chosen.l2, logLikelihood: Object.fromEntries(scored.map((s) => [String(s.l2 ?? 'none'), Math.round(s.value * 1e4) / 1e4])) };
}

/** A Gaussian over the blend weights of the signals present: the fit's Laplace approximation. */
export interface WeightPosterior {
  signals: HybridSignal[];
  mean: number[];
  /** [K][K] precision: the negative log-posterior's Hessian at the mean */
  precision: number[][];
}

/**
 * The Laplace posterior around fitted weights: precision = |held-out| · Cov_p(z) + l2 · I, where
 * Cov_p is the covariance of the standardised signals under the blend's softmax over the items
 * not excluded (the softmax likelihood's Hessian is the same for every held-out item). Few
 * held-out likes leave it close to the prior's l2 · I: wide, so sampling from it explores.
 */
export function weightPosterior(
  inputs: HybridInputs,
  weights: HybridWeights,
  heldOutCount: number,
  exclude: Iterable<number>,
  l2: number = DEFAULT_FIT.l2,
): WeightPosterior {
  const present = HYBRID_SIGNALS.filter((k) => inputs[k]);
  const K = present.length;
  const w = present.map((k) => weights[k]);
  const { covariance } =
    K > 0 ? softmaxMoments(prepareExample(present.map((k) => inputs[k]!), exclude, []).z, K, w) : { covariance: new Float64Array(0) };
  const precision = Array.from({ length: K }, (_, a) =>
    Array.from({ length: K }, (_, b) => heldOutCount * covariance[a * K + b]! + (a === b ? l2 : 0)),
  );
  return { signals: present, mean: w, precision };
}

/** One draw from the posterior (Thompson sampling): mean + L⁻ᵀ ε with precision = L Lᵀ, ε ~ N(0, I). */
export function sampleWeights(posterior: WeightPosterior, base: HybridWeights, normal: () => number): HybridWeights {
  const K = posterior.signals.length;
  const L = choleskyLower(posterior.precision);
  const eps = Array.from({ length: K }, () => normal());
  // solve Lᵀ x = ε by back substitution: x ~ N(0, precision⁻¹)
  const x = new Array<number>(K).fill(0);
  for (let i = K - 1; i >= 0; i--) {
    let v = eps[i]!;
    for (let j = i + 1; j < K; j++) v -= L[j]![i]! * x[j]!;
    x[i] = v / L[i]![i]!;
  }
  const out = { ...base };
  posterior.signals.forEach((k, i) => {
    out[k] = posterior.mean[i]! + x[i]!;
  });
  return out;
}

function choleskyLower(m: number[][]): number[][] {
  const K = m.length;
  const L = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  for (let i = 0; i < K; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = m[i]![j]!;
      for (let k = 0; k < j; k++) sum -= L[i]![k]! * L[j]![k]!;
      L[i]![j] = i === j ? Math.sqrt(Math.max(sum, 1e-9)) : sum / L[j]![j]!;
    }
  }
  return L;
}

/**
 * The popularity signal: the catalog prior (in [0, 1]) on the log-odds scale, where a softmax over
 * it gives back the prior's own ranking and its top is as far above the middle as it really is (a
 * percentile squeezes the top 1% and the top 10% together).
 */
export function popularitySignal(popularity: Float32Array): Float32Array {
  const eps = 1e-3;
  return popularity.map((p) => {
    const q = Math.min(1, Math.max(0, Number.isFinite(p) ? p : 0));
    return Math.log(q + eps) - Math.log(1 - q + eps);
  });
}

/** The quality signal: mean of the available IMDB rating / 10 and Rotten Tomatoes / 100; unknown gets the catalog's mean. */
export function qualitySignal(numeric: readonly Record<string, number | null>[]): Float32Array {
  const quality = numeric.map((n) => {
    const known = [n.imdb_rating != null ? n.imdb_rating / 10 : null, n.rt_rating != null ? n.rt_rating / 100 : null].filter(
      (x): x is number => x !== null && Number.isFinite(x),
    );
    return known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : null;
  });
  const known = quality.filter((q): q is number => q !== null);
  const mean = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : 0;
  return Float32Array.from(quality, (q) => q ?? mean);
}

/**
 * The era signal: how close each item's release year is to the years of the user's likes
 * (−|year − the strength-weighted mean year of the positives|). People's tastes cluster in time
 * (a fan of 1970s thrillers, of this year's releases) and content similarity hardly sees it.
 * NaN where the year is unknown (standardise and the blend count it as average); null without a
 * positive that has a year.
 */
export function eraAffinity(years: Float32Array, signals: readonly { item: number; strength: number }[], isPositive: (strength: number) => boolean): Float32Array | null {
  let sum = 0;
  let weight = 0;
  for (const { item, strength } of signals) {
    const y = years[item];
    if (!isPositive(strength) || y === undefined || !Number.isFinite(y)) continue;
    sum += strength * y;
    weight += strength;
  }
  if (weight <= 0) return null;
  const centre = sum / weight;
  return years.map((y) => (Number.isFinite(y) ? -Math.abs(y - centre) : NaN));
}
