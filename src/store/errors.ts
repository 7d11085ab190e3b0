/**
 * Every failure the store reports is a StoreError whose `message` can be shown to the user as is;
 * the UI branches on `reason`, and the original error stays in `cause` for the console.
 */
import { capMessage } from '../common/index.ts';

export type StoreErrorReason =
  | 'quota'
  | 'invalid-import'
  | 'invalid-record'
  | 'blocked'
  | 'version'
  | 'unknown';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly reason: StoreErrorReason;

  constructor(reason: StoreErrorReason, message: string, options?: { cause?: unknown }) {
    // Messages may quote input: capped, so no input makes a message unreadable.
    super(capMessage(message), options);
    this.reason = reason;
  }
}

/** What was lost, phrased for the end of "Your browser's storage is full: ...". */
export type WriteSubject = 'the event was not saved' | 'the events were not saved' | 'the import was not saved'
  | 'the model was not saved' | 'the setting was not saved' | 'nothing was deleted';

export function quotaMessage(subject: WriteSubject): string {
  return `Your browser's storage is full: ${subject}. Free some space or export and delete old data.`;
}

function errorName(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const name = (err as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

/**
 * Browsers disagree on how "disk full" looks: the standard name, Firefox's legacy name, and the
 * legacy numeric code 22 all occur in the wild.
 */
export function isQuotaError(err: unknown): boolean {
  const name = errorName(err);
  if (name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED') return true;
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return code === 22 && name !== 'AbortError';
}

export function toStoreError(err: unknown, subject: WriteSubject = 'the event was not saved'): StoreError {
  if (err instanceof StoreError) return err;
  if (isQuotaError(err)) return new StoreError('quota', quotaMessage(subject), { cause: err });
  if (errorName(err) === 'VersionError') return newerVersionError(err);
  const detail = err instanceof Error ? err.message : String(err);
  return new StoreError('unknown', `Burrow could not use your browser's storage (${detail}).`, { cause: err });
}

export function newerVersionError(cause?: unknown): StoreError {
  return new StoreError(
    'version',
    'Your data was saved by a newer version of Burrow. Reload the page to get the latest version.',
    { cause },
  );
}
