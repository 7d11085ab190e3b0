/**
 * The browser runtime of `npm run eval` and of bench/time-to-quality.ts: the work runs in headless
 * Chromium on the app's own TF.js backend set-up (WebGPU by default), not in Node.
 *
 * Starts a Vite dev server on the repo root (the page imports the same src/ code as the app; the
 * repo's vite.config.ts sends the cross-origin isolation headers, so the wasm backend gets its
 * threads), opens scripts/eval-lib/page/index.html, serves the dataset folder to the page from Node
 * (page.route on DATA_PREFIX), forwards the page's progress, log lines and epoch reports to the
 * caller (checked: ./page-messages.ts), and returns the page's result. Chromium and the server are
 * closed on every path.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page, Route } from '@playwright/test';
import { createServer, type ViteDevServer } from 'vite';
import type { z } from 'zod';
import type { DatasetFiles, EvalOutcome, EvalProgress, TimeToQualityEpoch, TimeToQualityResult } from '../../src/eval';
import { launchChromium } from '../lib/chromium';
import { chromiumProbes } from './host-probes';
import {
  EVAL_OUTCOME_SCHEMA,
  TTQ_EPOCH_SCHEMA,
  TTQ_RESULT_SCHEMA,
  checkPageMessage,
  pageResultSchema,
} from './page-messages';
import {
  DATA_FILE,
  DATA_LIST,
  DATA_PREFIX,
  EPOCH_BINDING,
  HOST_BINDING,
  LOG_BINDING,
  PAGE_API,
  PROGRESS_BINDING,
  type HostSample,
  type PageApi,
  type PageResult,
  type PageBindings,
  type PageRunRequest,
  type PageTimeToQualityRequest,
} from './page/protocol';

export { BROWSER_BACKENDS, type BrowserBackend } from './page/protocol';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PAGE_PATH = 'scripts/eval-lib/page/index.html';
/** page load incl. Vite's first dependency pre-bundling (cold cache: TF.js takes a while) */
const PAGE_LOAD_TIMEOUT_MS = 180_000;

/** What every page run needs from its caller. */
interface PageIO {
  /** the dataset folder (Node's side); the page reads it over HTTP */
  files: DatasetFiles;
  log: (line: string) => void;
}

export interface BrowserEvalIO extends PageIO {
  onProgress: (progress: EvalProgress) => void;
}

export interface BrowserTimeToQualityIO extends PageIO {
  /** each epoch's report, checked, in order; the page's clock is paused until this returns */
  onEpoch: (epoch: TimeToQualityEpoch) => void;
}

async function startServer(): Promise<ViteDevServer> {
  const server = await createServer({
    root,
    logLevel: 'warn',
    clearScreen: false,
    // Own dependency cache: `npm run dev` / the bench pre-bundle with other entries into
    // node_modules/.vite, and a concurrent run must not invalidate theirs (or they ours).
    cacheDir: 'node_modules/.vite-eval',
    // No HMR or file watching: src/ may be edited while an evaluation runs; a reload would
    // destroy the page mid-run.
    server: { port: 0, host: 'localhost', hmr: false, watch: null },
    optimizeDeps: {
      entries: [PAGE_PATH],
      include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm', 'papaparse'],
    },
  });
  try {
    await server.listen();
  } catch (e) {
    await server.close();
    throw e;
  }
  return server;
}

/** Answers the page's dataset requests from `files`; only names `files.list()` returns are served. */
async function serveDataset(route: Route, files: DatasetFiles): Promise<void> {
  const text = (status: number, body: string) =>
    route.fulfill({ status, contentType: 'text/plain; charset=utf-8', body });
  try {
    const path = new URL(route.request().url()).pathname;
    if (path === DATA_LIST) {
      await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(await files.list()) });
    } else if (path.startsWith(DATA_FILE)) {
      const name = decodeURIComponent(path.slice(DATA_FILE.length));
      if (!(await files.list()).includes(name)) await text(404, `${name}: no such file in ${files.name}`);
      else await text(200, await files.read(name));
    } else {
      await text(404, `${path}: unknown dataset request`);
    }
  } catch (e) {
    await text(500, e instanceof Error ? e.message : String(e)).catch(() => undefined);
  }
}

function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Rejects when the page crashes or closes, so a dead page never leaves the run waiting. */
function pageGone(page: Page): Promise<never> {
  const gone = new Promise<never>((_, reject) => {
    page.once('crash', () => reject(new Error('the Chromium page crashed (out of memory?)')));
    page.once('close', () => reject(new Error('the Chromium page closed during the evaluation')));
  });
  gone.catch(() => undefined);
  return gone;
}

/**
 * Opens the eval page in a fresh Vite server and Chromium, with the dataset route, the log binding
 * and `bindings` exposed, and runs `work` on it; `gone` rejects when the page crashes or closes.
 * Closes Chromium and the server on every path.
 */
async function withEvalPage<T>(
  io: PageIO,
  bindings: Partial<Omit<PageBindings, typeof LOG_BINDING>>,
  work: (page: Page, gone: Promise<never>) => Promise<T>,
): Promise<T> {
  let server: ViteDevServer | undefined;
  let browser: Browser | undefined;
  // Ctrl-C: Playwright's own SIGINT handler closes Chromium and exits 130; this closes the server.
  const onSigint = () => {
    io.log('eval: interrupted');
    void server?.close();
  };
  process.once('SIGINT', onSigint);
  try {
    server = await startServer();
    const base = server.resolvedUrls?.local[0];
    if (base === undefined) throw new Error('the Vite dev server reported no local URL');
    browser = await launchChromium();
    const page = await browser.newPage();
    page.on('pageerror', (e) => io.log(`browser: uncaught ${e.name}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') io.log(`browser console: ${m.text()}`);
    });
    await page.exposeFunction(LOG_BINDING, (line: unknown) => io.log(typeof line === 'string' ? line : `browser: (a log line that is not text: ${typeof line})`));
    for (const [name, f] of Object.entries(bindings)) await page.exposeFunction(name, f);
    await page.route(`**${DATA_PREFIX}**`, (route) => serveDataset(route, io.files));
    const gone = pageGone(page);

    try {
      await page.goto(new URL(PAGE_PATH, base).href, { timeout: PAGE_LOAD_TIMEOUT_MS });
      await page.waitForFunction(`'${PAGE_API}' in globalThis`, undefined, { timeout: PAGE_LOAD_TIMEOUT_MS });
    } catch (e) {
      throw new Error(`the eval page did not load in Chromium: ${describeError(e).split('\n')[0]}`);
    }
    return await work(page, gone);
  } finally {
    process.off('SIGINT', onSigint);
    await browser?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
  }
}

/**
 * Runs `request` (options, TF.js backend) in headless Chromium and returns its outcome. Throws an
 * Error carrying the page's message unchanged when the evaluation fails there (e.g. a DatasetError
 * naming file and line), or when the requested backend is not what TF.js ended up on.
 */
/**
 * Calls one method of the page's API, racing the page's end, and checks its answer: the outcome,
 * or the page's error message thrown unchanged.
 */
async function callPage<M extends keyof PageApi, T>(
  page: Page,
  gone: Promise<never>,
  method: M,
  request: Parameters<PageApi[M]>[0],
  schema: z.ZodType<PageResult<T>>,
  what: string,
): Promise<T> {
  // A trivial callback (no inner named functions): tsx/esbuild's `__name` helper must not be
  // injected into code that runs in the page.
  const answer: unknown = await Promise.race([
    page.evaluate(
      ([api, m, req]) => (globalThis as unknown as Record<string, Record<string, (r: unknown) => Promise<unknown>>>)[api]![m]!(req),
      [PAGE_API, method, request] as const,
    ),
    gone,
  ]);
  const result = checkPageMessage(schema, answer, what);
  if (!result.ok) throw new Error(result.message);
  return result.outcome;
}

export async function runEvaluationInBrowser(
  request: Omit<PageRunRequest, 'datasetName'>,
  io: BrowserEvalIO,
): Promise<EvalOutcome> {
  // Progress is advisory (a live line): passed on as sent.
  const bindings = { [PROGRESS_BINDING]: async (p: EvalProgress) => io.onProgress(p) };
  return withEvalPage(io, bindings, async (page, gone) => {
    const full: PageRunRequest = { ...request, datasetName: io.files.name };
    return callPage(page, gone, 'run', full, pageResultSchema(EVAL_OUTCOME_SCHEMA), 'evaluation result');
  });
}

/**
 * bench/time-to-quality.ts's measurement (src/eval's measureTimeToQuality) in headless Chromium on
 * `request.backend`. The page keeps the clock; Node answers its CPU-clock and load-average
 * questions from the host (the Chromium processes' CPU time, ./host-probes.ts) and checks every
 * epoch report and the result. Throws the page's message unchanged when the measurement fails
 * there, and when the requested backend is not what TF.js ended up on.
 */
export async function measureTimeToQualityInBrowser(
  request: Omit<PageTimeToQualityRequest, 'datasetName'>,
  io: BrowserTimeToQualityIO,
): Promise<TimeToQualityResult> {
  const probes = chromiumProbes();
  const bindings = {
    [EPOCH_BINDING]: async (epoch: unknown) => io.onEpoch(checkPageMessage(TTQ_EPOCH_SCHEMA, epoch, 'epoch report')),
    [HOST_BINDING]: async (): Promise<HostSample> => ({ cpuMs: await probes.cpuMs(), loadAverage: await probes.loadAverage() }),
  };
  return withEvalPage(io, bindings, async (page, gone) => {
    const full: PageTimeToQualityRequest = { ...request, datasetName: io.files.name };
    return callPage(page, gone, 'timeToQuality', full, pageResultSchema(TTQ_RESULT_SCHEMA), 'time-to-quality result');
  });
}
