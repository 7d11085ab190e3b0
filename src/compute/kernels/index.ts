/**
 * Burrow's fused WebGPU ops: the registry (defineFusedOp, KernelChoice) and each op's kernel half,
 * for the model layers, the optimizer and ranking: a second public entry of src/compute. It does
 * not go through src/compute/index.ts on purpose: that index also carries backend.ts, whose
 * imports register the WebGPU and wasm backends as a side effect, and model code run in Node
 * (tests, the eval and pack CLIs) must not pick those up.
 */
export { defineFusedOp, fusedOps, type FusedKernelSpec, type FusedOp, type FusedOpDefinition, type KernelChoice } from './registry';
export { EMBEDDING_BAG_KERNEL, embeddingBagBackwardWebGPU, embeddingBagForwardWebGPU } from './embedding-bag-webgpu';
export {
  SCORE_LOSS_KERNEL,
  scoreLossBackwardWebGPU,
  scoreLossForwardWebGPU,
  type SampledLoss,
  type ScoreLossConfig,
  type ScoreLossDeviceBatch,
} from './score-loss-webgpu';
export { SOFTMAX_CE_BLOCKED_KERNEL, SOFTMAX_CE_KERNEL, blockedSoftmaxCrossEntropyWebGPU, fusedSoftmaxCrossEntropyWebGPU } from './softmax-ce-webgpu';
export { BLOCKED_MATMUL_KERNEL, blockedMatMulWebGPU, columnSumWebGPU } from './blocked-matmul-webgpu';
export { LAYER_NORM_KERNEL, layerNormWebGPU } from './layer-norm-webgpu';
export { ATTENTION_SOFTMAX_KERNEL, attentionSoftmaxWebGPU } from './attention-softmax-webgpu';
export { SPARSE_ADAM_KERNEL, sparseAdamRowsWebGPU, type SparseAdamHyper } from './sparse-adam-webgpu';
export { FUSED_MAX_K, TOP_K_KERNEL, exclusionBitset, fusedRankTopK, fusedScoreTopKTensor, type TopKConfig, type TopKLists } from './topk-webgpu';
export { installWasmViewKernels } from './wasm-views';
