/**
 * Backend selection for TF.js: probe the environment, plan (backend-plan.ts), then try backends in
 * order, smoke-testing each, and report which one won and why. Works in a page and in a Worker.
 */
import * as tf from '@tensorflow/tfjs';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths, getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { installWasmViewKernels } from './kernels';
import {
  planBackends,
  explainOutcome,
  type AdapterSummary,
  type Attempt,
  type BackendName,
  type BackendPreference,
  type BackendProbe,
} from './backend-plan';

export type { AdapterSummary, Attempt, BackendName, BackendPreference, BackendProbe } from './backend-plan';

export interface DeviceLostInfo {
  backend: 'webgpu';
  /** GPUDeviceLostReason: 'destroyed' (we disposed it) or 'unknown' (driver reset, OOM, TDR ...) */
  reason: string;
  message: string;
}

export interface BackendInfo {
  backend: BackendName;
  adapter: AdapterSummary | null;
  /** human sentence: why this backend */
  reason: string;
  attempts: Attempt[];
  wasm?: { simd: boolean; threads: boolean; numThreads?: number };
}

export interface InitBackendOptions {
  preference?: BackendPreference;
  /** Called when the WebGPU device is lost (the app should re-run initBackend to fall back). */
  onDeviceLost?: (info: DeviceLostInfo) => void;
  /**
   * wasm worker threads (only with cross-origin isolation). Default: TF.js's own choice,
   * min(4, hardwareConcurrency / 2). Must be set before the wasm backend first initialises.
   */
  wasmThreads?: number;
  /** backends that already failed in this session: the plan skips them */
  exclude?: readonly BackendName[];
  /** Called before each backend is tried, so a caller knows which one an abrupt crash hit. */
  onAttempt?: (backend: BackendName) => void;
  /**
   * Where the wasm backend finds its binaries: a folder prefix or one URL per file. In a Vite build
   * pass `WASM_URLS` from ./wasm-urls (same-origin assets); this module itself stays free of
   * Vite-only imports so Node (eval, tests) can load it. Set once, before wasm first initialises.
   */
  wasmPaths?: string | Record<string, string>;
}

let wasmPathsSet = false;
function ensureWasmPaths(paths: InitBackendOptions['wasmPaths']): void {
  if (wasmPathsSet || paths === undefined) return;
  setWasmPaths(paths as Parameters<typeof setWasmPaths>[0]);
  wasmPathsSet = true;
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

function summarizeAdapter(adapter: GPUAdapter): AdapterSummary {
  // `adapter.info` (Chrome 114+); isFallbackAdapter moved from the adapter onto its info.
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  const infoFallback = (info as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined)
    ?.isFallbackAdapter;
  const legacyFallback = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    description: info?.description ?? '',
    isFallbackAdapter: Boolean(infoFallback ?? legacyFallback ?? false),
  };
}

interface GpuProbe {
  probe: BackendProbe['webgpu'];
  adapter: GPUAdapter | null;
}

async function probeWebGPU(): Promise<GpuProbe> {
  const gpu = typeof navigator !== 'undefined' ? (navigator as Navigator & { gpu?: GPU }).gpu : undefined;
  if (gpu === undefined) return { probe: { api: false, adapter: null }, adapter: null };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter === null) return { probe: { api: true, adapter: null, error: 'requestAdapter() returned null' }, adapter: null };
    return { probe: { api: true, adapter: summarizeAdapter(adapter) }, adapter };
  } catch (e) {
    return { probe: { api: true, adapter: null, error: errorText(e) }, adapter: null };
  }
}

function probeWebGL(): BackendProbe['webgl'] {
  try {
    if (typeof OffscreenCanvas === 'undefined') return { available: false };
    const canvas = new OffscreenCanvas(1, 1);
    const gl = canvas.getContext('webgl2');
    if (gl === null) return { available: false };
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return { available: true, renderer };
  } catch {
    return { available: false };
  }
}

async function probeWasm(): Promise<BackendProbe['wasm']> {
  const isolated = typeof globalThis.crossOriginIsolated === 'boolean' && globalThis.crossOriginIsolated;
  let simd = false;
  let threads = false;
  try {
    simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  } catch {
    /* flags unregistered: wasm backend not importable */
  }
  return { simd, threads: threads && isolated, crossOriginIsolated: isolated };
}

/** Everything the planner needs to know about this environment. */
export async function probeEnvironment(): Promise<{ probe: BackendProbe; adapter: GPUAdapter | null }> {
  const [gpu, wasm] = await Promise.all([probeWebGPU(), probeWasm()]);
  return { probe: { webgpu: gpu.probe, webgl: probeWebGL(), wasm }, adapter: gpu.adapter };
}

/**
 * Register our own 'webgpu' factory so we own the adapter/device: we report adapter info, and we
 * listen to `device.lost`. Device creation mirrors tfjs-backend-webgpu's own factory.
 */
function registerWebGPU(adapter: GPUAdapter, onLost: ((info: DeviceLostInfo) => void) | undefined): void {
  if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      const features: GPUFeatureName[] = [];
      if (adapter.features.has('timestamp-query')) features.push('timestamp-query');
      const l = adapter.limits;
      const device = await adapter.requestDevice({
        requiredFeatures: features,
        requiredLimits: {
          maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
          maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
          maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
          maxBufferSize: l.maxBufferSize,
          maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
          maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
        },
      });
      void device.lost.then((info) => {
        onLost?.({ backend: 'webgpu', reason: info.reason ?? 'unknown', message: info.message });
      });
      const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
      return new WebGPUBackend(device, info);
    },
    3,
  );
}

type Factory = () => tf.KernelBackend | Promise<tf.KernelBackend>;
const wrappedFactories = new WeakSet<Factory>();
/** Where the wrapped factories report their exception text (reset per initBackend call). */
let factoryErrors = new Map<BackendName, string>();

/**
 * Wrap a registered factory (once) so its exception text is captured: TF.js only logs it. An
 * already-initialised backend instance is kept (removeBackend would dispose it), so this only
 * wraps factories that have not run yet.
 */
function captureFactoryErrors(name: BackendName): void {
  const entry = tf.engine().registryFactory[name];
  if (entry === undefined || wrappedFactories.has(entry.factory)) return;
  if (tf.engine().registry[name] !== undefined) return;
  const { factory, priority } = entry;
  const wrapped: Factory = async () => {
    try {
      return await factory();
    } catch (e) {
      factoryErrors.set(name, errorText(e));
      throw e;
    }
  };
  wrappedFactories.add(wrapped);
  tf.removeBackend(name);
  tf.registerBackend(name, wrapped, priority);
}

/**
 * A backend whose set-up never settles (a thread pool whose workers cannot load, a driver that
 * hangs) counts as failed, so the chain goes on instead of leaving the app "starting" forever.
 */
const BACKEND_START_TIMEOUT_MS = 30_000;

function withTimeout(work: Promise<void>, ms: number, message: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** A backend "works" only if a tiny op round-trips through it. */
async function smokeTest(): Promise<void> {
  const a = tf.tensor1d([1, 2, 3]);
  const b = tf.matMul(a.reshape([1, 3]), a.reshape([3, 1]));
  const v = await b.data();
  tf.dispose([a, b]);
  if (v[0] !== 14) throw new Error(`smoke test returned ${String(v[0])}, expected 14`);
}

/**
 * Pick and initialise a TF.js backend. Never throws for a single backend failing: each failure is
 * recorded in `attempts` and the next backend in the plan is tried; throws only if all fail.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const preference = options.preference ?? 'auto';
  ensureWasmPaths(options.wasmPaths);
  if (options.wasmThreads !== undefined && tf.engine().registry.wasm === undefined) {
    setThreadsCount(Math.max(1, Math.floor(options.wasmThreads)));
  }
  const { probe, adapter } = await probeEnvironment();
  const plan = planBackends(preference, probe, options.exclude);
  const attempts: Attempt[] = [];
  factoryErrors = new Map<BackendName, string>();
  const errors = factoryErrors;

  for (const name of plan.order) {
    options.onAttempt?.(name);
    if (name === 'webgpu') {
      if (adapter === null) {
        attempts.push({
          backend: name,
          ok: false,
          error: probe.webgpu.api ? (probe.webgpu.error ?? 'no adapter') : 'WebGPU API not available',
        });
        continue;
      }
      registerWebGPU(adapter, options.onDeviceLost);
    } else {
      captureFactoryErrors(name);
    }
    if (tf.findBackendFactory(name) === null) {
      attempts.push({ backend: name, ok: false, error: 'backend not registered in this build' });
      continue;
    }
    try {
      await withTimeout(
        (async () => {
          const ok = await tf.setBackend(name);
          if (!ok) throw new Error(errors.get(name) ?? 'initialisation failed');
          await tf.ready();
          await smokeTest();
        })(),
        BACKEND_START_TIMEOUT_MS,
        `did not start within ${BACKEND_START_TIMEOUT_MS / 1000} s`,
      );
      attempts.push({ backend: name, ok: true });
      break;
    } catch (e) {
      // The next successful setBackend replaces it as the active backend.
      attempts.push({ backend: name, ok: false, error: errors.get(name) ?? errorText(e) });
    }
  }

  const chosen = attempts.find((a) => a.ok);
  const reason = explainOutcome(plan, attempts);
  if (chosen === undefined) throw new Error(reason);
  const info: BackendInfo = {
    backend: chosen.backend,
    adapter: probe.webgpu.adapter,
    reason,
    attempts,
  };
  if (chosen.backend === 'wasm') {
    installWasmViewKernels();
    let numThreads: number | undefined;
    try {
      numThreads = getThreadsCount();
    } catch {
      numThreads = undefined;
    }
    info.wasm = { simd: probe.wasm.simd, threads: probe.wasm.threads, numThreads };
  }
  return info;
}

/** The active WebGPU device, or null when the active backend is not webgpu. */
export function activeGPUDevice(): GPUDevice | null {
  if (tf.getBackend() !== 'webgpu') return null;
  return (tf.backend() as WebGPUBackend).device;
}
