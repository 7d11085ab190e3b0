/**
 * Maps a MovieLens-style dataset's films onto a Burrow catalog by title and year, so real users can
 * be replayed through the app (`npm run eval -- --mode app`). Pure: no I/O, no TF.js.
 *
 * Tiers, tried in order; a film takes the first tier with exactly one candidate (ambiguous
 * candidates are left unmatched rather than guessed):
 *   exact     normalised title, same year
 *   year±1    normalised title, release year one off (festival vs cinema release)
 *   alias     a parenthesised alternative title of the dataset ("Shanghai Triad (Yao a yao ...)"),
 *             same year ±1
 *   subtitle  one title is the other plus a subtitle or episode ("Star Wars" vs "Star Wars Ep. IV:
 *             A New Hope"), same year
 *   series    the part after the colon names the film ("Return of the Jedi" vs "Star Wars Ep. VI:
 *             Return of the Jedi"; "Star Trek: The Wrath of Khan" vs "Star Trek II: The Wrath of
 *             Khan"), same year
 * Normalisation: Unicode compatibility form (³ -> 3), accents dropped, lower case, "&" -> "and",
 * MovieLens's trailing article turned around ("Matrix, The" -> "The Matrix"), leading articles
 * dropped, punctuation removed.
 */
import type { Dataset, FeatureValue } from './readers';

export const MATCH_TIERS = ['exact', 'year±1', 'alias', 'subtitle', 'series'] as const;
export type MatchTier = (typeof MATCH_TIERS)[number];

export interface CatalogFilm {
  id: string;
  title: string;
  /** films without a year are never matched */
  year: number | null;
}

export interface DatasetFilm {
  title: string;
  year: number | null;
}

const TRAILING_ARTICLE = /^(.*?),\s*(the|a|an|les|la|le|l'|il|el|das|der|die)\s*$/i;
const LEADING_ARTICLE = /^(the|a|an)\s+/;

/** "Matrix, The" -> "The Matrix" (also inside "Godfather: Part II, The"). */
export function turnArticleAround(title: string): string {
  const t = title.trim();
  const m = TRAILING_ARTICLE.exec(t);
  if (m) return `${m[2]} ${m[1]}`.replace(/'\s/, "'");
  // "Godfather: Part II, The" -> the article belongs to the whole title
  return t;
}

export function normaliseTitle(title: string): string {
  const turned = turnArticleAround(title);
  return turned
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/['’`]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .replace(LEADING_ARTICLE, '')
    .trim();
}

/** The exact-match key: the normalised title without spaces, so "Alien³" (NFKD: "Alien3") meets "Alien 3". */
export function titleKey(title: string): string {
  return normaliseTitle(title).replace(/ /g, '');
}

/** A dataset title without its parenthesised parts, and each parenthesised part (aliases). */
export function titleVariants(title: string): { main: string; aliases: string[] } {
  const aliases: string[] = [];
  const main = title.replace(/\(([^)]*)\)/g, (_, inner: string) => {
    const alias = inner.replace(/^a\.?k\.?a\.?\s*/i, '').trim();
    if (alias !== '' && !/^\d{4}$/.test(alias)) aliases.push(alias);
    return ' ';
  });
  return { main: main.replace(/\s+/g, ' ').trim(), aliases };
}

/** "Toy Story (1995)" -> { title: "Toy Story", year: 1995 } (MovieLens movies.csv). */
export function splitTitleYear(text: string): DatasetFilm {
  const m = /^(.*)\((\d{4})\)\s*$/.exec(text.trim());
  return m ? { title: m[1]!.trim(), year: Number(m[2]) } : { title: text.trim(), year: null };
}

export interface FilmMatch {
  catalogIndex: number;
  tier: MatchTier;
}

/** The normalised part after a title's last colon, or null without one. */
export function afterColon(title: string): string | null {
  const at = title.lastIndexOf(':');
  if (at < 0) return null;
  const tail = normaliseTitle(title.slice(at + 1));
  return tail.length >= 4 ? tail : null;
}

class CatalogLookup {
  private readonly byTitle = new Map<string, number[]>();
  readonly normalised: string[];
  private readonly tails: (string | null)[];
  constructor(private readonly films: readonly CatalogFilm[]) {
    this.normalised = films.map((f) => normaliseTitle(f.title));
    this.tails = films.map((f) => afterColon(f.title));
    this.normalised.forEach((t, i) => {
      const key = t.replace(/ /g, '');
      const list = this.byTitle.get(key) ?? [];
      list.push(i);
      this.byTitle.set(key, list);
    });
  }
  /** `title` normalised (with spaces) */
  withTitle(title: string, year: number, slack: number): number[] {
    return (this.byTitle.get(title.replace(/ /g, '')) ?? []).filter((i) => {
      const y = this.films[i]!.year;
      return y !== null && Math.abs(y - year) <= slack;
    });
  }
  /** catalog films whose normalised title extends `title` by whole words, or is extended by it */
  subtitled(title: string, year: number): number[] {
    if (title.length < 4) return [];
    const out: number[] = [];
    this.normalised.forEach((t, i) => {
      if (this.films[i]!.year !== year || t === title) return;
      if (t.startsWith(`${title} `) || title.startsWith(`${t} `)) out.push(i);
    });
    return out;
  }
  /** catalog films of that year whose after-colon part is `title` or the dataset's own after-colon part */
  series(title: string, tail: string | null, year: number): number[] {
    const out: number[] = [];
    this.tails.forEach((t, i) => {
      if (t === null || this.films[i]!.year !== year) return;
      if (t === title || (tail !== null && t === tail) || (tail !== null && this.normalised[i] === tail)) out.push(i);
    });
    return out;
  }
}

const unique = (candidates: number[]): number | null => (new Set(candidates).size === 1 ? candidates[0]! : null);

/** Matches one dataset film, or null. */
export function matchFilm(film: DatasetFilm, lookup: CatalogLookup): FilmMatch | null {
  if (film.year === null) return null;
  const { main, aliases } = titleVariants(film.title);
  const title = normaliseTitle(main);
  const tries: [MatchTier, () => number[]][] = [
    ['exact', () => lookup.withTitle(title, film.year!, 0)],
    ['year±1', () => lookup.withTitle(title, film.year!, 1)],
    ['alias', () => aliases.flatMap((a) => lookup.withTitle(normaliseTitle(a), film.year!, 1))],
    ['subtitle', () => lookup.subtitled(title, film.year!)],
    ['series', () => lookup.series(title, afterColon(main), film.year!)],
  ];
  for (const [tier, candidates] of tries) {
    const hit = unique(candidates());
    if (hit !== null) return { catalogIndex: hit, tier };
  }
  return null;
}

export interface CatalogMapping {
  /** dataset item index -> catalog item index, or -1 */
  toCatalog: Int32Array;
  report: MappingReport;
}

export interface MappingReport {
  datasetFilms: number;
  matchedFilms: number;
  /** distinct catalog films matched (two dataset ids may be the same film) */
  catalogFilmsMatched: number;
  byTier: Record<MatchTier, number>;
  ratings: number;
  matchedRatings: number;
  users: number;
  usersWithMatchedRatings: number;
  /** the most-rated dataset films left unmatched */
  topUnmatched: { title: string; year: number | null; ratings: number }[];
}

const str = (v: FeatureValue | undefined): string | null =>
  typeof v === 'string' ? v : Array.isArray(v) ? v.join(' ') : typeof v === 'number' ? String(v) : null;

/** Title and year of each dataset item, from RecBole's `movie_title` + `release_year` or MovieLens's "Title (1995)". */
export function datasetFilms(dataset: Dataset): DatasetFilm[] {
  const rows = dataset.itemFeatures?.rows;
  if (!rows) throw new Error('the dataset has no item file (titles are needed to map films onto the catalog)');
  return rows.map((row) => {
    if (!row) return { title: '', year: null };
    const title = str(row.movie_title) ?? str(row.title) ?? '';
    const yearText = str(row.release_year);
    const year = yearText !== null && /^\d{4}$/.test(yearText.trim()) ? Number(yearText) : null;
    return year !== null ? { title, year } : splitTitleYear(title);
  });
}

/** Maps every dataset film and counts what the mapping keeps. */
export function mapDatasetToCatalog(dataset: Dataset, catalog: readonly CatalogFilm[], topUnmatched = 15): CatalogMapping {
  const films = datasetFilms(dataset);
  const lookup = new CatalogLookup(catalog);
  const toCatalog = new Int32Array(films.length).fill(-1);
  const byTier = Object.fromEntries(MATCH_TIERS.map((t) => [t, 0])) as Record<MatchTier, number>;
  films.forEach((film, i) => {
    const m = matchFilm(film, lookup);
    if (m) {
      toCatalog[i] = m.catalogIndex;
      byTier[m.tier]++;
    }
  });
  const counts = new Int32Array(films.length);
  const { item, user } = dataset.interactions;
  const users = new Set<number>();
  let matchedRatings = 0;
  for (let e = 0; e < item.length; e++) {
    counts[item[e]!]!++;
    if (toCatalog[item[e]!]! >= 0) {
      matchedRatings++;
      users.add(user[e]!);
    }
  }
  const unmatched = films
    .map((f, i) => ({ ...f, ratings: counts[i]!, i }))
    .filter((f) => toCatalog[f.i]! < 0)
    .sort((a, b) => b.ratings - a.ratings || a.i - b.i)
    .slice(0, topUnmatched)
    .map(({ title, year, ratings }) => ({ title, year, ratings }));
  return {
    toCatalog,
    report: {
      datasetFilms: films.length,
      matchedFilms: [...toCatalog].filter((c) => c >= 0).length,
      catalogFilmsMatched: new Set([...toCatalog].filter((c) => c >= 0)).size,
      byTier,
      ratings: item.length,
      matchedRatings,
      users: dataset.interactions.numUsers,
      usersWithMatchedRatings: users.size,
      topUnmatched: unmatched,
    },
  };
}
