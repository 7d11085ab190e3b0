/**
 * Record shapes and their validation. Everything that crosses a boundary (the UI appending an
 * event, a record read back from IndexedDB, an imported file) goes through these parsers, so the
 * rest of the app can trust a StoredEvent.
 */
import { z } from 'zod';
import { quote } from '../common/index.ts';
import { EVENT_KINDS, type EventKind } from '../events/index.ts';
import { StoreError } from './errors.ts';

export { EVENT_KINDS, type EventKind };

export interface StoredEvent {
  /** crypto.randomUUID(); the de-duplication key across imports */
  uid: string;
  itemId: string;
  kind: EventKind;
  /** rating 1..5 for 'rating', null for every other kind */
  value: number | null;
  /** ms since epoch */
  ts: number;
  session: string;
  catalogId: string;
}

/** What callers append; the store fills in uid, ts and session when absent. */
export interface NewEvent {
  /**
   * the caller's own uid, when it must recognise the event later (a write retried after the
   * engine worker died mid-write is sent again only when the log does not hold it)
   */
  uid?: string;
  itemId: string;
  kind: EventKind;
  /** required (1..5) for 'rating'; may be omitted otherwise */
  value?: number | null;
  ts?: number;
  session?: string;
  catalogId: string;
}

export const EXPORT_FORMAT = 'burrow-export';
export const EXPORT_VERSION = 1;

export interface ExportFile {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  exportedAt: number;
  events: StoredEvent[];
}

export type CheckpointWeights = ArrayBuffer | Record<string, ArrayBuffer>;

export interface CheckpointRecord {
  key: string;
  modelName: string;
  catalogId: string;
  configHash: string;
  createdAt: number;
  meta: unknown;
  weights: CheckpointWeights;
}

/** A checkpoint as listed: everything but the (large) weights, plus their size. */
export type CheckpointInfo = Omit<CheckpointRecord, 'weights'> & { weightBytes: number };

const RATING_MESSAGE = 'a rating must be a whole number from 1 to 5';

/**
 * The plausible range of an event's time: from the epoch to a day of clock skew past now. Item
 * state is folded in insertion order (see orderEvents), so a time only dates an event for display
 * and recency; still, a time beyond a day ahead is an error, not a date, and is refused when an
 * event is written or imported. (The largest valid Date is 8.64e15 ms; stored rows beyond it are
 * unreadable, and migration 3 brought any stored future outlier back to the upgrade's time.)
 */
export const MAX_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;
const MAX_DATE_MS = 8.64e15;

/** Why `ts` is not a plausible event time at `now`, or null when it is. */
export function implausibleTime(ts: number, now: number): string | null {
  if (ts > now + MAX_CLOCK_SKEW_MS) {
    return `its time (${describeTime(ts)}) is more than a day in the future (is the clock of the device that made it wrong?)`;
  }
  return null;
}

function describeTime(ts: number): string {
  return Number.isFinite(ts) && Math.abs(ts) <= MAX_DATE_MS ? new Date(ts).toISOString() : quote(ts);
}

// z.number() already rejects NaN and ±Infinity in zod 4.
const storedEventSchema = z
  .object({
    uid: z.string().min(1),
    itemId: z.string().min(1),
    kind: z.enum(EVENT_KINDS),
    value: z.number().nullable(),
    ts: z.number().nonnegative().max(MAX_DATE_MS, 'not a valid time'),
    session: z.string(),
    catalogId: z.string().min(1),
  })
  .superRefine((e, ctx) => {
    if (e.kind === 'rating') {
      if (e.value === null || !Number.isInteger(e.value) || e.value < 1 || e.value > 5) {
        ctx.addIssue({ code: 'custom', path: ['value'], message: RATING_MESSAGE });
      }
    } else if (e.value !== null) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `a '${e.kind}' event carries no value (null)` });
    }
  });

// Compile-time guard that the schema and the hand-written interface never drift apart.
type SchemaOut = z.output<typeof storedEventSchema>;
const _schemaMatches: [SchemaOut, StoredEvent] extends [StoredEvent, SchemaOut] ? true : never = true;
void _schemaMatches;

const checkpointSchema = z.object({
  key: z.string().min(1),
  modelName: z.string().min(1),
  catalogId: z.string(),
  configHash: z.string(),
  createdAt: z.number(),
  meta: z.unknown(),
  weights: z.union([z.instanceof(ArrayBuffer), z.record(z.string(), z.instanceof(ArrayBuffer))]),
});

function describeIssue(issue: z.core.$ZodIssue | undefined, pathOffset = 0): string {
  if (!issue) return 'invalid';
  const field = issue.path.slice(pathOffset).map(String).join('.');
  return field ? `field "${field}": ${issue.message}` : issue.message;
}

/** Validates a complete event (as stored or imported); `undefined` when it is not one. */
export function asStoredEvent(raw: unknown): StoredEvent | undefined {
  const result = storedEventSchema.safeParse(raw);
  return result.success ? result.data : undefined;
}

export interface EventDefaults {
  uid: string;
  ts: number;
  session: string;
  /** the clock the event's time is checked against (default: `ts`) */
  now?: number;
}

/** Turns caller input into a complete event, or throws StoreError('invalid-record'). */
export function completeEvent(input: NewEvent, defaults: EventDefaults, label = 'The event'): StoredEvent {
  const candidate: unknown =
    typeof input === 'object' && input !== null
      ? {
          uid: input.uid ?? defaults.uid,
          itemId: input.itemId,
          kind: input.kind,
          value: input.value === undefined ? null : input.value,
          ts: input.ts ?? defaults.ts,
          session: input.session ?? defaults.session,
          catalogId: input.catalogId,
        }
      : input;
  const result = storedEventSchema.safeParse(candidate);
  if (result.success) {
    const problem = implausibleTime(result.data.ts, defaults.now ?? defaults.ts);
    if (problem) throw new StoreError('invalid-record', `${label} was not saved: ${problem}.`);
    return result.data;
  }
  throw new StoreError(
    'invalid-record',
    `${label} is invalid and was not saved: ${describeIssue(result.error.issues[0])}.`,
    { cause: result.error },
  );
}

export function parseCheckpoint(raw: unknown): CheckpointRecord {
  const result = checkpointSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new StoreError(
    'invalid-record',
    `The model checkpoint is invalid and was not saved: ${describeIssue(result.error.issues[0])}.`,
    { cause: result.error },
  );
}

export function asCheckpoint(raw: unknown): CheckpointRecord | undefined {
  const result = checkpointSchema.safeParse(raw);
  return result.success ? result.data : undefined;
}

export function weightBytes(weights: CheckpointWeights): number {
  if (weights instanceof ArrayBuffer) return weights.byteLength;
  return Object.values(weights).reduce((sum, b) => sum + b.byteLength, 0);
}

function invalidImport(message: string, cause?: unknown): StoreError {
  return new StoreError('invalid-import', message, { cause });
}

const NOT_AN_EXPORT = 'This is not a Burrow export file, so nothing was imported.';

/**
 * Parses an export file's text (once: a file holding a JSON *string* is not an export, even when
 * that string is itself an export's JSON), then validates it with parseExportFile.
 */
export function parseExportText(text: string, now = Date.now()): ExportFile {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    throw invalidImport(`${NOT_AN_EXPORT} (It is not valid JSON.)`, err);
  }
  return parseExportFile(value, now);
}

/**
 * Validates a whole export file (the parsed JSON value) before anything is written, so an import
 * is all or nothing. Events with implausible times (see implausibleTime) refuse the file.
 */
export function parseExportFile(value: unknown, now = Date.now()): ExportFile {
  if (typeof value === 'string') {
    throw invalidImport(`${NOT_AN_EXPORT} (It holds a single JSON string, not an export object.)`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidImport(NOT_AN_EXPORT);
  const file = value as Record<string, unknown>;
  if (file.format !== EXPORT_FORMAT) throw invalidImport(NOT_AN_EXPORT);

  const version = file.version;
  if (typeof version === 'number' && Number.isInteger(version) && version > EXPORT_VERSION) {
    throw invalidImport(
      `This export was made by a newer version of Burrow (file format ${version}; this version reads up to ` +
        `${EXPORT_VERSION}). Update Burrow, then import it again.`,
    );
  }
  if (version !== EXPORT_VERSION) {
    throw invalidImport(`This Burrow export has an unknown format version (${quote(version)}).`);
  }
  if (typeof file.exportedAt !== 'number' || !Number.isFinite(file.exportedAt)) {
    throw invalidImport('This Burrow export is damaged: field "exportedAt" is missing or not a time.');
  }
  if (!Array.isArray(file.events)) {
    throw invalidImport('This Burrow export is damaged: field "events" is missing or not a list.');
  }

  const events: StoredEvent[] = [];
  for (const [index, raw] of file.events.entries()) {
    const result = storedEventSchema.safeParse(raw);
    if (!result.success) {
      throw invalidImport(
        `This Burrow export is damaged, so nothing was imported: the event at index ${index} is invalid ` +
          `(${describeIssue(result.error.issues[0])}).`,
        result.error,
      );
    }
    const problem = implausibleTime(result.data.ts, now);
    if (problem) {
      throw invalidImport(`Nothing was imported: the event at index ${index} is refused because ${problem}.`);
    }
    events.push(result.data);
  }
  return { format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt: file.exportedAt, events };
}
