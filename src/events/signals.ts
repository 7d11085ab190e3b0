/**
 * How Burrow reads its event log: the current state of each item for the user (liked? rated?)
 * and the signed strength with which it counts toward their taste. Shared by the baseline ranking,
 * the trainers and the UI, so "what a like means" is decided in one place.
 */

/** Every kind of event the log holds (the store validates against this list). */
export const EVENT_KINDS = ['view', 'open', 'like', 'dislike', 'rating', 'skip', 'remove'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** The fields of a stored event this module needs (structural, so it does not depend on the store). */
export interface EventLike {
  itemId: string;
  kind: EventKind;
  value: number | null;
  ts: number;
}

/**
 * One item's signal for a model, in catalog indices: its signed strength and when it was last
 * touched (the personal model's log, the on-device holdout, the eval replay).
 */
export interface TimedSignal {
  item: number;
  strength: number;
  ts: number;
}

export interface ItemState {
  reaction: 'like' | 'dislike' | null;
  rating: number | null;
  skipped: boolean;
  opens: number;
  views: number;
  lastTs: number;
}

/** Weight of a 1..5 star rating: 4-5 are positives, 3 is neutral ("fine", not a like), 1-2 explicit negatives. */
export const RATING_STRENGTH: Readonly<Record<number, number>> = { 1: -1, 2: -0.6, 3: 0, 4: 0.7, 5: 1 };

/**
 * The strength from which a signal is a positive (a like, 4+ stars): the held-out positives, the
 * sequence model's history, the reasons and auto-training all use this one rule. Weaker positive
 * strengths (opening an item's details) still nudge the fold-in, but are not likes.
 */
export const POSITIVE_STRENGTH = 0.6;

export function isPositiveStrength(strength: number): boolean {
  return strength >= POSITIVE_STRENGTH;
}

export const EVENT_STRENGTH = {
  like: 1,
  dislike: -1,
  skip: -0.3,
  /** opening an item's details: weak interest, counted up to 3 times */
  open: 0.15,
  view: 0.03,
} as const;

function emptyState(ts: number): ItemState {
  return { reaction: null, rating: null, skipped: false, opens: 0, views: 0, lastTs: ts };
}

/**
 * Folds the log (oldest first) into each item's current state. 'remove' forgets every explicit
 * signal for the item (reaction, rating, skip): it is the user's "undo" and "forget this item".
 */
export function deriveItemStates(events: readonly EventLike[]): Map<string, ItemState> {
  const states = new Map<string, ItemState>();
  for (const e of events) applyEvent(states, e);
  return states;
}

/**
 * The states after one more event, as deriveItemStates over the log with `e` appended would give
 * them; `states` itself is left as it was (whoever holds it keeps a consistent view), so a new
 * event costs a copy of the map, not a walk of the whole log.
 */
export function withEvent(states: ReadonlyMap<string, ItemState>, e: EventLike): Map<string, ItemState> {
  const next = new Map(states);
  const current = next.get(e.itemId);
  if (current) next.set(e.itemId, { ...current });
  applyEvent(next, e);
  return next;
}

function applyEvent(states: Map<string, ItemState>, e: EventLike): void {
  const s = states.get(e.itemId) ?? emptyState(e.ts);
  s.lastTs = e.ts;
  switch (e.kind) {
    case 'like':
    case 'dislike':
      s.reaction = e.kind;
      s.skipped = false;
      break;
    case 'rating':
      s.rating = e.value;
      s.skipped = false;
      break;
    case 'skip':
      s.skipped = true;
      break;
    case 'open':
      s.opens += 1;
      break;
    case 'view':
      s.views += 1;
      break;
    case 'remove':
      s.reaction = null;
      s.rating = null;
      s.skipped = false;
      break;
  }
  states.set(e.itemId, s);
}

/** One moment an item became a like, with every item's state just before it. */
export interface LikeMoment {
  itemId: string;
  /** the event's place in the log and its time: together they name the moment */
  at: number;
  ts: number;
  before: Map<string, ItemState>;
}

/**
 * The `max` most recent moments at which an item became a positive (a like, 4+ stars), each with
 * the item states just before that event, oldest first: what the user's taste looked like when
 * they reached for that item. For you learns from them how this user's likes follow from what came
 * before (ranking's fitPooledHybridWeights). Two walks of the log: one finds the moments, the
 * second copies the states only at the kept ones.
 */
export function likeMoments(events: readonly EventLike[], max: number): LikeMoment[] {
  const becamePositive = (states: Map<string, ItemState>, e: EventLike): boolean => {
    const before = states.get(e.itemId);
    const was = before !== undefined && isPositive(before);
    applyEvent(states, e);
    return !was && isPositive(states.get(e.itemId)!);
  };
  const at: number[] = [];
  const scan = new Map<string, ItemState>();
  events.forEach((e, i) => {
    if (becamePositive(scan, e)) at.push(i);
  });
  const kept = new Set(at.slice(Math.max(0, at.length - Math.max(0, max))));
  const moments: LikeMoment[] = [];
  const states = new Map<string, ItemState>();
  events.forEach((e, i) => {
    if (kept.has(i)) moments.push({ itemId: e.itemId, at: i, ts: e.ts, before: new Map([...states].map(([id, s]) => [id, { ...s }])) });
    applyEvent(states, e);
  });
  return moments;
}

/** Signed strength in [-1, 1] with which an item counts toward the user's taste. */
export function signalStrength(s: ItemState): number {
  let strength = 0;
  if (s.reaction) strength += EVENT_STRENGTH[s.reaction];
  if (s.rating !== null) strength += RATING_STRENGTH[s.rating] ?? 0;
  if (s.skipped) strength += EVENT_STRENGTH.skip;
  strength += Math.min(s.opens, 3) * EVENT_STRENGTH.open + Math.min(s.views, 3) * EVENT_STRENGTH.view;
  return Math.max(-1, Math.min(1, strength));
}

/** Items the user has already judged: never recommend them again. */
export function isJudged(s: ItemState): boolean {
  return s.reaction !== null || s.rating !== null || s.skipped;
}

/** A star rating that counts as a like: 4 or 5 stars (3 is "fine", not a like). */
export function isPositiveRating(stars: number): boolean {
  return stars >= 4;
}

/** What counts as a positive everywhere (UI, auto-training, the eval replay): a like or 4+ stars, net of skips and dislikes. */
export function isPositive(s: ItemState): boolean {
  return isPositiveStrength(signalStrength(s));
}

/** New events since the last training that start a background fine-tune on their own. */
export const AUTO_TRAIN_AFTER = 5;

/**
 * When the app starts a fine-tune by itself: some positive exists (a like or 4+ stars) and at
 * least AUTO_TRAIN_AFTER events arrived since the last training. The session and the eval replay
 * both ask this, so the replay trains exactly when the app would.
 */
export function shouldAutoTrain(states: Iterable<ItemState>, eventCount: number, trainedOnEvents: number): boolean {
  let hasPositive = false;
  for (const s of states) if (isPositive(s)) hasPositive = true;
  return hasPositive && eventCount - trainedOnEvents >= AUTO_TRAIN_AFTER;
}
