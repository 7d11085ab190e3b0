/** The UI's handle on the engine worker: typed calls and notices, nothing else. */
import { RpcClient, type Port } from './rpc';
import type { EngineNotice, EngineProtocol } from './protocol';

export type EngineClient = RpcClient<EngineProtocol, EngineNotice> & { terminate(): void };

export function startEngineWorker(): EngineClient {
  const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'burrow-engine' });
  const client = new RpcClient<EngineProtocol, EngineNotice>(worker as unknown as Port);
  worker.addEventListener('error', (event) => {
    client.failAll(new Error(`The engine worker crashed: ${event.message || 'unknown error'}`));
  });
  return Object.assign(client, { terminate: () => worker.terminate() });
}
