import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildVegaMoviesCatalog,
  cleanVegaMovies,
  percentileRanks,
  popularityPriors,
  type CleaningReport,
  type FixKind,
} from './clean-vega-movies';
import { renderProvenance } from './provenance';
import { parseCatalog } from './schema';
import { repairMacRomanMojibake, slugify, uninvertArticle } from './text-fixes';

function row(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Title: 'The Land Girls',
    'US Gross': 146083,
    'Worldwide Gross': 146083,
    'US DVD Sales': null,
    'Production Budget': 8000000,
    'Release Date': 'Jun 12 1998',
    'MPAA Rating': 'R',
    'Running Time min': null,
    Distributor: 'Gramercy',
    Source: null,
    'Major Genre': null,
    'Creative Type': null,
    Director: null,
    'Rotten Tomatoes Rating': null,
    'IMDB Rating': 6.1,
    'IMDB Votes': 1071,
    ...overrides,
  };
}

function only(report: CleaningReport): Partial<Record<FixKind, number>> {
  return Object.fromEntries(Object.entries(report.fixes).filter(([, f]) => f.count > 0).map(([k, f]) => [k, f.count]));
}

describe('cleanVegaMovies on small inline rows', () => {
  it('maps a clean row to an item without fixes', () => {
    const { items, report } = cleanVegaMovies([
      row({ 'Major Genre': 'Drama', Director: 'David Leland', 'Creative Type': 'Historical Fiction', Source: 'Remake' }),
    ]);
    expect(only(report)).toEqual({});
    expect(items).toEqual([
      {
        id: 'the-land-girls-1998',
        title: 'The Land Girls',
        year: 1998,
        tags: ['genre:Drama', 'type:Historical Fiction', 'source:Remake', 'mpaa:R', 'director:David Leland'],
        text: { distributor: 'Gramercy' },
        numeric: {
          imdb_rating: 6.1,
          imdb_votes: 1071,
          rt_rating: null,
          running_time: null,
          us_gross: 146083,
          worldwide_gross: 146083,
          us_dvd_sales: null,
          budget: 8000000,
        },
        popularity: expect.any(Number),
      },
    ]);
  });

  it('unwraps impossible years by 100 and keeps the 2011 releases', () => {
    const { items, report } = cleanVegaMovies([
      row({ Title: 'Duel in the Sun', 'Release Date': 'Dec 31 2046' }),
      row({ Title: 'Tintin', 'Release Date': 'Dec 23 2011' }),
      row({ Title: 'No Date', 'Release Date': 'unknown' }),
    ]);
    expect(items.map((i) => i.year)).toEqual([1946, 2011, null]);
    expect(items[0]?.id).toBe('duel-in-the-sun-1946');
    expect(items[2]?.id).toBe('no-date');
    expect(only(report)).toEqual({ 'year-wrapped': 1, 'unparseable-date': 1 });
    expect(report.fixes['year-wrapped'].examples[0]).toBe('"Dec 31 2046" -> 1946 (Duel in the Sun)');
  });

  it('turns numeric titles into strings and drops rows without a title', () => {
    const { items, report } = cleanVegaMovies([row({ Title: 1776 }), row({ Title: null }), 'not a row']);
    expect(items.map((i) => i.title)).toEqual(['1776']);
    expect(only(report)).toEqual({ 'numeric-title': 1, 'dropped-row': 2 });
    expect(report).toMatchObject({ inputRows: 3, outputItems: 1 });
  });

  it('repairs title text', () => {
    const { items, report } = cleanVegaMovies([
      row({ Title: 'LÈon' }),
      row({ Title: 'Halloween:  The Curse' }),
      row({ Title: 'Secret, The' }),
      row({ Title: 'Fantasia 2000 (IMAX)', 'Release Date': 'Jan 01 2000' }),
      row({ Title: 'King Kong (1933)', 'Release Date': 'Apr 07 2033' }),
      row({ Title: 'Alien³' }),
    ]);
    expect(items.map((i) => i.title)).toEqual([
      'Léon',
      'Halloween: The Curse',
      'The Secret',
      'Fantasia 2000',
      'King Kong',
      'Alien³',
    ]);
    expect(items[4]?.year).toBe(1933);
    expect(only(report)).toEqual({
      'title-mojibake': 1,
      'title-whitespace': 1,
      'title-inverted-article': 1,
      'title-release-suffix': 1,
      'title-year-suffix': 1,
      'year-wrapped': 1,
    });
  });

  it('coerces numeric strings and nulls invalid or out-of-range numbers', () => {
    const { items, report } = cleanVegaMovies([
      row({ 'IMDB Rating': '7.5', 'IMDB Votes': '1,234' }),
      row({ Title: 'B', 'IMDB Rating': 'NaN', 'Rotten Tomatoes Rating': true, 'IMDB Votes': 1.5 }),
      row({ Title: 'C', 'IMDB Rating': 11, 'Rotten Tomatoes Rating': 101, 'IMDB Votes': -3, 'Running Time min': 12 }),
      row({ Title: 'D', 'Running Time min': 301, 'Production Budget': Number.NaN }),
    ]);
    expect(items[0]?.numeric).toMatchObject({ imdb_rating: 7.5, imdb_votes: 1234 });
    expect(items[1]?.numeric).toMatchObject({ imdb_rating: null, rt_rating: null, imdb_votes: null });
    expect(items[2]?.numeric).toMatchObject({ imdb_rating: null, rt_rating: null, imdb_votes: null, running_time: null });
    expect(items[3]?.numeric).toMatchObject({ running_time: null, budget: null });
    expect(only(report)).toEqual({ 'numeric-string': 2, 'invalid-number': 4, 'out-of-range': 5 });
  });

  it('treats zero gross everywhere as unknown but keeps foreign-only films at 0 in the US', () => {
    const { items, report } = cleanVegaMovies([
      row({ 'US Gross': 0, 'Worldwide Gross': 0 }),
      row({ Title: 'Foreign', 'US Gross': 0, 'Worldwide Gross': 5000 }),
    ]);
    expect(items[0]?.numeric).toMatchObject({ us_gross: null, worldwide_gross: null });
    expect(items[1]?.numeric).toMatchObject({ us_gross: 0, worldwide_gross: 5000 });
    expect(only(report)).toEqual({ 'zero-box-office': 1 });
  });

  it('cleans labels and MPAA ratings', () => {
    const { items, report } = cleanVegaMovies([
      row({ 'MPAA Rating': 'Open', Director: '  Gus  Van Sant ' }),
      row({ Title: 'Old', 'Release Date': 'Oct 24 1960', 'MPAA Rating': 'PG-13', Distributor: 42 }),
      row({ Title: 'Blank', 'Major Genre': '' }),
    ]);
    expect(items[0]?.tags).toEqual(['mpaa:Not Rated', 'director:Gus Van Sant']);
    expect(items[1]?.tags).toEqual([]);
    expect(items[1]?.text).toEqual({});
    expect(items[2]?.tags).toEqual(['mpaa:R']);
    expect(only(report)).toEqual({
      'mpaa-open': 1,
      'label-whitespace': 1,
      'mpaa-anachronistic': 1,
      'invalid-label': 2,
    });
  });

  it('merges true duplicates (same title and year) into the most complete row', () => {
    const { items, report } = cleanVegaMovies([
      row({ 'Running Time min': null, Director: null, 'Major Genre': 'Drama' }),
      row({ 'Running Time min': 110, Director: 'David Leland', 'Major Genre': null, 'IMDB Rating': 6.1 }),
      row({ 'Release Date': 'Jun 12 1999' }),
    ]);
    expect(items.map((i) => i.id)).toEqual(['the-land-girls-1998', 'the-land-girls-1999']);
    expect(items[0]?.numeric.running_time).toBe(110);
    expect(items[0]?.tags).toEqual(['genre:Drama', 'mpaa:R', 'director:David Leland']);
    expect(only(report)).toEqual({ 'duplicate-merged': 1, 'ambiguous-imdb': 2 });
  });

  it('drops IMDB figures copied across remakes, keeps them when they differ', () => {
    const { items, report } = cleanVegaMovies([
      row({ Title: 'Casino Royale', 'Release Date': 'Apr 28 1967', 'IMDB Rating': 8, 'IMDB Votes': 172936 }),
      row({ Title: 'Casino Royale', 'Release Date': 'Nov 17 2006', 'IMDB Rating': 8, 'IMDB Votes': 172936 }),
      row({ Title: 'Crash', 'Release Date': 'Oct 04 1996', 'IMDB Rating': 6.4, 'IMDB Votes': 30000 }),
      row({ Title: 'Crash', 'Release Date': 'May 06 2005', 'IMDB Rating': 7.9, 'IMDB Votes': 200000 }),
    ]);
    expect(items.map((i) => i.numeric.imdb_votes)).toEqual([null, null, 30000, 200000]);
    expect(items.map((i) => i.id)).toEqual([
      'casino-royale-1967',
      'casino-royale-2006',
      'crash-1996',
      'crash-2005',
    ]);
    expect(only(report)).toEqual({ 'ambiguous-imdb': 2 });
  });

  it("drops IMDB figures far too few for the film's box office, keeps a small film's", () => {
    const { items, report } = cleanVegaMovies([
      row({ Title: 'Aliens', 'Release Date': 'Jul 18 1986', 'Worldwide Gross': 183316455, 'IMDB Rating': 7.5, 'IMDB Votes': 84 }),
      row({ Title: 'Small', 'IMDB Votes': 84 }),
      row({ Title: 'Big', 'Worldwide Gross': 183316455, 'IMDB Votes': 150000 }),
    ]);
    expect(items.map((i) => [i.numeric.imdb_votes, i.numeric.imdb_rating])).toEqual([[null, null], [84, 6.1], [150000, 6.1]]);
    expect(only(report)).toEqual({ 'imdb-mismatch': 1 });
  });

  it('applies the errata to the film they name only, and keeps the id of a corrected year', () => {
    const { items, report } = cleanVegaMovies([
      row({ Title: 'Good Will Hunting', 'Release Date': 'Feb 20 1987' }),
      row({ Title: 'Good Will Hunting', 'Release Date': 'Feb 20 1995' }),
      row({ Title: 'The Godfather', 'Release Date': 'Mar 15 1972' }),
      row({ Title: 'The Godfather', 'Release Date': 'Mar 15 1972', 'Major Genre': 'Thriller/Suspense', Director: 'x' }),
    ]);
    expect(items.map((i) => [i.id, i.year])).toEqual([
      ['good-will-hunting-1987', 1997],
      ['good-will-hunting-1995', 1995],
      ['the-godfather-1972', 1972],
    ]);
    expect(items[2]?.tags).toContain('genre:Thriller/Suspense');
    const godfather = cleanVegaMovies([row({ Title: 'The Godfather', 'Release Date': 'Mar 15 1972' })]).items[0]!;
    expect(godfather.tags).toContain('genre:Drama');
    expect(only(report)).toMatchObject({ 'errata-year': 1 });
  });

  it('suffixes colliding ids', () => {
    const { items, report } = cleanVegaMovies([row({ Title: 'Léon' }), row({ Title: 'Leon' })]);
    expect(items.map((i) => i.id)).toEqual(['leon-1998', 'leon-1998-2']);
    expect(only(report)).toEqual({ 'id-collision': 1 });
  });
});

describe('popularity prior', () => {
  it('gives tie-fair percentiles', () => {
    expect(percentileRanks([10, null, 30, 20, 20])).toEqual([0.125, null, 0.875, 0.5, 0.5]);
  });

  it('blends attention and quality with documented fallbacks', () => {
    const [a, b, c, d] = popularityPriors([
      { imdb_votes: 10, imdb_rating: 8, us_gross: 5 },
      { imdb_votes: 1000, imdb_rating: 4, us_gross: 1 },
      { imdb_votes: null, imdb_rating: null, rt_rating: 90, us_gross: 10 },
      { imdb_votes: null, imdb_rating: null, rt_rating: null, us_gross: null, worldwide_gross: null },
    ]);
    expect(a).toBeCloseTo(0.75 * 0.25 + 0.25 * 0.8, 4);
    expect(b).toBeCloseTo(0.75 * 0.75 + 0.25 * 0.4, 4);
    expect(c).toBeCloseTo(0.75 * (5 / 6) + 0.25 * 0.9, 4);
    expect(d).toBeCloseTo(0.25 * 0.5, 4);
  });
});

describe('text fixes', () => {
  it('repairs Mac Roman mojibake only when every character fits', () => {
    expect(repairMacRomanMojibake('The Naked Gun 2Ω')).toBe('The Naked Gun 2½');
    expect(repairMacRomanMojibake("I Love You Ö Don't Touch Me!")).toBe("I Love You … Don't Touch Me!");
    expect(repairMacRomanMojibake('Ri¢hie Ri¢h')).toBe('Ri¢hie Ri¢h');
    expect(repairMacRomanMojibake('Alien³')).toBe('Alien³');
    expect(repairMacRomanMojibake('Léon, Über, Östermalm')).toBe('Léon, Über, Östermalm');
  });

  it('slugifies and un-inverts', () => {
    expect(slugify("Schindler's List")).toBe('schindlers-list');
    expect(slugify('Aimée & Jaguar')).toBe('aimee-and-jaguar');
    expect(slugify('The Naked Gun 2½')).toBe('the-naked-gun-2-1-2');
    expect(slugify('Ri¢hie Ri¢h')).toBe('richie-rich');
    expect(uninvertArticle('Charge of the Light Brigade, The')).toBe('The Charge of the Light Brigade');
    expect(uninvertArticle('Peace, Propaganda and the Promised Land')).toBe('Peace, Propaganda and the Promised Land');
  });
});

describe('the real vega-datasets movies file', () => {
  const rows = JSON.parse(
    readFileSync(new URL('../../node_modules/vega-datasets/data/movies.json', import.meta.url), 'utf8'),
  ) as unknown[];
  const { catalog, report } = buildVegaMoviesCatalog(rows, { packageVersion: 'test' });

  it('leaves no impossible years, duplicate ids or non-string titles', () => {
    expect(rows).toHaveLength(3201);
    const years = catalog.items.map((i) => i.year).filter((y): y is number => y !== null);
    expect(Math.max(...years)).toBeLessThanOrEqual(2011);
    expect(Math.min(...years)).toBeGreaterThanOrEqual(1900);
    expect(new Set(catalog.items.map((i) => i.id)).size).toBe(catalog.items.length);
    expect(catalog.items.every((i) => typeof i.title === 'string' && i.title.trim() === i.title)).toBe(true);
    expect(catalog.items.some((i) => /[ÈÍΩ˘]/.test(i.title))).toBe(false);
    const titleYears = catalog.items.map((i) => `${i.title.toLowerCase()}|${i.year}`);
    expect(new Set(titleYears).size).toBe(titleYears.length);
  });

  it('reports sane counts', () => {
    const count = (kind: FixKind) => report.fixes[kind].count;
    expect(report.inputRows).toBe(3201);
    expect(report.outputItems).toBeGreaterThan(3150);
    expect(count('numeric-title')).toBe(9);
    expect(count('dropped-row')).toBe(1);
    expect(count('year-wrapped')).toBe(22);
    expect(count('title-mojibake')).toBeGreaterThanOrEqual(15);
    expect(count('ambiguous-imdb')).toBeGreaterThanOrEqual(40);
    expect(count('duplicate-merged')).toBe(1);
    expect(count('errata-genre')).toBe(33);
    expect(count('errata-year')).toBe(1);
    expect(count('imdb-mismatch')).toBeGreaterThanOrEqual(40);
  });

  it('keeps remakes as separate films', () => {
    const kingKongs = catalog.items.filter((i) => i.title === 'King Kong').map((i) => i.year);
    expect(kingKongs.sort()).toEqual([1933, 1976, 2005]);
  });

  it('validates, and is deterministic', () => {
    expect(() => parseCatalog(JSON.parse(JSON.stringify(catalog)))).not.toThrow();
    const again = buildVegaMoviesCatalog(rows, { packageVersion: 'test' });
    expect(JSON.stringify(again.catalog)).toBe(JSON.stringify(catalog));
    expect(catalog.id).toMatch(/^vega-movies@1-[0-9a-f]{8}$/);
    expect(catalog.items.every((i) => i.popularity >= 0 && i.popularity <= 1)).toBe(true);
  });

  it('renders provenance with the counts and the command', () => {
    const md = renderProvenance(catalog, report, {
      packageName: 'vega-datasets',
      packageVersion: '3.2.1',
      packageLicense: 'BSD-3-Clause',
      licenseText: null,
      dataPath: 'data/movies.json',
      dataHash: null,
      command: 'npm run catalog',
    });
    expect(md).toContain('| `year-wrapped` | 22 |');
    expect(md).toContain('npm run catalog');
    expect(md).toContain('vega-datasets@3.2.1');
  });
});
