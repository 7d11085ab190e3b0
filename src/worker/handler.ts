/** Binds the engine to the protocol: one handler per message kind. */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../compute';
import { WASM_URLS } from '../compute/wasm-urls';
import { asBackendFault, isBackendFault } from './faults';
import { DEFAULT_ENGINE_DEPS, Engine } from './engine';
import { postNotice, type Handlers, type Port } from './rpc';
import type { EngineNotice, EngineProtocol } from './protocol';

export function createEngineHandlers(port: Pick<Port, 'postMessage'>): Handlers<EngineProtocol> {
  const engine = new Engine((notice: EngineNotice) => postNotice(port, notice), {
    ...DEFAULT_ENGINE_DEPS,
    // the wasm binaries as same-origin assets of the Vite build
    initCompute: (options) => initBackend({ ...options, wasmPaths: WASM_URLS }),
  });
  return guardBackend({
    init: (request) => engine.init(request),
    recommend: (request) => engine.recommend(request),
    upNext: (request) => engine.upNext(request),
    onboarding: (request) => engine.onboarding(request),
    packInfo: () => engine.packInfo(),
    loadPack: (request) => engine.loadPack(request),
    backendName: () => engine.backendName(),
    loseGpuDevice: () => engine.loseGpuDevice(),
    crashForDiagnostics: () => engine.crashForDiagnostics(),
    train: () => engine.train(),
    cancelTraining: () => engine.cancelTraining(),
    modelStatus: () => engine.modelStatus(),
    qualityHistory: () => engine.qualityHistory(),
    forgetModel: () => engine.forgetModel(),
  });
}

/**
 * An error that means the backend itself broke (out of memory, an aborted wasm runtime, a lost
 * context) crosses as a BackendFault, so the client restarts the engine further down the chain.
 */
function guardBackend(handlers: Handlers<EngineProtocol>): Handlers<EngineProtocol> {
  const guarded: Record<string, (payload: never) => Promise<unknown>> = {};
  for (const [kind, handler] of Object.entries(handlers) as [string, (payload: never) => unknown][]) {
    guarded[kind] = async (payload) => {
      try {
        return await handler(payload);
      } catch (error) {
        if (error instanceof Error && isBackendFault(error)) throw asBackendFault(error, tf.getBackend() ?? 'the backend');
        throw error;
      }
    };
  }
  return guarded as unknown as Handlers<EngineProtocol>;
}
