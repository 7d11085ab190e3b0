/**
 * What the engine's services read of the catalog, computed once when the engine starts: the id
 * index, the content rows re-weighted for similarity, and the per-item signals For you blends.
 */
import { CatalogIndex, type Catalog, type EncodedFeatures } from '../catalog';
import { idfWeighted, popularitySignal, qualitySignal, sharedContent, type FeatureRows } from '../ranking';
import { appCatalogFeatures } from '../packs';

export interface CatalogSignals {
  catalog: Catalog;
  index: CatalogIndex;
  /** the encoding the personal model's content tower reads (the base pack was trained on exactly it) */
  features: EncodedFeatures;
  /** content features re-weighted for similarity (see idfWeighted) */
  contentRows: FeatureRows;
  popularity: Float32Array;
  /** the prior's two signals: popularity on the log-odds scale, ratings (hybrid.ts) */
  popularitySignal: Float32Array;
  quality: Float32Array;
  /** release year of each item, NaN when unknown */
  years: Float32Array;
  genres: string[][];
  facetTags: readonly (readonly string[])[];
}

export function catalogSignals(catalog: Catalog, index = new CatalogIndex(catalog)): CatalogSignals {
  // One encoding feeds the model's content tower and the baseline, and the base pack was trained
  // on exactly it (appCatalogFeatures): what an item *is* outweighs how famous it is.
  const features = appCatalogFeatures(catalog);
  return {
    catalog,
    index,
    features,
    contentRows: idfWeighted(features),
    popularity: Float32Array.from(catalog.items, (item) => item.popularity),
    popularitySignal: popularitySignal(Float32Array.from(catalog.items, (item) => item.popularity)),
    quality: qualitySignal(catalog.items.map((item) => item.numeric)),
    years: Float32Array.from(catalog.items, (item) => item.year ?? NaN),
    genres: catalog.items.map((item) => item.tags.filter((t) => t.startsWith('genre:')).map((t) => t.slice('genre:'.length))),
    facetTags: catalog.items.map((item) => item.tags),
  };
}

/** Cosine of two items' content rows (the similarity MMR and the picker use without a model). */
export function contentCosine(rows: FeatureRows, a: number, b: number): number {
  const n = Math.sqrt(sharedContent(rows, a, a) * sharedContent(rows, b, b));
  return n > 0 ? sharedContent(rows, a, b) / n : 0;
}
