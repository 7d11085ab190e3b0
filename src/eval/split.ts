/**
 * The leave-one-out split of the standard protocol (/work/shared/data/README.md):
 * per user, events sorted by time ascending with ties kept in input order; the last event is the
 * test target, the second to last the validation target, the rest is training. Users with fewer
 * than 3 events are training-only (in `train` and `trainWithValidation`, never evaluated).
 */
import type { Interactions } from '../models';

/** One user to evaluate: the model sees `history` (oldest first) and must rank `target`. */
export interface EvalCase {
  user: number;
  /** the user's items before the target, oldest first; also what the ranking excludes */
  history: Int32Array;
  target: number;
}

export interface LeaveOneOutSplit {
  /** everything but each evaluated user's last two events: fit here while tuning on `validation` */
  train: Interactions;
  /** `train` plus the validation targets: the final fit before measuring on `test` */
  trainWithValidation: Interactions;
  /** second-to-last event per user; history = that user's `train` events */
  validation: EvalCase[];
  /** last event per user; history = that user's `trainWithValidation` events */
  test: EvalCase[];
}

function checkColumns(data: Interactions): void {
  const n = data.user.length;
  if (data.item.length !== n || data.weight.length !== n || data.time.length !== n) {
    throw new Error(
      `interaction columns differ in length: user ${n}, item ${data.item.length}, ` +
        `weight ${data.weight.length}, time ${data.time.length}`,
    );
  }
}

/**
 * Event indices grouped by user (ascending user), each group sorted by time; equal times keep
 * input order (explicit index tie-break, so this does not depend on sort stability).
 */
export function orderByUserThenTime(data: Interactions): Int32Array {
  checkColumns(data);
  const n = data.user.length;
  const order = Array.from({ length: n }, (_, i) => i);
  const { user, time } = data;
  order.sort((a, b) => user[a]! - user[b]! || time[a]! - time[b]! || a - b);
  return Int32Array.from(order);
}

function gather(data: Interactions, events: ArrayLike<number>): Interactions {
  const n = events.length;
  const out: Interactions = {
    numUsers: data.numUsers,
    numItems: data.numItems,
    user: new Int32Array(n),
    item: new Int32Array(n),
    weight: new Float32Array(n),
    time: new Float64Array(n),
  };
  for (let k = 0; k < n; k++) {
    const e = events[k]!;
    out.user[k] = data.user[e]!;
    out.item[k] = data.item[e]!;
    out.weight[k] = data.weight[e]!;
    out.time[k] = data.time[e]!;
  }
  return out;
}

/**
 * Splits `data` leave-one-out. The returned `Interactions` are grouped by user and sorted by time
 * within each user (the contract's order), and share `numUsers`/`numItems` with the input so
 * indices stay valid across train, validation and test.
 */
export function leaveOneOutSplit(data: Interactions): LeaveOneOutSplit {
  const order = orderByUserThenTime(data);
  const n = order.length;
  const trainEvents: number[] = [];
  const trainValEvents: number[] = [];
  const validation: EvalCase[] = [];
  const test: EvalCase[] = [];

  let start = 0;
  while (start < n) {
    const u = data.user[order[start]!]!;
    let end = start + 1;
    while (end < n && data.user[order[end]!] === u) end++;
    const len = end - start;
    if (len < 3) {
      for (let k = start; k < end; k++) {
        trainEvents.push(order[k]!);
        trainValEvents.push(order[k]!);
      }
    } else {
      const items = new Int32Array(len);
      for (let k = 0; k < len; k++) items[k] = data.item[order[start + k]!]!;
      for (let k = start; k < end - 2; k++) trainEvents.push(order[k]!);
      for (let k = start; k < end - 1; k++) trainValEvents.push(order[k]!);
      validation.push({ user: u, history: items.slice(0, len - 2), target: items[len - 2]! });
      test.push({ user: u, history: items.slice(0, len - 1), target: items[len - 1]! });
    }
    start = end;
  }

  return {
    train: gather(data, trainEvents),
    trainWithValidation: gather(data, trainValEvents),
    validation,
    test,
  };
}
