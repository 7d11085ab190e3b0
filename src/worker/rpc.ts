/**
 * A typed request/response channel over postMessage. The protocol is a map from message kind to
 * its request and response types, so the client, the handler and the compiler agree on every
 * message with no casts at the call sites. Errors cross as `{ name, message }` so their class
 * (e.g. 'CatalogError', 'StoreError') survives the trip.
 */

export type ProtocolShape = Record<string, { request: unknown; response: unknown }>;

export interface RpcRequest<P extends ProtocolShape, K extends keyof P = keyof P> {
  type: 'request';
  id: number;
  kind: K;
  payload: P[K]['request'];
}

export type RpcReply =
  | { type: 'response'; id: number; ok: true; payload: unknown }
  | { type: 'response'; id: number; ok: false; error: SerializedError };

/** A message the engine pushes without being asked (progress, status changes). */
export interface RpcNotice<N> {
  type: 'notice';
  notice: N;
}

export interface SerializedError {
  name: string;
  message: string;
}

export class RemoteError extends Error {
  constructor(error: SerializedError) {
    super(error.message);
    this.name = error.name;
  }
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/** The part of a Worker (or MessagePort, or worker global scope) that RPC needs. */
export interface Port {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

export type Handlers<P extends ProtocolShape> = {
  [K in keyof P]: (payload: P[K]['request']) => Promise<P[K]['response']> | P[K]['response'];
};

/** Client side: `call('rank', {...})` returns the typed response or rejects with a RemoteError. */
export class RpcClient<P extends ProtocolShape, N> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly noticeListeners = new Set<(notice: N) => void>();
  private readonly errorListeners = new Set<(error: RemoteError) => void>();

  constructor(private readonly port: Port) {
    port.addEventListener('message', (event: MessageEvent) => this.receive(event.data));
  }

  call<K extends keyof P & string>(kind: K, payload: P[K]['request']): Promise<P[K]['response']> {
    const id = this.nextId++;
    const message: RpcRequest<P, K> = { type: 'request', id, kind, payload };
    return new Promise<P[K]['response']>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.port.postMessage(message);
    });
  }

  onNotice(listener: (notice: N) => void): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  /** Sees every error the other side answers with, before the caller does. */
  onRemoteError(listener: (error: RemoteError) => void): void {
    this.errorListeners.add(listener);
  }

  /** Rejects every call still waiting (the worker died or was terminated). */
  failAll(error: Error): void {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }

  private receive(data: unknown): void {
    if (!data || typeof data !== 'object') return;
    const message = data as RpcReply | RpcNotice<N>;
    if (message.type === 'notice') {
      for (const listener of this.noticeListeners) listener(message.notice);
      return;
    }
    if (message.type !== 'response') return;
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id);
    if (message.ok) {
      waiting.resolve(message.payload);
      return;
    }
    const error = new RemoteError(message.error);
    for (const listener of this.errorListeners) listener(error);
    waiting.reject(error);
  }
}

/** Handler side: routes each request to its handler and sends back the result or the error. */
export function serveRpc<P extends ProtocolShape>(port: Port, handlers: Handlers<P>): void {
  port.addEventListener('message', (event: MessageEvent) => {
    const message = event.data as RpcRequest<P> | undefined;
    if (!message || message.type !== 'request') return;
    const handler = handlers[message.kind];
    const reply = (r: RpcReply) => port.postMessage(r);
    if (!handler) {
      reply({ type: 'response', id: message.id, ok: false, error: { name: 'ProtocolError', message: `Unknown request "${String(message.kind)}"` } });
      return;
    }
    Promise.resolve()
      .then(() => handler(message.payload))
      .then(
        (payload) => reply({ type: 'response', id: message.id, ok: true, payload }),
        (error: unknown) => reply({ type: 'response', id: message.id, ok: false, error: serializeError(error) }),
      );
  });
}

export function postNotice<N>(port: Pick<Port, 'postMessage'>, notice: N): void {
  const message: RpcNotice<N> = { type: 'notice', notice };
  port.postMessage(message);
}
