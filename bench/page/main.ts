/**
 * Bench page entry: imports the SAME src code as the app and exposes a tiny RPC surface that
 * bench/run.ts drives through Playwright (`window.__burrowBench`). One page load per backend.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, probeEnvironment, type BackendInfo, type DeviceLostInfo } from '../../src/compute/backend';
import { WASM_URLS } from '../../src/compute/wasm-urls';
import { planBackends, type BackendPlan, type BackendPreference, type BackendProbe } from '../../src/compute/backend-plan';
import { runRanking, type RankingParams } from './suites/ranking';
import { runTraining, type TrainingArm, type TrainingParams } from './suites/training';
import { embeddingBagChecks, runCorrectness, scoreLossChecks, sequenceLayerChecks, sequenceTrainingChecks, softmaxCEChecks } from './suites/correctness';
import { runFoldIn, type FoldInParams } from './suites/foldin';
import { runSequence, runSoftmaxCE, type SequenceParams } from './suites/sequence';

const lost: DeviceLostInfo[] = [];

export interface PageEnv {
  userAgent: string;
  hardwareConcurrency: number;
  crossOriginIsolated: boolean;
  tfVersion: string;
}

const api = {
  async init(preference: BackendPreference): Promise<{ info: BackendInfo; env: PageEnv }> {
    const info = await initBackend({ preference, wasmPaths: WASM_URLS, onDeviceLost: (i) => lost.push(i) });
    return {
      info,
      env: {
        userAgent: navigator.userAgent,
        hardwareConcurrency: navigator.hardwareConcurrency,
        crossOriginIsolated: globalThis.crossOriginIsolated,
        tfVersion: tf.version.tfjs,
      },
    };
  },
  /** what 'auto' decides here, without initialising anything */
  async autoPlan(): Promise<BackendPlan & { probe: BackendProbe }> {
    const { probe } = await probeEnvironment();
    return { ...planBackends('auto', probe), probe };
  },
  ranking: (p: RankingParams) => runRanking(p),
  training: (p: TrainingParams, arms: TrainingArm[], skip: Partial<Record<TrainingArm, string>>) => runTraining(p, arms, skip),
  correctness: () => runCorrectness(),
  /** the training kernels' checks alone (the e2e suite runs these) */
  trainingKernelChecks: async () => [...(await scoreLossChecks()), ...(await embeddingBagChecks())],
  /** the sequence models' WebGPU kernels (softmax cross-entropy, blocked products, layer norm) against stock ops (e2e) */
  sequenceKernelChecks: async () => [...(await softmaxCEChecks()), ...(await sequenceLayerChecks()), ...(await sequenceTrainingChecks())],
  foldin: (p: FoldInParams) => runFoldIn(p),
  sequence: (p: SequenceParams) => runSequence(p),
  softmaxCE: (p: { rows: number; items: number; dim: number; budgetMs: number }) => runSoftmaxCE(p),
  deviceLost: () => lost,
  memory: () => tf.memory(),
};

export type BenchApi = typeof api;
(globalThis as unknown as { __burrowBench: BenchApi }).__burrowBench = api;
document.getElementById('log')!.textContent += '\nready';
