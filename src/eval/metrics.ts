/**
 * Top-K accuracy metrics for the leave-one-out protocol (see /work/shared/data/README.md):
 * one held-out target per user, ranked against the whole catalog.
 *
 * Conventions used everywhere in this file:
 * - `rank` is 0-based: 0 means the target is the best-scored eligible item.
 * - Eligible items are all items except the user's earlier items ("excluded"); the target itself
 *   is never excluded, even when the user had seen it before (repeat consumption), because
 *   otherwise a repeat target could not be ranked at all.
 * - Ties are pessimistic: the target ranks after every eligible item whose score is >= its own, so a
 *   model that gives everything the same score gets no credit.
 * - NaN scores count as -Infinity: a model that emits NaN for the target lands last, and a NaN on
 *   another item never helps that item beat the target.
 *
 * Pure functions, no DOM/Node dependencies, so the app and the CLI share them.
 */
import { topK } from '../ranking';

export const METRIC_NAMES = ['HR@10', 'NDCG@10', 'HR@20', 'NDCG@20', 'MRR', 'coverage@10'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];
export type EvalMetrics = Record<MetricName, number>;

/** Score with NaN mapped to -Infinity (see file comment). */
function val(x: number | undefined): number {
  return x === undefined || x !== x ? -Infinity : x;
}

function checkTarget(scores: ArrayLike<number>, target: number): void {
  if (!Number.isInteger(target) || target < 0 || target >= scores.length) {
    throw new RangeError(`target ${target} is outside 0..${scores.length - 1}`);
  }
}

/**
 * Marks excluded items with `stamp` in `stamps` (a reusable buffer), so per-user work is
 * O(|history|) instead of clearing an O(numItems) mask for every user.
 */
function stampExcluded(
  stamps: Uint32Array,
  stamp: number,
  excluded: ArrayLike<number>,
): void {
  for (let i = 0; i < excluded.length; i++) {
    const item = excluded[i]!;
    if (!Number.isInteger(item) || item < 0 || item >= stamps.length) {
      throw new RangeError(`excluded item ${item} is outside 0..${stamps.length - 1}`);
    }
    stamps[item] = stamp;
  }
}

/** Rank of `target` with items whose stamp equals `stamp` excluded (the target never is). */
function rankStamped(
  scores: ArrayLike<number>,
  target: number,
  stamps: Uint32Array,
  stamp: number,
): number {
  const t = val(scores[target]);
  let rank = 0;
  for (let j = 0; j < scores.length; j++) {
    if (j === target || stamps[j] === stamp) continue;
    // `>=` is the pessimistic tie rule; val() makes NaN targets rank after everything.
    if (val(scores[j]) >= t) rank++;
  }
  return rank;
}

/**
 * 0-based rank of `target` among all items, with `excluded` items (the user's earlier items)
 * left out, except the target itself. Ties are pessimistic.
 */
export function rankOfTarget(
  scores: ArrayLike<number>,
  target: number,
  excluded: ArrayLike<number> = [],
): number {
  checkTarget(scores, target);
  const stamps = new Uint32Array(scores.length);
  stampExcluded(stamps, 1, excluded);
  return rankStamped(scores, target, stamps, 1);
}

/** Hit rate for one target: 1 when it is in the top K. */
export function hitRate(rank: number, k: number): number {
  return rank < k ? 1 : 0;
}

/** NDCG for a single relevant item: the ideal DCG is 1, so NDCG = 1/log2(rank+2) inside the top K. */
export function ndcg(rank: number, k: number): number {
  return rank < k ? 1 / Math.log2(rank + 2) : 0;
}

/** Reciprocal rank of a single target (no cut-off). */
export function reciprocalRank(rank: number): number {
  return 1 / (rank + 1);
}

/** Catalog coverage: share of the catalog that appears in at least one user's top-K list. */
export function coverage(distinctRecommended: number, numItems: number): number {
  return numItems > 0 ? distinctRecommended / numItems : 0;
}

/**
 * Accumulates the protocol's metrics over users. Feed one user at a time with `add`, then read
 * `result()` (means over the users added; coverage over the union of their top-10 lists).
 */
export class MetricAccumulator {
  readonly numItems: number;
  private readonly stamps: Uint32Array;
  private stamp = 0;
  private readonly recommended: Uint8Array;
  private distinct = 0;
  private users = 0;
  private sums = { hr10: 0, ndcg10: 0, hr20: 0, ndcg20: 0, mrr: 0 };

  constructor(numItems: number) {
    if (!Number.isInteger(numItems) || numItems < 0) {
      throw new RangeError(`numItems must be a non-negative integer, got ${numItems}`);
    }
    this.numItems = numItems;
    this.stamps = new Uint32Array(numItems);
    this.recommended = new Uint8Array(numItems);
  }

  /** Number of users added so far. */
  get count(): number {
    return this.users;
  }

  /**
   * Adds one user: `scores` over the whole catalog, the held-out `target`, and the user's earlier
   * items (`excluded`, e.g. the history passed to the model). Returns the target's 0-based rank.
   */
  add(scores: Float32Array, target: number, excluded: ArrayLike<number>): number {
    if (scores.length !== this.numItems) {
      throw new RangeError(`expected ${this.numItems} scores, got ${scores.length}`);
    }
    checkTarget(scores, target);
    this.stamp++;
    if (this.stamp === 0xffffffff) {
      // Practically unreachable (4e9 users), but wrapping would silently exclude stale items.
      this.stamps.fill(0);
      this.stamp = 1;
    }
    stampExcluded(this.stamps, this.stamp, excluded);
    // The target is eligible even if it is among the earlier items (stale stamps are harmless:
    // the next user gets a new stamp).
    this.stamps[target] = 0;
    const rank = rankStamped(scores, target, this.stamps, this.stamp);
    // coverage counts the ranker's own top 10 (ranking's topK), the target eligible as above
    const top = topK(scores, 10, Array.from(excluded).filter((item) => item !== target)).indices;

    for (let i = 0; i < top.length; i++) {
      const item = top[i]!;
      if (this.recommended[item] === 0) {
        this.recommended[item] = 1;
        this.distinct++;
      }
    }
    const s = this.sums;
    s.hr10 += hitRate(rank, 10);
    s.ndcg10 += ndcg(rank, 10);
    s.hr20 += hitRate(rank, 20);
    s.ndcg20 += ndcg(rank, 20);
    s.mrr += reciprocalRank(rank);
    this.users++;
    return rank;
  }

  /** Means over the users added (all 0 when none were, since JSON has no NaN). */
  result(): EvalMetrics {
    const n = this.users;
    const mean = (x: number) => (n > 0 ? x / n : 0);
    const s = this.sums;
    return {
      'HR@10': mean(s.hr10),
      'NDCG@10': mean(s.ndcg10),
      'HR@20': mean(s.hr20),
      'NDCG@20': mean(s.ndcg20),
      MRR: mean(s.mrr),
      'coverage@10': coverage(this.distinct, this.numItems),
    };
  }
}
