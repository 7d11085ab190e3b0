import type { Interactions } from '../contract';
import { Rng } from '../../common';

/** Compressed rows: items of row r are `items[ptr[r] .. ptr[r+1])`. */
export interface Csr {
  /** [rows + 1] */
  ptr: Int32Array;
  /** [nnz] */
  items: Int32Array;
  /** [nnz] */
  weights: Float32Array;
}

/** Training view of an Interactions log, built once per fit on the CPU. */
export interface PreparedData {
  numUsers: number;
  numItems: number;
  /** [n] training positives (held-out validation events removed) */
  trainUser: Int32Array;
  trainItem: Int32Array;
  trainWeight: Float32Array;
  /** per-user training positives, items sorted ascending (negative rejection, validation masks) */
  userPositives: Csr;
  /** per-user explicit negatives (weight < 0), weights stored as |w| */
  userNegatives: Csr;
  /** [numItems] training positive counts (popularity sampler) */
  itemCounts: Float32Array;
  /** [v] validation users and their held-out (last) positive item */
  valUser: Int32Array;
  valItem: Int32Array;
}

export function validateInteractions(data: Interactions, numUsers: number, numItems: number): void {
  const n = data.user.length;
  if (data.item.length !== n || data.weight.length !== n || data.time.length !== n) {
    throw new Error(`Interactions columns differ in length (user ${n}, item ${data.item.length}, weight ${data.weight.length}, time ${data.time.length})`);
  }
  if (data.numUsers !== numUsers || data.numItems !== numItems) {
    throw new Error(`Interactions are for ${data.numUsers} users x ${data.numItems} items, the model for ${numUsers} x ${numItems}`);
  }
  for (let i = 0; i < n; i++) {
    const u = data.user[i]!;
    const it = data.item[i]!;
    if (u < 0 || u >= numUsers || it < 0 || it >= numItems) throw new Error(`event ${i}: user ${u} / item ${it} out of range`);
  }
}

function buildCsr(rows: number, row: Int32Array, item: Int32Array, weight: Float32Array, keep: (i: number) => boolean, absWeight: boolean): Csr {
  const ptr = new Int32Array(rows + 1);
  for (let i = 0; i < row.length; i++) if (keep(i)) ptr[row[i]! + 1]! += 1;
  for (let r = 0; r < rows; r++) ptr[r + 1]! += ptr[r]!;
  const fill = ptr.slice(0, rows);
  const items = new Int32Array(ptr[rows]!);
  const weights = new Float32Array(ptr[rows]!);
  for (let i = 0; i < row.length; i++) {
    if (!keep(i)) continue;
    const at = fill[row[i]!]!++;
    items[at] = item[i]!;
    weights[at] = absWeight ? Math.abs(weight[i]!) : weight[i]!;
  }
  // sort each row's items (with their weights) so membership tests are a binary search
  for (let r = 0; r < rows; r++) {
    const a = ptr[r]!;
    const b = ptr[r + 1]!;
    if (b - a < 2) continue;
    const order = Array.from({ length: b - a }, (_, k) => a + k).sort((x, y) => items[x]! - items[y]!);
    const it = order.map((k) => items[k]!);
    const wt = order.map((k) => weights[k]!);
    items.set(it, a);
    weights.set(wt, a);
  }
  return { ptr, items, weights };
}

/** Binary search of `item` in row `r` of a CSR with sorted rows. */
export function csrHas(csr: Csr, r: number, item: number): boolean {
  let lo = csr.ptr[r]!;
  let hi = csr.ptr[r + 1]! - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = csr.items[mid]!;
    if (v === item) return true;
    if (v < item) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * Splits the log: each user's LAST positive event is held out for validation when the user has
 * >= 3 positives (at most `maxValidationUsers` users, chosen with the seed); everything else trains.
 */
export function prepareData(data: Interactions, maxValidationUsers: number, seed: number): PreparedData {
  const { numUsers, numItems, user, item, weight } = data;
  const n = user.length;
  const posCount = new Int32Array(numUsers);
  const lastPos = new Int32Array(numUsers).fill(-1);
  // events are time-sorted within a user, so the last positive seen in array order is the latest
  for (let i = 0; i < n; i++) {
    if (weight[i]! > 0) {
      posCount[user[i]!]! += 1;
      lastPos[user[i]!] = i;
    }
  }
  const candidates: number[] = [];
  for (let u = 0; u < numUsers; u++) if (posCount[u]! >= 3) candidates.push(u);
  let chosen = Int32Array.from(candidates);
  if (chosen.length > maxValidationUsers) {
    new Rng(seed ^ 0x5eed).shuffle(chosen);
    chosen = chosen.slice(0, maxValidationUsers).sort();
  }
  const heldOut = new Uint8Array(n);
  const valUser = new Int32Array(chosen.length);
  const valItem = new Int32Array(chosen.length);
  chosen.forEach((u, k) => {
    const e = lastPos[u]!;
    heldOut[e] = 1;
    valUser[k] = u;
    valItem[k] = item[e]!;
  });

  let nTrain = 0;
  for (let i = 0; i < n; i++) if (weight[i]! > 0 && !heldOut[i]) nTrain++;
  const trainUser = new Int32Array(nTrain);
  const trainItem = new Int32Array(nTrain);
  const trainWeight = new Float32Array(nTrain);
  const itemCounts = new Float32Array(numItems);
  for (let i = 0, k = 0; i < n; i++) {
    if (!(weight[i]! > 0) || heldOut[i]) continue;
    trainUser[k] = user[i]!;
    trainItem[k] = item[i]!;
    trainWeight[k] = weight[i]!;
    itemCounts[item[i]!]! += 1;
    k++;
  }
  const userPositives = buildCsr(numUsers, user, item, weight, (i) => weight[i]! > 0 && !heldOut[i], false);
  const userNegatives = buildCsr(numUsers, user, item, weight, (i) => weight[i]! < 0, true);
  return { numUsers, numItems, trainUser, trainItem, trainWeight, userPositives, userNegatives, itemCounts, valUser, valItem };
}
