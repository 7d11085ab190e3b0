/**
 * The offline evaluation runner: load a dataset, split it leave-one-out, tune each model on
 * validation, refit on train+validation, measure on test (/work/shared/data/README.md).
 *
 * DOM-free and Node-free: files, backend set-up, progress and logging come in through `EvalIO`,
 * so the same function backs `npm run eval` (scripts/eval.ts) and a browser page.
 */
import type { Interactions, Recommender } from '../models';
import { Rng } from '../common';
import { MODEL_REGISTRY, TYPED_ARRAY_MODELS, type ModelFactory } from '../models';
import { fitModel } from '../training';
import { METRIC_NAMES, MetricAccumulator, type EvalMetrics } from './metrics';
import { loadDataset, type Dataset, type DatasetFiles, type DatasetFormat } from './readers';
import { leaveOneOutSplit, type EvalCase, type LeaveOneOutSplit } from './split';

/** Metric the grid search maximises on validation. */
export const SELECTION_METRIC = 'NDCG@10' as const;

/**
 * Hyper-parameter grids searched on validation. Models not listed run once with their defaults
 * (no validation fit, which would only cost time). Small on purpose: 2 shared cores.
 */
export const DEFAULT_SEARCH_SPACES: Readonly<Record<string, Record<string, unknown>[]>> = {
  itemknn: [20, 50, 100, 200].flatMap((k) => [0, 10, 100].map((shrink) => ({ k, shrink }))),
};

export interface EvalOptions {
  format: DatasetFormat;
  /** registry names, evaluated in this order */
  models: string[];
  /** wall-clock budget for the whole run; models not finished in time are reported as skipped */
  maxMinutes?: number;
  /** seed passed to every fit (default 42) */
  seed?: number;
  /** per-model grids replacing DEFAULT_SEARCH_SPACES entries */
  searchSpaces?: Record<string, Record<string, unknown>[]>;
  /** defaults to MODEL_REGISTRY; tests inject fakes here */
  registry?: Readonly<Record<string, ModelFactory>>;
  /**
   * 'standard': the protocol of /work/shared/data/README.md.
   * 'on-device': as the app runs. Users are split (seeded) into base users and device users; models
   * train on the base users only, and each device user arrives as a stranger (user index -1, no
   * trained row) whose own earlier events are replayed through the model's fast path (fold-in of a
   * fresh user vector for the embedding model, history conditioning for sequence models) before the
   * held-out item is ranked.
   */
  mode?: 'standard' | 'on-device';
  /** share of users that are device users in 'on-device' mode (default 0.2) */
  deviceShare?: number;
}

export type EvalStage = 'load' | 'tune' | 'fit' | 'test';

export interface EvalProgress {
  stage: EvalStage;
  /** '' while loading */
  model: string;
  /** 0-based index of `model` in the requested list, and the list's length */
  modelIndex: number;
  modelCount: number;
  /** progress within the stage (users scored, or fit steps) */
  step: number;
  total: number;
  /** e.g. the grid point being tuned: 'config 3/12 {"k":50,"shrink":10}' */
  note?: string;
}

export interface EvalIO {
  files: DatasetFiles;
  /**
   * Initialises TF.js (backend choice is platform-specific) and returns the active backend's name.
   * Called once, and only when a model outside TYPED_ARRAY_MODELS is evaluated.
   */
  prepareBackend?: () => Promise<string>;
  onProgress?: (progress: EvalProgress) => void;
  /** human-readable notes (tuning results, dataset warnings) */
  log?: (line: string) => void;
  /** milliseconds, monotonic; defaults to performance.now */
  now?: () => number;
}

export interface EvalProtocol {
  split: string;
  interactions: string;
  ranking: string;
  metrics: string[];
  tuning: string;
  seed: number;
  max_minutes: number | null;
  validation_users: number;
  test_users: number;
  mode: 'standard' | 'on-device';
}

export interface EvalResult {
  model: string;
  metrics: EvalMetrics;
  users_evaluated: number;
  train_seconds: number;
  backend: string;
  config: Record<string, unknown>;
}

export interface EvalReport {
  protocol: EvalProtocol;
  dataset: { name: string; users: number; items: number; interactions: number };
  results: EvalResult[];
}

export interface EvalOutcome {
  /** the JSON report (exact shape of `npm run eval -- --out`) */
  report: EvalReport;
  /** requested models with no result, and why (time budget, cancelled fit) */
  skipped: { model: string; reason: string }[];
}

class BudgetExceeded extends Error {
  constructor(where: string) {
    super(`time budget exceeded during ${where}`);
    this.name = 'BudgetExceeded';
  }
}

/** Loads the dataset through `io.files`, then evaluates it (see `evaluateDataset`). */
export async function runEvaluation(options: EvalOptions, io: EvalIO): Promise<EvalOutcome> {
  checkOptions(options);
  const now = io.now ?? (() => performance.now());
  // The budget covers loading too.
  const startedAt = now();
  const modelCount = options.models.length;
  io.onProgress?.({ stage: 'load', model: '', modelIndex: 0, modelCount, step: 0, total: 1 });
  const dataset = await loadDataset(options.format, io.files);
  for (const w of dataset.warnings) io.log?.(`warning: ${w}`);
  return evaluate(dataset, options, io, startedAt);
}

function checkOptions(options: EvalOptions): void {
  const registry = options.registry ?? MODEL_REGISTRY;
  if (options.models.length === 0) throw new Error('no models to evaluate');
  for (const name of options.models) {
    if (!Object.hasOwn(registry, name)) {
      throw new Error(`unknown model "${name}" (known: ${Object.keys(registry).join(', ')})`);
    }
  }
  const dupes = options.models.filter((m, i) => options.models.indexOf(m) !== i);
  if (dupes.length > 0) throw new Error(`model listed twice: ${dupes[0]}`);
  if (options.maxMinutes !== undefined && !(options.maxMinutes > 0)) {
    throw new Error(`max minutes must be a positive number, got ${options.maxMinutes}`);
  }
}

/** Evaluates already-loaded data (a page that parsed the files itself starts here). */
export async function evaluateDataset(
  dataset: Dataset,
  options: EvalOptions,
  io: Omit<EvalIO, 'files'>,
): Promise<EvalOutcome> {
  checkOptions(options);
  return evaluate(dataset, options, io, (io.now ?? (() => performance.now()))());
}

async function evaluate(
  dataset: Dataset,
  options: EvalOptions,
  io: Omit<EvalIO, 'files'>,
  startedAt: number,
): Promise<EvalOutcome> {
  const registry = options.registry ?? MODEL_REGISTRY;
  const seed = options.seed ?? 42;
  const now = io.now ?? (() => performance.now());
  const { interactions } = dataset;
  const numItems = interactions.numItems;
  const mode = options.mode ?? 'standard';
  const split = mode === 'on-device' ? onDeviceSplit(interactions, options.deviceShare ?? 0.2, seed) : leaveOneOutSplit(interactions);

  // One controller for the whole run: fits see it as their AbortSignal.
  const budget = new AbortController();
  const budgetMs =
    options.maxMinutes === undefined ? Infinity : options.maxMinutes * 60_000 - (now() - startedAt);
  // setTimeout overflows past 2^31-1 ms (~24 days); such budgets are effectively unlimited.
  const timer =
    budgetMs < 2 ** 31 - 1 ? setTimeout(() => budget.abort(), Math.max(0, budgetMs)) : undefined;
  // Models whose scoreAll resolves synchronously never let the timer fire, so scoring also
  // checks the clock.
  const expired = () => budget.signal.aborted || now() - startedAt >= budgetMs;

  let backendName: Promise<string> | undefined;
  const results: EvalResult[] = [];
  const skipped: EvalOutcome['skipped'] = [];
  const ctxBase = {
    numUsers: interactions.numUsers,
    numItems: interactions.numItems,
    ...(dataset.itemFeatures ? { itemFeatures: dataset.itemFeatures } : {}),
  };

  try {
    for (const [modelIndex, name] of options.models.entries()) {
      const factory = registry[name]!;
      const modelCount = options.models.length;
      const progress = (stage: EvalStage, step: number, total: number, note?: string) =>
        io.onProgress?.({
          stage,
          model: name,
          modelIndex,
          modelCount,
          step,
          total,
          ...(note ? { note } : {}),
        });
      try {
        if (expired()) throw new BudgetExceeded('an earlier model');
        // Typed-array models run on the CPU whatever TF.js backend was asked for; a TF model's
        // backend is whatever io.prepareBackend set up ('unknown' if the caller set it up itself).
        let backend = 'cpu';
        if (!TYPED_ARRAY_MODELS.has(name)) {
          backendName ??= io.prepareBackend ? io.prepareBackend() : Promise.resolve('unknown');
          backend = await backendName;
        }

        // 1. Grid search on validation (fit on train).
        const grid = options.searchSpaces?.[name] ?? DEFAULT_SEARCH_SPACES[name] ?? [{}];
        let best: Record<string, unknown> = grid[0] ?? {};
        if (grid.length > 1) {
          let bestScore = -Infinity;
          for (const [g, config] of grid.entries()) {
            const note = `config ${g + 1}/${grid.length} ${JSON.stringify(config)}`;
            const model = factory({ ...ctxBase, stats: logStats(split.train), config });
            try {
              progress('tune', 0, split.validation.length, note);
              const fit = await fitModel(model, split.train, {
                signal: budget.signal,
                seed,
                onProgress: (p) =>
                  progress('tune', 0, split.validation.length, `${note} fit ${p.step}/${p.totalSteps}`),
              });
              if (fit.cancelled) throw new BudgetExceeded(`tuning ${name}`);
              const metrics = await score(model, split.validation, numItems, expired, (done) =>
                progress('tune', done, split.validation.length, note),
              );
              const value = metrics[SELECTION_METRIC];
              io.log?.(`${name} ${JSON.stringify(config)}: validation ${SELECTION_METRIC} ${value.toFixed(4)}`);
              // Strictly better: on a tie the earlier (listed first) config is kept.
              if (value > bestScore) {
                bestScore = value;
                best = config;
              }
            } finally {
              model.dispose();
            }
          }
          io.log?.(
            `${name}: selected ${JSON.stringify(best)} ` +
              `(validation ${SELECTION_METRIC} ${bestScore.toFixed(4)})`,
          );
        }

        // 2. Final fit on train+validation, 3. metrics on test.
        const model = factory({ ...ctxBase, stats: logStats(split.trainWithValidation), config: best });
        try {
          progress('fit', 0, 1);
          const t0 = now();
          const fit = await fitModel(model, split.trainWithValidation, {
            signal: budget.signal,
            seed,
            onProgress: (p) => progress('fit', p.step, p.totalSteps),
          });
          const trainSeconds = (now() - t0) / 1000;
          if (fit.cancelled) throw new BudgetExceeded(`the final fit of ${name}`);
          const metrics = await score(model, split.test, numItems, expired, (done) =>
            progress('test', done, split.test.length),
          );
          results.push({
            model: name,
            metrics,
            users_evaluated: split.test.length,
            train_seconds: round(trainSeconds, 3),
            backend,
            config: effectiveConfig(model, best),
          });
        } finally {
          model.dispose();
        }
      } catch (e) {
        if (!(e instanceof BudgetExceeded)) throw e;
        skipped.push({ model: name, reason: e.message });
        io.log?.(`${name}: skipped, ${e.message}`);
      }
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }

  return {
    report: {
      protocol: {
        split:
          'leave-one-out: per user by timestamp ascending (ties in file order); last = test, ' +
          'second to last = validation, rest = train; users with < 3 interactions are training-only',
        interactions: 'every rating is an implicit interaction of weight 1',
        ranking:
          "all items; the user's earlier items excluded (the target never is); ties pessimistic " +
          '(the target ranks after every item with an equal score)',
        metrics: [...METRIC_NAMES],
        tuning:
          `grid search fit on train, selected on validation ${SELECTION_METRIC}; ` +
          'final fit on train+validation; metrics on test',
        seed,
        max_minutes: options.maxMinutes ?? null,
        validation_users: split.validation.length,
        test_users: split.test.length,
        mode,
      },
      dataset: {
        name: dataset.name,
        users: interactions.numUsers,
        items: interactions.numItems,
        interactions: interactions.user.length,
      },
      results,
    },
    skipped,
  };
}

/** Counts of a training log that models may size themselves from (ModelContext.stats). */
export function logStats(data: Interactions): { users: number; items: number; events: number } {
  const users = new Set<number>();
  let events = 0;
  for (let i = 0; i < data.user.length; i++) {
    if (data.weight[i]! > 0) {
      events += 1;
      users.add(data.user[i]!);
    }
  }
  return { users: users.size, items: data.numItems, events };
}

/** Keeps only the events of `users`. */
export function restrictUsers(data: Interactions, users: ReadonlySet<number>): Interactions {
  const keep: number[] = [];
  for (let i = 0; i < data.user.length; i++) if (users.has(data.user[i]!)) keep.push(i);
  const pick = <T extends Int32Array | Float32Array | Float64Array>(a: T, make: (n: number) => T): T => {
    const out = make(keep.length);
    keep.forEach((from, to) => (out[to] = a[from]!));
    return out;
  };
  return {
    numUsers: data.numUsers,
    numItems: data.numItems,
    user: pick(data.user, (n) => new Int32Array(n)),
    item: pick(data.item, (n) => new Int32Array(n)),
    weight: pick(data.weight, (n) => new Float32Array(n)),
    time: pick(data.time, (n) => new Float64Array(n)),
  };
}

/**
 * The leave-one-out split seen from the device: models fit on base users only; validation and
 * test cases are the device users', as strangers (user -1) carrying their own earlier events.
 */
export function onDeviceSplit(data: Interactions, deviceShare: number, seed: number): LeaveOneOutSplit {
  if (!(deviceShare > 0 && deviceShare < 1)) throw new Error(`device share must be between 0 and 1, got ${deviceShare}`);
  const split = leaveOneOutSplit(data);
  const rng = new Rng(seed);
  const device = new Set<number>();
  const base = new Set<number>();
  for (let u = 0; u < data.numUsers; u++) (rng.next() < deviceShare ? device : base).add(u);
  const stranger = (c: EvalCase): EvalCase => ({ ...c, user: -1 });
  return {
    train: restrictUsers(split.train, base),
    trainWithValidation: restrictUsers(split.trainWithValidation, base),
    validation: split.validation.filter((c) => device.has(c.user)).map(stranger),
    test: split.test.filter((c) => device.has(c.user)).map(stranger),
  };
}

/** Scores every case with the model and accumulates the protocol's metrics. */
async function score(
  model: Recommender,
  cases: EvalCase[],
  numItems: number,
  expired: () => boolean,
  onProgress: (done: number) => void,
): Promise<EvalMetrics> {
  const acc = new MetricAccumulator(numItems);
  // Report about 100 times per pass: often enough for a live bar, rare enough to be free.
  const every = Math.max(1, Math.floor(cases.length / 100));
  for (const [k, c] of cases.entries()) {
    if (expired()) throw new BudgetExceeded(`scoring ${model.name}`);
    const scores = await model.scoreAll({ user: c.user, history: c.history });
    acc.add(scores, c.target, c.history);
    if ((k + 1) % every === 0 || k + 1 === cases.length) onProgress(k + 1);
  }
  return acc.result();
}

/** The model's own parsed config (defaults filled in) when it exposes one, else the grid entry. */
function effectiveConfig(model: Recommender, chosen: Record<string, unknown>): Record<string, unknown> {
  const own = (model as { config?: unknown }).config;
  return own !== null && typeof own === 'object' && !Array.isArray(own)
    ? { ...(own as Record<string, unknown>) }
    : { ...chosen };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
