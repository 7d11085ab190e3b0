import { describe, expect, it } from 'vitest';
import {
  explainOutcome,
  isSoftwareAdapter,
  planBackends,
  BACKEND_CHAIN,
  type AdapterSummary,
  type BackendProbe,
} from './backend-plan';

const hardware: AdapterSummary = { vendor: 'nvidia', architecture: 'ampere', description: '', isFallbackAdapter: false };
const swiftshader: AdapterSummary = {
  vendor: 'google',
  architecture: 'swiftshader',
  description: '',
  isFallbackAdapter: true,
};

function probe(over: {
  adapter?: AdapterSummary | null;
  api?: boolean;
  renderer?: string;
  webgl?: boolean;
  threads?: boolean;
}): BackendProbe {
  return {
    webgpu: { api: over.api ?? true, adapter: over.adapter ?? null },
    webgl: { available: over.webgl ?? true, renderer: over.renderer },
    wasm: { simd: true, threads: over.threads ?? false, crossOriginIsolated: over.threads ?? false },
  };
}

describe('planBackends', () => {
  it('uses webgpu on a hardware adapter', () => {
    const plan = planBackends('auto', probe({ adapter: hardware }));
    expect(plan.order).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(plan.reason).toMatch(/hardware WebGPU adapter/);
  });

  it('prefers wasm over a software (SwiftShader) adapter and says why', () => {
    const plan = planBackends('auto', probe({ adapter: swiftshader, renderer: 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device))', threads: true }));
    expect(plan.order[0]).toBe('wasm');
    expect(plan.order).toHaveLength(4);
    expect(plan.reason).toMatch(/software fallback/);
    expect(plan.reason).toMatch(/SIMD, multi-threaded/);
  });

  it('detects software adapters by name even without the fallback flag', () => {
    expect(isSoftwareAdapter({ ...swiftshader, isFallbackAdapter: false })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15)', isFallbackAdapter: false })).toBe(true);
    expect(isSoftwareAdapter(hardware)).toBe(false);
  });

  it('uses hardware WebGL when the WebGPU adapter is software', () => {
    const plan = planBackends('auto', probe({ adapter: swiftshader, renderer: 'ANGLE (Intel, Mesa Intel(R) UHD 620)' }));
    expect(plan.order).toEqual(['webgl', 'wasm', 'webgpu', 'cpu']);
  });

  it('chains webgpu -> webgl -> wasm -> cpu without an adapter', () => {
    const plan = planBackends('auto', probe({ adapter: null, renderer: 'ANGLE (NVIDIA GeForce)' }));
    expect(plan.order).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(plan.reason).toMatch(/No WebGPU adapter/);
  });

  it('moves a software WebGL behind wasm when there is no adapter', () => {
    const plan = planBackends('auto', probe({ api: false, renderer: 'Google SwiftShader' }));
    expect(plan.order).toEqual(['webgpu', 'wasm', 'webgl', 'cpu']);
    expect(plan.reason).toMatch(/no WebGPU API/);
  });

  it('honours an explicit preference first, then the chain', () => {
    expect(planBackends('webgpu', probe({ adapter: swiftshader })).order).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(planBackends('wasm', probe({ adapter: hardware })).order).toEqual(['wasm', 'webgpu', 'webgl', 'cpu']);
    expect(planBackends('cpu', probe({})).order).toEqual(['cpu', 'webgpu', 'webgl', 'wasm']);
  });

  it('skips backends that already failed, keeping the order of the rest', () => {
    const software = probe({ adapter: swiftshader, renderer: 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device))' });
    const plan = planBackends('auto', software, ['wasm']);
    expect(plan.order).toEqual(['webgl', 'webgpu', 'cpu']);
    expect(plan.reason).toMatch(/Skipping wasm, which failed earlier/);
    expect(planBackends('webgpu', software, ['webgpu', 'webgl', 'wasm']).order).toEqual(['cpu']);
    expect(planBackends('auto', software, [...BACKEND_CHAIN]).order).toEqual([]);
  });
});

describe('explainOutcome', () => {
  const plan = planBackends('webgpu', probe({ adapter: null }));
  it('records the fallback', () => {
    const text = explainOutcome(plan, [
      { backend: 'webgpu', ok: false, error: 'no adapter' },
      { backend: 'webgl', ok: true },
    ]);
    expect(text).toMatch(/webgpu failed \(no adapter\); fell back to webgl/);
  });
  it('reports total failure', () => {
    const text = explainOutcome(plan, [{ backend: 'webgpu', ok: false, error: 'x' }]);
    expect(text).toMatch(/No backend could be initialised/);
  });
});
