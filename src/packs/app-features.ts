/**
 * The catalog features exactly as the app encodes them for the embedding model's content tower
 * (src/worker/engine.ts). A pack's embedding weights are only importable when they were trained on
 * this very encoding (the vocabulary hash and the feature-embedding shape must match), so the pack
 * builder and the synthetic walks take it from here rather than re-deriving it.
 */
import { encodeFeatures, type Catalog, type EncodedFeatures } from '../catalog';
import { similarityGroupWeights } from '../ranking';

export function appCatalogFeatures(catalog: Catalog): EncodedFeatures {
  return encodeFeatures(catalog, {
    groupWeights: similarityGroupWeights(Object.keys(catalog.facets), Object.keys(catalog.numericFields)),
  });
}
