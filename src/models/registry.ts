/**
 * Model registry: name -> factory. The evaluator, the trainer and the app create models only
 * through this, so adding a model means adding one entry here.
 */
import type { Recommender } from './contract';
import { ItemKNNModel, PopularityModel } from './baselines';
// ---- embedding model (src/models/embedding/, another engineer) --------------------------------
import { createEmbeddingModel, type EmbeddingConfig } from './embedding';
// -----------------------------------------------------------------------------------------------
// ---- sequence models (src/models/sequence/) ----------------------------------------------------
import { createSequenceModel, dataSizedSequenceConfig, type SequenceConfig, type SequenceKind } from './sequence';
// -----------------------------------------------------------------------------------------------

export interface ModelContext {
  numUsers: number;
  numItems: number;
  /** side information per item (e.g. the reader's ItemFeatureTable); models that need none ignore it */
  itemFeatures?: unknown;
  /** model-specific hyper-parameters; each model validates its own and fills defaults */
  config?: Record<string, unknown>;
  /**
   * counts of the log the model will be fitted on (offline evaluation passes them): models that
   * size their training from the data (gru4rec, sasrec) start from that preset, `config` on top
   */
  stats?: { users: number; items: number; events: number };
}

export type ModelFactory = (ctx: ModelContext) => Recommender;

export const MODEL_REGISTRY: Readonly<Record<string, ModelFactory>> = {
  pop: (ctx) => new PopularityModel(ctx),
  itemknn: (ctx) => new ItemKNNModel(ctx),
  // ---- embedding model -------------------------------------------------------------------------
  // 'mf' is the embedding model without content features: pure collaborative matrix
  // factorisation, comparable with the baselines on any dataset. (A features-using entry needs
  // the catalog's encoded features, which the evaluation readers do not produce.)
  mf: (ctx) =>
    createEmbeddingModel({
      numUsers: ctx.numUsers,
      numItems: ctx.numItems,
      features: null,
      // resolveEmbeddingConfig (inside) checks every field and names a bad one.
      config: (ctx.config ?? {}) as Partial<EmbeddingConfig>,
    }),
  // ---------------------------------------------------------------------------------------------
  // ---- sequence models: next item after the query's history (the user index is not used) ------
  // resolveSequenceConfig (inside) checks every field and names a bad or unknown one.
  // With ctx.stats (offline evaluation) the data-sized preset (sizing.ts) is the base config.
  gru4rec: (ctx) => sequenceModel('gru4rec', ctx),
  sasrec: (ctx) => sequenceModel('sasrec', ctx),
  // ---------------------------------------------------------------------------------------------
};

function sequenceModel(kind: SequenceKind, ctx: ModelContext) {
  const sized = ctx.stats ? dataSizedSequenceConfig(kind, ctx.stats) : {};
  return createSequenceModel({ kind, numItems: ctx.numItems, config: { ...sized, ...(ctx.config ?? {}) } as Partial<SequenceConfig> });
}

/**
 * Models that run on plain typed arrays and never touch TensorFlow.js, so runners can skip
 * backend initialisation (and report 'cpu') when only these are requested.
 */
export const TYPED_ARRAY_MODELS: ReadonlySet<string> = new Set(['pop', 'itemknn']);

export function modelNames(): string[] {
  return Object.keys(MODEL_REGISTRY);
}

/** Creates a registered model; throws listing the known names when `name` is not one. */
export function createModel(name: string, ctx: ModelContext): Recommender {
  const factory = Object.hasOwn(MODEL_REGISTRY, name) ? MODEL_REGISTRY[name] : undefined;
  if (factory === undefined) {
    throw new Error(`unknown model "${name}" (known: ${modelNames().join(', ')})`);
  }
  return factory(ctx);
}
