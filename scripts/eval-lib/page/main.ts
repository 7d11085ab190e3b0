/**
 * The eval page: runs src/eval's runEvaluation (`npm run eval`) or measureTimeToQuality
 * (bench/time-to-quality.ts) in Chromium on the app's own TF.js backend set-up (src/compute's
 * initBackend). Driven by scripts/eval-lib/browser.ts through `globalThis.__burrowEval`; dataset
 * files are fetched from Node (DATA_PREFIX, answered by page.route), progress, log lines and epoch
 * reports go back, and the host's CPU clock and load average come in, through functions Node
 * exposed on the page.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/compute/backend';
import { WASM_URLS } from '../../../src/compute/wasm-urls';
import type { BackendName } from '../../../src/compute/backend-plan';
import { measureTimeToQuality, runEvaluation, type DatasetFiles, type EvalProgress, type HostProbes } from '../../../src/eval';
import {
  DATA_FILE,
  DATA_LIST,
  EPOCH_BINDING,
  HOST_BINDING,
  LOG_BINDING,
  PAGE_API,
  PROGRESS_BINDING,
  type HostSample,
  type PageApi,
  type PageBindings,
  type PageResult,
} from './protocol';

const bindings = globalThis as unknown as Partial<PageBindings>;

// Fire and forget: the bindings resolve after Node handled the call; the run does not wait for it.
const progress = (p: EvalProgress) => void bindings[PROGRESS_BINDING]?.(p).catch(() => undefined);
const log = (line: string) => void bindings[LOG_BINDING]?.(line).catch(() => undefined);

/** One answer from Node: the page has no CPU clock or load average of its own. */
async function hostSample(): Promise<HostSample> {
  const host = bindings[HOST_BINDING];
  if (host === undefined) throw new Error(`Node exposed no ${HOST_BINDING} on the eval page`);
  return host();
}
const hostProbes: HostProbes = {
  cpuMs: async () => (await hostSample()).cpuMs,
  loadAverage: async () => (await hostSample()).loadAverage,
};

async function fetchOk(url: string): Promise<Response> {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new Error((await response.text()) || `${url}: HTTP ${response.status}`);
  return response;
}

/** DatasetFiles over HTTP: Node serves the folder it was given. */
function fetchedFiles(name: string): DatasetFiles {
  return {
    name,
    list: async () => (await (await fetchOk(DATA_LIST)).json()) as string[],
    read: async (file) => (await fetchOk(`${DATA_FILE}${encodeURIComponent(file)}`)).text(),
  };
}

/**
 * Initialises exactly `backend` with the app's initBackend. initBackend falls back along its chain
 * when the requested backend fails; here a fallback is an error, so numbers are never silently
 * measured on another backend.
 */
async function prepareBackend(backend: BackendName, onDeviceLost: (message: string) => void): Promise<string> {
  const info = await initBackend({
    preference: backend,
    wasmPaths: WASM_URLS,
    onDeviceLost: (lost) => onDeviceLost(`WebGPU device lost (${lost.reason}): ${lost.message}`),
  });
  const active = tf.getBackend();
  if (active !== backend) {
    throw new Error(
      `TF.js backend "${backend}" could not be used in Chromium: initBackend fell back to ` +
        `"${active}" (${info.reason})`,
    );
  }
  const adapter = backend === 'webgpu' && info.adapter ? ` adapter: ${[info.adapter.vendor, info.adapter.architecture, info.adapter.description].filter(Boolean).join(' / ')}` : '';
  const isolated = globalThis.crossOriginIsolated ? 'cross-origin isolated' : 'not cross-origin isolated';
  const wasm = info.wasm ? ` (${info.wasm.simd ? 'SIMD' : 'no SIMD'}, ${info.wasm.numThreads ?? 1} thread(s), ${isolated})` : '';
  log(`browser: TF.js ${tf.version.tfjs} on ${active}${wasm}${adapter}`);
  return active;
}

/**
 * Runs `work` on exactly `backend` and returns its result or its error as a message. A lost
 * WebGPU device ends the run instead of leaving it waiting on a dead queue.
 */
async function guarded<T>(backend: BackendName, work: (prepare: () => Promise<string>) => Promise<T>): Promise<PageResult<T>> {
  let rejectLost: (e: Error) => void = () => undefined;
  const lost = new Promise<never>((_, reject) => (rejectLost = reject));
  lost.catch(() => undefined);
  try {
    const run = work(() => prepareBackend(backend, (message) => rejectLost(new Error(message))));
    run.catch(() => undefined); // if `lost` wins the race, run's later rejection is not "unhandled"
    return { ok: true, outcome: await Promise.race([run, lost]) };
  } catch (e) {
    return e instanceof Error
      ? { ok: false, name: e.name, message: e.message }
      : { ok: false, name: 'Error', message: String(e) };
  }
}

const api: PageApi = {
  run: (request) =>
    guarded(request.backend, (prepare) =>
      runEvaluation(request.options, { files: fetchedFiles(request.datasetName), prepareBackend: prepare, onProgress: progress, log }),
    ),
  timeToQuality: (request) =>
    guarded(request.backend, (prepare) =>
      measureTimeToQuality(request.options, {
        files: fetchedFiles(request.datasetName),
        prepareBackend: prepare,
        probes: hostProbes,
        // awaited: the clock is paused, and Node prints the epochs in order
        onEpoch: async (epoch) => {
          await bindings[EPOCH_BINDING]?.(epoch);
        },
      }),
    ),
};

(globalThis as unknown as Record<typeof PAGE_API, PageApi>)[PAGE_API] = api;
document.getElementById('log')!.textContent += '\nready';
