/**
 * `npm run eval -- --data <folder> --format recbole|movielens [--models pop,itemknn]
 *   [--out report.json] [--max-minutes N] [--runtime browser|node] [--backend B] [--seed N]
 *   [--mode standard|on-device|app] [--config '{"mf":{"negatives":64}}']`
 *   --mode app [--users 300] [--catalog public/catalog/default.json] [--pack public/packs/default.burrowpack]
 *              [--report bench/REPORT.md]   (always --runtime node)
 *
 * Offline top-K evaluation under the standard protocol (/work/shared/data/README.md). The work is
 * done by runEvaluation (src/eval/run.ts, platform-free); this file only supplies the files, the
 * TF.js backend, the progress line and exit codes. Two runtimes:
 *   browser (default)  headless Chromium on the app's own backend set-up (src/compute's
 *                      initBackend), --backend webgpu (default) | webgl | wasm | cpu; the product's
 *                      own path (scripts/eval-lib/browser.ts). A fallback to another backend is an
 *                      error. Env CHROMIUM_PATH picks the binary (default /usr/bin/chromium).
 *   node               TF.js in this process, --backend cpu (default) | wasm | tensorflow; for
 *                      quick checks (`--runtime node --backend wasm` is the fast one on a CPU).
 * Exit codes: 0 all models evaluated, 1 bad input or failure, 2 bad command line, 3 some model ran
 * out of time.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DATASET_FORMATS, formatTable, runEvaluation, type DatasetFormat, type EvalProgress } from '../src/eval';
import { REPLAY_CLOCKS, type ReplayClock } from '../src/eval/app-replay';
import { modelNames } from '../src/models/registry';
import { NODE_BACKENDS, prepareNodeBackend, type NodeBackend } from './eval-lib/backend';
import { nodeDatasetFiles } from './eval-lib/node-files';
// Only the page protocol here: ./eval-lib/browser (Vite, Playwright) is imported when used.
import { BROWSER_BACKENDS, type BrowserBackend } from './eval-lib/page/protocol';

const RUNTIMES = ['browser', 'node'] as const;
type Runtime = (typeof RUNTIMES)[number];
const DEFAULT_BACKEND: Record<Runtime, string> = { browser: 'webgpu', node: 'cpu' };

const USAGE = `usage: npm run eval -- --data <folder> --format ${DATASET_FORMATS.join('|')}
       [--models ${modelNames().join(',')}] [--out report.json] [--max-minutes N]
       [--runtime ${RUNTIMES.join('|')}] [--backend B] [--seed N] [--mode standard|on-device]
       [--config JSON]
  --mode app [--users N] [--catalog F] [--pack F] [--report bench/REPORT.md] [--clock dataset|device]
                               replay N real users (default 300, seeded sample) through the app's
                               own engine in Node (--backend cpu|wasm), mapped onto the catalog;
                               --clock dataset (default): the catalog as it was at each event's
                               time (no film from after it); device: the whole catalog, stamped now
  --config '{"mf":{"negatives":64}}'  a model's hyper-parameters (one object), or a grid searched
                               on validation (a list of objects: '{"mf":[{"dim":32},{"dim":64}]}')
  --runtime browser (default)  headless Chromium, the app's own path;
                               --backend ${BROWSER_BACKENDS.join('|')} (default ${DEFAULT_BACKEND.browser})
  --runtime node               TF.js in Node, for quick checks;
                               --backend ${NODE_BACKENDS.join('|')} (default ${DEFAULT_BACKEND.node})`;

class UsageError extends Error {}

interface CliOptions {
  data: string;
  format: DatasetFormat;
  models: string[];
  out: string | undefined;
  maxMinutes: number | undefined;
  runtime: Runtime;
  backend: NodeBackend | BrowserBackend;
  seed: number;
  mode: 'standard' | 'on-device' | 'app';
  users: number;
  clock: ReplayClock;
  catalog: string;
  pack: string;
  report: string | undefined;
  /** per-model grids from --config (a single object = a one-point grid) */
  searchSpaces: Record<string, Record<string, unknown>[]> | undefined;
}

/** `--config` JSON: model name -> config object or non-empty list of config objects. */
function parseConfigFlag(text: string, known: readonly string[]): Record<string, Record<string, unknown>[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--config is not valid JSON: ${(e as Error).message}`);
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(parsed)) throw new UsageError('--config must be a JSON object of model name -> config (or list of configs)');
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const [model, value] of Object.entries(parsed)) {
    if (!known.includes(model)) throw new UsageError(`--config names unknown model "${model}" (known: ${known.join(', ')})`);
    const grid = Array.isArray(value) ? value : [value];
    if (grid.length === 0 || !grid.every(isObject)) {
      throw new UsageError(`--config "${model}" must be a config object or a non-empty list of config objects`);
    }
    out[model] = grid as Record<string, unknown>[];
  }
  return out;
}

function parseCli(argv: string[]): CliOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        data: { type: 'string' },
        format: { type: 'string' },
        models: { type: 'string', default: 'pop,itemknn' },
        out: { type: 'string' },
        'max-minutes': { type: 'string' },
        runtime: { type: 'string', default: 'browser' },
        backend: { type: 'string' },
        seed: { type: 'string', default: '42' },
        mode: { type: 'string', default: 'standard' },
        config: { type: 'string' },
        users: { type: 'string', default: '300' },
        clock: { type: 'string', default: 'dataset' },
        catalog: { type: 'string', default: 'public/catalog/default.json' },
        pack: { type: 'string', default: 'public/packs/default.burrowpack' },
        report: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return 'help';
  if (!values.data) throw new UsageError('--data <folder> is required');
  if (!values.format) throw new UsageError(`--format is required (${DATASET_FORMATS.join(' or ')})`);
  const format = values.format;
  if (!(DATASET_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be ${DATASET_FORMATS.join(' or ')}, got "${format}"`);
  }
  const runtime = values.mode === 'app' && values.runtime === 'browser' && !argv.includes('--runtime') ? 'node' : values.runtime;
  if (!(RUNTIMES as readonly string[]).includes(runtime)) {
    throw new UsageError(`--runtime must be ${RUNTIMES.join(' or ')}, got "${runtime}"`);
  }
  const backends: readonly string[] = runtime === 'node' ? NODE_BACKENDS : BROWSER_BACKENDS;
  const backend = values.backend ?? DEFAULT_BACKEND[runtime as Runtime];
  if (!backends.includes(backend)) {
    throw new UsageError(`--backend must be ${backends.join(', ')} with --runtime ${runtime}, got "${backend}"`);
  }
  const models = values.models.split(',').map((m) => m.trim()).filter((m) => m !== '');
  const known = modelNames();
  const unknown = models.filter((m) => !known.includes(m));
  if (models.length === 0) throw new UsageError('--models is empty');
  if (unknown.length > 0) {
    throw new UsageError(`unknown model ${unknown.map((m) => `"${m}"`).join(', ')} (known: ${known.join(', ')})`);
  }
  let maxMinutes: number | undefined;
  if (values['max-minutes'] !== undefined) {
    maxMinutes = Number(values['max-minutes']);
    if (!(maxMinutes > 0) || !Number.isFinite(maxMinutes)) {
      throw new UsageError(`--max-minutes must be a positive number, got "${values['max-minutes']}"`);
    }
  }
  if (values.mode !== 'standard' && values.mode !== 'on-device' && values.mode !== 'app') {
    throw new UsageError(`--mode must be standard, on-device or app, got "${values.mode}"`);
  }
  if (values.mode === 'app' && runtime !== 'node') throw new UsageError('--mode app runs in Node: use --runtime node');
  const users = Number(values.users);
  if (!Number.isSafeInteger(users) || users < 1) throw new UsageError(`--users must be a positive integer, got "${values.users}"`);
  if (!(REPLAY_CLOCKS as readonly string[]).includes(values.clock)) {
    throw new UsageError(`--clock must be ${REPLAY_CLOCKS.join(' or ')}, got "${values.clock}"`);
  }
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer, got "${values.seed}"`);
  const searchSpaces = values.config === undefined ? undefined : parseConfigFlag(values.config, known);
  return {
    data: values.data,
    format: format as DatasetFormat,
    models,
    out: values.out,
    maxMinutes,
    runtime: runtime as Runtime,
    backend: backend as NodeBackend | BrowserBackend,
    seed,
    mode: values.mode,
    users,
    clock: values.clock as ReplayClock,
    catalog: values.catalog,
    pack: values.pack,
    report: values.report,
    searchSpaces,
  };
}

/**
 * Progress on stderr: a live, rewritten line on a terminal; otherwise one line per stage so
 * CI logs stay short.
 */
function progressReporter(): { update: (p: EvalProgress) => void; log: (line: string) => void; done: () => void } {
  const tty = process.stderr.isTTY === true;
  let live = '';
  let lastDraw = 0;
  let lastKey = '';
  const describe = (p: EvalProgress) => {
    if (p.stage === 'load') return 'loading dataset';
    const head = `[${p.modelIndex + 1}/${p.modelCount} ${p.model}] ${p.stage}`;
    const note = p.note ? ` ${p.note}` : '';
    const pct = p.total > 0 ? ` ${Math.floor((100 * p.step) / p.total)}%` : '';
    return `${head}${note}${pct}`;
  };
  const clear = () => {
    if (tty && live) process.stderr.write('\r\x1b[K');
  };
  return {
    update(p) {
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < 100 && p.step !== p.total) return;
        lastDraw = now;
        live = describe(p).slice(0, (process.stderr.columns || 100) - 1);
        process.stderr.write(`\r\x1b[K${live}`);
      } else {
        // One line when a stage (or tuning config) starts; the % would be noise in a log file.
        const key = `${p.model}|${p.stage}|${(p.note ?? '').replace(/ fit \d+\/\d+$/, '')}`;
        if (key === lastKey) return;
        lastKey = key;
        process.stderr.write(`${describe({ ...p, step: 0, total: 0 })}\n`);
      }
    },
    log(line) {
      clear();
      process.stderr.write(`${line}\n`);
      if (tty && live) process.stderr.write(live);
    },
    done() {
      clear();
      live = '';
    },
  };
}

async function main(): Promise<number> {
  let cli: CliOptions | 'help';
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`eval: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  if (cli === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  if (cli.mode === 'app') {
    const { runAppMode } = await import('./eval-lib/app-mode');
    const { replayTable } = await import('../src/eval/app-replay');
    try {
      const report = await runAppMode(
        {
          data: cli.data,
          format: cli.format,
          backend: cli.backend as NodeBackend,
          users: cli.users,
          clock: cli.clock,
          seed: cli.seed,
          catalog: cli.catalog,
          pack: cli.pack,
          out: cli.out,
          report: cli.report,
          command: `npm run eval -- ${process.argv.slice(2).join(' ')}`,
        },
        (line) => process.stderr.write(`${line}\n`),
      );
      for (const [setting, rows] of Object.entries(report.settings)) process.stdout.write(`\n${setting}\n${replayTable(rows)}\n`);
      return 0;
    } catch (e) {
      process.stderr.write(`eval: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      return 1;
    }
  }
  const progress = progressReporter();
  let outcome;
  try {
    const files = await nodeDatasetFiles(cli.data);
    const options = {
      format: cli.format,
      models: cli.models,
      seed: cli.seed,
      mode: cli.mode,
      ...(cli.searchSpaces !== undefined ? { searchSpaces: cli.searchSpaces } : {}),
      ...(cli.maxMinutes !== undefined ? { maxMinutes: cli.maxMinutes } : {}),
    };
    if (cli.runtime === 'browser') {
      const { runEvaluationInBrowser } = await import('./eval-lib/browser');
      outcome = await runEvaluationInBrowser(
        { options, backend: cli.backend as BrowserBackend },
        { files, onProgress: progress.update, log: progress.log },
      );
    } else {
      const backend = cli.backend as NodeBackend;
      outcome = await runEvaluation(options, {
        files,
        prepareBackend: () => prepareNodeBackend(backend),
        onProgress: progress.update,
        log: progress.log,
      });
    }
  } catch (e) {
    progress.done();
    process.stderr.write(`eval: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  progress.done();

  process.stdout.write(`${formatTable(outcome)}\n`);
  if (cli.out !== undefined) {
    const path = resolve(cli.out);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(outcome.report, null, 2)}\n`);
    process.stderr.write(`wrote ${path}\n`);
  }
  if (outcome.skipped.length > 0) {
    process.stderr.write(
      `eval: ${outcome.skipped.length} model(s) not evaluated: ` +
        `${outcome.skipped.map((s) => `${s.model} (${s.reason})`).join(', ')}\n`,
    );
    return 3;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`eval: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
