/**
 * TF.js backend set-up for Node. Only imported when a TF model is evaluated, so baseline-only
 * runs never load TF.js (it is slow to import and prints a banner).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const NODE_BACKENDS = ['cpu', 'wasm', 'tensorflow'] as const;
export type NodeBackend = (typeof NODE_BACKENDS)[number];

/** Initialises the requested backend and returns the name TF.js reports as active. */
export async function prepareNodeBackend(backend: NodeBackend): Promise<string> {
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // In Node the .wasm binaries are read from the package folder, not fetched from a CDN.
    const require = createRequire(import.meta.url);
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(pathToFileURL(join(dist, '/')).pathname);
  } else if (backend === 'tensorflow') {
    // Optional native binding; not a dependency of Burrow. A variable specifier keeps tsc and
    // bundlers from requiring it to exist.
    const spec = '@tensorflow/tfjs-node';
    try {
      await import(/* @vite-ignore */ spec);
    } catch {
      throw new Error(
        '--backend tensorflow needs @tensorflow/tfjs-node, which is not installed; use cpu or wasm',
      );
    }
  }
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend "${backend}" failed to initialise`);
  await tf.ready();
  if (backend === 'wasm') {
    // view-based Slice/SplitV/Unpack/Identity in place of TF.js's copying ones (src/compute/kernels/wasm-views.ts)
    const { installWasmViewKernels } = await import('../../src/compute/kernels');
    installWasmViewKernels();
  }
  return tf.getBackend();
}
