/**
 * What Node (scripts/eval-lib/browser.ts) and the eval page (./main.ts) agree on. No DOM or Node
 * imports here: both sides import it.
 */
import type { EvalOptions, EvalOutcome } from '../../../src/eval';
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

export type PageRunResult =
  | { ok: true; outcome: EvalOutcome }
  /** `message` is the page-side Error's message, unchanged (DatasetError: file and line) */
  | { ok: false; name: string; message: string };

export interface PageApi {
  run(request: PageRunRequest): Promise<PageRunResult>;
}
