/**
 * Trains base-pack models and writes the pack. Platform-free (TF.js, no DOM, no Node): the CLI
 * (scripts/pack.ts) supplies files and the backend, and the same code could run in a page.
 *
 * The models are trained with exactly the code the app runs (createEmbeddingModel /
 * createSequenceModel and their `fit`), and the embedding model with the app's PERSONAL_CONFIG, so
 * the app can import the item side with `importWeights(..., { strict: true })`.
 *
 * Quality check: a seeded sample of whole users is held out of training; for each, the model sees
 * all but their last item and must rank the last one (HR@10 / NDCG@10, the user's own items
 * excluded). The embedding model scores them as brand-new users (folded in from their history),
 * which is exactly how a new app user starts from the pack.
 */
import * as tf from '@tensorflow/tfjs';
import type { EncodedFeatures } from '../catalog';
import type { Interactions, Recommender } from '../models';
import { createEmbeddingModel, PERSONAL_CONFIG, type EmbeddingConfig, type EmbeddingModel } from '../models';
import { createSequenceModel, type SequenceConfig, type SequenceKind, type SequenceModel } from '../models';
import { hitRate, ndcg, rankOfTarget } from '../eval';
import { Rng } from '../common';
import { fitModel, type FitSummary } from '../training';
import { decodePack, encodeSealedPack, type PackManifest, type PackModelEntry, type PackModelName, type WeightsLike } from './format';

export const EVAL_K = 10;

export interface BuildProgress {
  stage: 'split' | 'train' | 'evaluate' | 'encode';
  model?: PackModelName;
  message: string;
  /** 0..1 within the stage, when known */
  fraction?: number;
}

export interface BuildPackOptions {
  /** all events; users are dense 0..numUsers-1, items are pack rows 0..numItems-1 */
  interactions: Interactions;
  /** pack row -> catalog item id */
  itemIds: readonly string[];
  catalog: { id: string; items: number };
  /** content-tower features exactly as the app encodes them (see appCatalogFeatures), or null */
  features: EncodedFeatures | null;
  models: readonly PackModelName[];
  training: { source: string; description: string; licence: string };
  seed?: number;
  /** whole users held out for the HR@10 check (default 200; 0 = no check) */
  evalUsers?: number;
  /** overall training time budget in seconds, shared between the models (default: none) */
  maxSeconds?: number;
  /**
   * default: the app's PERSONAL_CONFIG; anything else is not importable by the app. `seed` (the
   * option above) drives the split and the training samples but is NOT put into the configs: the
   * config seed is part of the config hash the app checks, so initialisation keeps the config's seed.
   */
  embeddingConfig?: Partial<EmbeddingConfig>;
  sequenceConfigs?: Partial<Record<SequenceKind, Partial<SequenceConfig>>>;
  /** extra entries for manifest.metrics (e.g. how the data was generated) */
  extraMetrics?: Record<string, unknown>;
  createdAt?: Date;
  signal?: AbortSignal;
  onProgress?: (p: BuildProgress) => void;
  /** hand the trained models back (the caller disposes them); default: disposed here */
  keepModels?: boolean;
}

export interface BuiltPack {
  buffer: ArrayBuffer;
  manifest: PackManifest;
  /** only with keepModels */
  models?: Partial<{ embedding: EmbeddingModel; sasrec: SequenceModel; gru4rec: SequenceModel }>;
}

export interface HeldOutSplit {
  /** training events, users re-numbered densely */
  train: Interactions;
  /** per held-out user: positive items oldest first except the last, and the last */
  histories: Int32Array[];
  targets: Int32Array;
}

/**
 * Holds out a seeded sample of at most `count` users with >= 3 positives (so every history has
 * >= 2 items, i.e. a sequence model sees at least one transition) entirely.
 */
export function holdOutUsers(data: Interactions, count: number, seed: number): HeldOutSplit {
  const U = data.numUsers;
  const positives: number[][] = Array.from({ length: U }, () => []);
  // events per user in time order (ties: input order), as the models read them
  const order = Array.from({ length: data.user.length }, (_, i) => i);
  order.sort((a, b) => data.user[a]! - data.user[b]! || data.time[a]! - data.time[b]! || a - b);
  for (const i of order) if (data.weight[i]! > 0) positives[data.user[i]!]!.push(data.item[i]!);
  const eligible = Int32Array.from(positives.flatMap((p, u) => (p.length >= 3 ? [u] : [])));
  // at most a fifth of the users, so a small dataset still trains on most of itself
  const n = Math.min(count, eligible.length, Math.floor(U / 5));
  const chosen = Array.from(new Rng(seed ^ 0x7ac1).shuffle(eligible).subarray(0, n)).sort((a, b) => a - b);
  const held = new Uint8Array(U);
  for (const u of chosen) held[u] = 1;
  const newId = new Int32Array(U).fill(-1);
  let next = 0;
  for (let u = 0; u < U; u++) if (!held[u]) newId[u] = next++;
  const keep: number[] = [];
  for (let i = 0; i < data.user.length; i++) if (!held[data.user[i]!]) keep.push(i);
  const train: Interactions = {
    numUsers: next,
    numItems: data.numItems,
    user: Int32Array.from(keep, (i) => newId[data.user[i]!]!),
    item: Int32Array.from(keep, (i) => data.item[i]!),
    weight: Float32Array.from(keep, (i) => data.weight[i]!),
    time: Float64Array.from(keep, (i) => data.time[i]!),
  };
  const histories = chosen.map((u) => Int32Array.from(positives[u]!.slice(0, -1)));
  const targets = Int32Array.from(chosen, (u) => positives[u]!.at(-1)!);
  return { train, histories, targets };
}

/** HR@K and NDCG@K of a scorer over the held-out users (their history items excluded). */
async function heldOutMetrics(
  split: HeldOutSplit,
  score: (history: Int32Array) => Promise<Float32Array> | Float32Array,
  onStep?: (done: number, total: number) => void,
): Promise<{ hr: number; ndcg: number }> {
  let hr = 0;
  let nd = 0;
  const n = split.targets.length;
  for (let q = 0; q < n; q++) {
    const history = split.histories[q]!;
    const rank = rankOfTarget(await score(history), split.targets[q]!, history);
    hr += hitRate(rank, EVAL_K);
    nd += ndcg(rank, EVAL_K);
    if (onStep && (q % 25 === 24 || q === n - 1)) onStep(q + 1, n);
  }
  return n === 0 ? { hr: 0, ndcg: 0 } : { hr: hr / n, ndcg: nd / n };
}

const round = (x: number | undefined, digits = 4) => (x === undefined ? null : Math.round(x * 10 ** digits) / 10 ** digits);

/** Runs `fit` with a time budget: training stops (keeping the best validated weights) when it runs out. */
async function fitWithin(
  model: Recommender,
  data: Interactions,
  seconds: number | undefined,
  seed: number,
  outer: AbortSignal | undefined,
  onProgress: (msg: string, fraction: number) => void,
): Promise<{ summary: FitSummary; validation: number | null; bestValidation: number | null; timedOut: boolean }> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = seconds === undefined ? null : setTimeout(() => ((timedOut = true), controller.abort()), Math.max(0, seconds) * 1000);
  const onOuter = () => controller.abort();
  outer?.addEventListener('abort', onOuter);
  let validation: number | null = null;
  let bestValidation: number | null = null;
  try {
    const summary = await fitModel(model, data, {
      seed,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.validation !== undefined) {
          validation = p.validation;
          bestValidation = Math.max(bestValidation ?? -Infinity, p.validation);
        }
        const loss = p.loss === undefined ? '' : ` loss ${p.loss.toFixed(4)}`;
        const val = p.validation === undefined ? '' : ` val ${p.validation.toFixed(4)}`;
        onProgress(`epoch ${p.epoch + 1} step ${p.step}/${p.totalSteps}${loss}${val}`, p.totalSteps > 0 ? p.step / p.totalSteps : 0);
      },
    });
    if (outer?.aborted) throw new Error('pack build cancelled');
    return { summary, validation, bestValidation, timedOut };
  } finally {
    if (timer !== null) clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
  }
}

/** Trains the requested models, checks them on held-out users, and encodes the pack. */
export async function buildPack(options: BuildPackOptions): Promise<BuiltPack> {
  const { interactions: data, features, catalog } = options;
  const seed = options.seed ?? 42;
  const report = options.onProgress ?? (() => {});
  if (options.itemIds.length !== data.numItems || catalog.items !== data.numItems) {
    throw new Error(`buildPack: ${options.itemIds.length} item ids and a catalog of ${catalog.items} items for ${data.numItems} model rows`);
  }
  if (features && features.numItems !== data.numItems) throw new Error(`buildPack: features for ${features.numItems} items, data for ${data.numItems}`);
  const modelNames = [...new Set(options.models)];
  if (modelNames.length === 0) throw new Error('buildPack: no models requested');

  report({ stage: 'split', message: 'holding out users for the quality check' });
  const split = holdOutUsers(data, options.evalUsers ?? 200, seed);
  const train = split.train;
  if (train.numUsers === 0 || train.user.length === 0) throw new Error('buildPack: no training events left');

  const started = performance.now();
  const entries: Omit<PackModelEntry, 'tensors'>[] = [];
  const weights: Partial<Record<PackModelName, WeightsLike>> = {};
  const trained: NonNullable<BuiltPack['models']> = {};
  const trainingMetrics: Record<string, unknown> = {};
  const hr: Record<string, number | null> = {};
  const nd: Record<string, number | null> = {};

  // popularity over the training events: the floor every model should beat
  const counts = new Float32Array(data.numItems);
  for (let i = 0; i < train.item.length; i++) if (train.weight[i]! > 0) counts[train.item[i]!]! += 1;
  const pop = await heldOutMetrics(split, () => counts);
  hr.popularity = round(pop.hr);
  nd.popularity = round(pop.ndcg);

  let succeeded = false;
  try {
    for (const [index, name] of modelNames.entries()) {
      // share what is left of the budget equally between the models still to train
      const remaining = options.maxSeconds === undefined ? undefined : options.maxSeconds - (performance.now() - started) / 1000;
      const budget = remaining === undefined ? undefined : Math.max(1, remaining / (modelNames.length - index));
      const progress = (message: string, fraction?: number) =>
        report({ stage: 'train', model: name, message, ...(fraction === undefined ? {} : { fraction }) });
      progress(`training (${train.numUsers} users, ${train.user.length} events${budget === undefined ? '' : `, budget ${Math.round(budget)} s`})`);
      let model: EmbeddingModel | SequenceModel;
      let score: (history: Int32Array) => Promise<Float32Array>;
      if (name === 'embedding') {
        const m = createEmbeddingModel({
          numUsers: train.numUsers,
          numItems: data.numItems,
          features,
          config: { ...PERSONAL_CONFIG, ...options.embeddingConfig },
        });
        model = m;
        trained.embedding = m;
        // user -1 is outside the table: scored as a new user folded in from the history (the app's path)
        score = (history) => m.scoreAll({ user: -1, history });
      } else {
        const m = createSequenceModel({ kind: name, numItems: data.numItems, config: { ...options.sequenceConfigs?.[name] } });
        model = m;
        trained[name] = m;
        score = (history) => m.scoreAll({ user: -1, history });
      }
      const fit = await fitWithin(model, train, budget, seed, options.signal, progress);
      const s = fit.summary;
      trainingMetrics[name] = {
        epochs: s.epochs,
        steps: s.steps,
        seconds: round(s.seconds, 1),
        finalLoss: round(s.finalLoss),
        stoppedEarly: s.stoppedEarly ?? false,
        stoppedByTimeBudget: fit.timedOut,
        // the loop hands back the best-validated weights, so `bestValidation` describes what ships
        bestValidation: round(fit.bestValidation ?? undefined),
        lastValidation: round(fit.validation ?? undefined),
        validationMetric:
          name === 'embedding'
            ? `HR@${model.config.validationK} (last positive of up to ${model.config.maxValidationUsers} training users)`
            : `${(model.config as SequenceConfig).validationMetric.toUpperCase()}@${model.config.validationK} (last item of up to ${model.config.maxValidationUsers} training users)`,
      };
      progress(`trained: ${s.epochs} epochs, ${s.steps} steps, ${s.seconds.toFixed(1)} s${fit.timedOut ? ' (time budget reached)' : ''}`);

      if (split.targets.length > 0) {
        report({ stage: 'evaluate', model: name, message: `HR@${EVAL_K} on ${split.targets.length} held-out users` });
        const m = await heldOutMetrics(split, score, (done, total) =>
          report({ stage: 'evaluate', model: name, message: `${done}/${total} held-out users`, fraction: done / total }),
        );
        hr[name] = round(m.hr);
        nd[name] = round(m.ndcg);
      }

      const exported = await model.exportWeights();
      if (name === 'embedding') {
        // item side only: a base pack never carries user vectors (they belong to pseudo-users anyway)
        delete exported.tensors['user/embedding'];
      }
      weights[name] = exported;
      // the manifest entry is the weights' own header (and the config they come from)
      entries.push({
        name,
        weightsFormat: exported.format,
        config: { ...model.config } as Record<string, unknown>,
        configHash: exported.configHash,
        ...(name === 'embedding' ? { featuresHash: exported.featuresHash } : {}),
      });
    }

    report({ stage: 'encode', message: 'writing the pack' });
    const buffer = await encodeSealedPack(
      {
        createdAt: (options.createdAt ?? new Date()).toISOString(),
        catalog: { id: catalog.id, items: catalog.items },
        itemIds: [...options.itemIds],
        models: entries,
        // what the shipped weights actually saw (held-out users excluded)
        training: { ...options.training, users: train.numUsers, interactions: train.user.length },
        metrics: {
          backend: tf.getBackend(),
          seed,
          heldOut: {
            users: split.targets.length,
            protocol: `whole users held out of training; each user's last item ranked given the rest, their own items excluded; embedding scored as a new user (fold-in)`,
            [`HR@${EVAL_K}`]: hr,
            [`NDCG@${EVAL_K}`]: nd,
          },
          training: trainingMetrics,
          ...options.extraMetrics,
        },
      },
      weights,
    );
    const { manifest } = decodePack(buffer);
    const result: BuiltPack = { buffer, manifest };
    if (options.keepModels) result.models = trained;
    succeeded = true;
    return result;
  } finally {
    if (!options.keepModels || !succeeded) for (const m of Object.values(trained)) m.dispose();
  }
}
