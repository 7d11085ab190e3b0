/**
 * What Node (scripts/eval-lib/browser.ts) and the eval page (./main.ts) agree on. No DOM or Node
 * imports here: both sides import it.
 */
import type { EvalOptions, EvalOutcome, EvalProgress, TimeToQualityEpoch, TimeToQualityOptions, TimeToQualityResult } from '../../../src/eval';
import type { BackendName } from '../../../src/compute/backend-plan';

/** TF.js backends the browser runtime accepts (`--backend`), the first is the default. */
export const BROWSER_BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const satisfies readonly BackendName[];
export type BrowserBackend = (typeof BROWSER_BACKENDS)[number];

/** URL prefix the page fetches dataset files from; Node answers these requests (page.route). */
export const DATA_PREFIX = '/__eval-data/';
/** `${DATA_PREFIX}list`: JSON array of the folder's file names. */
export const DATA_LIST = `${DATA_PREFIX}list`;
/** `${DATA_PREFIX}file/<encodeURIComponent(name)>`: one file's text. */
export const DATA_FILE = `${DATA_PREFIX}file/`;

/** Functions Node exposes to the page (page.exposeFunction). */
export const PROGRESS_BINDING = '__burrowEvalProgress';
export const LOG_BINDING = '__burrowEvalLog';
/** time to quality: the page reports each epoch (a TimeToQualityEpoch); awaited, while the clock is paused */
export const EPOCH_BINDING = '__burrowEvalEpoch';
/** time to quality: the page asks Node for the host's CPU clock and load average (a HostSample) */
export const HOST_BINDING = '__burrowEvalHost';
/** The page's API on globalThis. */
export const PAGE_API = '__burrowEval';

export interface PageRunRequest {
  /** runEvaluation's options (JSON-serialisable: no registry override) */
  options: Omit<EvalOptions, 'registry'>;
  /** the TF.js backend to run on; anything else is an error, never a silent fallback */
  backend: BrowserBackend;
  /** DatasetFiles.name (the folder's base name) */
  datasetName: string;
}

/** bench/time-to-quality.ts's measurement (src/eval's measureTimeToQuality) in the page */
export interface PageTimeToQualityRequest {
  options: TimeToQualityOptions;
  /** the TF.js backend to run on; anything else is an error, never a silent fallback */
  backend: BrowserBackend;
  /** DatasetFiles.name (the folder's base name) */
  datasetName: string;
}

/** HOST_BINDING's answer: what the page cannot read itself (src/eval's HostProbes). */
export interface HostSample {
  /** CPU ms (user + system) of the browser's processes on a monotonic origin; null where unreadable */
  cpuMs: number | null;
  /** the host's 1-, 5- and 15-minute load averages */
  loadAverage: number[];
}

export type PageResult<T> =
  | { ok: true; outcome: T }
  /** `message` is the page-side Error's message, unchanged (DatasetError: file and line) */
  | { ok: false; name: string; message: string };
export type PageRunResult = PageResult<EvalOutcome>;
export type PageTimeToQualityResult = PageResult<TimeToQualityResult>;

/** Functions the page calls in Node (page.exposeFunction), by binding name. */
export interface PageBindings {
  [PROGRESS_BINDING]: (p: EvalProgress) => Promise<void>;
  [LOG_BINDING]: (line: string) => Promise<void>;
  [EPOCH_BINDING]: (epoch: TimeToQualityEpoch) => Promise<void>;
  [HOST_BINDING]: () => Promise<HostSample>;
}

export interface PageApi {
  run(request: PageRunRequest): Promise<PageRunResult>;
  timeToQuality(request: PageTimeToQualityRequest): Promise<PageTimeToQualityResult>;
}
