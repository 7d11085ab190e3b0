/**
 * The user's taste as the rankers read it: the event log folded into item states, and those as
 * signals by catalog index with the items never to recommend again. Pure.
 */
import type { CatalogIndex } from '../catalog';
import { isJudged, isPositiveStrength, signalStrength, type EventLike, type ItemState } from '../events';
import type { TasteSignal } from '../ranking';
import type { PersonalSignal } from './personal-model';

/** One state of the log: the events, each item's state, and the rankers' view of them. */
export interface Taste {
  events: readonly EventLike[];
  eventCount: number;
  states: ReadonlyMap<string, ItemState>;
  signals: (TasteSignal & PersonalSignal)[];
  exclude: Set<number>;
}

/** How many of the latest positives the sequence model reads (Up next, its fine-tune, For you's sequence signal). */
export const UP_NEXT_HISTORY = 50;

/**
 * The user's taste signals by item index, and the items never to recommend: those already judged,
 * and those not released yet at `now` (a film whose year is after the clock's year). In the app
 * the clock is the device's, and a catalog may list films that are not out yet; in the eval replay
 * it is the dataset's own time, so a user from 1998 is never shown (and never scored against) a
 * film from 2008 that did not exist for them.
 */
export function tasteFromStates(
  states: ReadonlyMap<string, ItemState>,
  index: CatalogIndex,
  now: number,
): { signals: (TasteSignal & PersonalSignal)[]; exclude: Set<number> } {
  const signals: (TasteSignal & PersonalSignal)[] = [];
  const exclude = new Set<number>(unreleasedAt(index, now));
  for (const [itemId, state] of states) {
    const item = index.indexOf(itemId);
    if (item === undefined) continue;
    const strength = signalStrength(state);
    if (strength !== 0) signals.push({ item, strength, ts: state.lastTs });
    if (isJudged(state)) exclude.add(item);
  }
  return { signals, exclude };
}

/** Items released after the year of `now` (years unknown count as released), by catalog index; cached per catalog and year. */
export function unreleasedAt(index: CatalogIndex, now: number): readonly number[] {
  const year = new Date(now).getUTCFullYear();
  let byYear = unreleasedCache.get(index);
  if (!byYear) unreleasedCache.set(index, (byYear = new Map()));
  let items = byYear.get(year);
  if (!items) {
    items = index.catalog.items.flatMap((item, i) => (item.year !== null && item.year > year ? [i] : []));
    byYear.set(year, items);
  }
  return items;
}
const unreleasedCache = new WeakMap<CatalogIndex, Map<number, readonly number[]>>();

/** The user's positive items, oldest first, at most `max` of the most recent. */
export function recentPositives(signals: readonly PersonalSignal[], max: number): number[] {
  return [...signals]
    .filter((s) => isPositiveStrength(s.strength))
    .sort((a, b) => a.ts - b.ts)
    .slice(-max)
    .map((s) => s.item);
}
