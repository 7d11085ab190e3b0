import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Interactions } from '../contract';
import { Rng } from '../../common';
import { createEmbeddingModel, type EmbeddingBatch, type EmbeddingConfig } from './index';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const ITEMS = 300;
const K = 16;
const B = 32;

/** users 0..users-1, each liking `likes` distinct random items (and disliking none) */
function log(users: number, likes: number, seed = 4): { data: Interactions; liked: Set<number>[] } {
  const rng = new Rng(seed);
  const user: number[] = [];
  const item: number[] = [];
  const liked: Set<number>[] = [];
  for (let u = 0; u < users; u++) {
    const all = Int32Array.from({ length: ITEMS }, (_, i) => i);
    rng.shuffle(all);
    liked.push(new Set(all.subarray(0, likes)));
    for (const i of all.subarray(0, likes)) {
      user.push(u);
      item.push(i);
    }
  }
  const data = {
    numUsers: users,
    numItems: ITEMS,
    user: Int32Array.from(user),
    item: Int32Array.from(item),
    weight: new Float32Array(user.length).fill(1),
    time: Float64Array.from(user, (_, i) => i),
  };
  return { data, liked };
}

function batchOf(users: number, likes: number, config: Partial<EmbeddingConfig>): { batch: EmbeddingBatch; liked: Set<number>[] } {
  const { data, liked } = log(users, likes);
  const model = createEmbeddingModel({ numUsers: users, numItems: ITEMS, config: { dim: 4, batchSize: B, negatives: K, hardNegativeRate: 0, ...config } });
  const task = model.createTrainTask(data, 7);
  task.startEpoch(); // shuffles: the batch mixes users
  const batch = task.nextBatch();
  task.dispose();
  model.dispose();
  return { batch, liked };
}

/** the (example, slot) item ids of a batch, back from distinct rows */
function slotItems(batch: EmbeddingBatch): number[][] {
  const S = batch.itemInverse.length / batch.size;
  return Array.from({ length: batch.size }, (_, b) => Array.from({ length: S }, (_, j) => batch.itemUnique[batch.itemInverse[b * S + j]!]!));
}

describe('EmbeddingTrainTask batches', () => {
  it('per-example negatives: each example draws its own, so a batch touches ~B*(1+K) distinct items', () => {
    const { batch } = batchOf(1, 40, { sharedNegatives: false });
    const negatives = new Set(slotItems(batch).flatMap((slots) => slots.slice(1)));
    expect(negatives.size).toBeGreaterThan(200); // 512 draws from 260 non-liked items
  });

  it('shared negatives, one user: every example gets the same K negatives, none of them liked', () => {
    const { batch, liked } = batchOf(1, 40, { sharedNegatives: true });
    const slots = slotItems(batch);
    const first = slots[0]!.slice(1);
    for (const s of slots) expect(s.slice(1)).toEqual(first);
    for (const n of first) expect(liked[0]!.has(n)).toBe(false);
    // positives + shared negatives: the content tower and the loss see at most B + K distinct rows
    expect(batch.itemUnique.length).toBeLessThanOrEqual(B + K);
  });

  it('shared negatives, many users: accidental hits are re-drawn for that example alone', () => {
    const { batch, liked } = batchOf(20, 60, { sharedNegatives: true });
    const slots = slotItems(batch);
    const users = Array.from(batch.userInverse, (r) => batch.userUnique[r]!);
    const counts = new Map<number, number>();
    let hitsRedrawn = 0;
    let likedNegatives = 0;
    slots.forEach((s, b) => {
      for (const n of s.slice(1)) {
        if (liked[users[b]!]!.has(n)) likedNegatives++;
        counts.set(n, (counts.get(n) ?? 0) + 1);
      }
    });
    // left as they are, about 1 in 5 of the B*K slots would be liked; a re-draw rejects the
    // user's positives up to 4 times (0.2^4 of re-draws keep one)
    expect(likedNegatives).toBeLessThanOrEqual(3);
    // the shared K are (almost) everywhere; each re-drawn hit is a one-off
    const shared = [...counts.entries()].filter(([, c]) => c > B / 2).map(([n]) => n);
    // (K draws from 300 items may repeat one)
    expect(shared.length).toBeGreaterThanOrEqual(K - 2);
    expect(shared.length).toBeLessThanOrEqual(K);
    for (const [n, c] of counts) if (!shared.includes(n)) hitsRedrawn += c;
    // 20% of items are liked by each user: about K/5 hits per example are re-drawn
    expect(hitsRedrawn).toBeGreaterThan(B);
    expect(hitsRedrawn).toBeLessThan(B * K * 0.4);
    expect(batch.itemUnique.length).toBeLessThan(B * (1 + K) * 0.5);
  });

  it('shared negatives keep the logQ correction of their sampler', () => {
    const { batch } = batchOf(1, 40, { sharedNegatives: true, loss: 'sampled-softmax', sampler: 'uniform' });
    const S = K + 1;
    for (let b = 0; b < batch.size; b++) {
      for (let j = 1; j < S; j++) expect(batch.logitCorrection![b * S + j]).toBeCloseTo(Math.log(K / ITEMS), 6);
    }
  });
});
