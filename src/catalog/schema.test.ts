import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CatalogError, catalogJsonSchema, parseCatalog } from './schema';

const NOW = new Date('2026-06-01T00:00:00Z'); // max year 2027

function goodCatalog(): Record<string, unknown> {
  return {
    format: 'burrow-catalog',
    version: 1,
    id: 'test@1-abc',
    name: 'Test',
    description: 'A test catalog',
    itemNoun: 'film',
    license: 'CC0-1.0',
    provenance: 'made up',
    facets: { genre: { label: 'Genre' }, mpaa: { label: 'MPAA rating' } },
    numericFields: { imdb_rating: { label: 'IMDB rating', min: 0, max: 10 }, votes: { label: 'Votes' } },
    items: [
      {
        id: 'a',
        title: 'Alpha',
        year: 1999,
        tags: ['genre:Drama', 'mpaa:PG-13'],
        text: { distributor: 'Gramercy' },
        numeric: { imdb_rating: 7.1, votes: 100 },
        popularity: 0.5,
      },
      { id: 'b', title: 'Beta', year: null, popularity: 0 },
    ],
  };
}

function withItem(index: number, patch: Record<string, unknown>): Record<string, unknown> {
  const catalog = goodCatalog();
  const items = catalog.items as Record<string, unknown>[];
  items[index] = { ...items[index], ...patch };
  return catalog;
}

function errorOf(json: unknown): CatalogError {
  try {
    parseCatalog(json, { now: NOW });
  } catch (error) {
    expect(error).toBeInstanceOf(CatalogError);
    return error as CatalogError;
  }
  throw new Error('expected parseCatalog to throw');
}

describe('parseCatalog: valid input', () => {
  it('accepts a good catalog and fills optional parts', () => {
    const catalog = parseCatalog(goodCatalog(), { now: NOW });
    expect(catalog.items).toHaveLength(2);
    expect(catalog.items[1]).toEqual({
      id: 'b',
      title: 'Beta',
      year: null,
      tags: [],
      text: {},
      numeric: { imdb_rating: null, votes: null },
      popularity: 0,
    });
    expect(catalog.items[0]?.numeric).toEqual({ imdb_rating: 7.1, votes: 100 });
  });

  it('ignores unknown keys so newer catalogs still load', () => {
    const json = { ...withItem(0, { poster: 'x.png' }), homepage: 'https://example.org' };
    const catalog = parseCatalog(json, { now: NOW });
    expect(catalog).not.toHaveProperty('homepage');
    expect(catalog.items[0]).not.toHaveProperty('poster');
  });

  it('allows next year but not the one after', () => {
    expect(() => parseCatalog(withItem(0, { year: 2027 }), { now: NOW })).not.toThrow();
    expect(errorOf(withItem(0, { year: 2028 })).field).toBe('year');
  });
});

describe('parseCatalog: envelope errors', () => {
  it('rejects non-objects', () => {
    expect(errorOf([]).message).toBe('Catalog: expected a JSON object, got []');
    expect(errorOf(null).message).toContain('got null');
  });

  it('rejects another format', () => {
    const error = errorOf({ ...goodCatalog(), format: 'movies' });
    expect(error.field).toBe('format');
    expect(error.message).toBe('Catalog field "format": expected "burrow-catalog", got "movies"');
  });

  it('says which version is supported', () => {
    const error = errorOf({ ...goodCatalog(), version: 2 });
    expect(error.field).toBe('version');
    expect(error.message).toBe(
      'Catalog field "version": unsupported catalog version; this build of Burrow reads version 1, got 2',
    );
  });

  it('names bad header fields', () => {
    expect(errorOf({ ...goodCatalog(), name: '' }).message).toBe(
      'Catalog field "name": expected a non-empty string, got ""',
    );
    const facet = errorOf({ ...goodCatalog(), facets: { Genre: { label: 'Genre' } } });
    expect(facet.field).toBe('facets.Genre');
    expect(facet.message).toContain('expected a name of lowercase letters');
    expect(errorOf({ ...goodCatalog(), numericFields: { x: {} } }).field).toBe('numericFields.x.label');
    expect(errorOf({ ...goodCatalog(), items: {} }).message).toBe(
      'Catalog field "items": expected an array of items, got {}',
    );
  });
});

describe('parseCatalog: item errors name the record and field', () => {
  it('formats the message with index, id and field', () => {
    const catalog = goodCatalog();
    const items = catalog.items as Record<string, unknown>[];
    for (let i = 2; i <= 12; i++) items.push({ id: `tt00${i}`, title: `T${i}`, year: 2000, popularity: 0.1 });
    (items[12] as Record<string, unknown>).year = '19x5';
    const error = errorOf(catalog);
    expect(error.message).toBe(
      'Catalog item #12 (id "tt0012") field "year": expected an integer between 1870 and 2027, got "19x5"',
    );
    expect(error).toMatchObject({ name: 'CatalogError', itemIndex: 12, itemId: 'tt0012', field: 'year' });
  });

  it.each([
    ['year', { year: 1850 }, 'year', 'expected an integer between 1870 and 2027, got 1850'],
    ['fractional year', { year: 1999.5 }, 'year', 'got 1999.5'],
    ['missing title', { title: undefined }, 'title', 'expected a non-empty string, got nothing'],
    ['blank title', { title: '   ' }, 'title', 'expected a non-empty string, got "   "'],
    ['popularity', { popularity: 1.5 }, 'popularity', 'expected a number between 0 and 1, got 1.5'],
    ['tags type', { tags: 'genre:Drama' }, 'tags', 'expected an array of "facet:value" strings'],
    ['tag type', { tags: ['genre:Drama', 7] }, 'tags[1]', 'expected a "facet:value" string, got 7'],
    ['tag without facet', { tags: ['Drama'] }, 'tags[0]', 'expected a "facet:value" string, got "Drama"'],
    ['undeclared facet', { tags: ['mood:Dark'] }, 'tags[0]', 'facet "mood" is not declared in catalog facets'],
    ['duplicate tag', { tags: ['genre:Drama', 'genre:Drama'] }, 'tags[1]', 'expected each tag once'],
    ['text value', { text: { distributor: 3 } }, 'text.distributor', 'expected a string, got 3'],
    ['numeric type', { numeric: { imdb_rating: '7.1' } }, 'numeric.imdb_rating', 'got "7.1"'],
    ['undeclared numeric', { numeric: { budget: 5 } }, 'numeric.budget', 'is not declared in catalog numericFields'],
    ['numeric range', { numeric: { imdb_rating: 11 } }, 'numeric.imdb_rating', 'between 0 and 10, or null, got 11'],
  ])('rejects %s', (_, patch, field, message) => {
    const error = errorOf(withItem(0, patch));
    expect(error.field).toBe(field);
    expect(error.itemIndex).toBe(0);
    expect(error.itemId).toBe('a');
    expect(error.message.startsWith(`Catalog item #0 (id "a") field "${field}": `)).toBe(true);
    expect(error.message).toContain(message);
  });

  it('leaves the id out when the item has none', () => {
    const error = errorOf(withItem(1, { id: '' }));
    expect(error.message).toBe('Catalog item #1 field "id": expected a non-empty string, got ""');
    expect(error.itemId).toBeUndefined();
  });

  it('rejects items that are not objects', () => {
    const catalog = goodCatalog();
    (catalog.items as unknown[]).push('oops');
    const error = errorOf(catalog);
    expect(error.message).toBe('Catalog item #2: expected an object, got "oops"');
    expect(error.field).toBeUndefined();
  });

  it('rejects duplicate ids and points at the first one', () => {
    const error = errorOf(withItem(1, { id: 'a' }));
    expect(error).toMatchObject({ itemIndex: 1, itemId: 'a', field: 'id' });
    expect(error.message).toBe('Catalog item #1 (id "a") field "id": expected a unique id (item #0 has the same id), got "a"');
  });
});

describe('catalog.schema.json', () => {
  it('matches the zod schema (run npm run catalog if this fails)', () => {
    const file = new URL('../../public/catalog/catalog.schema.json', import.meta.url);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(catalogJsonSchema());
  });
});
