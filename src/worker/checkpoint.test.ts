import { describe, expect, it } from 'vitest';
import type { SerializedWeights } from '../common';
import type { CheckpointRecord } from '../store';
import { fromCheckpoint, toCheckpoint } from './checkpoint';

const f32 = (...xs: number[]) => Float32Array.from(xs).buffer;

describe('checkpoints of the weight container', () => {
  it('round-trip the header, the tensors and the extras', () => {
    const weights: SerializedWeights = {
      format: 'burrow-embedding/1',
      configHash: 'emb-1',
      featuresHash: 'f-1',
      tensors: { 'item/bias': { shape: [2, 1], dtype: 'float32', data: f32(1, 2) } },
    };
    const record = toCheckpoint('embedding/personal', 'embedding', weights, 'cat', 5, { info: { steps: 3 } });
    expect(record).toMatchObject({ key: 'embedding/personal', modelName: 'embedding', catalogId: 'cat', configHash: 'emb-1', createdAt: 5 });
    const back = fromCheckpoint(record, 'the stored model');
    expect(back.weights).toEqual(weights);
    expect(back.meta.info).toEqual({ steps: 3 });
  });

  it('read the layouts the embedding and sequence models stored before they shared one', () => {
    const embedding: CheckpointRecord = {
      key: 'embedding/personal',
      modelName: 'embedding',
      catalogId: 'cat',
      configHash: 'emb-1',
      createdAt: 1,
      meta: { info: { trainedAt: 1 }, configHash: 'emb-1', featuresHash: 'f-1', shapes: { 'item/bias': { shape: [2], dtype: 'float32' } } },
      weights: { 'item/bias': f32(3, 4) },
    };
    expect(fromCheckpoint(embedding, 'the stored model').weights).toEqual({
      format: 'burrow-embedding/1',
      configHash: 'emb-1',
      featuresHash: 'f-1',
      tensors: { 'item/bias': { shape: [2], dtype: 'float32', data: f32(3, 4) } },
    });
    const sequence: CheckpointRecord = {
      key: 'sasrec/personal',
      modelName: 'sasrec',
      catalogId: 'cat',
      configHash: 'sasrec-1',
      createdAt: 1,
      meta: { packId: 'p', shapes: { 'item/embedding': { shape: [1, 2], dtype: 'float32' } } },
      weights: { 'item/embedding': f32(5, 6) },
    };
    const read = fromCheckpoint(sequence, 'the stored sequence model');
    expect(read.weights).toMatchObject({ format: 'burrow-sasrec/1', configHash: 'sasrec-1', featuresHash: null });
    expect(read.meta.packId).toBe('p');
  });

  it('refuse what they cannot read, saying which', () => {
    const base: CheckpointRecord = { key: 'k', modelName: 'sasrec', catalogId: 'c', configHash: 'h', createdAt: 1, meta: null, weights: {} };
    expect(() => fromCheckpoint(base, 'the stored sequence model')).toThrow('the stored sequence model is in an unknown layout');
    expect(() => fromCheckpoint({ ...base, modelName: 'bert', meta: { shapes: {} } }, 'x')).toThrow(/unknown layout/);
    expect(() => fromCheckpoint({ ...base, meta: { shapes: { a: { shape: [1], dtype: 'float32' } } } }, 'the stored model')).toThrow('the stored model lacks a');
  });
});
