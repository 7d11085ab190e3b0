/**
 * Change notification. Other tabs (and other store instances in this tab) learn of committed
 * writes through a BroadcastChannel; listeners of the writing store are told directly, since a
 * channel never delivers to its own sender.
 */

export const CHANNEL_NAME = 'burrow-store';

export type ChangeKind = 'events' | 'import' | 'clear' | 'checkpoints' | 'meta';

export interface StoreChange {
  kind: ChangeKind;
  /** 'self' when this store made the change, 'other' for another tab or connection */
  origin: 'self' | 'other';
}

export type ChangeListener = (change: StoreChange) => void;

interface ChangeMessage {
  source: typeof CHANNEL_NAME;
  db: string;
  kind: ChangeKind;
}

const CHANGE_KINDS: readonly string[] = ['events', 'import', 'clear', 'checkpoints', 'meta'];

/** Messages come from other tabs, possibly running another Burrow version: trust nothing. */
export function parseChangeMessage(data: unknown, dbName: string): ChangeKind | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const m = data as Partial<Record<keyof ChangeMessage, unknown>>;
  if (m.source !== CHANNEL_NAME || m.db !== dbName) return undefined;
  return typeof m.kind === 'string' && CHANGE_KINDS.includes(m.kind) ? (m.kind as ChangeKind) : undefined;
}

export class ChangeHub {
  private readonly listeners = new Set<ChangeListener>();
  private readonly channel: BroadcastChannel | undefined;

  constructor(private readonly dbName: string) {
    this.channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL_NAME) : undefined;
    if (this.channel) {
      // In Node an open channel keeps the process alive; a forgotten close() must not hang tests or CLIs.
      (this.channel as { unref?: () => void }).unref?.();
      this.channel.onmessage = (event: MessageEvent<unknown>) => {
        const kind = parseChangeMessage(event.data, this.dbName);
        if (kind) this.deliver({ kind, origin: 'other' });
      };
    }
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Call only after the transaction committed. */
  publish(kind: ChangeKind): void {
    const message: ChangeMessage = { source: CHANNEL_NAME, db: this.dbName, kind };
    try {
      this.channel?.postMessage(message);
    } catch {
      /* a closed channel: other tabs simply miss this change */
    }
    this.deliver({ kind, origin: 'self' });
  }

  close(): void {
    this.listeners.clear();
    this.channel?.close();
  }

  private deliver(change: StoreChange): void {
    for (const listener of [...this.listeners]) {
      // A throwing UI listener must not turn a committed write into a reported failure.
      try {
        listener(change);
      } catch (err) {
        console.error('Burrow store change listener failed', err);
      }
    }
  }
}
