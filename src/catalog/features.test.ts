import { describe, expect, it } from 'vitest';
import { CatalogIndex } from './catalog-index';
import { featureTensors } from './feature-tensors';
import { bucketOf, encodeFeatures, itemTagSets, quantileEdges, titleWords, type EncodedFeatures } from './features';
import { parseCatalog, type Catalog } from './schema';

function makeCatalog(): Catalog {
  const film = (id: string, title: string, year: number | null, tags: string[], rating: number | null) => ({
    id,
    title,
    year,
    tags,
    numeric: { rating },
    popularity: 0.5,
  });
  return parseCatalog({
    format: 'burrow-catalog',
    version: 1,
    id: 'features-test',
    name: 'Features test',
    description: '',
    itemNoun: 'film',
    license: 'CC0-1.0',
    provenance: '',
    facets: { genre: { label: 'Genre' }, director: { label: 'Director' } },
    numericFields: { rating: { label: 'Rating' } },
    items: [
      film('a', 'Night of the Living Dead', 1968, ['genre:Horror', 'director:George A. Romero'], 1),
      film('b', 'Dawn of the Dead', 1978, ['genre:Horror', 'director:George A. Romero'], 2),
      film('c', 'The Night Before', 2015, ['genre:Comedy', 'director:Jonathan Levine'], 3),
      film('d', 'Casablanca', null, ['genre:Drama', 'genre:Romance'], 4),
      film('e', 'Solo', 2018, [], null),
    ],
  });
}

function rowTokens(encoded: EncodedFeatures, item: number): [string, number][] {
  const out: [string, number][] = [];
  for (let j = 0; j < encoded.maxFeatures; j++) {
    const id = encoded.ids[item * encoded.maxFeatures + j]!;
    if (id !== 0) out.push([encoded.vocabulary[id]!, encoded.weights[item * encoded.maxFeatures + j]!]);
  }
  return out;
}

describe('encodeFeatures', () => {
  const catalog = makeCatalog();
  const encoded = encodeFeatures(catalog, { numericBuckets: 2 });

  it('has consistent shapes and a padding id 0', () => {
    expect(encoded.numItems).toBe(5);
    expect(encoded.vocabulary[0]).toBe('<pad>');
    expect(encoded.ids).toBeInstanceOf(Int32Array);
    expect(encoded.weights).toBeInstanceOf(Float32Array);
    expect(encoded.ids.length).toBe(5 * encoded.maxFeatures);
    expect(encoded.weights.length).toBe(encoded.ids.length);
    expect(new Set(encoded.vocabulary).size).toBe(encoded.vocabulary.length);
    expect(Math.max(...encoded.ids)).toBeLessThan(encoded.vocabulary.length);
  });

  it('pads with id 0 and weight 0, and only there', () => {
    for (let k = 0; k < encoded.ids.length; k++) {
      expect(encoded.ids[k] === 0).toBe(encoded.weights[k] === 0);
    }
    const lengths = [0, 1, 2, 3, 4].map((i) => rowTokens(encoded, i).length);
    expect(Math.max(...lengths)).toBe(encoded.maxFeatures);
    expect(Math.min(...lengths)).toBeLessThan(encoded.maxFeatures);
  });

  it('emits tag, rare, missing, bucket, decade and title tokens', () => {
    expect(rowTokens(encoded, 0)).toEqual([
      ['genre:Horror', 1],
      ['director:George A. Romero', 1],
      ['rating:q0', 1],
      ['decade:1960s', 1],
      ['title:night', 0.5],
      ['title:dead', 0.5],
    ]);
    expect(rowTokens(encoded, 2)).toEqual([
      ['genre:Comedy', 1],
      ['director:<rare>', 1],
      ['rating:q1', 1],
      ['decade:2010s', 1],
      ['title:night', 1],
    ]);
    expect(rowTokens(encoded, 3)).toEqual([
      ['genre:Drama', 0.5],
      ['genre:Romance', 0.5],
      ['director:<missing>', 1],
      ['rating:q1', 1],
      ['decade:missing', 1],
    ]);
    expect(rowTokens(encoded, 4)).toEqual([
      ['genre:<missing>', 1],
      ['director:<missing>', 1],
      ['rating:missing', 1],
      ['decade:2010s', 1],
    ]);
  });

  it('drops title words seen once and stopwords', () => {
    expect(encoded.vocabulary.filter((t) => t.startsWith('title:'))).toEqual(['title:dead', 'title:night']);
  });

  it('is deterministic and sorted', () => {
    const again = encodeFeatures(makeCatalog(), { numericBuckets: 2 });
    expect(again.vocabulary).toEqual(encoded.vocabulary);
    expect(again.ids).toEqual(encoded.ids);
    expect(again.weights).toEqual(encoded.weights);
    expect(encoded.vocabulary.slice(1)).toEqual([...encoded.vocabulary.slice(1)].sort());
  });

  it('honours options', () => {
    const custom = encodeFeatures(catalog, {
      minTagCount: {},
      missingFacetTokens: false,
      groupWeights: { title: 2 },
      maxFeatures: 3,
      numericFields: [],
    });
    expect(custom.maxFeatures).toBe(3);
    expect(custom.vocabulary).toContain('director:Jonathan Levine');
    expect(custom.vocabulary.some((t) => t.includes('<missing>') || t.startsWith('rating:'))).toBe(false);
    const full = encodeFeatures(catalog, { groupWeights: { title: 2 }, numericFields: [] });
    expect(rowTokens(full, 0).filter(([t]) => t.startsWith('title:'))).toEqual([
      ['title:night', 1],
      ['title:dead', 1],
    ]);
  });
});

describe('feature helpers', () => {
  it('computes quantile edges and buckets', () => {
    const edges = quantileEdges([1, 2, 3, 4, null, 5, 6, 7, 8], 4);
    expect(edges).toEqual([3, 5, 7]);
    expect([1, 3, 4, 5, 8, 100].map((v) => bucketOf(v, edges))).toEqual([0, 1, 1, 2, 3, 3]);
    expect(quantileEdges([5, 5, 5, 5], 4)).toEqual([]);
    expect(quantileEdges([null], 4)).toEqual([]);
  });

  it('tokenises titles', () => {
    expect(titleWords("Schindler's List")).toEqual(['schindlers', 'list']);
    expect(titleWords('The Naked Gun 2½: The Smell of Fear')).toEqual(['naked', 'gun', '2', '1', 'smell', 'fear']);
    expect(titleWords('Amélie')).toEqual(['amelie']);
  });

  it('builds tag sets', () => {
    expect(itemTagSets(makeCatalog())[3]).toEqual(new Set(['genre:Drama', 'genre:Romance']));
  });
});

describe('CatalogIndex', () => {
  const index = new CatalogIndex(makeCatalog());

  it('maps ids and indices both ways', () => {
    expect(index.size).toBe(5);
    expect(index.indexOf('c')).toBe(2);
    expect(index.indexOf('zzz')).toBeUndefined();
    expect(index.idAt(2)).toBe('c');
    expect(index.item(2).title).toBe('The Night Before');
  });

  it('rejects bad indices', () => {
    expect(() => index.item(5)).toThrow(RangeError);
    expect(() => index.idAt(-1)).toThrow(RangeError);
    expect(() => index.item(1.5)).toThrow(RangeError);
  });
});

describe('featureTensors', () => {
  it('returns int32 ids and float32 weights of shape [numItems, maxFeatures]', () => {
    const encoded = encodeFeatures(makeCatalog());
    const { ids, weights } = featureTensors(encoded);
    try {
      expect(ids.shape).toEqual([encoded.numItems, encoded.maxFeatures]);
      expect(ids.dtype).toBe('int32');
      expect(weights.shape).toEqual(ids.shape);
      expect(weights.dtype).toBe('float32');
      expect(Array.from(ids.dataSync())).toEqual(Array.from(encoded.ids));
    } finally {
      ids.dispose();
      weights.dispose();
    }
  });
});
