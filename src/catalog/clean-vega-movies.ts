/**
 * Cleans vega-datasets' movies.json (a data-cleaning teaching set with deliberate errors)
 * into catalog items. Every change is counted in a CleaningReport so PROVENANCE.md can show it.
 */
import {
  CATALOG_FORMAT,
  CATALOG_VERSION,
  type Catalog,
  type CatalogItem,
  type FacetSpec,
  type NumericFieldSpec,
} from './schema';
import { fnv1a32 } from '../common';
import { GENRE_ERRATA, YEAR_ERRATA } from './errata';
import { collapseWhitespace, repairMacRomanMojibake, slugify, uninvertArticle } from './text-fixes';

export const FIX_KINDS = {
  'dropped-row': 'Row is not an object or has no title: dropped',
  'numeric-title': 'Title stored as a number (e.g. 1776): converted to text',
  'title-mojibake': 'Title decoded with the wrong character set ("LÈon"): repaired',
  'title-whitespace': 'Title with doubled or surrounding spaces: collapsed',
  'title-inverted-article': 'Title in library order ("Secret, The"): put back in reading order',
  'title-release-suffix': 'Title carries a release variant ("(IMAX)"): suffix removed',
  'title-year-suffix': 'Title carries its own year ("King Kong (1933)"): suffix removed',
  'year-wrapped': 'Release year after the data set ends (two-digit-year wrap, 2046 for 1946): minus 100 years',
  'unparseable-date': 'Release date without a readable year: year set to null',
  'numeric-string': 'Number stored as text: converted',
  'invalid-number': 'Numeric field holding something that is not a number: set to null',
  'out-of-range': 'Numeric value outside its plausible range: set to null',
  'zero-box-office': 'US and worldwide gross both 0 (no box office recorded): both set to null',
  'invalid-label': 'Category or text field that is not a string, or empty: set to null',
  'label-whitespace': 'Category or text field with stray spaces: collapsed',
  'mpaa-open': 'MPAA rating "Open" (released without a rating): mapped to "Not Rated"',
  'mpaa-anachronistic': 'MPAA rating that did not exist at release (PG-13 before 1984, NC-17 before 1990): set to null',
  'duplicate-merged': 'Same title and year more than once: kept the most complete row, filled its gaps from the others',
  'ambiguous-imdb':
    'Different films with the same title share identical IMDB rating and votes (joined on title): IMDB fields set to null',
  'imdb-mismatch':
    'IMDB votes far too few for the box office (under 1,000 votes for a film grossing $50M+, e.g. Aliens with 84): the table joined another film\'s IMDB entry, so its IMDB fields are set to null',
  'errata-year': 'Release year wrong in the table (Good Will Hunting as 1987): corrected from src/catalog/errata.ts; the id keeps the table\'s year so stored histories still match',
  'errata-genre': 'Well-known film with no major genre (The Godfather): filled from src/catalog/errata.ts',
  'id-collision': 'Two items would get the same id: numbered suffix added',
} as const;

export type FixKind = keyof typeof FIX_KINDS;

export interface FixCount {
  description: string;
  count: number;
  examples: string[];
}

export interface CleaningReport {
  inputRows: number;
  outputItems: number;
  fixes: Record<FixKind, FixCount>;
  /** Items lacking each tag facet or numeric field after cleaning. */
  missing: Record<string, number>;
}

const MAX_EXAMPLES = 5;

/**
 * The data set was compiled in 2010 and lists two films then scheduled for 2011
 * (The Adventures of Tintin, Restless); the earliest wrapped year is 2015 (The Birth of a Nation, 1915).
 */
export const VEGA_LATEST_YEAR = 2011;

export const VEGA_MOVIES_FACETS: Record<string, FacetSpec> = {
  genre: { label: 'Genre' },
  type: { label: 'Creative type' },
  source: { label: 'Source material' },
  mpaa: { label: 'MPAA rating' },
  director: { label: 'Director' },
};

interface NumericColumn {
  column: string;
  spec: NumericFieldSpec;
  integer?: boolean;
}

const NUMERIC_COLUMNS: Record<string, NumericColumn> = {
  imdb_rating: { column: 'IMDB Rating', spec: { label: 'IMDB rating', min: 0, max: 10 } },
  imdb_votes: { column: 'IMDB Votes', spec: { label: 'IMDB votes', min: 0 }, integer: true },
  rt_rating: { column: 'Rotten Tomatoes Rating', spec: { label: 'Rotten Tomatoes rating', unit: '%', min: 0, max: 100 } },
  running_time: { column: 'Running Time min', spec: { label: 'Running time', unit: 'min', min: 40, max: 300 } },
  us_gross: { column: 'US Gross', spec: { label: 'US gross', unit: 'USD', min: 0 } },
  worldwide_gross: { column: 'Worldwide Gross', spec: { label: 'Worldwide gross', unit: 'USD', min: 0 } },
  us_dvd_sales: { column: 'US DVD Sales', spec: { label: 'US DVD sales', unit: 'USD', min: 0 } },
  budget: { column: 'Production Budget', spec: { label: 'Production budget', unit: 'USD', min: 0 } },
};

export const VEGA_MOVIES_NUMERIC_FIELDS: Record<string, NumericFieldSpec> = Object.fromEntries(
  Object.entries(NUMERIC_COLUMNS).map(([key, { spec }]) => [key, spec]),
);

const LABEL_COLUMNS = {
  genre: 'Major Genre',
  type: 'Creative Type',
  source: 'Source',
  mpaa: 'MPAA Rating',
  director: 'Director',
  distributor: 'Distributor',
} as const;

type LabelKey = keyof typeof LABEL_COLUMNS;

interface Draft {
  row: number;
  title: string;
  year: number | null;
  labels: Record<LabelKey, string | null>;
  numeric: Record<string, number | null>;
}

class FixLog {
  readonly fixes = Object.fromEntries(
    Object.entries(FIX_KINDS).map(([kind, description]): [string, FixCount] => [
      kind,
      { description, count: 0, examples: [] },
    ]),
  ) as Record<FixKind, FixCount>;

  add(kind: FixKind, example: string): void {
    const fix = this.fixes[kind];
    fix.count++;
    if (fix.examples.length < MAX_EXAMPLES) fix.examples.push(example);
  }
}

const quote = (value: unknown): string => JSON.stringify(value) ?? String(value);

function cleanYear(raw: unknown, title: string, log: FixLog): number | null {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : '';
  const match = /\b(\d{4})\b/.exec(text);
  if (!match) {
    log.add('unparseable-date', `${quote(raw)} (${title})`);
    return null;
  }
  const year = Number(match[1]);
  if (year <= VEGA_LATEST_YEAR) return year;
  const unwrapped = year - 100;
  if (unwrapped < 1870) {
    log.add('unparseable-date', `${quote(raw)} (${title})`);
    return null;
  }
  log.add('year-wrapped', `${quote(raw)} -> ${unwrapped} (${title})`);
  return unwrapped;
}

function cleanTitle(raw: unknown, year: number | null, log: FixLog): string | null {
  let title: string;
  if (typeof raw === 'number' && Number.isFinite(raw)) {
    title = String(raw);
    log.add('numeric-title', `${raw} -> "${title}"`);
  } else if (typeof raw === 'string') {
    title = raw;
  } else {
    return null;
  }
  const steps: [FixKind, (t: string) => string][] = [
    ['title-mojibake', repairMacRomanMojibake],
    ['title-whitespace', collapseWhitespace],
    ['title-inverted-article', uninvertArticle],
    ['title-release-suffix', (t) => t.replace(/\s*\((?:IMAX|[A-Za-z ]*Release)\)$/, '')],
    ['title-year-suffix', (t) => t.replace(/\s*\((\d{4})\)$/, (whole, y: string) => (Number(y) === year ? '' : whole))],
  ];
  for (const [kind, step] of steps) {
    const next = step(title);
    if (next !== title) log.add(kind, `${quote(title)} -> ${quote(next)}`);
    title = next;
  }
  return title === '' ? null : title;
}

function cleanLabel(raw: unknown, column: string, title: string, log: FixLog): string | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw !== 'string' || raw.trim() === '') {
    log.add('invalid-label', `${column} ${quote(raw)} (${title})`);
    return null;
  }
  const label = collapseWhitespace(raw);
  if (label !== raw) log.add('label-whitespace', `${column} ${quote(raw)} (${title})`);
  return label;
}

function cleanMpaa(rating: string | null, year: number | null, title: string, log: FixLog): string | null {
  if (rating === 'Open') {
    log.add('mpaa-open', title);
    return 'Not Rated';
  }
  const introduced = rating === 'PG-13' ? 1984 : rating === 'NC-17' ? 1990 : null;
  if (introduced !== null && year !== null && year < introduced) {
    log.add('mpaa-anachronistic', `${rating} in ${year} (${title})`);
    return null;
  }
  return rating;
}

function cleanNumber(raw: unknown, key: string, column: NumericColumn, title: string, log: FixLog): number | null {
  if (raw === null || raw === undefined) return null;
  let value: number;
  if (typeof raw === 'number') {
    value = raw;
  } else if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw.replace(/[$,\s]/g, '')))) {
    value = Number(raw.replace(/[$,\s]/g, ''));
    log.add('numeric-string', `${key} ${quote(raw)} -> ${value} (${title})`);
  } else {
    log.add('invalid-number', `${key} ${quote(raw)} (${title})`);
    return null;
  }
  if (!Number.isFinite(value) || (column.integer === true && !Number.isInteger(value))) {
    log.add('invalid-number', `${key} ${quote(raw)} (${title})`);
    return null;
  }
  const { min, max } = column.spec;
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
    log.add('out-of-range', `${key} ${value} (${title})`);
    return null;
  }
  return value;
}

function cleanRow(raw: unknown, row: number, log: FixLog): Draft | null {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    log.add('dropped-row', `row ${row}: ${quote(raw)}`);
    return null;
  }
  const record = raw as Record<string, unknown>;
  const rawTitle = typeof record.Title === 'string' || typeof record.Title === 'number' ? String(record.Title) : '?';
  const year = cleanYear(record['Release Date'], rawTitle, log);
  const title = cleanTitle(record.Title, year, log);
  if (title === null) {
    log.add('dropped-row', `row ${row}: no title (released ${quote(record['Release Date'])})`);
    return null;
  }
  const labels = {} as Record<LabelKey, string | null>;
  for (const [key, column] of Object.entries(LABEL_COLUMNS) as [LabelKey, string][]) {
    labels[key] = cleanLabel(record[column], column, title, log);
  }
  labels.mpaa = cleanMpaa(labels.mpaa, year, title, log);
  const numeric: Record<string, number | null> = {};
  for (const [key, column] of Object.entries(NUMERIC_COLUMNS)) {
    numeric[key] = cleanNumber(record[column.column], key, column, title, log);
  }
  if (numeric.us_gross === 0 && numeric.worldwide_gross === 0) {
    numeric.us_gross = null;
    numeric.worldwide_gross = null;
    log.add('zero-box-office', `${title} (${year ?? 'no year'})`);
  }
  return { row, title, year, labels, numeric };
}

const titleKey = (title: string): string => title.toLowerCase();

function completeness(draft: Draft): number {
  return (
    Object.values(draft.labels).filter((v) => v !== null).length +
    Object.values(draft.numeric).filter((v) => v !== null).length
  );
}

function fillGaps(keep: Draft, other: Draft): Draft {
  const labels = { ...keep.labels };
  for (const key of Object.keys(labels) as LabelKey[]) labels[key] ??= other.labels[key];
  const numeric = { ...keep.numeric };
  for (const key of Object.keys(numeric)) numeric[key] ??= other.numeric[key] ?? null;
  return { ...keep, labels, numeric };
}

/** Same title and year is the same film; distinct years (remakes) stay separate. */
function mergeDuplicates(drafts: Draft[], log: FixLog): Draft[] {
  const groups = new Map<string, Draft[]>();
  for (const draft of drafts) {
    const key = `${titleKey(draft.title)}\u0000${draft.year ?? ''}`;
    const group = groups.get(key);
    if (group) group.push(draft);
    else groups.set(key, [draft]);
  }
  const merged = new Map<Draft, Draft>();
  const dropped = new Set<Draft>();
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    // Stable: ties keep the earliest row.
    const ranked = [...group].sort((a, b) => completeness(b) - completeness(a) || a.row - b.row);
    const [best, ...rest] = ranked as [Draft, ...Draft[]];
    let result = best;
    for (const other of rest) {
      result = fillGaps(result, other);
      dropped.add(other);
      log.add('duplicate-merged', `${best.title} (${best.year ?? 'no year'}): kept row ${best.row}, merged row ${other.row}`);
    }
    merged.set(best, result);
  }
  return drafts.filter((d) => !dropped.has(d)).map((d) => merged.get(d) ?? d);
}

/**
 * The source joined IMDB data on title alone, so remakes carry the same rating and votes
 * (Casino Royale 1967 and 2006 both 8.0 with 172,936 votes). We cannot tell which film the
 * numbers belong to, so they are dropped from every film of such a group.
 */
function clearAmbiguousImdb(drafts: Draft[], log: FixLog): Draft[] {
  const counts = new Map<string, number>();
  const keyOf = (d: Draft): string | null =>
    d.numeric.imdb_votes == null && d.numeric.imdb_rating == null
      ? null
      : `${titleKey(d.title)}\u0000${d.numeric.imdb_rating}\u0000${d.numeric.imdb_votes}`;
  for (const draft of drafts) {
    const key = keyOf(draft);
    if (key !== null) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return drafts.map((draft) => {
    const key = keyOf(draft);
    if (key === null || (counts.get(key) ?? 0) < 2) return draft;
    log.add(
      'ambiguous-imdb',
      `${draft.title} (${draft.year ?? 'no year'}): rating ${draft.numeric.imdb_rating}, ${draft.numeric.imdb_votes} votes`,
    );
    return { ...draft, numeric: { ...draft.numeric, imdb_rating: null, imdb_votes: null } };
  });
}

/** Below this many IMDB votes a film that grossed `MISMATCH_MIN_GROSS` or more was never that film's IMDB entry. */
const MISMATCH_MAX_VOTES = 1000;
const MISMATCH_MIN_GROSS = 50_000_000;

function clearMismatchedImdb(drafts: Draft[], log: FixLog): Draft[] {
  return drafts.map((draft) => {
    const votes = draft.numeric.imdb_votes ?? null;
    const gross = Math.max(draft.numeric.worldwide_gross ?? 0, draft.numeric.us_gross ?? 0);
    if (votes === null || votes >= MISMATCH_MAX_VOTES || gross < MISMATCH_MIN_GROSS) return draft;
    log.add('imdb-mismatch', `${draft.title} (${draft.year ?? 'no year'}): ${votes} votes, $${Math.round(gross / 1e6)}M gross`);
    return { ...draft, numeric: { ...draft.numeric, imdb_rating: null, imdb_votes: null } };
  });
}

/** Errata apply after the ids are fixed, so a corrected year does not rename a film users have rated. */
function applyErrata(drafts: Draft[], log: FixLog): Draft[] {
  return drafts.map((draft) => {
    let fixed = draft;
    const year = YEAR_ERRATA.find((e) => e.title === draft.title && e.tableYear === draft.year);
    if (year) {
      log.add('errata-year', `${draft.title}: ${draft.year} -> ${year.year}`);
      fixed = { ...fixed, year: year.year };
    }
    const genre = GENRE_ERRATA.find((e) => e.title === draft.title && e.year === draft.year);
    if (genre && fixed.labels.genre === null) {
      log.add('errata-genre', `${draft.title} (${draft.year}): ${genre.genre}`);
      fixed = { ...fixed, labels: { ...fixed.labels, genre: genre.genre } };
    }
    return fixed;
  });
}

function assignIds(drafts: Draft[], log: FixLog): string[] {
  const used = new Set<string>();
  return drafts.map((draft) => {
    const base = [slugify(draft.title) || 'untitled', draft.year].filter((p) => p !== null).join('-');
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    if (id !== base) log.add('id-collision', `${draft.title} -> ${id}`);
    used.add(id);
    return id;
  });
}

/** Share of values strictly below plus half of those equal: a tie-fair percentile in (0, 1). */
export function percentileRanks(values: readonly (number | null)[]): (number | null)[] {
  const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  const lowerBound = (x: number, strict: boolean): number => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < x || (!strict && sorted[mid]! === x)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return values.map((v) => {
    if (v === null) return null;
    const below = lowerBound(v, true);
    const equal = lowerBound(v, false) - below;
    return (below + equal / 2) / sorted.length;
  });
}

/**
 * popularity = 0.75 * attention + 0.25 * quality, rounded to 4 decimals, where
 * attention = percentile of IMDB votes (else of US gross, else of worldwide gross, else 0) and
 * quality   = IMDB rating / 10 (else Rotten Tomatoes / 100, else 0.5).
 * Percentiles make votes and grosses comparable and are the same whether or not votes are logged.
 */
export function popularityPriors(numeric: readonly Record<string, number | null>[]): number[] {
  const column = (key: string) => percentileRanks(numeric.map((n) => n[key] ?? null));
  const votes = column('imdb_votes');
  const usGross = column('us_gross');
  const worldGross = column('worldwide_gross');
  return numeric.map((n, i) => {
    const attention = votes[i] ?? usGross[i] ?? worldGross[i] ?? 0;
    const rating = n.imdb_rating ?? null;
    const rt = n.rt_rating ?? null;
    const quality = rating !== null ? rating / 10 : rt !== null ? rt / 100 : 0.5;
    return Math.round((0.75 * attention + 0.25 * quality) * 1e4) / 1e4;
  });
}

function toItem(draft: Draft, id: string, popularity: number): CatalogItem {
  const tags: string[] = [];
  for (const facet of Object.keys(VEGA_MOVIES_FACETS)) {
    const value = draft.labels[facet as LabelKey];
    if (value !== null) tags.push(`${facet}:${value}`);
  }
  const text: Record<string, string> = {};
  if (draft.labels.distributor !== null) text.distributor = draft.labels.distributor;
  return { id, title: draft.title, year: draft.year, tags, text, numeric: draft.numeric, popularity };
}

function countMissing(items: readonly CatalogItem[]): Record<string, number> {
  const missing: Record<string, number> = { year: items.filter((i) => i.year === null).length };
  for (const facet of Object.keys(VEGA_MOVIES_FACETS)) {
    missing[facet] = items.filter((i) => !i.tags.some((t) => t.startsWith(`${facet}:`))).length;
  }
  for (const key of Object.keys(NUMERIC_COLUMNS)) {
    missing[key] = items.filter((i) => i.numeric[key] === null).length;
  }
  return missing;
}

export function cleanVegaMovies(rows: unknown[]): { items: CatalogItem[]; report: CleaningReport } {
  const log = new FixLog();
  const drafts = rows.map((row, i) => cleanRow(row, i, log)).filter((d): d is Draft => d !== null);
  const merged = clearMismatchedImdb(clearAmbiguousImdb(mergeDuplicates(drafts, log), log), log);
  const ids = assignIds(merged, log);
  const unique = applyErrata(merged, log);
  const popularity = popularityPriors(unique.map((d) => d.numeric));
  const items = unique.map((draft, i) => toItem(draft, ids[i]!, popularity[i]!));
  return {
    items,
    report: { inputRows: rows.length, outputItems: items.length, fixes: log.fixes, missing: countMissing(items) },
  };
}

/** Short content hash so the catalog id changes whenever the items do. */
export function catalogContentHash(items: readonly CatalogItem[]): string {
  return fnv1a32(JSON.stringify(items));
}

export interface VegaMoviesSource {
  packageVersion: string;
}

export function buildVegaMoviesCatalog(
  rows: unknown[],
  source: VegaMoviesSource,
): { catalog: Catalog; report: CleaningReport } {
  const { items, report } = cleanVegaMovies(rows);
  const catalog: Catalog = {
    format: CATALOG_FORMAT,
    version: CATALOG_VERSION,
    id: `vega-movies@1-${catalogContentHash(items)}`,
    name: 'Movies (vega-datasets)',
    description: `${items.length} films released up to 2011 with genre, ratings and box office, cleaned from the vega-datasets movies table.`,
    itemNoun: 'film',
    license: 'BSD-3-Clause (vega-datasets package licence; the movies table states no licence of its own, see PROVENANCE.md)',
    provenance: `vega-datasets ${source.packageVersion}, data/movies.json, cleaned by scripts/build-catalog.ts (see PROVENANCE.md).`,
    facets: VEGA_MOVIES_FACETS,
    numericFields: VEGA_MOVIES_NUMERIC_FIELDS,
    items,
  };
  return { catalog, report };
}
