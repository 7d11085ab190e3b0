/**
 * Base packs: the weights a new user starts from. The format module is TF.js-free, so the UI can
 * import it; the trainer (`./build`) pulls in TF.js and the models and is imported directly by the
 * CLI (and, if ever needed, by a worker).
 */
export {
  checkPackMatchesCatalog,
  decodePack,
  embeddingWeightsFromPack,
  encodePack,
  encodeSealedPack,
  withManifest,
  manifestInputOf,
  openPack,
  verifyPackDigest,
  weightsDigestOf,
  packHasModel,
  packModel,
  packTensors,
  packWeights,
  PACK_EXTENSION,
  PACK_FORMAT,
  PACK_MAGIC,
  PACK_MODEL_NAMES,
  PACK_VERSION,
  PackError,
  type CatalogLike,
  type DecodedPack,
  type PackDtype,
  type PackManifest,
  type PackManifestInput,
  type PackModelEntry,
  type PackModelName,
  type PackTensorEntry,
  type WeightsLike,
} from './format';
export { contentNeighbours, syntheticWalks, type ContentNeighbours, type SyntheticWalkOptions } from './synthetic';
export { appCatalogFeatures } from './app-features';
