import * as tf from '@tensorflow/tfjs';
import { Rng, randomNormalArray } from '../../common';
import type { SequenceConfig, SequenceKind } from './config';
import { attentionWeights, dense, layerNorm, mm, mmT } from './ops';

/**
 * The two sequence encoders as pure functions of their parameter tensors, so the same code runs
 * under a gradient tape (training, fine-tuning) and without one (scoring, validation).
 *
 * Layout conventions: a batch is `[B, W]` item slots, LEFT-padded (newest item in the last
 * column), with a `[B, W]` float mask (1 = real item). W <= maxLen can vary per call: SASRec's
 * positions are right-aligned (the newest item always gets position row maxLen-1), so a history
 * gives the same output whatever the amount of padding around it.
 */

/** Weight names (also the keys of SerializedWeights.tensors). */
export const ITEM_EMBEDDING = 'item/embedding';
export const POSITION_EMBEDDING = 'position/embedding';

/** Shapes of every dense (non item-table) parameter, in a fixed order. */
export function denseParamShapes(kind: SequenceKind, c: SequenceConfig): [string, number[]][] {
  const d = c.dim;
  if (kind === 'gru4rec') {
    return [
      ['gru/kernel', [d, 3 * d]],
      ['gru/recurrent_kernel', [d, 3 * d]],
      ['gru/bias', [3 * d]],
      ['gru/recurrent_bias', [3 * d]],
      ['gru/out/kernel', [d, d]],
      ['gru/out/bias', [d]],
    ];
  }
  const f = d * c.ffnMultiplier;
  const out: [string, number[]][] = [[POSITION_EMBEDDING, [c.maxLen, d]]];
  for (let b = 0; b < c.numBlocks; b++) {
    const p = `block${b}`;
    out.push(
      [`${p}/ln1/gamma`, [d]],
      [`${p}/ln1/beta`, [d]],
      [`${p}/attn/qkv/kernel`, [d, 3 * d]],
      [`${p}/attn/qkv/bias`, [3 * d]],
      [`${p}/attn/out/kernel`, [d, d]],
      [`${p}/attn/out/bias`, [d]],
      [`${p}/ln2/gamma`, [d]],
      [`${p}/ln2/beta`, [d]],
      [`${p}/ffn/1/kernel`, [d, f]],
      [`${p}/ffn/1/bias`, [f]],
      [`${p}/ffn/2/kernel`, [f, d]],
      [`${p}/ffn/2/bias`, [d]],
    );
  }
  out.push(['final_ln/gamma', [d]], ['final_ln/beta', [d]]);
  return out;
}

/**
 * Initial values on the CPU with the seeded RNG (identical on every backend). Xavier-normal
 * matrices and embeddings as in the SASRec reference code, LN gamma 1, biases 0.
 */
export function initialValues(kind: SequenceKind, c: SequenceConfig, numItems: number): Map<string, tf.Tensor> {
  const rng = new Rng(c.seed);
  const out = new Map<string, tf.Tensor>();
  const d = c.dim;
  out.set(ITEM_EMBEDDING, tf.tensor2d(randomNormalArray(numItems * d, Math.sqrt(2 / (numItems + d)), rng), [numItems, d]));
  for (const [name, shape] of denseParamShapes(kind, c)) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (shape.length === 2) {
      out.set(name, tf.tensor(randomNormalArray(size, Math.sqrt(2 / (shape[0]! + shape[1]!)), rng), shape));
    } else if (name.endsWith('/gamma')) {
      out.set(name, tf.ones(shape));
    } else {
      out.set(name, tf.zeros(shape));
    }
  }
  return out;
}

/**
 * Inverted dropout with masks drawn on the CPU from the seeded RNG: reproducible on every
 * backend, and cheaper on wasm than tf.randomUniform's generator. `null` rate 0 = identity.
 */
export class Dropper {
  constructor(
    private readonly rate: number,
    private readonly rng: Rng,
  ) {}

  apply<T extends tf.Tensor>(x: T): T {
    if (this.rate <= 0) return x;
    const m = this.rng.fillDropoutMask(new Float32Array(x.size), 1 - this.rate);
    return tf.mul(x, tf.tensor(m, x.shape)) as T;
  }
}

export interface EncodeOptions {
  /** training-time dropout, null = inference */
  drop: Dropper | null;
  /** test hook: false removes the causal mask (the causality test must then fail) */
  causal?: boolean;
}

/**
 * SASRec encoder (pre-LN transformer blocks, as in the reference PyTorch port).
 * @param x `[B, W, d]` item embeddings, already zero on padding
 * @param mask `[B, W]`
 * @returns `[B, W, d]` hidden state per position (row t has only seen items <= t)
 */
export function sasrecEncode(p: Record<string, tf.Tensor>, c: SequenceConfig, x: tf.Tensor3D, mask: tf.Tensor2D, opts: EncodeOptions): tf.Tensor3D {
  const [B, W, d] = x.shape;
  const H = c.numHeads;
  const dh = d / H;
  const drop = opts.drop;
  const dr = <T extends tf.Tensor>(t: T): T => (drop ? drop.apply(t) : t);
  const mask3 = tf.reshape(mask, [B, W, 1]);
  const pos = tf.slice(p[POSITION_EMBEDDING]!, [c.maxLen - W, 0], [W, d]);
  let h: tf.Tensor = tf.mul(dr(tf.add(tf.mul(x, Math.sqrt(d)), pos)), mask3);
  const causal = opts.causal ?? true;
  const toHeads = (t: tf.Tensor): tf.Tensor3D =>
    (H === 1 ? tf.reshape(t, [B, W, dh]) : tf.reshape(tf.transpose(tf.reshape(t, [B, W, H, dh]), [0, 2, 1, 3]), [B * H, W, dh])) as tf.Tensor3D;
  const fromHeads = (t: tf.Tensor): tf.Tensor2D =>
    (H === 1 ? tf.reshape(t, [B * W, d]) : tf.reshape(tf.transpose(tf.reshape(t, [B, H, W, dh]), [0, 2, 1, 3]), [B * W, d])) as tf.Tensor2D;
  for (let b = 0; b < c.numBlocks; b++) {
    const n = `block${b}`;
    const y = tf.reshape(layerNorm(h, p[`${n}/ln1/gamma`]!, p[`${n}/ln1/beta`]!), [B * W, d]) as tf.Tensor2D;
    const [q, k, v] = tf.split(dense(y, p[`${n}/attn/qkv/kernel`]!, p[`${n}/attn/qkv/bias`]!), 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const att = dr(attentionWeights(mmT(toHeads(q), toHeads(k)), mask, H, 1 / Math.sqrt(dh), causal)); // [B*H, W, W]
    const o = fromHeads(mm(att, toHeads(v)));
    h = tf.add(h, dr(tf.reshape(dense(o, p[`${n}/attn/out/kernel`]!, p[`${n}/attn/out/bias`]!), [B, W, d])));
    const y2 = tf.reshape(layerNorm(h, p[`${n}/ln2/gamma`]!, p[`${n}/ln2/beta`]!), [B * W, d]) as tf.Tensor2D;
    const f = dr(tf.relu(dense(y2, p[`${n}/ffn/1/kernel`]!, p[`${n}/ffn/1/bias`]!)));
    h = tf.add(h, dr(tf.reshape(dense(f, p[`${n}/ffn/2/kernel`]!, p[`${n}/ffn/2/bias`]!), [B, W, d])));
    h = tf.mul(h, mask3);
  }
  return layerNorm(h, p['final_ln/gamma']!, p['final_ln/beta']!) as tf.Tensor3D;
}

/**
 * GRU4Rec encoder: one GRU layer (PyTorch gate convention: the reset gate multiplies the
 * recurrent projection INCLUDING its bias), unrolled with plain ops. The input projection of all
 * W steps is one matMul; each step is one `[B, d] x [d, 3d]` matMul plus elementwise ops.
 * Padded steps carry the state through unchanged, so left padding leaves the state at 0.
 * Inputs are scaled by sqrt(d) as in SASRec (the tied table is initialised small), and the
 * state goes through a linear output layer: a tanh-bounded state dotted with small tied
 * embeddings alone gives near-uniform logits and training stalls.
 * @param x `[B, W, d]`, @param mask `[B, W]`
 * @returns `[B, W, d]` the output after each step
 */
export function gruEncode(p: Record<string, tf.Tensor>, c: SequenceConfig, x: tf.Tensor3D, mask: tf.Tensor2D, opts: EncodeOptions): tf.Tensor3D {
  const [B, W, d] = x.shape;
  const drop = opts.drop;
  const xs0 = tf.mul(x, Math.sqrt(d));
  const xIn = drop ? drop.apply(xs0) : xs0;
  const xs = tf.unstack(tf.reshape(dense(tf.reshape(xIn, [B * W, d]) as tf.Tensor2D, p['gru/kernel']!, p['gru/bias']!), [B, W, 3 * d]), 1);
  const ms = tf.unstack(tf.reshape(mask, [B, W, 1]), 1);
  const U = p['gru/recurrent_kernel']! as tf.Tensor2D;
  const bu = p['gru/recurrent_bias']!;
  let h: tf.Tensor = tf.zeros([B, d]);
  const outs: tf.Tensor[] = [];
  for (let t = 0; t < W; t++) {
    const xt = xs[t]!;
    const hu = dense(h as tf.Tensor2D, U, bu); // [B, 3d]
    const gates = tf.sigmoid(tf.add(tf.slice(xt, [0, 0], [B, 2 * d]), tf.slice(hu, [0, 0], [B, 2 * d])));
    const z = tf.slice(gates, [0, 0], [B, d]);
    const r = tf.slice(gates, [0, d], [B, d]);
    const n = tf.tanh(tf.add(tf.slice(xt, [0, 2 * d], [B, d]), tf.mul(r, tf.slice(hu, [0, 2 * d], [B, d]))));
    const hNew = tf.add(n, tf.mul(z, tf.sub(h, n))); // (1-z)*n + z*h
    h = tf.add(h, tf.mul(ms[t]!, tf.sub(hNew, h)));
    outs.push(h);
  }
  const states = tf.reshape(tf.stack(outs, 1), [B * W, d]) as tf.Tensor2D;
  const out = tf.reshape(dense(drop ? drop.apply(states) : states, p['gru/out/kernel']!, p['gru/out/bias']!), [B, W, d]) as tf.Tensor3D;
  return out;
}

export function encode(kind: SequenceKind, p: Record<string, tf.Tensor>, c: SequenceConfig, x: tf.Tensor3D, mask: tf.Tensor2D, opts: EncodeOptions): tf.Tensor3D {
  return kind === 'sasrec' ? sasrecEncode(p, c, x, mask, opts) : gruEncode(p, c, x, mask, opts);
}
