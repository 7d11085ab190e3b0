import type { Interactions } from '../contract';
import { Rng } from '../../common';

/** Per-user time-ordered positive item sequences (CSR layout). */
export interface UserSequences {
  /** [numUsers + 1] items of user u are `items[ptr[u] .. ptr[u+1])`, oldest first */
  ptr: Int32Array;
  items: Int32Array;
}

/** Training view of an Interactions log for next-item models, built once per fit on the CPU. */
export interface SequenceData {
  numItems: number;
  /** training sequences (validation targets removed) */
  train: UserSequences;
  /** [numItems] training occurrence counts (popularity sampler) */
  itemCounts: Float32Array;
  /** [v] validation users: input = their training sequence, target = the held-out last item */
  valUser: Int32Array;
  valItem: Int32Array;
}

export function validateInteractions(data: Interactions, numItems: number): void {
  const n = data.user.length;
  if (data.item.length !== n || data.weight.length !== n || data.time.length !== n) {
    throw new Error(`Interactions columns differ in length (user ${n}, item ${data.item.length}, weight ${data.weight.length}, time ${data.time.length})`);
  }
  if (data.numItems !== numItems) throw new Error(`Interactions are for ${data.numItems} items, the model for ${numItems}`);
  for (let i = 0; i < n; i++) {
    const u = data.user[i]!;
    const it = data.item[i]!;
    if (!(u >= 0 && u < data.numUsers) || !(it >= 0 && it < numItems)) throw new Error(`event ${i}: user ${u} / item ${it} out of range`);
  }
}

/**
 * Positive events (weight > 0) grouped by user, each user's events by time ascending; equal
 * times keep input order (explicit index tie-break, independent of sort stability).
 */
export function buildUserSequences(data: Interactions): UserSequences {
  const keep: number[] = [];
  for (let i = 0; i < data.user.length; i++) if (data.weight[i]! > 0) keep.push(i);
  const { user, time } = data;
  keep.sort((a, b) => user[a]! - user[b]! || time[a]! - time[b]! || a - b);
  const ptr = new Int32Array(data.numUsers + 1);
  for (const i of keep) ptr[user[i]! + 1]! += 1;
  for (let u = 0; u < data.numUsers; u++) ptr[u + 1]! += ptr[u]!;
  return { ptr, items: Int32Array.from(keep, (i) => data.item[i]!) };
}

/**
 * Holds out the last item of (a seeded sample of at most `maxValidationUsers`) users with >= 3
 * positives: their training sequence keeps >= 2 items, i.e. >= 1 transition. `maxValidationUsers`
 * = 0 holds out nothing.
 */
export function prepareSequenceData(data: Interactions, numItems: number, maxValidationUsers: number, seed: number): SequenceData {
  const all = buildUserSequences(data);
  const U = data.numUsers;
  const eligible: number[] = [];
  for (let u = 0; u < U; u++) if (all.ptr[u + 1]! - all.ptr[u]! >= 3) eligible.push(u);
  let chosen = eligible;
  if (eligible.length > maxValidationUsers) {
    const rng = new Rng(seed ^ 0x51ed);
    chosen = Array.from(rng.shuffle(Int32Array.from(eligible)).subarray(0, maxValidationUsers)).sort((a, b) => a - b);
  }
  const held = new Uint8Array(U);
  for (const u of chosen) held[u] = 1;
  const ptr = new Int32Array(U + 1);
  for (let u = 0; u < U; u++) ptr[u + 1] = ptr[u]! + (all.ptr[u + 1]! - all.ptr[u]!) - held[u]!;
  const items = new Int32Array(ptr[U]!);
  const valUser = new Int32Array(chosen.length);
  const valItem = new Int32Array(chosen.length);
  let v = 0;
  for (let u = 0; u < U; u++) {
    const a = all.ptr[u]!;
    const n = all.ptr[u + 1]! - a - held[u]!;
    items.set(all.items.subarray(a, a + n), ptr[u]!);
    if (held[u]) {
      valUser[v] = u;
      valItem[v++] = all.items[a + n]!;
    }
  }
  const itemCounts = new Float32Array(numItems);
  for (let i = 0; i < items.length; i++) itemCounts[items[i]!]! += 1;
  return { numItems, train: { ptr, items }, itemCounts, valUser, valItem };
}

/** One training window: inputs `items[start .. end)` predict `items[start+1 .. end+1)`. */
export interface Window {
  start: number;
  end: number;
}

/**
 * Cuts a sequence store into non-overlapping windows of at most `maxLen` transitions, newest
 * first (so the most recent context is always a full window), at most `maxPerSeq` per sequence
 * (0 = all). Offsets are into `seqs.items`.
 */
export function buildWindows(seqs: UserSequences, maxLen: number, maxPerSeq: number): Window[] {
  const out: Window[] = [];
  const rows = seqs.ptr.length - 1;
  for (let u = 0; u < rows; u++) {
    const a = seqs.ptr[u]!;
    const b = seqs.ptr[u + 1]!;
    // transitions t -> t+1 for t in [a, b-1)
    let end = b - 1;
    let k = 0;
    while (end > a && (maxPerSeq === 0 || k < maxPerSeq)) {
      const start = Math.max(a, end - maxLen);
      out.push({ start, end });
      end = start;
      k += 1;
    }
  }
  return out;
}

/**
 * One epoch's windows (see SequenceConfig.windowShift / recencyDecay). Per sequence: the newest
 * window (the `maxLen` newest transitions) always; then, with `shift`, older windows end at a
 * random offset in [1, maxLen] before the newest end (so they overlap the newest window by
 * maxLen - offset) and every maxLen before that; without `shift` exactly `buildWindows`' cut.
 * Window k >= 1 is kept with probability decay^k; at most `maxPerSeq` windows (0 = all).
 */
export function sampleWindows(seqs: UserSequences, maxLen: number, maxPerSeq: number, shift: boolean, decay: number, rng: Rng): Window[] {
  if (!shift && decay >= 1) return buildWindows(seqs, maxLen, maxPerSeq);
  const out: Window[] = [];
  const rows = seqs.ptr.length - 1;
  for (let u = 0; u < rows; u++) {
    const a = seqs.ptr[u]!;
    const last = seqs.ptr[u + 1]! - 1; // transitions t -> t+1 for t in [a, last)
    if (last <= a) continue;
    out.push({ start: Math.max(a, last - maxLen), end: last });
    let end = shift ? last - 1 - rng.int(maxLen) : last - maxLen;
    let keep = 1;
    for (let k = 1; end > a && (maxPerSeq === 0 || k < maxPerSeq); k++) {
      keep *= decay;
      const start = Math.max(a, end - maxLen);
      if (decay >= 1 || rng.next() < keep) out.push({ start, end });
      end = start;
    }
  }
  return out;
}

/**
 * Left-pads histories into a `[rows, width]` batch (the newest item in the last column).
 * @returns items `[rows * width]` (0 on padding: any valid index, the mask zeroes its embedding)
 *          and mask `[rows * width]` (1 on real items)
 */
export function leftPad(histories: readonly ArrayLike<number>[], width: number): { items: Int32Array; mask: Float32Array } {
  const rows = histories.length;
  const items = new Int32Array(rows * width);
  const mask = new Float32Array(rows * width);
  histories.forEach((h, r) => {
    const n = Math.min(width, h.length);
    const off = h.length - n;
    for (let j = 0; j < n; j++) {
      items[r * width + width - n + j] = h[off + j]!;
      mask[r * width + width - n + j] = 1;
    }
  });
  return { items, mask };
}
