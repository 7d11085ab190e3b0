/**
 * Shared helpers for the typed-array baselines: config parsing with readable errors and the
 * binary user-item view of an interaction log.
 */
import { z } from 'zod';
import type { Interactions } from '../contract';

/** Parses a model config, naming the model and the offending key on failure. */
export function parseConfig<T extends z.ZodType>(
  model: string,
  schema: T,
  config: Record<string, unknown> | undefined,
): z.output<T> {
  const result = schema.safeParse(config ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? `"${issue.path.join('.')}": ` : '';
    throw new Error(`${model} config: ${where}${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

export function checkShape(
  model: string,
  data: Interactions,
  numUsers: number,
  numItems: number,
): void {
  if (data.numItems !== numItems || data.numUsers !== numUsers) {
    throw new Error(
      `${model}: built for ${numUsers} users x ${numItems} items, ` +
        `fit on ${data.numUsers} x ${data.numItems}`,
    );
  }
}

/** Compressed rows: `offsets[r]..offsets[r+1]` index into `values`. */
export interface Csr {
  offsets: Int32Array;
  values: Int32Array;
}

/**
 * Distinct (user, item) pairs with positive weight, as user -> items and item -> users rows.
 * Repeats and negative feedback are dropped: the neighbourhood model works on a binary matrix.
 */
export function binaryMatrix(data: Interactions): { byUser: Csr; byItem: Csr } {
  const { numUsers, numItems } = data;
  const n = data.user.length;
  // Sort positive events by (user, item) to find distinct pairs without a hash set.
  const keep: number[] = [];
  for (let e = 0; e < n; e++) if (data.weight[e]! > 0) keep.push(e);
  keep.sort((a, b) => data.user[a]! - data.user[b]! || data.item[a]! - data.item[b]!);
  const pu: number[] = [];
  const pi: number[] = [];
  for (const e of keep) {
    const u = data.user[e]!;
    const i = data.item[e]!;
    const last = pu.length - 1;
    if (last >= 0 && pu[last] === u && pi[last] === i) continue;
    pu.push(u);
    pi.push(i);
  }
  const build = (rows: number[], cols: number[], numRows: number): Csr => {
    const offsets = new Int32Array(numRows + 1);
    for (const r of rows) offsets[r + 1]!++;
    for (let r = 0; r < numRows; r++) offsets[r + 1]! += offsets[r]!;
    const fill = offsets.slice(0, numRows);
    const values = new Int32Array(rows.length);
    rows.forEach((r, k) => {
      values[fill[r]!++] = cols[k]!;
    });
    return { offsets, values };
  };
  return { byUser: build(pu, pi, numUsers), byItem: build(pi, pu, numItems) };
}
