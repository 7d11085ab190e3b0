import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Interactions, Recommender, ScoreQuery, TrainTask } from '../models';
import { createModel, modelNames, type ModelContext } from '../models';
import { nodeDatasetFiles } from '../../scripts/eval-lib/node-files';
import { formatTable } from './report';
import type { DatasetFiles } from './readers';
import { runEvaluation, type EvalProgress } from './run';

/** An in-memory folder, as a browser page would provide one. */
function memoryFiles(name: string, files: Record<string, string>): DatasetFiles {
  return {
    name,
    list: async () => Object.keys(files),
    read: async (f) => {
      const text = files[f];
      if (text === undefined) throw new Error(`no file ${f}`);
      return text;
    },
  };
}

// 4 users x 5 items. Users a, b, c have >= 3 events; d has 2 (training only).
const INTER =
  'user_id:token\titem_id:token\trating:float\ttimestamp:float\n' +
  ['a\t1\t5\t1', 'a\t2\t5\t2', 'a\t3\t5\t3', 'a\t4\t5\t4',
   'b\t1\t5\t1', 'b\t2\t5\t2', 'b\t3\t5\t3',
   'c\t2\t5\t1', 'c\t1\t5\t2', 'c\t5\t5\t3',
   'd\t1\t5\t1', 'd\t3\t5\t2'].join('\n') + '\n';

/**
 * A model that remembers what it was trained on and scores item i by `config.bias[i]`, so the
 * test can check which data and which config each phase used.
 */
class ProbeModel implements Recommender {
  readonly name = 'probe';
  static fits: { events: number; config: unknown }[] = [];
  constructor(private readonly ctx: ModelContext) {}
  createTrainTask(data: Interactions, seed?: number): TrainTask {
    ProbeModel.fits.push({ events: data.user.length, config: this.ctx.config });
    expect(seed).toBe(7);
    return { schedule: { maxEpochs: 1, patience: 0 }, stepsPerEpoch: 1, step: () => ({ examples: data.user.length }), variables: () => [], dispose() {} };
  }
  async scoreAll(_q: ScoreQuery) {
    return Float32Array.from((this.ctx.config?.['bias'] as number[] | undefined) ?? [0, 0, 0, 0, 0]);
  }
  dispose() {}
}

describe('runEvaluation', () => {
  it('tunes on validation, refits on train+validation, reports on test', async () => {
    ProbeModel.fits = [];
    const progress: EvalProgress[] = [];
    const logs: string[] = [];
    // items in first-appearance order: 1->0, 2->1, 3->2, 4->3, 5->4
    // validation targets: a:3 (idx 2), b:2 (idx 1), c:1 (idx 0); test: a:4 (3), b:3 (2), c:5 (4)
    const good = [0, 0, 5, 9, 1]; // ranks test targets well
    const bad = [0, 0, 0, 0, 0]; // all ties: no credit
    const favoursValidation = [9, 8, 7, 0, 0];
    const outcome = await runEvaluation(
      {
        format: 'recbole',
        models: ['probe'],
        seed: 7,
        registry: { probe: (ctx) => new ProbeModel(ctx) },
        searchSpaces: { probe: [{ bias: bad }, { bias: favoursValidation }, { bias: good }] },
      },
      {
        files: memoryFiles('toy', { 'toy.inter': INTER }),
        prepareBackend: async () => 'fake-backend',
        onProgress: (p) => progress.push(p),
        log: (l) => logs.push(l),
      },
    );
    const { report, skipped } = outcome;
    expect(skipped).toEqual([]);
    expect(report.dataset).toEqual({ name: 'toy', users: 4, items: 5, interactions: 12 });
    expect(report.protocol.validation_users).toBe(3);
    expect(report.protocol.test_users).toBe(3);
    // 3 tuning fits on train (12 - 2*3 = 6 events) + 1 final fit on train+validation (9 events)
    expect(ProbeModel.fits.map((f) => f.events)).toEqual([6, 6, 6, 9]);
    // chosen on validation, not test: favoursValidation wins there
    expect(ProbeModel.fits[3]!.config).toEqual({ bias: favoursValidation });
    const [r] = report.results;
    expect(r).toBeDefined();
    expect(r!.model).toBe('probe');
    expect(r!.backend).toBe('fake-backend');
    expect(r!.users_evaluated).toBe(3);
    expect(Object.keys(r!)).toEqual(['model', 'metrics', 'users_evaluated', 'train_seconds', 'backend', 'config']);
    // test with favoursValidation = [9,8,7,0,0]: a: history 1,2,3 excluded, target 4 (0) ties with
    // item 5 (0) -> rank 1; b: history 1,2 excluded, target 3 (7) -> rank 0;
    // c: history 2,1 excluded, target 5 (0) ties with item 4 and is below 3 -> rank 2
    expect(r!.metrics['HR@10']).toBe(1);
    expect(r!.metrics.MRR).toBeCloseTo((1 / 2 + 1 + 1 / 3) / 3, 12);
    expect(progress[0]!.stage).toBe('load');
    expect(progress.some((p) => p.stage === 'tune')).toBe(true);
    expect(progress.at(-1)).toMatchObject({ stage: 'test', step: 3, total: 3 });
    expect(logs.at(-1)).toMatch(/selected/);
    expect(formatTable(outcome)).toMatch(/probe\s+1\.0000/);
  });

  it('reports models that exceed the time budget as skipped', async () => {
    class Slow extends ProbeModel {
      override createTrainTask(): TrainTask {
        // Steps until the trainer stops it on the budget's abort.
        const step = () => {
          const t0 = performance.now();
          while (performance.now() - t0 < 2);
          return { examples: 1 };
        };
        return { schedule: { maxEpochs: 1, patience: 0, lossEvery: 1 }, stepsPerEpoch: 1e9, step, variables: () => [], dispose() {} };
      }
    }
    const outcome = await runEvaluation(
      {
        format: 'recbole',
        models: ['slow', 'probe'],
        seed: 7,
        maxMinutes: 0.002, // 120 ms
        registry: { slow: (ctx) => new Slow(ctx), probe: (ctx) => new ProbeModel(ctx) },
      },
      { files: memoryFiles('toy', { 'toy.inter': INTER }) },
    );
    expect(outcome.report.results).toEqual([]);
    expect(outcome.skipped.map((s) => s.model)).toEqual(['slow', 'probe']);
    expect(outcome.skipped[0]!.reason).toMatch(/time budget/);
    expect(outcome.report.protocol.max_minutes).toBe(0.002);
  });

  it('rejects unknown models before reading any data', async () => {
    const files = memoryFiles('toy', {});
    await expect(runEvaluation({ format: 'recbole', models: ['nope'] }, { files })).rejects.toThrow(
      'unknown model "nope" (known: pop, itemknn',
    );
    await expect(runEvaluation({ format: 'recbole', models: [] }, { files })).rejects.toThrow(/no models/);
  });

  it('runs the real baselines end to end on a tiny log', async () => {
    const outcome = await runEvaluation(
      { format: 'recbole', models: ['pop', 'itemknn'], searchSpaces: { itemknn: [{ k: 2, shrink: 0 }] } },
      { files: memoryFiles('toy', { 'toy.inter': INTER }) },
    );
    expect(outcome.report.results.map((r) => r.model)).toEqual(['pop', 'itemknn']);
    expect(outcome.report.results[1]!.config).toEqual({ k: 2, shrink: 0 });
    for (const r of outcome.report.results) {
      for (const v of Object.values(r.metrics)) expect(v).toBeGreaterThanOrEqual(0);
      expect(r.backend).toBe('cpu');
    }
  });
});

describe('model registry', () => {
  it('creates the baselines by name and explains unknown names', () => {
    expect(modelNames()).toEqual(expect.arrayContaining(['pop', 'itemknn']));
    expect(createModel('pop', { numUsers: 2, numItems: 3 }).name).toBe('pop');
    expect(createModel('itemknn', { numUsers: 2, numItems: 3, config: { k: 5 } }).name).toBe('itemknn');
    expect(() => createModel('toString', { numUsers: 1, numItems: 1 })).toThrow(/unknown model "toString"/);
  });
});

// The real benchmark, read in place (its licence forbids copying it into the repo).
const ML100K = process.env['BURROW_ML100K'] ?? fileURLToPath(new URL('../../../shared/data/ml-100k', import.meta.url));

describe.skipIf(!existsSync(ML100K))('ml-100k (read in place)', () => {
  it('loads 943 users, 1682 items, 100000 interactions and beats popularity with itemknn', async () => {
    const outcome = await runEvaluation(
      {
        format: 'recbole',
        models: ['pop', 'itemknn'],
        // One grid point keeps the test quick; the CLI searches the full grid.
        searchSpaces: { itemknn: [{ k: 50, shrink: 10 }] },
      },
      { files: await nodeDatasetFiles(ML100K) },
    );
    const { report } = outcome;
    expect(report.dataset).toEqual({ name: 'ml-100k', users: 943, items: 1682, interactions: 100000 });
    expect(report.protocol.test_users).toBe(943);
    const [pop, knn] = report.results;
    // Cross-checked against an independent NumPy implementation of the protocol.
    expect(pop!.metrics['HR@10']).toBeCloseTo(0.0859, 4);
    expect(knn!.metrics['HR@10']).toBeCloseTo(0.105, 3);
    expect(knn!.metrics['NDCG@10']).toBeGreaterThan(pop!.metrics['NDCG@10']);
  });
});
