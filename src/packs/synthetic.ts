/**
 * Synthetic training sessions for the default base pack.
 *
 * The shipped pack must contain nothing derived from MovieLens or any other data we may not
 * redistribute, so its models are trained on pseudo-users generated from the shipped catalog alone:
 * its content features and its own popularity prior. Each pseudo-user is a seeded random walk:
 *
 *   start at an item drawn by popularity; then repeatedly
 *     - with probability `jump`, jump to a fresh item drawn by popularity (a new interest), else
 *     - step to one of the current item's top-k content neighbours (idf-weighted content cosine,
 *       the same similarity the app's content baseline uses), drawn by similarity x popularity.
 *
 * So the pack encodes "people who like X tend to like content-similar, popular items", NOT real
 * behaviour. That is the point: a new user starts from sensible, catalog-grounded item vectors and
 * their own events do the personalising.
 */
import type { Interactions } from '../models';
import { idfWeighted, type FeatureRows } from '../ranking';
import { Rng } from '../common';

export interface SyntheticWalkOptions {
  /** number of pseudo-users (walks); default 3000 */
  walks?: number;
  /** walk length range, inclusive; default 10..40 */
  minLength?: number;
  maxLength?: number;
  /** content neighbours kept per item; default 20 */
  neighbours?: number;
  /** probability of a popularity jump instead of a neighbour step; default 0.15 */
  jump?: number;
  /**
   * exponent on popularity in every draw (start, jump, and the neighbour weight
   * similarity * (popularityFloor + popularity)^popularityExponent); default 1
   */
  popularityExponent?: number;
  /** added to popularity so items with popularity 0 can still be reached; default 0.05 */
  popularityFloor?: number;
  /** default 1 */
  seed?: number;
  /** time of the first event (ms); events are one minute apart within a walk; default 2020-01-01 */
  startTime?: number;
}

export interface ContentNeighbours {
  k: number;
  /** [numItems * k] neighbour item indices, best first; -1 where an item has fewer than k */
  items: Int32Array;
  /** [numItems * k] cosine similarities (0 where items is -1) */
  similarity: Float32Array;
}

/**
 * Top-k content neighbours of every item by cosine of the idf-weighted feature rows. Exact, via an
 * inverted index (feature -> items): O(sum over features of df^2), well under a second for a few
 * thousand items. Ties are broken by lower index, so the result is deterministic.
 */
export function contentNeighbours(rows: FeatureRows, k: number): ContentNeighbours {
  const N = rows.numItems;
  const F = rows.maxFeatures;
  const postings = new Map<number, { item: number; w: number }[]>();
  const norm = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let f = 0; f < F; f++) {
      const id = rows.ids[i * F + f]!;
      const w = rows.weights[i * F + f]!;
      if (id === 0 || w === 0) continue;
      s += w * w;
      let list = postings.get(id);
      if (!list) postings.set(id, (list = []));
      list.push({ item: i, w });
    }
    norm[i] = Math.sqrt(s);
  }
  const items = new Int32Array(N * k).fill(-1);
  const similarity = new Float32Array(N * k);
  const dot = new Float64Array(N);
  const touched: number[] = [];
  const rowSim = new Float64Array(k);
  for (let i = 0; i < N; i++) {
    if (norm[i] === 0) continue;
    for (let f = 0; f < F; f++) {
      const id = rows.ids[i * F + f]!;
      const w = rows.weights[i * F + f]!;
      if (id === 0 || w === 0) continue;
      for (const p of postings.get(id)!) {
        if (p.item === i) continue;
        if (dot[p.item] === 0) touched.push(p.item);
        dot[p.item]! += w * p.w;
      }
    }
    // top-k by insertion into the item's (sorted) output row: most candidates fail the first
    // comparison, which is far cheaper than sorting thousands of candidates per item
    // (compared in float64; rounded to float32 only when stored)
    let filled = 0;
    const base = i * k;
    for (const j of touched) {
      const s = dot[j]! / (norm[i]! * norm[j]!);
      dot[j] = 0;
      if (filled === k && !better(s, j, rowSim[k - 1]!, items[base + k - 1]!)) continue;
      let r = filled < k ? filled++ : k - 1;
      while (r > 0 && better(s, j, rowSim[r - 1]!, items[base + r - 1]!)) {
        rowSim[r] = rowSim[r - 1]!;
        items[base + r] = items[base + r - 1]!;
        r--;
      }
      rowSim[r] = s;
      items[base + r] = j;
    }
    for (let r = 0; r < filled; r++) similarity[base + r] = rowSim[r]!;
    touched.length = 0;
  }
  return { k, items, similarity };
}

/** Higher similarity first; ties by lower index (deterministic). */
const better = (s: number, j: number, s2: number, j2: number) => s > s2 || (s === s2 && j < j2);

/** Draws from a fixed discrete distribution by binary search over its cumulative weights. */
class CumulativeSampler {
  private readonly cdf: Float64Array;
  constructor(weights: ArrayLike<number>) {
    this.cdf = new Float64Array(weights.length);
    let s = 0;
    for (let i = 0; i < weights.length; i++) this.cdf[i] = s += Math.max(0, weights[i]!);
    if (!(s > 0)) throw new Error('synthetic walks: every sampling weight is 0');
  }
  draw(rng: Rng): number {
    const x = rng.next() * this.cdf[this.cdf.length - 1]!;
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cdf[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/**
 * Seeded pseudo-user sessions over a catalog (see the module comment): one user per walk, weight
 * 1 per event, events in walk order one minute apart. No item repeats within a walk (as in a watch
 * history); a walk that cannot find an unseen item in a few tries jumps by popularity instead.
 *
 * @param features the catalog's encoded features as the app encodes them (they are idf-weighted here)
 * @param popularity `[numItems]` the catalog's popularity prior, in [0, 1]
 */
export function syntheticWalks(features: FeatureRows, popularity: ArrayLike<number>, options: SyntheticWalkOptions = {}): Interactions {
  const N = features.numItems;
  if (popularity.length !== N) throw new Error(`synthetic walks: ${popularity.length} popularity values for ${N} items`);
  const walks = options.walks ?? 3000;
  const minLength = options.minLength ?? 10;
  const maxLength = options.maxLength ?? 40;
  const k = options.neighbours ?? 20;
  const jump = options.jump ?? 0.15;
  const exponent = options.popularityExponent ?? 1;
  const floor = options.popularityFloor ?? 0.05;
  const startTime = options.startTime ?? Date.UTC(2020, 0, 1);
  if (!(Number.isInteger(walks) && walks > 0)) throw new Error(`synthetic walks: walks must be a positive integer, got ${walks}`);
  if (!(Number.isInteger(minLength) && minLength >= 2 && Number.isInteger(maxLength) && maxLength >= minLength)) {
    throw new Error(`synthetic walks: need integer 2 <= minLength <= maxLength, got ${minLength}..${maxLength}`);
  }
  if (!(jump >= 0 && jump <= 1)) throw new Error(`synthetic walks: jump must be in [0, 1], got ${jump}`);

  const prior = Float64Array.from({ length: N }, (_, i) => (floor + Math.max(0, popularity[i]!)) ** exponent);
  const byPopularity = new CumulativeSampler(prior);
  const nb = contentNeighbours(idfWeighted(features), k);
  // per-item neighbour draw weights: similarity x popularity prior
  const nbWeight = new Float64Array(N * k);
  for (let i = 0; i < N * k; i++) {
    const j = nb.items[i]!;
    nbWeight[i] = j < 0 ? 0 : Math.max(0, nb.similarity[i]!) * prior[j]!;
  }

  const rng = new Rng(options.seed ?? 1);
  const user: number[] = [];
  const item: number[] = [];
  const time: number[] = [];
  const seen = new Set<number>();
  const drawNeighbour = (current: number): number => {
    let total = 0;
    for (let r = 0; r < k; r++) if (!seen.has(nb.items[current * k + r]!)) total += nbWeight[current * k + r]!;
    if (!(total > 0)) return -1;
    let x = rng.next() * total;
    for (let r = 0; r < k; r++) {
      const j = nb.items[current * k + r]!;
      if (seen.has(j)) continue;
      x -= nbWeight[current * k + r]!;
      if (x < 0) return j;
    }
    return -1; // rounding: treat as "no neighbour"
  };
  const drawFresh = (): number => {
    for (let t = 0; t < 16; t++) {
      const j = byPopularity.draw(rng);
      if (!seen.has(j)) return j;
    }
    return -1;
  };
  const maxDistinct = Math.min(N, maxLength);
  for (let u = 0; u < walks; u++) {
    const length = Math.min(maxDistinct, minLength + rng.int(maxLength - minLength + 1));
    seen.clear();
    let current = byPopularity.draw(rng);
    for (let step = 0; step < length; step++) {
      if (step > 0) {
        let next = rng.next() < jump ? -1 : drawNeighbour(current);
        if (next < 0) next = drawFresh();
        if (next < 0) break; // a tiny catalog can run out of unseen items
        current = next;
      }
      seen.add(current);
      user.push(u);
      item.push(current);
      time.push(startTime + (u * maxLength + step) * 60_000);
    }
  }
  return {
    numUsers: walks,
    numItems: N,
    user: Int32Array.from(user),
    item: Int32Array.from(item),
    weight: new Float32Array(item.length).fill(1),
    time: Float64Array.from(time),
  };
}
