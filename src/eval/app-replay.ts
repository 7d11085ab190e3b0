/**
 * The pure half of the app-setting replay (`npm run eval -- --mode app`): each real user's ratings
 * as a time-ordered list of the app's rating events, the two cut-offs (first session, regular),
 * the targets, and the metrics and taste diagnostics of a top 10. The driver that feeds the events
 * to the app's own engine lives in scripts/eval-lib/app-replay.ts; nothing here ranks anything.
 */
import { isPositiveRating } from '../events';
import { Rng } from '../common';
import type { Interactions } from '../models';
import type { Dataset } from './readers';

export interface ReplayEvent {
  /** catalog item index */
  item: number;
  /** 1..5 stars, rounded (MovieLens 25M's half stars round half up) */
  stars: number;
  /** when it was rated (ms since the epoch); absent when the dataset has no times */
  ts?: number;
}

export interface ReplayUser {
  user: string;
  events: ReplayEvent[];
}

/**
 * Whose clock the replay runs on. 'dataset' (the default): each event carries its dataset time and
 * the engine's clock follows it, so a user is shown, and scored on, the catalog as it was then
 * (no film from after their time). 'device': every event is stamped now and the whole catalog is
 * out, as the replay ran before 2026-12-07; for comparison with those numbers.
 */
export const REPLAY_CLOCKS = ['dataset', 'device'] as const;
export type ReplayClock = (typeof REPLAY_CLOCKS)[number];

export const REPLAY_SETTINGS = { 'first session': 5, regular: 20 } as const;
export type ReplaySetting = keyof typeof REPLAY_SETTINGS;
export const TARGETS = 10;
export const K = 10;

/** Each user's matched ratings in time order, one per catalog film (a film rated twice keeps its first). */
export function replayUsers(dataset: Dataset, toCatalog: Int32Array): ReplayUser[] {
  const { user, item, time } = dataset.interactions;
  const perUser: ReplayEvent[][] = Array.from({ length: dataset.interactions.numUsers }, () => []);
  const seen: Set<number>[] = perUser.map(() => new Set());
  for (let e = 0; e < item.length; e++) {
    const c = toCatalog[item[e]!]!;
    const rating = dataset.ratings[e]!;
    if (c < 0 || !Number.isFinite(rating)) continue;
    const u = user[e]!;
    if (seen[u]!.has(c)) continue;
    seen[u]!.add(c);
    // the readers give 0 for every event of a file without timestamps
    const stars = Math.min(5, Math.max(1, Math.round(rating)));
    perUser[u]!.push(time[e]! > 0 ? { item: c, stars, ts: time[e]! } : { item: c, stars });
  }
  return perUser.map((events, u) => ({ user: dataset.userIds[u]!, events }));
}

/**
 * The mapped users as training interactions over the catalog's items (the operator's path: a pack
 * from a site's own logs). Every rating is an implicit event of weight 1, as in the dataset packs;
 * time is each event's place in its user's history, which is all the trainers read from it.
 */
export function catalogInteractions(users: readonly ReplayUser[], numItems: number): Interactions {
  const total = users.reduce((s, u) => s + u.events.length, 0);
  const user = new Int32Array(total);
  const item = new Int32Array(total);
  const time = new Float64Array(total);
  let e = 0;
  users.forEach((u, index) => {
    u.events.forEach((event, t) => {
      user[e] = index;
      item[e] = event.item;
      time[e] = t;
      e++;
    });
  });
  return { numUsers: users.length, numItems, user, item, weight: new Float32Array(total).fill(1), time };
}

export interface Cutoff {
  /** events replayed before scoring (the history up to and including the nth like) */
  history: number;
  /** the next likes after the cut-off, at most TARGETS, oldest first */
  targets: number[];
}

/** The cut-off after the `likes`-th like, or null when the user has not that many likes plus one more. */
export function cutoffAfterLikes(events: readonly ReplayEvent[], likes: number): Cutoff | null {
  let seen = 0;
  for (let i = 0; i < events.length; i++) {
    if (!isPositiveRating(events[i]!.stars)) continue;
    seen++;
    if (seen === likes) {
      const targets = events
        .slice(i + 1)
        .filter((e) => isPositiveRating(e.stars))
        .slice(0, TARGETS)
        .map((e) => e.item);
      return targets.length > 0 ? { history: i + 1, targets } : null;
    }
  }
  return null;
}

/** A seeded sample of `n` users who reach the first-session cut-off. */
export function sampleUsers(users: readonly ReplayUser[], n: number, seed: number): ReplayUser[] {
  const eligible = users.filter((u) => cutoffAfterLikes(u.events, REPLAY_SETTINGS['first session']) !== null);
  const rng = new Rng(seed);
  const order = eligible.map((u, i) => ({ u, key: rng.next(), i }));
  order.sort((a, b) => a.key - b.key || a.i - b.i);
  return order.slice(0, n).map((o) => o.u);
}

export interface TopKScore {
  hr: number;
  ndcg: number;
  recall: number;
}

/** HR@10 (any target in the top 10), NDCG@10 of the very next like, Recall@10 over the targets. */
export function scoreTopK(top: readonly number[], targets: readonly number[]): TopKScore {
  const list = top.slice(0, K);
  const hits = targets.filter((t) => list.includes(t)).length;
  const rank = targets.length > 0 ? list.indexOf(targets[0]!) : -1;
  return {
    hr: hits > 0 ? 1 : 0,
    ndcg: rank >= 0 ? 1 / Math.log2(rank + 2) : 0,
    recall: targets.length > 0 ? hits / targets.length : 0,
  };
}

/** What the diagnostics know about the catalog. */
export interface TasteContext {
  numItems: number;
  /** [numItems] percentile (0..100) of each item's catalog popularity */
  popularityPercentile: Float32Array;
  /** genre tags of each item */
  genres: readonly (readonly string[])[];
  /** [numItems] -log2 p(item), p from the replayed dataset's matched ratings (add-one smoothed) */
  selfInformation: Float32Array;
  /** [numItems * dim] reference item embeddings (the shipped pack's), for intra-list diversity */
  embeddings: Float32Array;
  dim: number;
}

export function popularityPercentiles(popularity: ArrayLike<number>): Float32Array {
  const n = popularity.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => popularity[a]! - popularity[b]! || a - b);
  const out = new Float32Array(n);
  order.forEach((item, rank) => {
    out[item] = n > 1 ? (100 * rank) / (n - 1) : 100;
  });
  return out;
}

export function selfInformation(numItems: number, users: readonly ReplayUser[]): Float32Array {
  const counts = new Float64Array(numItems);
  let total = 0;
  for (const u of users) for (const e of u.events) {
    counts[e.item]!++;
    total++;
  }
  return Float32Array.from(counts, (c) => -Math.log2((c + 1) / (total + numItems)));
}

export interface TasteDiagnostics {
  popularityPercentile: number;
  genreOverlap: number;
  diversity: number;
  novelty: number;
}

/** Taste diagnostics of one top 10 for a user who liked `liked`. */
export function diagnose(top: readonly number[], liked: readonly number[], ctx: TasteContext): TasteDiagnostics {
  const list = top.slice(0, K);
  if (list.length === 0) return { popularityPercentile: 0, genreOverlap: 0, diversity: 0, novelty: 0 };
  const likedGenres = new Set(liked.flatMap((i) => ctx.genres[i] ?? []));
  const mean = (f: (i: number) => number) => list.reduce((s, i) => s + f(i), 0) / list.length;
  let distance = 0;
  let pairs = 0;
  for (let a = 0; a < list.length; a++) {
    for (let b = a + 1; b < list.length; b++) {
      distance += 1 - cosine(ctx.embeddings, ctx.dim, list[a]!, list[b]!);
      pairs++;
    }
  }
  return {
    popularityPercentile: mean((i) => ctx.popularityPercentile[i]!),
    genreOverlap: mean((i) => ((ctx.genres[i] ?? []).some((g) => likedGenres.has(g)) ? 1 : 0)),
    diversity: pairs > 0 ? distance / pairs : 0,
    novelty: mean((i) => ctx.selfInformation[i]!),
  };
}

function cosine(v: Float32Array, dim: number, a: number, b: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let d = 0; d < dim; d++) {
    const x = v[a * dim + d]!;
    const y = v[b * dim + d]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

export interface RankerRow {
  ranker: string;
  users: number;
  'HR@10': number;
  'NDCG@10': number;
  'Recall@10': number;
  popularityPercentile: number;
  genreOverlap: number;
  diversity: number;
  novelty: number;
  /** distinct items over all users' top 10s / catalog size */
  coverage: number;
  /** mean distinct reason texts per top 10; null for a ranker that gives none */
  distinctReasons: number | null;
}

/** Sums one ranker's per-user results in one setting. */
export class RankerAccumulator {
  private n = 0;
  private readonly sums = { hr: 0, ndcg: 0, recall: 0, pop: 0, genre: 0, div: 0, nov: 0, reasons: 0 };
  private reasonLists = 0;
  private readonly shown = new Set<number>();
  private readonly perUser = { hr: [] as number[], ndcg: [] as number[] };
  constructor(readonly ranker: string, private readonly numItems: number) {}

  add(top: readonly number[], targets: readonly number[], liked: readonly number[], ctx: TasteContext, reasons?: readonly string[]): void {
    const s = scoreTopK(top, targets);
    const d = diagnose(top, liked, ctx);
    this.n++;
    this.perUser.hr.push(s.hr);
    this.perUser.ndcg.push(s.ndcg);
    this.sums.hr += s.hr;
    this.sums.ndcg += s.ndcg;
    this.sums.recall += s.recall;
    this.sums.pop += d.popularityPercentile;
    this.sums.genre += d.genreOverlap;
    this.sums.div += d.diversity;
    this.sums.nov += d.novelty;
    for (const i of top.slice(0, K)) this.shown.add(i);
    if (reasons) {
      this.reasonLists++;
      this.sums.reasons += new Set(reasons.slice(0, K)).size;
    }
  }

  /** Each user's HR@10 and NDCG@10, in the order they were added (the same users, in the same order, for every ranker of a setting). */
  userMetrics(): { hr: readonly number[]; ndcg: readonly number[] } {
    return this.perUser;
  }

  row(): RankerRow {
    const m = (x: number) => (this.n > 0 ? x / this.n : 0);
    return {
      ranker: this.ranker,
      users: this.n,
      'HR@10': m(this.sums.hr),
      'NDCG@10': m(this.sums.ndcg),
      'Recall@10': m(this.sums.recall),
      popularityPercentile: m(this.sums.pop),
      genreOverlap: m(this.sums.genre),
      diversity: m(this.sums.div),
      novelty: m(this.sums.nov),
      coverage: this.shown.size / this.numItems,
      distinctReasons: this.reasonLists > 0 ? this.sums.reasons / this.reasonLists : null,
    };
  }
}

/**
 * How soon a list first shows a film the user goes on to like: after each replayed event, a hit
 * when the top 10 holds one of the next `TARGETS` likes after that event. Summed per ranker as
 * the median number of events until the first hit (users never hit count as one past their last
 * replayed event) and the share of users hit within their first five events.
 */
export class FirstHitAccumulator {
  private readonly firsts: number[] = [];
  private hitWithinFive = 0;
  constructor(readonly ranker: string) {}

  /** `shown[e]`: the list shown after event e (0-based); `events`: the user's whole replay */
  add(shown: readonly (readonly number[])[], events: readonly ReplayEvent[]): void {
    let first = shown.length + 1;
    let hit = false;
    for (let e = 0; e < shown.length; e++) {
      const targets = events
        .slice(e + 1)
        .filter((x) => isPositiveRating(x.stars))
        .slice(0, TARGETS)
        .map((x) => x.item);
      if (scoreTopK(shown[e]!, targets).hr > 0) {
        first = e + 1;
        hit = true;
        break;
      }
    }
    this.firsts.push(first);
    if (hit && first <= 5) this.hitWithinFive++;
  }

  row(): { ranker: string; users: number; medianEventsToFirstHit: number; hitWithinFiveEvents: number } {
    const sorted = [...this.firsts].sort((a, b) => a - b);
    const n = sorted.length;
    const median = n === 0 ? 0 : n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
    return { ranker: this.ranker, users: n, medianEventsToFirstHit: median, hitWithinFiveEvents: n > 0 ? this.hitWithinFive / n : 0 };
  }
}

/** A ratio of two rankers' means over the same users, with its bootstrap interval. */
export interface RatioInterval {
  ratio: number;
  /** 2.5th and 97.5th percentiles of the ratio over resamples of the users */
  low: number;
  high: number;
}

/**
 * mean(other) / mean(base) over the same users, and how much it moves with the sample: users are
 * resampled with replacement (paired: a resampled user brings both rankers' results), and the
 * interval is the middle 95% of the resampled ratios. A resample whose base mean is 0 is skipped.
 */
export function pairedRatioInterval(base: readonly number[], other: readonly number[], seed = 42, resamples = 2000): RatioInterval {
  if (base.length !== other.length) throw new Error(`paired results must have one entry per user on both sides, got ${base.length} and ${other.length}`);
  const n = base.length;
  const sum = (a: readonly number[]) => a.reduce((s, x) => s + x, 0);
  const ratio = sum(base) > 0 ? sum(other) / sum(base) : NaN;
  if (n === 0) return { ratio, low: NaN, high: NaN };
  const rng = new Rng(seed);
  const ratios: number[] = [];
  for (let b = 0; b < resamples; b++) {
    let sb = 0;
    let so = 0;
    for (let j = 0; j < n; j++) {
      const i = rng.int(n);
      sb += base[i]!;
      so += other[i]!;
    }
    if (sb > 0) ratios.push(so / sb);
  }
  ratios.sort((x, y) => x - y);
  const at = (q: number) => (ratios.length > 0 ? ratios[Math.min(ratios.length - 1, Math.floor(q * ratios.length))]! : NaN);
  return { ratio, low: at(0.025), high: at(0.975) };
}

/** The replay's rows as a Markdown table. */
export function replayTable(rows: readonly RankerRow[]): string {
  const f = (x: number, d = 3) => x.toFixed(d);
  const lines = [
    '| what the user sees | users | HR@10 | NDCG@10 | Recall@10 | pop. pct | genre overlap | diversity | novelty (bits) | coverage | distinct reasons |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.ranker} | ${r.users} | ${f(r['HR@10'])} | ${f(r['NDCG@10'])} | ${f(r['Recall@10'])} | ${f(r.popularityPercentile, 1)} | ${f(r.genreOverlap, 2)} | ${f(r.diversity, 2)} | ${f(r.novelty, 2)} | ${f(r.coverage, 3)} | ${r.distinctReasons === null ? '–' : f(r.distinctReasons, 1)} |`,
    );
  }
  return lines.join('\n');
}
