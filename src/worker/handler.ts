/** Binds the engine to the protocol: one handler per message kind. */
import { initBackend } from '../compute';
import { WASM_URLS } from '../compute/wasm-urls';
import { DEFAULT_ENGINE_DEPS, Engine } from './engine';
import { postNotice, type Handlers, type Port } from './rpc';
import type { EngineNotice, EngineProtocol } from './protocol';

export function createEngineHandlers(port: Pick<Port, 'postMessage'>): Handlers<EngineProtocol> {
  const engine = new Engine((notice: EngineNotice) => postNotice(port, notice), {
    ...DEFAULT_ENGINE_DEPS,
    // the wasm binaries as same-origin assets of the Vite build
    initCompute: (options) => initBackend({ ...options, wasmPaths: WASM_URLS }),
  });
  return {
    init: (request) => engine.init(request),
    recommend: (request) => engine.recommend(request),
    upNext: (request) => engine.upNext(request),
    packInfo: () => engine.packInfo(),
    loadPack: (request) => engine.loadPack(request),
    backendName: () => engine.backendName(),
    loseGpuDevice: () => engine.loseGpuDevice(),
    train: () => engine.train(),
    cancelTraining: () => engine.cancelTraining(),
    modelStatus: () => engine.modelStatus(),
    qualityHistory: () => engine.qualityHistory(),
    forgetModel: () => engine.forgetModel(),
  };
}
