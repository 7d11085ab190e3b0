/**
 * `npm run eval -- --data <folder> --format recbole|movielens [--models pop,itemknn]
 *   [--out report.json] [--max-minutes N] [--backend cpu|wasm|tensorflow] [--seed N]`
 *
 * Offline top-K evaluation under the standard protocol (/work/shared/data/README.md). The work is
 * done by runEvaluation (src/eval/run.ts, platform-free); this file only supplies Node's files,
 * TF.js backend, progress line and exit codes:
 *   0 all models evaluated, 1 bad input or failure, 2 bad command line, 3 some model ran out of time.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DATASET_FORMATS, formatTable, runEvaluation, type DatasetFormat, type EvalProgress } from '../src/eval';
import { modelNames } from '../src/models/registry';
import { NODE_BACKENDS, prepareNodeBackend, type NodeBackend } from './eval-lib/backend';
import { nodeDatasetFiles } from './eval-lib/node-files';

const USAGE = `usage: npm run eval -- --data <folder> --format ${DATASET_FORMATS.join('|')}
       [--models ${modelNames().join(',')}] [--out report.json] [--max-minutes N]
       [--backend ${NODE_BACKENDS.join('|')}] [--seed N] [--mode standard|on-device]`;

class UsageError extends Error {}

interface CliOptions {
  data: string;
  format: DatasetFormat;
  models: string[];
  out: string | undefined;
  maxMinutes: number | undefined;
  backend: NodeBackend;
  seed: number;
  mode: 'standard' | 'on-device';
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
        backend: { type: 'string', default: 'cpu' },
        seed: { type: 'string', default: '42' },
        mode: { type: 'string', default: 'standard' },
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
  const backend = values.backend;
  if (!(NODE_BACKENDS as readonly string[]).includes(backend)) {
    throw new UsageError(`--backend must be ${NODE_BACKENDS.join(', ')}, got "${backend}"`);
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
  if (values.mode !== 'standard' && values.mode !== 'on-device') {
    throw new UsageError(`--mode must be standard or on-device, got "${values.mode}"`);
  }
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer, got "${values.seed}"`);
  return {
    data: values.data,
    format: format as DatasetFormat,
    models,
    out: values.out,
    maxMinutes,
    backend: backend as NodeBackend,
    seed,
    mode: values.mode,
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

  const progress = progressReporter();
  let outcome;
  try {
    const files = await nodeDatasetFiles(cli.data);
    const options = cli;
    outcome = await runEvaluation(
      {
        format: options.format,
        models: options.models,
        seed: options.seed,
        mode: options.mode,
        ...(options.maxMinutes !== undefined ? { maxMinutes: options.maxMinutes } : {}),
      },
      {
        files,
        prepareBackend: () => prepareNodeBackend(options.backend),
        onProgress: progress.update,
        log: progress.log,
      },
    );
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
