/**
 * The TF.js wasm backend's threaded build starts its pthread workers from `blob:` URLs: the worker
 * script and, inside it, `importScripts` of the Emscripten factory. A strict CSP
 * (`script-src 'self'`) forbids both, so on a cross-origin-isolated page the engine crashed.
 *
 * This build plugin emits the two scripts as same-origin files next to the engine worker and
 * points the backend at them, so the CSP stays strict and threads still work. It rewrites two
 * expressions in `@tensorflow/tfjs-backend-wasm/dist/backend_wasm.js`, and fails the build when
 * either is not found (a TF.js upgrade that moved them must be looked at, not silently shipped).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Plugin } from 'vite';

const BACKEND_MODULE = /@tensorflow[\\/]tfjs-backend-wasm[\\/]dist[\\/]backend_wasm\.js$/;

/** `const response = wasmWorkerContents...; const blob = new Blob([response]...); return URL.createObjectURL(blob);` */
const WORKER_BLOB = /const response = wasmWorkerContents\.replace\([^\n]*\n\s*const blob = new Blob\(\[response\], \{ type: 'application\/javascript' \}\);\s*return URL\.createObjectURL\(blob\);/;
/** `factoryConfig.mainScriptUrlOrBlob = new Blob([`var WasmBackendModuleThreadedSimd = ` + ...toString()], ...);` */
const MAIN_SCRIPT_BLOB = /factoryConfig\.mainScriptUrlOrBlob = new Blob\(\[`var WasmBackendModuleThreadedSimd = ` \+\s*wasmFactoryThreadedSimd\.toString\(\)\], \{ type: 'text\/javascript' \}\);/;

const require = createRequire(import.meta.url);

function readPackageFile(path: string): string {
  return readFileSync(require.resolve(`@tensorflow/tfjs-backend-wasm/${path}`), 'utf8');
}

/** The pthread worker's own source, which the package ships only as a JS string export. */
function pthreadWorkerSource(): string {
  const wrapped: { wasmWorkerContents?: unknown } = {};
  const source = readPackageFile('wasm-out/tfjs-backend-wasm-threaded-simd.worker.js');
  new Function('module', source)({ exports: wrapped });
  if (typeof wrapped.wasmWorkerContents !== 'string') {
    throw new Error('tfjs-backend-wasm: wasmWorkerContents not found in the threaded worker module');
  }
  // As the package does before making its blob: the template literal turned the script's "\n"
  // escapes into real newlines, which would break its string literals.
  return wrapped.wasmWorkerContents.replace(/\n/g, '\\n');
}

function replaceOnce(code: string, pattern: RegExp, replacement: string, what: string): string {
  if (!pattern.test(code)) {
    throw new Error(`burrow-wasm-thread-scripts: ${what} not found in tfjs-backend-wasm; check the plugin against this TF.js version.`);
  }
  return code.replace(pattern, replacement);
}

export function wasmThreadScripts(): Plugin {
  return {
    name: 'burrow-wasm-thread-scripts',
    apply: 'build',
    transform(code, id) {
      if (!BACKEND_MODULE.test(id.split('?')[0]!)) return null;
      const workerRef = this.emitFile({
        type: 'asset',
        name: 'tfjs-backend-wasm-threaded-simd.worker.js',
        source: pthreadWorkerSource(),
      });
      const mainRef = this.emitFile({
        type: 'asset',
        name: 'tfjs-backend-wasm-threaded-simd.js',
        source: readPackageFile('wasm-out/tfjs-backend-wasm-threaded-simd.js'),
      });
      let out = replaceOnce(code, WORKER_BLOB, `return import.meta.ROLLUP_FILE_URL_${workerRef};`, 'the pthread worker blob');
      out = replaceOnce(
        out,
        MAIN_SCRIPT_BLOB,
        `factoryConfig.mainScriptUrlOrBlob = import.meta.ROLLUP_FILE_URL_${mainRef};`,
        'the main-script blob',
      );
      return { code: out, map: null };
    },
  };
}
