/**
 * The one owner of the user's event log. Every event the app writes comes here (the UI sends it
 * to the engine; the eval replay and the pack CLI call the engine the same way): it is appended
 * to the store and then to the log kept in memory, so a click costs no read of the store. The
 * log is read whole only when it opens and when it changed behind its back: an import, or
 * another tab's write (the store's BroadcastChannel says so). Every change is told to `onChange`
 * (the UI mirrors the log from it) after the store committed it, so what the UI shows is on disk.
 */
import type { CatalogIndex } from '../catalog';
import { deriveItemStates, withEvent, type ItemState } from '../events';
import type { BurrowStore, ChangeKind, ExportFile, ImportResult, StoredEvent } from '../store';
import type { LogChange, LogContents, RecordRequest } from './protocol';
import { tasteFromStates, type Taste } from './taste';
import { Turns } from './turns';

/** Store changes that touch the events: another tab's own appends, imports and erasures. */
const LOG_CHANGES: ReadonlySet<ChangeKind> = new Set(['events', 'import', 'clear']);

export class EventLog {
  /** never mutated: a change puts a new array here, so a ranking in flight keeps the view it started with */
  private events: readonly StoredEvent[] = [];
  private skipped = 0;
  private states: ReadonlyMap<string, ItemState> = new Map();
  /** the rankers' view of the current log, derived on first use (and again when the clock's year moves on) */
  private taste: { year: number; taste: Taste } | null = null;
  /** appends, reads and erasures take turns, so none sees the log half-changed */
  private readonly turns = new Turns();

  private constructor(
    private readonly store: BurrowStore,
    private readonly catalog: { id: string; index: CatalogIndex },
    private readonly onChange: (change: LogChange) => void,
    /** what the rankers take as now (which films are out yet) */
    private readonly now: () => number,
  ) {}

  /** Reads the log once and follows other tabs' writes from then on. */
  static async open(
    store: BurrowStore,
    catalog: { id: string; index: CatalogIndex },
    onChange: (change: LogChange) => void,
    now: () => number = Date.now,
  ): Promise<EventLog> {
    const log = new EventLog(store, catalog, onChange, now);
    await log.turns.run(() => log.read());
    store.onChange((change) => {
      if (change.origin === 'other' && LOG_CHANGES.has(change.kind)) void log.reload().catch(() => undefined);
    });
    return log;
  }

  contents(): LogContents {
    return { events: [...this.events], skipped: this.skipped };
  }

  /** The events and each item's state, as held in memory (no read). */
  view(): { events: readonly StoredEvent[]; states: ReadonlyMap<string, ItemState> } {
    return { events: this.events, states: this.states };
  }

  /** The rankers' view of the log: signals by catalog index, exclusions; derived once per change. */
  currentTaste(): Taste {
    const now = this.now();
    const year = new Date(now).getUTCFullYear();
    if (this.taste?.year !== year) {
      const { states, events } = this;
      this.taste = { year, taste: { states, ...tasteFromStates(states, this.catalog.index, now), eventCount: events.length, events } };
    }
    return this.taste.taste;
  }

  /**
   * Appends one event. It joins the log in memory only once the store committed it: a failed
   * write (a full disk) rejects with the store's message and leaves the log as it was.
   */
  append(request: RecordRequest): Promise<StoredEvent> {
    return this.turns.run(async () => {
      const event = await this.store.append({ ...request, catalogId: this.catalog.id });
      this.set([...this.events, event], this.skipped, withEvent(this.states, event));
      this.onChange({ type: 'append', event });
      return event;
    });
  }

  /** Merges an export file (validated by the store first: all or nothing), then reads the log again. */
  importFile(data: unknown): Promise<ImportResult> {
    return this.turns.run(async () => {
      const result = await this.store.importFile(data);
      if (result.added > 0) await this.readAndTell();
      return result;
    });
  }

  /** The whole stored history as an export file (read from the store: the file is what is on disk). */
  exportFile(): Promise<ExportFile> {
    return this.turns.run(() => this.store.exportAll());
  }

  /** Deletes every event, checkpoint and setting. */
  eraseAll(): Promise<void> {
    return this.turns.run(async () => {
      await this.store.clearAll();
      this.set([], 0, new Map());
      this.onChange({ type: 'reset', ...this.contents() });
    });
  }

  /** Reads the log again and tells the UI (another tab wrote to it). */
  reload(): Promise<void> {
    return this.turns.run(() => this.readAndTell());
  }

  private async readAndTell(): Promise<void> {
    await this.read();
    this.onChange({ type: 'reset', ...this.contents() });
  }

  private async read(): Promise<void> {
    const { events, skipped } = await this.store.readEvents();
    this.set(events, skipped, deriveItemStates(events));
  }

  private set(events: readonly StoredEvent[], skipped: number, states: ReadonlyMap<string, ItemState>): void {
    this.events = events;
    this.skipped = skipped;
    this.states = states;
    this.taste = null;
  }
}
