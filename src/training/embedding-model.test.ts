import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../common';
import { configHash, createEmbeddingModel, type EmbeddingConfig, type EncodedFeatures, type Interactions } from '../models';
import { fitModel } from './fit';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const CLUSTERS = 5;
const USERS = 50; // + FRESH users with no events
const FRESH = 2;
const ITEMS = 100;
const BLOCK = ITEMS / CLUSTERS;
const COLD = 4; // the last COLD items of every block never appear in the log
const cluster = (u: number) => u % CLUSTERS;
const blockOf = (i: number) => Math.floor(i / BLOCK);
/** the items every user of cluster c explicitly dislikes (in the next block) */
const disliked = (c: number) => [0, 1, 2].map((k) => ((c + 1) % CLUSTERS) * BLOCK + k);

/** 50 users in 5 clusters; each likes 10 random (warm) items of its cluster's block. */
function planted(seed = 1): Interactions {
  const rng = new Rng(seed);
  const user: number[] = [];
  const item: number[] = [];
  const weight: number[] = [];
  for (let u = 0; u < USERS; u++) {
    const c = cluster(u);
    const warm = Int32Array.from({ length: BLOCK - COLD }, (_, k) => c * BLOCK + k);
    rng.shuffle(warm);
    for (let k = 0; k < 10; k++) {
      user.push(u);
      item.push(warm[k]!);
      weight.push(k % 3 === 0 ? 0.5 : 1);
    }
    for (const d of disliked(c)) {
      user.push(u);
      item.push(d);
      weight.push(-1);
    }
  }
  return {
    numUsers: USERS + FRESH,
    numItems: ITEMS,
    user: Int32Array.from(user),
    item: Int32Array.from(item),
    weight: Float32Array.from(weight),
    time: Float64Array.from(user, (_, i) => i),
  };
}

/** feature 1+c marks block c; one random noise feature per item */
function features(): EncodedFeatures {
  const rng = new Rng(9);
  const vocabulary = ['<pad>', ...Array.from({ length: CLUSTERS }, (_, c) => `block:${c}`), ...Array.from({ length: 10 }, (_, k) => `noise:${k}`)];
  const ids = new Int32Array(ITEMS * 2);
  const weights = new Float32Array(ITEMS * 2);
  for (let i = 0; i < ITEMS; i++) {
    ids[2 * i] = 1 + blockOf(i);
    weights[2 * i] = 1;
    ids[2 * i + 1] = 1 + CLUSTERS + rng.int(10);
    weights[2 * i + 1] = 0.5;
  }
  return { vocabulary, numItems: ITEMS, maxFeatures: 2, ids, weights };
}

const FAST: Partial<EmbeddingConfig> = { dim: 16, featureDim: 16, contentHidden: 16, batchSize: 64, maxEpochs: 40, patience: 0, lossEvery: 5, negatives: 8, lr: 0.03 };

function topK(scores: Float32Array, k: number): number[] {
  return Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]!).slice(0, k);
}

async function precisionAt10(model: { scoreAll: (q: { user: number; history: Int32Array }) => Promise<Float32Array> }): Promise<number> {
  let hits = 0;
  for (let u = 0; u < USERS; u++) {
    const top = topK(await model.scoreAll({ user: u, history: new Int32Array() }), 10);
    hits += top.filter((i) => blockOf(i) === cluster(u)).length;
  }
  return hits / (USERS * 10);
}

/** The embedding model trained by the trainer (fit), end to end. */
describe('EmbeddingModel', () => {
  it('learns planted clusters (MF, BPR): loss falls, planted items rank on top', async () => {
    const model = createEmbeddingModel({ numUsers: USERS + FRESH, numItems: ITEMS, config: { ...FAST, loss: 'bpr', patience: 4 } });
    const losses: number[] = [];
    const perEpoch = new Map<number, number>();
    const summary = await fitModel(model, planted(), {
      seed: 3,
      onProgress: (p) => {
        if (p.loss !== undefined) losses.push(p.loss);
        if (p.validation !== undefined) perEpoch.set(p.epoch, p.validation);
      },
    });
    expect(perEpoch.size).toBe(summary.epochs); // HR@10 on held-out last positives, once per epoch
    expect(Math.max(...perEpoch.values())).toBeGreaterThan(0.5);
    expect(summary.cancelled).toBe(false);
    expect(summary.steps).toBeGreaterThan(50);
    expect(losses.length).toBeGreaterThan(3);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.6);
    expect(await precisionAt10(model)).toBeGreaterThan(0.9);
    model.dispose();
  });

  it.each([false, true])('content tower + sampled softmax (shared negatives: %s): clusters learnt, cold items ranked by content, dislikes pushed down', async (sharedNegatives) => {
    const model = createEmbeddingModel({
      numUsers: USERS + FRESH,
      numItems: ITEMS,
      features: features(),
      config: { ...FAST, sampler: 'popularity', hardNegativeRate: 1, sharedNegatives },
    });
    const summary = await fitModel(model, planted());
    expect(summary.epochs).toBe(FAST.maxEpochs);
    expect(await precisionAt10(model)).toBeGreaterThan(0.9);
    // cold items (no events): their block's users still rank them above other blocks' cold items
    let coldWins = 0;
    let total = 0;
    let gap = 0;
    let below = 0;
    for (let u = 0; u < USERS; u++) {
      const s = await model.scoreAll({ user: u, history: new Int32Array() });
      const c = cluster(u);
      const own = c * BLOCK + BLOCK - 1;
      for (let o = 0; o < CLUSTERS; o++) {
        if (o === c) continue;
        total++;
        if (s[own]! > s[o * BLOCK + BLOCK - 1]!) coldWins++;
      }
      // explicit dislikes score below the rest of their block's warm, un-liked items
      const nb = ((c + 1) % CLUSTERS) * BLOCK;
      const dis = disliked(c).reduce((a, i) => a + s[i]!, 0) / 3;
      const rest = Array.from({ length: BLOCK - COLD - 3 }, (_, k) => s[nb + 3 + k]!).reduce((a, b) => a + b, 0) / (BLOCK - COLD - 3);
      gap += (dis - rest) / USERS;
      if (dis < rest) below++;
    }
    expect(coldWins / total).toBeGreaterThan(0.9);
    expect(gap).toBeLessThan(-0.5);
    expect(below / USERS).toBeGreaterThanOrEqual(0.7);
    model.dispose();
  });

  it('trainItemSide: false trains the user rows only: every item vector and bias stays as it was', async () => {
    const model = createEmbeddingModel({ numUsers: USERS + FRESH, numItems: ITEMS, features: features(), config: { ...FAST, maxEpochs: 3, trainItemSide: false, patience: 0 } });
    const items = model.itemEmbeddings();
    const biases = model.itemBiases();
    const user = model.userEmbedding(0);
    const [before, biasBefore, userBefore] = [await items.data(), await biases.data(), await user.data()];
    tf.dispose([items, biases, user]);
    await fitModel(model, planted());
    const itemsAfter = model.itemEmbeddings();
    const biasesAfter = model.itemBiases();
    const userAfter = model.userEmbedding(0);
    expect(Array.from(await itemsAfter.data())).toEqual(Array.from(before));
    expect(Array.from(await biasesAfter.data())).toEqual(Array.from(biasBefore));
    expect(Array.from(await userAfter.data())).not.toEqual(Array.from(userBefore));
    // and the trained user vectors alone still put each user's own block first
    const scores = await model.scoreAll({ user: 0, history: new Int32Array() });
    const top = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]!).slice(0, 5);
    expect(top.filter((i) => blockOf(i) === cluster(0)).length).toBeGreaterThanOrEqual(3);
    tf.dispose([itemsAfter, biasesAfter, userAfter]);
    model.dispose();
  });

  it('foldIn moves only that user, towards the items they liked, away from a dislike', async () => {
    const model = createEmbeddingModel({ numUsers: USERS + FRESH, numItems: ITEMS, features: features(), config: { ...FAST, maxEpochs: 15 } });
    await fitModel(model, planted());
    const fresh = USERS; // no events in the log
    const before = await model.userEmbedding(0).data();
    const liked = Int32Array.from([2 * BLOCK + 0, 2 * BLOCK + 3, 2 * BLOCK + 5]);
    await model.foldIn(fresh, liked, new Float32Array(liked.length).fill(1));
    let s = await model.scoreAll({ user: fresh, history: liked });
    const inBlock = topK(s, 10).filter((i) => blockOf(i) === 2).length;
    expect(inBlock).toBeGreaterThanOrEqual(8);
    expect(Array.from(await model.userEmbedding(0).data())).toEqual(Array.from(before)); // others untouched

    const target = 2 * BLOCK + 7;
    const rankOf = (sc: Float32Array, i: number) => sc.filter((x) => x > sc[i]!).length;
    const rankBefore = rankOf(s, target);
    await model.foldIn(fresh, Int32Array.from([...liked, target]), Float32Array.from([1, 1, 1, -1]));
    s = await model.scoreAll({ user: fresh, history: liked });
    expect(rankOf(s, target)).toBeGreaterThan(rankBefore);

    // a user outside the table is folded in from the history on the fly
    const outside = await model.scoreAll({ user: -1, history: liked });
    expect(topK(outside, 10).filter((i) => blockOf(i) === 2).length).toBeGreaterThanOrEqual(8);
    model.dispose();
  });

  it('export/import round trip gives identical scores; a base pack keeps the user side', async () => {
    const cfg = { ...FAST, maxEpochs: 3 };
    const a = createEmbeddingModel({ numUsers: USERS + FRESH, numItems: ITEMS, features: features(), config: cfg });
    await fitModel(a, planted());
    const w = await a.exportWeights();
    expect(w.configHash).toBe(configHash(cfg));
    expect(Object.keys(w.tensors).sort()).toEqual(
      ['content/feature_embedding', 'content/hidden/bias', 'content/hidden/kernel', 'content/out/bias', 'content/out/kernel', 'item/bias', 'item/residual', 'user/embedding'],
    );
    const b = createEmbeddingModel({ numUsers: USERS + FRESH, numItems: ITEMS, features: features(), config: { ...cfg, seed: 777 } });
    b.importWeights(w);
    for (const u of [0, 7, 33]) {
      expect(Array.from(await b.scoreAll({ user: u, history: new Int32Array() }))).toEqual(Array.from(await a.scoreAll({ user: u, history: new Int32Array() })));
    }
    // base pack: item side only
    const { ['user/embedding']: _user, ...itemSide } = w.tensors;
    const c = createEmbeddingModel({ numUsers: USERS + FRESH, numItems: ITEMS, features: features(), config: { ...cfg, seed: 5 } });
    const userBefore = await c.userEmbedding(3).data();
    c.importWeights({ ...w, tensors: itemSide });
    expect(Array.from(await c.userEmbedding(3).data())).toEqual(Array.from(userBefore));
    const ea = a.itemEmbeddings();
    const ec = c.itemEmbeddings();
    expect(Array.from(await ec.data())).toEqual(Array.from(await ea.data()));
    tf.dispose([ea, ec]);
    // training after the import does not write into the serialized buffers
    const snapshot = new Float32Array(w.tensors['item/residual']!.data.slice(0));
    await fitModel(c, planted());
    expect(new Float32Array(w.tensors['item/residual']!.data)).toEqual(snapshot);
    for (const m of [a, b, c]) m.dispose();
  });

  it('NCF-style MLP head: learns the clusters; ranking, training and fold-in score the same function; weights round-trip', async () => {
    const cfg = { ...FAST, head: 'mlp' as const, headHidden: 8 };
    const model = createEmbeddingModel({ numUsers: USERS + FRESH, numItems: ITEMS, config: cfg });
    await fitModel(model, planted());
    expect(await precisionAt10(model)).toBeGreaterThan(0.9);

    // scoreAll (ranking: scoreUsers) = dot + bias + headScores (the training path's function)
    const user = 7;
    const scores = await model.scoreAll({ user, history: new Int32Array() });
    const expected = tf.tidy(() => {
      const emb = model.itemEmbeddings();
      const u = tf.tile(tf.reshape(model.userEmbedding(user), [1, -1]), [ITEMS, 1]) as tf.Tensor2D;
      const dot = tf.add(tf.sum(tf.mul(u, emb), 1), model.itemBiases());
      return { dot: dot.dataSync(), full: tf.add(dot, model.headScores(u, emb, model.headParams())).dataSync() };
    });
    for (let i = 0; i < ITEMS; i++) expect(scores[i]!).toBeCloseTo(expected.full[i]!, 4);
    // and the head is not a no-op
    expect(Math.max(...Array.from(scores, (x, i) => Math.abs(x - expected.dot[i]!)))).toBeGreaterThan(1e-2);

    // fold-in of a stranger who likes block 2 (the JS fold-in differentiates through the head)
    const liked = Int32Array.from([40, 41, 42, 43, 44]);
    const outside = await model.scoreAll({ user: -1, history: liked });
    for (const hd of ['dot', 'mlp'] as const) {
      const m2 = createEmbeddingModel({ numUsers: USERS + FRESH, numItems: ITEMS, config: { ...cfg, head: hd } });
      await fitModel(m2, planted());
      const o2 = await m2.scoreAll({ user: -1, history: liked });
      console.log('PROBE', hd, topK(o2, 10).join(','), topK(o2, 10).filter((i) => blockOf(i) === 2).length);
      m2.dispose();
    }
    expect(topK(outside, 10).filter((i) => blockOf(i) === 2).length).toBeGreaterThanOrEqual(8);

    const w = await model.exportWeights();
    expect(Object.keys(w.tensors).filter((k) => k.startsWith('head/')).sort()).toEqual(
      ['head/bias', 'head/item_kernel', 'head/out', 'head/product_kernel', 'head/user_kernel'],
    );
    const copy = createEmbeddingModel({ numUsers: USERS + FRESH, numItems: ITEMS, config: { ...cfg, seed: 99 } });
    copy.importWeights(w, { strict: false });
    expect(Array.from(await copy.scoreAll({ user, history: new Int32Array() }))).toEqual(Array.from(scores));
    const dotModel = createEmbeddingModel({ numUsers: USERS + FRESH, numItems: ITEMS, config: FAST });
    expect(() => dotModel.importWeights(w)).toThrow(/unexpected weights head\//);

    // no leak through the head's training path
    const task = copy.createTrainTask(planted());
    task.startEpoch();
    for (let i = 0; i < 10; i++) task.step().loss.dispose();
    const m10 = tf.memory();
    for (let i = 0; i < 40; i++) task.step().loss.dispose();
    expect(tf.memory().numTensors).toBe(m10.numTensors);
    expect(tf.memory().numBytes).toBe(m10.numBytes);
    task.dispose();
    for (const m of [model, copy, dotModel]) m.dispose();
  });

  it('rejects mismatched weights with a clear error, assigning nothing', async () => {
    const a = createEmbeddingModel({ numUsers: 10, numItems: ITEMS, features: features(), config: { dim: 8 } });
    const w = await a.exportWeights();
    const wrongDim = createEmbeddingModel({ numUsers: 10, numItems: ITEMS, features: features(), config: { dim: 16 } });
    expect(() => wrongDim.importWeights(w)).toThrow(/user\/embedding has shape \[10,8\], the model expects \[10, 16\]/);
    const noContent = createEmbeddingModel({ numUsers: 10, numItems: ITEMS, config: { dim: 8 } });
    expect(() => noContent.importWeights(w)).toThrow(/unexpected weights content\//);
    const same = createEmbeddingModel({ numUsers: 10, numItems: ITEMS, features: features(), config: { dim: 8 } });
    const { ['item/bias']: _b, ...missing } = w.tensors;
    expect(() => same.importWeights({ ...w, tensors: missing })).toThrow(/missing item-side weights item\/bias/);
    const f2 = features();
    f2.vocabulary = [...f2.vocabulary.slice(0, -1), 'other'];
    const otherVocab = createEmbeddingModel({ numUsers: 10, numItems: ITEMS, features: f2, config: { dim: 8 } });
    expect(() => otherVocab.importWeights(w)).toThrow(/different feature vocabulary/);
    expect(() => same.importWeights(w, { strict: true })).not.toThrow();
    const moreUsers = createEmbeddingModel({ numUsers: 11, numItems: ITEMS, features: features(), config: { dim: 8 } });
    const before = await moreUsers.itemEmbeddings().data();
    const bad = { ...w, tensors: { ...w.tensors, 'item/bias': { ...w.tensors['item/bias']!, data: new ArrayBuffer(8) } } };
    expect(() => moreUsers.importWeights(bad)).toThrow(/user\/embedding has shape|item\/bias carries 8 bytes/);
    expect(Array.from(await moreUsers.itemEmbeddings().data())).toEqual(Array.from(before)); // nothing assigned
    for (const m of [a, wrongDim, noContent, same, otherVocab, moreUsers]) m.dispose();
  });

  it('does not leak: tensors and bytes after 200 steps equal those after 10; fit/score/foldIn balanced', async () => {
    const model = createEmbeddingModel({ numUsers: USERS + FRESH, numItems: ITEMS, features: features(), config: { ...FAST, dropout: 0.2, batchSize: 32, negatives: 4 } });
    const task = model.createTrainTask(planted());
    task.startEpoch();
    for (let i = 0; i < 10; i++) task.step().loss.dispose();
    const m10 = tf.memory();
    for (let i = 0; i < 190; i++) task.step().loss.dispose();
    const m200 = tf.memory();
    expect(m200.numTensors).toBe(m10.numTensors);
    expect(m200.numBytes).toBe(m10.numBytes);
    task.dispose();

    await model.scoreAll({ user: 0, history: new Int32Array() }); // builds the item cache
    const base = tf.memory().numTensors;
    await fitModel(model, planted());
    await model.scoreAll({ user: 0, history: new Int32Array() });
    await model.foldIn(USERS, Int32Array.from([1, 2]), Float32Array.from([1, -1]));
    await model.scoreAll({ user: -1, history: Int32Array.from([1, 2]) });
    expect(tf.memory().numTensors).toBe(base);
    const all = tf.memory().numTensors;
    model.dispose();
    expect(tf.memory().numTensors).toBeLessThan(all);
  });

  it('stops when the signal aborts and reports cancelled', async () => {
    const model = createEmbeddingModel({ numUsers: USERS + FRESH, numItems: ITEMS, config: { ...FAST, maxEpochs: 1000 } });
    const controller = new AbortController();
    let calls = 0;
    const before = tf.memory().numTensors;
    const summary = await fitModel(model, planted(), {
      signal: controller.signal,
      onProgress: () => {
        if (++calls === 3) controller.abort();
      },
    });
    expect(summary.cancelled).toBe(true);
    expect(summary.steps).toBeLessThan(100);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('is reproducible with a seed; configHash is stable and order-independent', async () => {
    const run = async () => {
      const m = createEmbeddingModel({ numUsers: USERS + FRESH, numItems: ITEMS, features: features(), config: { ...FAST, maxEpochs: 2 } });
      await fitModel(m, planted(), { seed: 11 });
      const s = await m.scoreAll({ user: 4, history: new Int32Array() });
      m.dispose();
      return Array.from(s);
    };
    expect(await run()).toEqual(await run());
    expect(configHash({ dim: 8, lr: 0.1 })).toBe(configHash({ lr: 0.1, dim: 8 }));
    expect(configHash({ dim: 8 })).not.toBe(configHash({ dim: 9 }));
    expect(configHash({})).toMatch(/^emb-[0-9a-f]{16}$/);
    expect(() => createEmbeddingModel({ numUsers: 1, numItems: 1, config: { loss: 'nope' as 'bpr' } })).toThrow(/EmbeddingConfig.loss/);
  });
});
