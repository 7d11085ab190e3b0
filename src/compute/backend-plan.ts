/**
 * Pure backend-selection logic: given what the environment offers (a probe), decide the order in
 * which TF.js backends are tried and why. No TF.js import here, so it unit-tests in Node with fake
 * probes; `initBackend` (backend.ts) gathers the real probe and executes the plan.
 */

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | BackendName;

/** The full fallback chain, fastest-on-real-hardware first. */
export const BACKEND_CHAIN: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  /** true for software adapters (the spec flag, or a known software rasteriser by name) */
  isFallbackAdapter: boolean;
}

export interface BackendProbe {
  webgpu: {
    /** `navigator.gpu` exists */
    api: boolean;
    /** the adapter `requestAdapter()` returned, or null */
    adapter: AdapterSummary | null;
    /** why there is no adapter (exception text), if any */
    error?: string;
  };
  webgl: {
    /** a WebGL2 context could be created */
    available: boolean;
    /** UNMASKED_RENDERER_WEBGL when exposed */
    renderer?: string;
  };
  wasm: {
    simd: boolean;
    /** SharedArrayBuffer + cross-origin isolation: the threaded wasm build can run */
    threads: boolean;
    crossOriginIsolated: boolean;
  };
}

export interface BackendPlan {
  /** backends to try, in order; the first that initialises wins */
  order: BackendName[];
  /** human sentence: why this order */
  reason: string;
}

const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render|warp/i;

/** A WebGPU adapter that is really the CPU (spec fallback flag, or a known software rasteriser). */
export function isSoftwareAdapter(a: AdapterSummary): boolean {
  return a.isFallbackAdapter || SOFTWARE_NAMES.test(`${a.vendor} ${a.architecture} ${a.description}`);
}

/** WebGL whose renderer string names a software rasteriser. Unknown renderer => assume hardware. */
export function isSoftwareWebGL(renderer: string | undefined): boolean {
  return renderer !== undefined && SOFTWARE_NAMES.test(renderer);
}

function describeAdapter(a: AdapterSummary): string {
  const parts = [a.vendor, a.architecture, a.description].filter((s) => s.length > 0);
  return parts.length > 0 ? parts.join(' / ') : 'unnamed adapter';
}

export function describeWasm(w: BackendProbe['wasm']): string {
  const simd = w.simd ? 'SIMD' : 'no SIMD';
  const threads = w.threads
    ? 'multi-threaded'
    : w.crossOriginIsolated
      ? 'single-threaded'
      : 'single-threaded (page is not cross-origin isolated)';
  return `${simd}, ${threads}`;
}

/**
 * Decide the order to try backends.
 *
 * 'auto':
 *  - hardware WebGPU adapter            -> webgpu, webgl, wasm, cpu
 *  - software WebGPU adapter (fallback / SwiftShader):
 *      - WebGL on a hardware renderer   -> webgl, wasm, webgpu, cpu
 *      - otherwise                      -> wasm, webgl, webgpu, cpu (wasm SIMD beats emulated GPUs)
 *  - no WebGPU adapter                  -> webgpu (recorded failure), webgl, wasm, cpu, except that a
 *                                          software WebGL renderer is moved behind wasm.
 * explicit preference p: p first, then the rest of the chain in order.
 * `exclude` drops backends that already failed (a crashed engine restarts further down the chain).
 */
export function planBackends(
  preference: BackendPreference,
  probe: BackendProbe,
  exclude: readonly BackendName[] = [],
): BackendPlan {
  const plan = planAll(preference, probe);
  if (exclude.length === 0) return plan;
  const order = plan.order.filter((b) => !exclude.includes(b));
  const skipped = BACKEND_CHAIN.filter((b) => exclude.includes(b));
  return { order, reason: `${plan.reason} Skipping ${skipped.join(', ')}, which failed earlier in this session.` };
}

function planAll(preference: BackendPreference, probe: BackendProbe): BackendPlan {
  if (preference !== 'auto') {
    return {
      order: [preference, ...BACKEND_CHAIN.filter((b) => b !== preference)],
      reason: `${preference} was requested explicitly.`,
    };
  }
  const wasmDesc = describeWasm(probe.wasm);
  const adapter = probe.webgpu.adapter;
  const webglSoftware = isSoftwareWebGL(probe.webgl.renderer);
  if (adapter !== null && !isSoftwareAdapter(adapter)) {
    return {
      order: ['webgpu', 'webgl', 'wasm', 'cpu'],
      reason: `A hardware WebGPU adapter is available (${describeAdapter(adapter)}).`,
    };
  }
  if (adapter !== null) {
    if (probe.webgl.available && !webglSoftware) {
      return {
        order: ['webgl', 'wasm', 'webgpu', 'cpu'],
        reason:
          `The WebGPU adapter is a software fallback (${describeAdapter(adapter)}), ` +
          `but WebGL runs on a hardware renderer (${probe.webgl.renderer ?? 'unknown renderer'}).`,
      };
    }
    return {
      order: ['wasm', 'webgl', 'webgpu', 'cpu'],
      reason:
        `The only WebGPU adapter is a software fallback (${describeAdapter(adapter)}), ` +
        `so WebAssembly (${wasmDesc}) is faster than emulating a GPU on the CPU.`,
    };
  }
  const noGpu = probe.webgpu.api
    ? `No WebGPU adapter was found${probe.webgpu.error ? ` (${probe.webgpu.error})` : ''}`
    : 'This browser has no WebGPU API';
  if (probe.webgl.available && webglSoftware) {
    return {
      order: ['webgpu', 'wasm', 'webgl', 'cpu'],
      reason:
        `${noGpu} and WebGL is a software renderer (${probe.webgl.renderer ?? ''}), ` +
        `so WebAssembly (${wasmDesc}) is preferred.`,
    };
  }
  return {
    order: ['webgpu', 'webgl', 'wasm', 'cpu'],
    reason: `${noGpu}; trying WebGL, then WebAssembly, then plain JS.`,
  };
}

export interface Attempt {
  backend: BackendName;
  ok: boolean;
  error?: string;
}

/** Final human sentence: the plan's reason, plus any fallbacks that happened on the way. */
export function explainOutcome(plan: BackendPlan, attempts: readonly Attempt[]): string {
  const chosen = attempts.find((a) => a.ok);
  const failed = attempts.filter((a) => !a.ok);
  if (chosen === undefined) {
    return `${plan.reason} No backend could be initialised: ${failed
      .map((a) => `${a.backend} (${a.error ?? 'failed'})`)
      .join(', ')}.`;
  }
  if (failed.length === 0) return `${plan.reason} Using ${chosen.backend}.`;
  return (
    `${plan.reason} ${failed.map((a) => `${a.backend} failed (${a.error ?? 'unknown error'})`).join('; ')}; ` +
    `fell back to ${chosen.backend}.`
  );
}
