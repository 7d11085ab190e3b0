/**
 * Public API of src/worker, for the main thread: start the engine worker and talk to it through
 * the protocol. TF.js-free (the engine itself runs in engine.worker.ts, started by URL), so the UI
 * bundle stays small. The model preset PERSONAL_CONFIG lives in src/models.
 */
export { startEngineWorker, EngineCrash, type EngineClient } from './client';
export type * from './protocol';
