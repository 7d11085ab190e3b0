/** Pure logic over event records; the IndexedDB shell in store.ts only moves rows in and out. */
import { asStoredEvent, EVENT_KINDS, type EventKind, type StoredEvent } from './schema.ts';

/**
 * An event as it sits in IndexedDB. `seq` exists because the primary key (a random uid) says
 * nothing about insertion order, yet events with equal timestamps must read back in the order
 * they were written. It is internal and stripped on read.
 */
export type EventRow = StoredEvent & { seq: number };

export interface ReadResult {
  events: StoredEvent[];
  /** stored records that failed validation and were left out */
  skipped: number;
}

export interface StoreStats {
  count: number;
  oldest: number | null;
  newest: number | null;
  byKind: Record<EventKind, number>;
  /** damaged stored records that were not counted */
  skipped: number;
}

function seqOf(raw: unknown): number {
  const seq = typeof raw === 'object' && raw !== null ? (raw as { seq?: unknown }).seq : undefined;
  // Rows without a usable seq can only predate it; they sort before everything written since.
  return typeof seq === 'number' && Number.isFinite(seq) ? seq : -1;
}

/**
 * Validates raw stored rows and orders them as they were written (by `seq`; rows from before
 * `seq` existed come first, by time): item state is the fold of this order, so a wrong clock on
 * some device can never pin an item's state. Bad rows are counted.
 */
export function orderEvents(rows: readonly unknown[]): ReadResult {
  const valid: { event: StoredEvent; seq: number; position: number }[] = [];
  let skipped = 0;
  rows.forEach((raw, position) => {
    const event = asStoredEvent(raw);
    if (event) valid.push({ event, seq: seqOf(raw), position });
    else skipped++;
  });
  valid.sort((a, b) => a.seq - b.seq || a.event.ts - b.event.ts || a.position - b.position);
  return { events: valid.map((v) => v.event), skipped };
}

export function emptyKindCounts(): Record<EventKind, number> {
  return Object.fromEntries(EVENT_KINDS.map((k) => [k, 0])) as Record<EventKind, number>;
}

export function summarize({ events, skipped }: ReadResult): StoreStats {
  const byKind = emptyKindCounts();
  let oldest: number | null = null;
  let newest: number | null = null;
  for (const e of events) {
    byKind[e.kind]++;
    if (oldest === null || e.ts < oldest) oldest = e.ts;
    if (newest === null || e.ts > newest) newest = e.ts;
  }
  return { count: events.length, oldest, newest, byKind, skipped };
}

export interface ImportPlan {
  toAdd: StoredEvent[];
  duplicates: number;
}

/** Keeps the first copy of every uid: what is already stored wins, then file order. */
export function planImport(existingUids: ReadonlySet<string>, incoming: readonly StoredEvent[]): ImportPlan {
  const seen = new Set(existingUids);
  const toAdd: StoredEvent[] = [];
  for (const e of incoming) {
    if (seen.has(e.uid)) continue;
    seen.add(e.uid);
    toAdd.push(e);
  }
  return { toAdd, duplicates: incoming.length - toAdd.length };
}

/** Numbers rows consecutively after `lastSeq`, in the given order. */
export function toRows(events: readonly StoredEvent[], lastSeq: number): EventRow[] {
  return events.map((e, i) => ({ ...e, seq: lastSeq + 1 + i }));
}

/**
 * crypto.randomUUID only exists in secure contexts; a page served over plain http from a LAN
 * address still needs unique ids, so fall back to a v4 UUID built from getRandomValues.
 */
export function randomUid(c: Pick<Crypto, 'getRandomValues'> & { randomUUID?: () => string } = globalThis.crypto): string {
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
