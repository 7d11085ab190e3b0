import { afterEach, describe, expect, it } from 'vitest';
import { BACKEND_FAULT } from './faults';
import { startEngineWorker } from './client';
import { serveRpc, type Handlers, type Port } from './rpc';
import type { EngineProtocol } from './protocol';

/** A Worker stand-in: one end of a MessageChannel, served by `handlers`, able to "crash". */
class FakeWorker extends EventTarget {
  static handlers: Partial<Handlers<EngineProtocol>> = {};
  static last: FakeWorker | null = null;
  terminated = false;
  private readonly port: MessagePort;

  constructor() {
    super();
    const channel = new MessageChannel();
    this.port = channel.port1;
    this.port.start();
    channel.port2.start();
    serveRpc(channel.port2 as unknown as Port, FakeWorker.handlers as Handlers<EngineProtocol>);
    this.port.addEventListener('message', (event) => this.dispatchEvent(new MessageEvent('message', { data: event.data })));
    FakeWorker.last = this;
  }

  postMessage(message: unknown): void {
    this.port.postMessage(message);
  }

  terminate(): void {
    this.terminated = true;
    this.port.close();
  }

  crash(message: string): void {
    const event = new Event('error', { cancelable: true }) as Event & { message: string };
    event.message = message;
    this.dispatchEvent(event);
  }
}

const realWorker = globalThis.Worker;
afterEach(() => {
  globalThis.Worker = realWorker;
});

function fakeEngine(handlers: Partial<Handlers<EngineProtocol>>) {
  FakeWorker.handlers = handlers;
  globalThis.Worker = FakeWorker as unknown as typeof Worker;
  const client = startEngineWorker();
  const crashes: string[] = [];
  client.onCrash((message) => crashes.push(message));
  return { client, crashes, worker: FakeWorker.last! };
}

describe('engine client', () => {
  it('a broken backend (BackendFault) counts as a crash: the worker is ended and the UI told once', async () => {
    const { client, crashes, worker } = fakeEngine({
      recommend: () => {
        const fault = new Error('webgl: out of memory');
        fault.name = BACKEND_FAULT;
        throw fault;
      },
    });
    const failure = await client.call('recommend', { k: 10 }).catch((e: Error) => e);
    expect((failure as Error).name).toBe(BACKEND_FAULT);
    expect(crashes).toEqual(['The compute backend failed (webgl: out of memory)']);
    expect(worker.terminated).toBe(true);
  });

  it('an ordinary error is passed on without restarting anything', async () => {
    const { client, crashes, worker } = fakeEngine({
      loadPack: () => {
        const error = new Error('item/bias has shape [1,3199]');
        error.name = 'PackError';
        throw error;
      },
    });
    const failure = await client.call('loadPack', { data: new ArrayBuffer(0), fileName: 'x' }).catch((e: Error) => e);
    expect((failure as Error).name).toBe('PackError');
    expect(crashes).toEqual([]);
    expect(worker.terminated).toBe(false);
  });

  it('an uncaught error in the worker rejects the calls in flight and reports the crash once', async () => {
    const { client, crashes, worker } = fakeEngine({ modelStatus: () => new Promise(() => undefined) });
    const pending = client.call('modelStatus', null).catch((e: Error) => e);
    await new Promise((resolve) => setTimeout(resolve, 10));
    worker.crash('Uncaught RuntimeError: unreachable');
    worker.crash('a second error event');
    const failure = await pending;
    expect((failure as Error).name).toBe('EngineCrash');
    expect(crashes).toEqual(['The engine worker crashed: Uncaught RuntimeError: unreachable']);
  });
});
