/** Binds the engine to the protocol: one handler per message kind, each payload checked first. */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../compute';
import { WASM_URLS } from '../compute/wasm-urls';
import { asBackendFault, isBackendFault } from './faults';
import { DEFAULT_ENGINE_DEPS, Engine } from './engine';
import { checkRequest } from './protocol-schema';
import { postNotice, type Handlers, type Port } from './rpc';
import type { EngineNotice, EngineProtocol } from './protocol';

export function createEngineHandlers(port: Pick<Port, 'postMessage'>): Handlers<EngineProtocol> {
  const engine = new Engine((notice: EngineNotice) => postNotice(port, notice), {
    ...DEFAULT_ENGINE_DEPS,
    // the wasm binaries as same-origin assets of the Vite build
    initCompute: (options) => initBackend({ ...options, wasmPaths: WASM_URLS }),
  });
  return checked(guardBackend({
    open: (request) => engine.open(request),
    init: (request) => engine.init(request),
    record: (request) => engine.record(request),
    exportLog: () => engine.exportLog(),
    importLog: (request) => engine.importLog(request),
    eraseAll: () => engine.eraseAll(),
    saveSetting: (request) => engine.saveSetting(request),
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
  }));
}

/** Every payload is checked against its kind's schema (protocol-schema.ts) before a handler runs. */
export function checked(handlers: Handlers<EngineProtocol>): Handlers<EngineProtocol> {
  const wrapped: Record<string, (payload: unknown) => unknown> = {};
  for (const [kind, handler] of Object.entries(handlers) as [keyof EngineProtocol, (payload: unknown) => unknown][]) {
    wrapped[kind] = (payload) => handler(checkRequest(kind, payload));
  }
  return wrapped as unknown as Handlers<EngineProtocol>;
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
