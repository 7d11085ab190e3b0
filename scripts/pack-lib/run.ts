/**
 * The base-pack CLI as a library: parse the command line, read the inputs, train, write the file.
 * scripts/pack.ts only adds the progress line and exit codes; tests call `createPack` directly.
 */
import { mkdir, mkdtemp, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseCatalog, type Catalog } from '../../src/catalog';
import { loadDataset, type DatasetFormat } from '../../src/eval/readers';
import { mapDatasetToCatalog } from '../../src/eval/catalog-match';
import { K, catalogInteractions, replayUsers, sampleUsers, scoreTopK, type ReplayUser } from '../../src/eval/app-replay';
import {
  DEFAULT_FIT,
  HYBRID_SIGNALS,
  PRIOR_WEIGHTS,
  chooseHistoryL2,
  fitPooledHybridWeights,
  hybridScores,
  topKItems,
  type BlendExample,
  type CalibrationUser,
} from '../../src/ranking';
import type { SequenceConfig, SequenceKind } from '../../src/models/sequence';
import type { EmbeddingConfig } from '../../src/models/embedding';
import { appCatalogFeatures } from '../../src/packs/app-features';
import { buildPack, type BuildProgress, type BuiltPack } from '../../src/packs/build';
import { PACK_EXTENSION, PACK_MODEL_NAMES, decodePack, manifestInputOf, withManifest, type PackManifest, type PackModelName } from '../../src/packs/format';
import { syntheticWalks, type SyntheticWalkOptions } from '../../src/packs/synthetic';
import { NODE_BACKENDS, prepareNodeBackend, type NodeBackend } from '../eval-lib/backend';
import { nodeDatasetFiles } from '../eval-lib/node-files';
import { startNodeApp } from '../eval-lib/app-engine';
import { collectBlendExamples } from '../eval-lib/app-replay';

/**
 * Synthetic pseudo-users by default. The embedding model must train with the app's PERSONAL_CONFIG
 * (batches of 64, up to 12 epochs), so its cost grows with the number of events: 1000 walks of
 * 10-40 items (~25k events) train in a few minutes on the wasm backend.
 */
export const DEFAULT_WALKS = 1000;
export const DEFAULT_EVAL_USERS = 200;
/**
 * Users of the operator's logs held out of training to learn the pack's starting blend. Each is
 * replayed to the first-session cut-off through the app's engine (fine-tunes included): about five
 * seconds a user on two cores; their ~10 next likes each give the fit about a thousand targets.
 */
export const DEFAULT_CALIBRATION_USERS = 100;

export const PACK_FORMATS = ['synthetic', 'recbole', 'movielens'] as const;
export type PackSourceFormat = (typeof PACK_FORMATS)[number];

/** The repository root (this file lives in scripts/pack-lib/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const USAGE = `usage: npx tsx scripts/pack.ts --format synthetic --catalog <catalog.json> --out <file${PACK_EXTENSION}>
       npx tsx scripts/pack.ts --format recbole|movielens --data <folder> --out <file${PACK_EXTENSION}> (outside the repo)
       npx tsx scripts/pack.ts --format recbole|movielens --data <folder> --catalog <catalog.json> --out <file${PACK_EXTENSION}>
           (the operator's path: the dataset's films mapped onto the catalog by title and year, a pack the app loads)
           [--exclude-replay-users N] [--replay-seed S] (leave out the N users \`npm run eval -- --mode app --users N --seed S\` replays)
           [--calibration-users N] (default ${DEFAULT_CALIBRATION_USERS}: held out of training, replayed through the app to learn
           the pack's starting For you blend; 0: none, the app's own prior)
  options: [--models embedding,sasrec] [--backend ${NODE_BACKENDS.join('|')}] [--max-minutes N] [--seed N]
           [--walks N] (synthetic pseudo-users, default 1000) [--eval-users N] (held out for HR@10, default 200)
           [--config '{"sasrec":{"maxEpochs":40}}'] (per-model config overrides, JSON)`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface PackCliOptions {
  format: PackSourceFormat;
  /** dataset folder (recbole/movielens) */
  data?: string;
  /** catalog JSON (synthetic; for a dataset, the catalog its films are mapped onto) */
  catalog?: string;
  /** dataset + catalog: leave out the users the app replay samples (`--users N --seed S`) */
  excludeReplayUsers?: { users: number; seed: number };
  /** dataset + catalog: users held out to learn the pack's starting blend (default DEFAULT_CALIBRATION_USERS) */
  calibrationUsers?: number;
  out: string;
  models: PackModelName[];
  backend: NodeBackend;
  maxMinutes?: number;
  seed: number;
  walks?: number;
  evalUsers?: number;
  /** per-model config overrides */
  config?: { embedding?: Partial<EmbeddingConfig> } & Partial<Record<SequenceKind, Partial<SequenceConfig>>>;
  /** synthetic walk tuning beyond --walks (tests) */
  walkOptions?: SyntheticWalkOptions;
  /** fixed creation time (reproducible files) */
  createdAt?: Date;
}

function positiveInt(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`--${name} must be an integer >= 0, got "${text}"`);
  return n;
}

export function parsePackArgs(argv: string[]): PackCliOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        data: { type: 'string' },
        format: { type: 'string' },
        catalog: { type: 'string' },
        out: { type: 'string' },
        models: { type: 'string', default: 'embedding,sasrec' },
        backend: { type: 'string', default: 'wasm' },
        'max-minutes': { type: 'string' },
        seed: { type: 'string', default: '42' },
        walks: { type: 'string' },
        'eval-users': { type: 'string' },
        'exclude-replay-users': { type: 'string' },
        'replay-seed': { type: 'string', default: '42' },
        'calibration-users': { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return 'help';
  const format = values.format;
  if (!format) throw new UsageError(`--format is required (${PACK_FORMATS.join(', ')})`);
  if (!(PACK_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be ${PACK_FORMATS.join(', ')}, got "${format}"`);
  if (format === 'synthetic' && !values.catalog) throw new UsageError('--format synthetic needs --catalog <catalog.json> (the pack is built for that catalog)');
  if (format !== 'synthetic' && !values.data) throw new UsageError(`--format ${format} needs --data <folder>`);
  if (values['exclude-replay-users'] !== undefined && (format === 'synthetic' || !values.catalog)) {
    throw new UsageError('--exclude-replay-users needs a dataset mapped onto a catalog (--format recbole|movielens --catalog <catalog.json>)');
  }
  if (!values.out) throw new UsageError(`--out <file${PACK_EXTENSION}> is required`);
  if (!values.out.endsWith(PACK_EXTENSION)) throw new UsageError(`--out should end in ${PACK_EXTENSION}, got "${values.out}"`);
  const backend = values.backend;
  if (!(NODE_BACKENDS as readonly string[]).includes(backend)) throw new UsageError(`--backend must be ${NODE_BACKENDS.join(', ')}, got "${backend}"`);
  const models = values.models.split(',').map((m) => m.trim()).filter((m) => m !== '');
  if (models.length === 0) throw new UsageError('--models is empty');
  const unknown = models.filter((m) => !(PACK_MODEL_NAMES as readonly string[]).includes(m));
  if (unknown.length) throw new UsageError(`unknown model ${unknown.map((m) => `"${m}"`).join(', ')} (packs hold ${PACK_MODEL_NAMES.join(', ')})`);
  let maxMinutes: number | undefined;
  if (values['max-minutes'] !== undefined) {
    maxMinutes = Number(values['max-minutes']);
    if (!(maxMinutes > 0) || !Number.isFinite(maxMinutes)) throw new UsageError(`--max-minutes must be a positive number, got "${values['max-minutes']}"`);
  }
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer, got "${values.seed}"`);
  let config: PackCliOptions['config'];
  if (values.config !== undefined) {
    try {
      config = JSON.parse(values.config) as PackCliOptions['config'];
    } catch (e) {
      throw new UsageError(`--config is not valid JSON: ${(e as Error).message}`);
    }
    if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new UsageError('--config must be a JSON object keyed by model name');
    const bad = Object.keys(config).filter((k) => !(PACK_MODEL_NAMES as readonly string[]).includes(k));
    if (bad.length) throw new UsageError(`--config: unknown model ${bad.join(', ')} (known: ${PACK_MODEL_NAMES.join(', ')})`);
  }
  const walks = positiveInt('walks', values.walks);
  const evalUsers = positiveInt('eval-users', values['eval-users']);
  const replayUsersToSkip = positiveInt('exclude-replay-users', values['exclude-replay-users']);
  const calibrationUsers = positiveInt('calibration-users', values['calibration-users']);
  if (calibrationUsers !== undefined && (format === 'synthetic' || !values.catalog)) {
    throw new UsageError('--calibration-users needs a dataset mapped onto a catalog (--format recbole|movielens --catalog <catalog.json>)');
  }
  const replaySeed = Number(values['replay-seed']);
  if (!Number.isSafeInteger(replaySeed)) throw new UsageError(`--replay-seed must be an integer, got "${values['replay-seed']}"`);
  return {
    format: format as PackSourceFormat,
    ...(values.data ? { data: values.data } : {}),
    ...(values.catalog ? { catalog: values.catalog } : {}),
    ...(replayUsersToSkip !== undefined ? { excludeReplayUsers: { users: replayUsersToSkip, seed: replaySeed } } : {}),
    ...(calibrationUsers !== undefined ? { calibrationUsers } : {}),
    out: values.out,
    models: [...new Set(models)] as PackModelName[],
    backend: backend as NodeBackend,
    ...(maxMinutes !== undefined ? { maxMinutes } : {}),
    seed,
    ...(walks !== undefined ? { walks } : {}),
    ...(evalUsers !== undefined ? { evalUsers } : {}),
    ...(config ? { config } : {}),
  };
}

/** `path` with symlinks of its deepest existing ancestor resolved (the file itself may not exist yet). */
async function realish(path: string): Promise<string> {
  let dir = resolve(path);
  const rest: string[] = [];
  for (;;) {
    try {
      return resolve(await realpath(dir), ...rest);
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return resolve(path);
      rest.unshift(dir.slice(parent.length).replace(/^[\\/]/, ''));
      dir = parent;
    }
  }
}

const inside = (root: string, path: string) => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/**
 * Packs trained on recbole/movielens data carry weights derived from third-party ratings whose
 * licences (MovieLens included) forbid redistribution. Writing one into the repository (public/
 * is served and shipped) would be one `git add` away from publishing it, so it is refused.
 */
export async function checkOutPath(format: PackSourceFormat, out: string, repoRoot = REPO_ROOT): Promise<void> {
  if (format === 'synthetic') return;
  const target = await realish(out);
  const root = await realish(repoRoot);
  if (inside(root, target)) {
    const where = inside(resolve(root, 'public'), target) ? 'public/ (which the app serves and ships)' : 'the repository';
    throw new UsageError(
      `refusing to write a ${format} pack to ${target}: it is inside ${where}. ` +
        `A pack trained on ${format} data contains weights derived from that dataset, whose licence ` +
        `(e.g. MovieLens) does not allow redistributing it; it is for benchmarks and for people with their own copy. ` +
        `Write it outside the repository, e.g. --out ~/burrow-packs/<name>${PACK_EXTENSION}`,
    );
  }
}

export interface PackIo {
  /** progress lines (stderr in the CLI) */
  progress?: (p: BuildProgress) => void;
  log?: (line: string) => void;
  /** hand the trained models back in CreatedPack.models (tests compare them with imported ones; the caller disposes) */
  keepModels?: boolean;
}

export interface CreatedPack {
  out: string;
  bytes: number;
  manifest: PackManifest;
  models?: BuiltPack['models'];
}

/** Reads the inputs, trains, writes `options.out`. Throws UsageError / DatasetError / CatalogError / Error. */
export async function createPack(options: PackCliOptions, io: PackIo = {}): Promise<CreatedPack> {
  const log = io.log ?? (() => {});
  await checkOutPath(options.format, options.out);
  const backend = await prepareNodeBackend(options.backend);
  log(`TF.js backend: ${backend}`);
  const maxSeconds = options.maxMinutes === undefined ? undefined : options.maxMinutes * 60;
  const common = {
    models: options.models,
    seed: options.seed,
    ...(options.evalUsers !== undefined ? { evalUsers: options.evalUsers } : {}),
    ...(maxSeconds !== undefined ? { maxSeconds } : {}),
    ...(options.config?.embedding ? { embeddingConfig: options.config.embedding } : {}),
    sequenceConfigs: { ...(options.config?.sasrec ? { sasrec: options.config.sasrec } : {}), ...(options.config?.gru4rec ? { gru4rec: options.config.gru4rec } : {}) },
    ...(options.createdAt ? { createdAt: options.createdAt } : {}),
    ...(io.progress ? { onProgress: io.progress } : {}),
    keepModels: io.keepModels ?? false,
  };
  if (options.config?.embedding && Object.keys(options.config.embedding).length > 0) {
    log('warning: --config embedding overrides the app\'s PERSONAL_CONFIG; the app will not import this pack\'s embedding model');
  }

  let built: BuiltPack;
  let calibration: ReplayUser[] = [];
  let calibrationCatalog: Catalog | null = null;
  if (options.format === 'synthetic') {
    const path = options.catalog!;
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path, 'utf8'));
    } catch (e) {
      throw new Error(`cannot read catalog ${path}: ${(e as Error).message}${path.endsWith('default.json') ? ' (run `npm run catalog` first)' : ''}`);
    }
    const catalog = parseCatalog(json);
    const features = appCatalogFeatures(catalog);
    const walks = options.walks ?? options.walkOptions?.walks ?? DEFAULT_WALKS;
    const evalUsers = Math.min(options.evalUsers ?? DEFAULT_EVAL_USERS, Math.floor(walks / 4));
    // the held-out walks come on top, so the models train on exactly `walks` pseudo-users
    const walkOptions: SyntheticWalkOptions = { seed: options.seed, ...options.walkOptions, walks: walks + evalUsers };
    const interactions = syntheticWalks(features, Float32Array.from(catalog.items, (i) => i.popularity), walkOptions);
    log(
      `catalog "${catalog.id}": ${catalog.items.length} items; ${walks} + ${evalUsers} held-out synthetic walks, ${interactions.user.length} events`,
    );
    built = await buildPack({
      ...common,
      evalUsers,
      interactions,
      itemIds: catalog.items.map((i) => i.id),
      catalog: { id: catalog.id, items: catalog.items.length },
      features,
      training: {
        source: `synthetic random walks over catalog "${catalog.id}" (src/packs/synthetic.ts)`,
        description:
          'Pseudo-users generated from the catalog alone: each walk starts at an item drawn by the catalog popularity prior and ' +
          'steps to content-similar (idf-weighted content cosine), popular items, sometimes jumping to a fresh popular item. ' +
          'Encodes "people who like X tend to like content-similar, popular items", not real behaviour. No third-party usage data.',
        licence: `derived only from the catalog; same licence as the catalog: ${catalog.license}`,
      },
      extraMetrics: {
        synthetic: {
          // generated = training walks + the held-out walks of the quality check
          generatedWalks: interactions.numUsers,
          heldOutWalks: evalUsers,
          generatedEvents: interactions.user.length,
          options: { ...walkOptions },
        },
      },
    });
  } else if (options.catalog) {
    // The operator's path: a site's own logs, mapped onto the catalog it ships, become its base pack.
    const catalog = parseCatalog(JSON.parse(await readFile(options.catalog, 'utf8')));
    const dataset = await loadDataset(options.format as DatasetFormat, await nodeDatasetFiles(options.data!));
    for (const w of dataset.warnings) log(`warning: ${w}`);
    const mapping = mapDatasetToCatalog(dataset, catalog.items);
    const m = mapping.report;
    let users = replayUsers(dataset, mapping.toCatalog);
    let skipped = 0;
    if (options.excludeReplayUsers) {
      const replayed = new Set(sampleUsers(users, options.excludeReplayUsers.users, options.excludeReplayUsers.seed).map((u) => u.user));
      skipped = replayed.size;
      users = users.filter((u) => !replayed.has(u.user));
    }
    // a seed of its own, so the calibration users never overlap the replay's sample of the same seed
    calibration = sampleUsers(users, options.calibrationUsers ?? DEFAULT_CALIBRATION_USERS, options.seed ^ 0x5eed);
    const calibrationIds = new Set(calibration.map((u) => u.user));
    users = users.filter((u) => !calibrationIds.has(u.user));
    calibrationCatalog = catalog;
    const interactions = catalogInteractions(users, catalog.items.length);
    log(
      `dataset "${dataset.name}" mapped onto catalog "${catalog.id}": ${m.matchedFilms}/${m.datasetFilms} films, ` +
        `${interactions.user.length} events of ${interactions.numUsers} users${skipped ? ` (${skipped} replay users left out)` : ''}` +
        `, ${calibration.length} more held out to learn the starting blend`,
    );
    built = await buildPack({
      ...common,
      interactions,
      itemIds: catalog.items.map((i) => i.id),
      catalog: { id: catalog.id, items: catalog.items.length },
      features: appCatalogFeatures(catalog),
      training: {
        source: `${options.format} dataset "${dataset.name}" mapped onto catalog "${catalog.id}"`,
        description:
          `Trained on the real interactions of ${options.format} dataset "${dataset.name}" whose films match the catalog by title and year ` +
          `(${m.matchedFilms} of ${m.datasetFilms} films, ${interactions.user.length} ratings as implicit events)` +
          (skipped ? `; the ${skipped} users the app replay samples (seed ${options.excludeReplayUsers!.seed}) left out` : '') +
          (calibration.length ? `; ${calibration.length} users held out to learn the starting blend.` : '.'),
        licence: `governed by the licence of dataset "${dataset.name}"; most rating datasets (MovieLens included) forbid redistribution: for benchmarks and private use only`,
      },
    });
  } else {
    const files = await nodeDatasetFiles(options.data!);
    const dataset = await loadDataset(options.format as DatasetFormat, files);
    for (const w of dataset.warnings) log(`warning: ${w}`);
    const d = dataset.interactions;
    log(`dataset "${dataset.name}": ${d.numUsers} users, ${d.numItems} items, ${d.user.length} events`);
    built = await buildPack({
      ...common,
      interactions: d,
      itemIds: dataset.itemIds,
      catalog: { id: `dataset:${dataset.name}`, items: d.numItems },
      // the dataset is not a Burrow catalog: no content tower (pure collaborative item vectors)
      features: null,
      training: {
        source: `${options.format} dataset "${dataset.name}"`,
        description: `Trained on the real interactions of ${options.format} dataset "${dataset.name}" (every rating as an implicit event).`,
        licence: `governed by the licence of dataset "${dataset.name}"; most rating datasets (MovieLens included) forbid redistribution: for benchmarks and private use only`,
      },
    });
  }
  if (calibrationCatalog && calibration.length > 0) {
    try {
      built = await withLearnedBlendPrior(built, calibrationCatalog, calibration, options.backend, log);
    } catch (e) {
      for (const m of Object.values(built.models ?? {})) m.dispose();
      throw e;
    }
  }
  try {
    await mkdir(dirname(resolve(options.out)), { recursive: true });
    // write then rename: an interrupted run never leaves a half-written pack where the app looks
    const partial = `${options.out}.partial-${process.pid}`;
    await writeFile(partial, new Uint8Array(built.buffer));
    await rename(partial, options.out);
  } catch (e) {
    for (const m of Object.values(built.models ?? {})) m.dispose();
    throw e;
  }
  return {
    out: resolve(options.out),
    bytes: built.buffer.byteLength,
    manifest: built.manifest,
    ...(built.models ? { models: built.models } : {}),
  };
}

/**
 * The pack's starting For you blend, learned the way the app will use it: the held-out users are
 * replayed through the app's engine on this very pack up to their first-session cut-off, and the
 * blend weights are fitted (pooled, from the app's PRIOR_WEIGHTS) on the likes that followed. How
 * hard each user's own fit is then pulled back to them is learned on the same users, cross-fitted
 * (chooseHistoryL2). The in-sample HR@10 of the app's prior, the learned prior and popularity, and
 * each pull's held-out log-likelihood, go into the manifest.
 */
async function withLearnedBlendPrior(
  built: BuiltPack,
  catalog: Catalog,
  users: readonly ReplayUser[],
  backend: NodeBackend,
  log: (line: string) => void,
): Promise<BuiltPack> {
  const dir = await mkdtemp(join(tmpdir(), 'burrow-calibration-'));
  const packPath = join(dir, `calibration${PACK_EXTENSION}`);
  await writeFile(packPath, new Uint8Array(built.buffer));
  const app = await startNodeApp({ catalog, packPath, backend, storeName: `burrow-calibration-${process.pid}` });
  const started = Date.now();
  let calibration: CalibrationUser[];
  try {
    calibration = await collectBlendExamples(app, catalog, users, 'first session', (done, total) => {
      if (done % 10 === 0 || done === total) log(`starting blend: replayed ${done}/${total} held-out users`);
    });
  } finally {
    app.close();
    await rm(dir, { recursive: true, force: true });
  }
  const examples = calibration.map((u) => u.cutoff);
  const weights = fitPooledHybridWeights(examples, PRIOR_WEIGHTS, DEFAULT_FIT);
  const pull = chooseHistoryL2(calibration, PRIOR_WEIGHTS);
  const hitRate = (score: (e: BlendExample) => Float32Array) =>
    examples.reduce((sum, e) => sum + scoreTopK(topKItems(score(e), K, [...e.exclude]), e.targets).hr, 0) / Math.max(1, examples.length);
  const metrics = {
    note: 'HR@10 at the first-session cut-off on the users the weights were fitted on (in-sample); historyLogLikelihood: mean log-probability of each user\'s next likes under their own refitted blend for each pull, cross-fitted in two halves',
    'HR@10': {
      popularity: round(hitRate((e) => hybridScores({ popularity: e.inputs.popularity ?? null }, { ...PRIOR_WEIGHTS, popularity: 1 }))),
      'app prior': round(hitRate((e) => hybridScores(e.inputs, PRIOR_WEIGHTS))),
      'learned prior': round(hitRate((e) => hybridScores(e.inputs, weights))),
    },
    historyLogLikelihood: pull.logLikelihood,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  log(
    `starting blend from ${examples.length} users: ${HYBRID_SIGNALS.map((k) => `${k} ${weights[k].toFixed(2)}`).join(', ')}; ` +
      `${JSON.stringify(metrics['HR@10'])}; each user's own fit pulled back with l2 ${pull.l2 ?? 'none (not refitted)'} ${JSON.stringify(pull.logLikelihood)}`,
  );
  const targets = examples.reduce((sum, e) => sum + e.targets.length, 0);
  const manifest = {
    ...manifestInputOf(built.manifest),
    blendPrior: { weights, setting: 'first session', users: examples.length, targets, historyL2: pull.l2, metrics },
  };
  const buffer = await withManifest(decodePack(built.buffer), manifest);
  return { ...built, buffer, manifest: decodePack(buffer).manifest };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** A short human summary of a written pack (stdout of the CLI). */
export function summarize(pack: CreatedPack): string {
  const m = pack.manifest;
  const lines = [
    `wrote ${pack.out} (${(pack.bytes / 1024 / 1024).toFixed(2)} MB)`,
    `catalog ${m.catalog.id}: ${m.catalog.items} items; trained on ${m.training.users} users, ${m.training.interactions} events (${m.training.source})`,
  ];
  const heldOut = m.metrics.heldOut as { users: number; [k: string]: unknown } | undefined;
  const hr = heldOut?.['HR@10'] as Record<string, number | null> | undefined;
  const nd = heldOut?.['NDCG@10'] as Record<string, number | null> | undefined;
  const training = m.metrics.training as Record<string, { epochs: number; seconds: number; stoppedByTimeBudget: boolean }> | undefined;
  for (const model of m.models) {
    const t = training?.[model.name];
    const size = Object.values(model.tensors).reduce((s, x) => s + x.byteLength, 0);
    lines.push(
      `  ${model.name.padEnd(9)} ${model.configHash}  ${(size / 1024).toFixed(0)} KB` +
        (t ? `  ${t.epochs} epochs, ${t.seconds} s${t.stoppedByTimeBudget ? ' (time budget)' : ''}` : '') +
        (hr ? `  held-out HR@10 ${hr[model.name] ?? '-'} NDCG@10 ${nd?.[model.name] ?? '-'}` : ''),
    );
  }
  if (hr) lines.push(`  popularity held-out HR@10 ${hr.popularity ?? '-'} NDCG@10 ${nd?.popularity ?? '-'} (${heldOut?.users ?? 0} users)`);
  return lines.join('\n');
}
