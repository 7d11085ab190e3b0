/**
 * The custom WebGPU kernels, for the model layers and the optimizer: a second public entry of
 * src/compute. It does not go through src/compute/index.ts on purpose: that index also carries
 * backend.ts, whose imports register the WebGPU and wasm backends as a side effect, and model code
 * run in Node (tests, the eval and pack CLIs) must not pick those up.
 */
export { canUseEmbeddingBagWebGPU, embeddingBagBackwardWebGPU, embeddingBagForwardWebGPU } from './embedding-bag-webgpu';
export {
  canUseScoreLossWebGPU,
  scoreLossBackwardWebGPU,
  scoreLossForwardWebGPU,
  scoreLossKernelKnownBad,
  validateScoreLossKernels,
  type SampledLoss,
  type ScoreLossDeviceBatch,
} from './score-loss-webgpu';
export { canUseSoftmaxCEWebGPU, fusedSoftmaxCrossEntropyWebGPU, softmaxCEKernelReady, validateSoftmaxCEKernels } from './softmax-ce-webgpu';
export { canUseSparseAdamWebGPU, sparseAdamRowsWebGPU, type SparseAdamHyper } from './sparse-adam-webgpu';
