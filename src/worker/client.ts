/** The UI's handle on the engine worker: typed calls, notices, and word when the worker dies. */
import { BACKEND_FAULT } from './faults';
import { RpcClient, type Port } from './rpc';
import type { EngineNotice, EngineProtocol } from './protocol';

export type EngineClient = RpcClient<EngineProtocol, EngineNotice> & {
  terminate(): void;
  /** Called once when the worker dies (an uncaught error, a failed load); pending calls are rejected. */
  onCrash(listener: (message: string) => void): void;
};

export function startEngineWorker(): EngineClient {
  const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'burrow-engine' });
  const client = new RpcClient<EngineProtocol, EngineNotice>(worker as unknown as Port);
  const crashListeners = new Set<(message: string) => void>();
  let crashed = false;
  const crash = (message: string) => {
    if (crashed) return;
    crashed = true;
    worker.terminate();
    client.failAll(new EngineCrash(message));
    for (const listener of crashListeners) listener(message);
  };
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    crash(`The engine worker crashed: ${event.message || 'the worker script failed to load'}`);
  });
  client.onRemoteError((error) => {
    if (error.name === BACKEND_FAULT) crash(`The compute backend failed (${error.message})`);
  });
  worker.addEventListener('messageerror', () => crash('The engine worker sent a message that could not be read.'));
  return Object.assign(client, {
    terminate: () => {
      crashed = true;
      worker.terminate();
    },
    onCrash: (listener: (message: string) => void) => void crashListeners.add(listener),
  });
}

/** Rejects the calls that were in flight when the worker died. */
export class EngineCrash extends Error {
  override name = 'EngineCrash';
}
