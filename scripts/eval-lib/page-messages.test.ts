import { describe, expect, it } from 'vitest';
import type { TimeToQualityEpoch, TimeToQualityResult } from '../../src/eval';
import { EVAL_OUTCOME_SCHEMA, TTQ_EPOCH_SCHEMA, TTQ_RESULT_SCHEMA, checkPageMessage, pageResultSchema } from './page-messages';

const EPOCH: TimeToQualityEpoch = {
  epoch: 0,
  trainMs: 41_234.5,
  trainCpuMs: null,
  steps: 120,
  validation: 0.07,
  testNdcg10: 0.05,
  testHr10: 0.1,
  loadAverage: [1.5, 1.2, 1],
};

const RESULT: TimeToQualityResult = {
  model: 'sasrec',
  backend: 'wasm',
  dataset: 'ml-100k',
  target: 0.0869,
  secondsToTarget: null,
  cpuSecondsToTarget: null,
  loadAverage: { start: [1, 1, 1], end: [2, 2, 2] },
  bestTestNdcg10: 0.05,
  config: { maxLen: 50, lr: 0.003 },
  curve: [{ epoch: 0, seconds: 41.235, cpuSeconds: null, steps: 120, validation: null, testNdcg10: 0.05 }],
};

describe('messages from the eval page', () => {
  it('pass when they have their type', () => {
    expect(checkPageMessage(TTQ_EPOCH_SCHEMA, EPOCH, 'epoch report')).toEqual(EPOCH);
    expect(checkPageMessage(TTQ_RESULT_SCHEMA, RESULT, 'result')).toEqual(RESULT);
    const envelope = pageResultSchema(TTQ_RESULT_SCHEMA);
    expect(checkPageMessage(envelope, { ok: true, outcome: RESULT }, 'result')).toEqual({ ok: true, outcome: RESULT });
    expect(checkPageMessage(envelope, { ok: false, name: 'DatasetError', message: 'x.inter line 5' }, 'result')).toEqual({
      ok: false,
      name: 'DatasetError',
      message: 'x.inter line 5',
    });
    const outcome = { report: { dataset: {}, protocol: {}, results: [] }, skipped: [] };
    expect(checkPageMessage(pageResultSchema(EVAL_OUTCOME_SCHEMA), { ok: true, outcome }, 'evaluation result')).toEqual({ ok: true, outcome });
  });

  it('are refused with the field named when they do not', () => {
    expect(() => checkPageMessage(TTQ_EPOCH_SCHEMA, { ...EPOCH, testNdcg10: null }, 'epoch report')).toThrow(
      /malformed epoch report: testNdcg10: /,
    );
    // NaN and infinities do not pass as numbers (a broken metric must not become a JSON null)
    expect(() => checkPageMessage(TTQ_EPOCH_SCHEMA, { ...EPOCH, trainMs: Number.NaN }, 'epoch report')).toThrow(/trainMs/);
    expect(() => checkPageMessage(TTQ_EPOCH_SCHEMA, { ...EPOCH, validation: 1.5 }, 'epoch report')).toThrow(/validation/);
    expect(() => checkPageMessage(TTQ_RESULT_SCHEMA, { ...RESULT, curve: [{ ...RESULT.curve[0], steps: -1 }] }, 'result')).toThrow(
      /curve\.0\.steps/,
    );
    expect(() => checkPageMessage(TTQ_RESULT_SCHEMA, { ...RESULT, loadAverage: { start: [1] } }, 'result')).toThrow(/loadAverage\.end/);
    expect(() => checkPageMessage(pageResultSchema(TTQ_RESULT_SCHEMA), { ok: 'yes' }, 'result')).toThrow(/malformed result/);
    expect(() => checkPageMessage(pageResultSchema(EVAL_OUTCOME_SCHEMA), { ok: true, outcome: { report: {} } }, 'evaluation result')).toThrow(
      /not an EvalOutcome/,
    );
    expect(() => checkPageMessage(TTQ_EPOCH_SCHEMA, 'epoch 1', 'epoch report')).toThrow(/\(root\)/);
  });
});
