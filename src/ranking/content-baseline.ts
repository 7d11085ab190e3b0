/**
 * The non-learned baseline: popularity prior blended with content similarity to what the user
 * liked, minus what they disliked. It is what a brand-new user sees before any model is trained,
 * and the floor every learned model must beat.
 */

/** The padded feature rows of every item, as produced by `encodeFeatures` in src/catalog. */
export interface FeatureRows {
  numItems: number;
  maxFeatures: number;
  /** [numItems * maxFeatures] feature ids, 0 = padding */
  ids: Int32Array;
  /** [numItems * maxFeatures] feature weights, 0 on padding */
  weights: Float32Array;
}

/** How strongly one item counts toward the user's taste: > 0 liked, < 0 disliked, 0 neutral. */
export interface TasteSignal {
  item: number;
  strength: number;
}

export interface BaselineOptions {
  /** share of the score given to the popularity prior once the user has a taste profile */
  popularityWeight: number;
  /** items never recommended (already rated, liked, disliked, skipped) */
  exclude: ReadonlySet<number>;
}

const DEFAULT_POPULARITY_WEIGHT = 0.3;

/**
 * How much each feature group counts toward content similarity. Categorical facets say what an item
 * *is* (a facet named "genre" most of all); numeric fields mostly say how good or popular it is, which
 * the popularity prior already covers, so together they share one unit of weight.
 */
export function similarityGroupWeights(facets: readonly string[], numericFields: readonly string[]): Record<string, number> {
  const weights: Record<string, number> = { decade: 0.7, title: 0.5 };
  for (const facet of facets) weights[facet] = facet === 'genre' ? 3 : 1.5;
  for (const field of numericFields) weights[field] = 1 / numericFields.length;
  return weights;
}

/**
 * Feature rows re-weighted by inverse document frequency. Without it the features most items share
 * (a high rating bucket, a common decade) dominate every taste profile and push everyone toward the
 * same popular titles; with it, what distinguishes the liked items (genre, director) carries the match.
 */
export function idfWeighted(rows: FeatureRows): FeatureRows {
  const documentFrequency = new Map<number, number>();
  for (let i = 0; i < rows.ids.length; i++) {
    const id = rows.ids[i]!;
    if (id !== 0 && rows.weights[i]! > 0) documentFrequency.set(id, (documentFrequency.get(id) ?? 0) + 1);
  }
  const weights = new Float32Array(rows.weights.length);
  for (let i = 0; i < rows.ids.length; i++) {
    const id = rows.ids[i]!;
    if (id === 0) continue;
    const df = documentFrequency.get(id) ?? 1;
    weights[i] = rows.weights[i]! * Math.log(1 + rows.numItems / df);
  }
  return { ...rows, weights };
}

/** Sparse taste profile: feature id -> signed weight, summed over the user's signals. */
export function tasteProfile(rows: FeatureRows, signals: readonly TasteSignal[]): Map<number, number> {
  const profile = new Map<number, number>();
  for (const { item, strength } of signals) {
    if (strength === 0) continue;
    const base = item * rows.maxFeatures;
    for (let f = 0; f < rows.maxFeatures; f++) {
      const id = rows.ids[base + f]!;
      if (id === 0) continue;
      profile.set(id, (profile.get(id) ?? 0) + strength * rows.weights[base + f]!);
    }
  }
  return profile;
}

function itemDot(rows: FeatureRows, item: number, profile: Map<number, number>): number {
  let dot = 0;
  const base = item * rows.maxFeatures;
  for (let f = 0; f < rows.maxFeatures; f++) {
    const id = rows.ids[base + f]!;
    if (id !== 0) dot += rows.weights[base + f]! * (profile.get(id) ?? 0);
  }
  return dot;
}

function itemNorm(rows: FeatureRows, item: number): number {
  let sum = 0;
  const base = item * rows.maxFeatures;
  for (let f = 0; f < rows.maxFeatures; f++) sum += rows.weights[base + f]! ** 2;
  return Math.sqrt(sum);
}

function profileNorm(profile: Map<number, number>): number {
  let sum = 0;
  for (const w of profile.values()) sum += w * w;
  return Math.sqrt(sum);
}

/** Dot product between two items' feature rows (how much content they share). */
export function sharedContent(rows: FeatureRows, a: number, b: number): number {
  const baseA = a * rows.maxFeatures;
  const baseB = b * rows.maxFeatures;
  let dot = 0;
  for (let i = 0; i < rows.maxFeatures; i++) {
    const id = rows.ids[baseA + i]!;
    if (id === 0) continue;
    for (let j = 0; j < rows.maxFeatures; j++) {
      if (rows.ids[baseB + j] === id) dot += rows.weights[baseA + i]! * rows.weights[baseB + j]!;
    }
  }
  return dot;
}

/**
 * Scores every item: popularity alone for a user with no signals, otherwise
 * `popularityWeight * popularity + (1 - popularityWeight) * cosine(item, profile)`.
 * Returns [numItems] scores; excluded items get -Infinity.
 */
export function baselineScores(
  rows: FeatureRows,
  popularity: Float32Array,
  signals: readonly TasteSignal[],
  options: Pick<BaselineOptions, 'exclude'> & Partial<Pick<BaselineOptions, 'popularityWeight'>>,
): Float32Array {
  const popularityWeight = options.popularityWeight ?? DEFAULT_POPULARITY_WEIGHT;
  const profile = tasteProfile(rows, signals);
  const norm = profileNorm(profile);
  const scores = new Float32Array(rows.numItems);
  for (let i = 0; i < rows.numItems; i++) {
    if (options.exclude.has(i)) {
      scores[i] = -Infinity;
      continue;
    }
    const pop = popularity[i] ?? 0;
    if (norm === 0) {
      scores[i] = pop;
      continue;
    }
    const n = itemNorm(rows, i);
    const cosine = n === 0 ? 0 : itemDot(rows, i, profile) / (n * norm);
    scores[i] = popularityWeight * pop + (1 - popularityWeight) * cosine;
  }
  return scores;
}
