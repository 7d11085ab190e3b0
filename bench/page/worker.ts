/// <reference lib="webworker" />
/** Bench worker: proves initBackend + the fused kernel work off the main thread. */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/compute/backend';
import { WASM_URLS } from '../../src/compute/wasm-urls';
import { topKByEmbedding } from '../../src/ranking';
import type { BackendPreference } from '../../src/compute/backend-plan';

self.onmessage = async (e: MessageEvent<{ preference: BackendPreference }>) => {
  try {
    const info = await initBackend({ preference: e.data.preference, wasmPaths: WASM_URLS });
    const emb = tf.tensor2d([1, 0, 0, 1, 1, 1, 2, 2], [4, 2]);
    const user = tf.tensor1d([1, 1]);
    const kernels = info.backend === 'webgpu' ? 'fused' : 'stock';
    const top = await topKByEmbedding(emb, user, null, 2, new Int32Array([3]), { kernels });
    tf.dispose([emb, user]);
    const ok = info.backend === e.data.preference && Array.from(top.indices).join(',') === '2,0';
    postMessage({ ok, detail: `backend ${info.backend} (${info.adapter?.architecture ?? 'no adapter'}), kernels ${kernels}, top ${Array.from(top.indices).join(',')}` });
  } catch (err) {
    postMessage({ ok: false, detail: err instanceof Error ? err.message : String(err) });
  }
};
