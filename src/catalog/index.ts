export {
  CATALOG_FORMAT,
  CATALOG_VERSION,
  CatalogError,
  parseCatalog,
  type Catalog,
  type CatalogItem,
  type FacetSpec,
  type NumericFieldSpec,
  type ParseCatalogOptions,
} from './schema';
export { CatalogIndex } from './catalog-index';
export {
  encodeFeatures,
  itemTagSets,
  type EncodeFeaturesOptions,
  type EncodedFeatures,
} from './features';
// `featureTensors` (./feature-tensors) is imported directly by model code: re-exporting it here would pull
// TensorFlow.js into the UI bundle, which never touches tensors.
