/**
 * Content features for an embedding bag: every item becomes a padded row of token ids and weights.
 * Token groups: one per facet ("genre:Drama"), one per numeric field ("imdb_rating:q3"),
 * "decade" ("decade:1990s") and "title" ("title:dead"). Within an item each group's weights sum to
 * its group weight (1 by default), so a film with three title words is not three times as "titled".
 */
import type { Catalog } from './schema';
import { foldText } from './text-fixes';

export const PADDING_TOKEN = '<pad>';
export const RARE_VALUE = '<rare>';
export const MISSING_VALUE = '<missing>';

export const DEFAULT_STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be but by de du for from in into is it its la le les of on or the to with ' +
    'vs el los das der die und'
  ).split(' '),
);

export interface EncodeFeaturesOptions {
  /** Quantile buckets per numeric field (ties may merge buckets). Default 5. */
  numericBuckets?: number;
  /** Numeric fields to encode, in order. Default: all declared in the catalog. */
  numericFields?: readonly string[];
  /** Tag values seen on fewer items collapse into "<facet>:<rare>". Default { director: 2 }. */
  minTagCount?: Readonly<Record<string, number>>;
  /** Title words on fewer items are dropped. Default 2. */
  minTitleTokenCount?: number;
  stopwords?: ReadonlySet<string>;
  /** Emit "<facet>:<missing>" for items without a tag of that facet. Default true. */
  missingFacetTokens?: boolean;
  /** Total weight of each group in an item, keyed by facet, numeric field, "decade" or "title". Default 1. */
  groupWeights?: Readonly<Record<string, number>>;
  /** Cap on features per item; extra tokens (title words last) are cut. Default: the longest item. */
  maxFeatures?: number;
}

export interface EncodedFeatures {
  /** Token strings; id 0 is padding. */
  vocabulary: string[];
  numItems: number;
  maxFeatures: number;
  /** [numItems * maxFeatures], row-major, 0 = padding. */
  ids: Int32Array;
  /** Same shape as ids; 0 on padding. */
  weights: Float32Array;
  /** Bucket q<i> of a numeric field holds values v with edges[i-1] <= v < edges[i]. */
  bucketEdges: Record<string, number[]>;
}

interface Group {
  name: string;
  tokens: string[];
}

export function tagFacet(tag: string): string {
  return tag.slice(0, Math.max(0, tag.indexOf(':')));
}

export function titleWords(title: string, stopwords: ReadonlySet<string> = DEFAULT_STOPWORDS): string[] {
  const words = foldText(title)
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '' && !stopwords.has(w) && (w.length > 1 || /\d/.test(w)));
  return [...new Set(words)];
}

/** Distinct, sorted cut points at the 1/k, 2/k, ... quantiles of the known values. */
export function quantileEdges(values: readonly (number | null)[], buckets: number): number[] {
  const known = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (known.length === 0) return [];
  const edges: number[] = [];
  for (let j = 1; j < buckets; j++) {
    const edge = known[Math.floor((j * known.length) / buckets)]!;
    if (edge > known[0]! && edges[edges.length - 1] !== edge) edges.push(edge);
  }
  return edges;
}

export function bucketOf(value: number, edges: readonly number[]): number {
  let bucket = 0;
  while (bucket < edges.length && value >= edges[bucket]!) bucket++;
  return bucket;
}

export function decadeToken(year: number | null): string {
  return year === null ? 'decade:missing' : `decade:${Math.floor(year / 10) * 10}s`;
}

function countItems(lists: readonly (readonly string[])[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const list of lists) for (const token of new Set(list)) counts.set(token, (counts.get(token) ?? 0) + 1);
  return counts;
}

function tagGroups(catalog: Catalog, options: EncodeFeaturesOptions): Group[][] {
  const minCount = options.minTagCount ?? { director: 2 };
  const counts = countItems(catalog.items.map((item) => item.tags));
  const facets = Object.keys(catalog.facets);
  return catalog.items.map((item) =>
    facets.flatMap((facet): Group[] => {
      const tags = item.tags.filter((tag) => tagFacet(tag) === facet);
      const tokens = tags.map((tag) =>
        (counts.get(tag) ?? 0) < (minCount[facet] ?? 1) ? `${facet}:${RARE_VALUE}` : tag,
      );
      if (tokens.length === 0 && options.missingFacetTokens !== false) tokens.push(`${facet}:${MISSING_VALUE}`);
      return tokens.length === 0 ? [] : [{ name: facet, tokens: [...new Set(tokens)].sort() }];
    }),
  );
}

function numericGroups(catalog: Catalog, fields: readonly string[], buckets: number) {
  const bucketEdges: Record<string, number[]> = {};
  for (const field of fields) {
    bucketEdges[field] = quantileEdges(catalog.items.map((item) => item.numeric[field] ?? null), buckets);
  }
  const groups = catalog.items.map((item) =>
    fields.map((field): Group => {
      const value = item.numeric[field] ?? null;
      const token = value === null ? `${field}:missing` : `${field}:q${bucketOf(value, bucketEdges[field]!)}`;
      return { name: field, tokens: [token] };
    }),
  );
  return { groups, bucketEdges };
}

function titleGroups(catalog: Catalog, options: EncodeFeaturesOptions): Group[] {
  const words = catalog.items.map((item) => titleWords(item.title, options.stopwords));
  const counts = countItems(words);
  const minCount = options.minTitleTokenCount ?? 2;
  return words.map((list) => ({
    name: 'title',
    tokens: list.filter((w) => (counts.get(w) ?? 0) >= minCount).map((w) => `title:${w}`),
  }));
}

function weighted(groups: readonly Group[], groupWeights: Readonly<Record<string, number>>): [string, number][] {
  return groups.flatMap((group) => {
    const total = groupWeights[group.name] ?? 1;
    return group.tokens.map((token): [string, number] => [token, total / group.tokens.length]);
  });
}

export function encodeFeatures(catalog: Catalog, options: EncodeFeaturesOptions = {}): EncodedFeatures {
  const fields = options.numericFields ?? Object.keys(catalog.numericFields);
  const tags = tagGroups(catalog, options);
  const numeric = numericGroups(catalog, fields, options.numericBuckets ?? 5);
  const titles = titleGroups(catalog, options);
  const rows = catalog.items.map((item, i) =>
    weighted(
      [...tags[i]!, ...numeric.groups[i]!, { name: 'decade', tokens: [decadeToken(item.year)] }, titles[i]!].filter(
        (g) => g.tokens.length > 0,
      ),
      options.groupWeights ?? {},
    ),
  );

  const vocabulary = [PADDING_TOKEN, ...[...new Set(rows.flat().map(([token]) => token))].sort()];
  const idOf = new Map(vocabulary.map((token, id) => [token, id]));
  const longest = rows.reduce((max, row) => Math.max(max, row.length), 0);
  const maxFeatures = Math.min(longest, options.maxFeatures ?? longest);
  const ids = new Int32Array(rows.length * maxFeatures);
  const weights = new Float32Array(rows.length * maxFeatures);
  rows.forEach((row, i) => {
    row.slice(0, maxFeatures).forEach(([token, weight], j) => {
      ids[i * maxFeatures + j] = idOf.get(token)!;
      weights[i * maxFeatures + j] = weight;
    });
  });
  return { vocabulary, numItems: rows.length, maxFeatures, ids, weights, bucketEdges: numeric.bucketEdges };
}

/** Each item's tags as a set, e.g. for overlap-based similarity. */
export function itemTagSets(catalog: Catalog): ReadonlySet<string>[] {
  return catalog.items.map((item) => new Set(item.tags));
}
