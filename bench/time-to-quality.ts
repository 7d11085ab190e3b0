/**
 * `npx tsx bench/time-to-quality.ts --data ../shared/data/ml-100k [--format recbole] [--model sasrec]
 *   [--target 0.0869] [--max-seconds 900] [--config '{"lr":0.003}'] [--runtime node|browser]
 *   [--backend wasm] [--seed 42] [--out ttq.json]`
 *
 * Time to quality: seconds of training until the model reaches test NDCG@10 `target` under the
 * standard protocol (/work/shared/data/README.md). The default target is the PyTorch peer's SASRec
 * on ML-100K (0.0869, which it reaches in 255 s on the same two cores).
 *
 * The measurement is src/eval's measureTimeToQuality (see there): the registry's data-sized config
 * (plus `--config`), fitted on train + validation with its own early-stopping validation; after
 * every epoch the clock is paused and the current weights are scored on the test users. It runs
 * in one of two places:
 *   node (default)  TF.js in this process, --backend wasm (default) | cpu | tensorflow; CPU
 *                   seconds are this process's.
 *   browser         headless Chromium through `npm run eval`'s browser harness
 *                   (scripts/eval-lib/browser.ts: Vite dev server, cross-origin isolated page, the
 *                   app's initBackend), --backend wasm (default) | webgpu | webgl | cpu; a fallback
 *                   to another backend is an error. CPU seconds are those of the Chromium
 *                   processes (read from /proc; null elsewhere). Env CHROMIUM_PATH picks the binary.
 * Load averages are the host's in both. The JSON report (`--out`) is the same in both, with
 * `runtime` naming the place.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  DATASET_FORMATS,
  formatEpochLine,
  formatSummaryLine,
  measureTimeToQuality,
  type DatasetFormat,
  type TimeToQualityOptions,
  type TimeToQualityResult,
} from '../src/eval';
import { NODE_BACKENDS, prepareNodeBackend, type NodeBackend } from '../scripts/eval-lib/backend';
import { thisProcessProbes } from '../scripts/eval-lib/host-probes';
import { nodeDatasetFiles } from '../scripts/eval-lib/node-files';
// Only the page protocol here: ../scripts/eval-lib/browser (Vite, Playwright) is imported when used.
import { BROWSER_BACKENDS, type BrowserBackend } from '../scripts/eval-lib/page/protocol';

const RUNTIMES = ['node', 'browser'] as const;
type Runtime = (typeof RUNTIMES)[number];

/** The report written by `--out`: the measurement's, with where it ran. */
type TimeToQualityReport = { runtime: Runtime } & TimeToQualityResult;

function fail(message: string): never {
  process.stderr.write(`time-to-quality: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    format: { type: 'string', default: 'recbole' },
    model: { type: 'string', default: 'sasrec' },
    target: { type: 'string', default: '0.0869' },
    'max-seconds': { type: 'string', default: '900' },
    config: { type: 'string', default: '{}' },
    runtime: { type: 'string', default: 'node' },
    backend: { type: 'string', default: 'wasm' },
    seed: { type: 'string', default: '42' },
    out: { type: 'string' },
  },
});
if (!values.data) fail('--data <folder> is required');
if (!(DATASET_FORMATS as readonly string[]).includes(values.format)) fail(`--format must be ${DATASET_FORMATS.join(' or ')}, got "${values.format}"`);
if (!(RUNTIMES as readonly string[]).includes(values.runtime)) fail(`--runtime must be ${RUNTIMES.join(' or ')}, got "${values.runtime}"`);
const runtime = values.runtime as Runtime;
const backends: readonly string[] = runtime === 'node' ? NODE_BACKENDS : BROWSER_BACKENDS;
if (!backends.includes(values.backend)) fail(`--backend must be ${backends.join(', ')} with --runtime ${runtime}, got "${values.backend}"`);
const config = JSON.parse(values.config) as unknown;
if (typeof config !== 'object' || config === null || Array.isArray(config)) fail('--config must be a JSON object (the model\'s hyper-parameters)');
const options: TimeToQualityOptions = {
  format: values.format as DatasetFormat,
  model: values.model,
  target: Number(values.target),
  maxSeconds: Number(values['max-seconds']),
  config: config as Record<string, unknown>,
  seed: Number(values.seed),
};
for (const [flag, v] of [['target', options.target], ['max-seconds', options.maxSeconds], ['seed', options.seed]] as const) {
  if (!Number.isFinite(v)) fail(`--${flag} must be a number`);
}

const files = await nodeDatasetFiles(values.data);
const onEpoch = (epoch: Parameters<typeof formatEpochLine>[0]) => console.log(formatEpochLine(epoch));
let result: TimeToQualityResult;
try {
  if (runtime === 'node') {
    result = await measureTimeToQuality(options, {
      files,
      prepareBackend: () => prepareNodeBackend(values.backend as NodeBackend),
      probes: thisProcessProbes(),
      onEpoch,
    });
  } else {
    const { measureTimeToQualityInBrowser } = await import('../scripts/eval-lib/browser');
    result = await measureTimeToQualityInBrowser(
      { options, backend: values.backend as BrowserBackend },
      { files, onEpoch, log: (line) => process.stderr.write(`${line}\n`) },
    );
  }
} catch (e) {
  // the page's errors arrive as their message (no useful stack on this side); Node's keep theirs
  const text = e instanceof Error ? (runtime === 'browser' ? e.message : (e.stack ?? e.message)) : String(e);
  process.stderr.write(`time-to-quality: ${text}\n`);
  process.exit(1);
}
console.log(formatSummaryLine(result, runtime === 'browser' ? ' in Chromium' : ''));
const { model, ...measured } = result;
const report: TimeToQualityReport = { model, runtime, ...measured };
if (values.out) await writeFile(values.out, JSON.stringify(report, null, 2) + '\n');
