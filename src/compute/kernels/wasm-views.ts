import * as tf from '@tensorflow/tfjs';

/**
 * Replacements for four kernels of TF.js 4.22's wasm backend that copy far more memory than
 * their result needs. Profiled on one SASRec training step in Node (wasm, ML-100K, batch 128):
 *
 * - `Slice` (and `SplitV` and `Unpack`, which call it) first copies the WHOLE input out of the
 *   wasm heap (`readSync`), then copies the slice from that copy: `tf.split` of a `[6400, 192]`
 *   projection copies 3 x 4.9 MB to produce 4.9 MB, and `tf.unstack` of a GRU's `[B, W, 3d]`
 *   input projection copies the whole tensor once per time step. 18% of the step.
 * - `Identity` (what `tf.clone` runs, and so every tensor a gradient saves) copies the data;
 *   TF.js's cpu backend shares it and counts a reference instead, as the wasm backend's own
 *   `Reshape` already does. 13% of the step.
 *
 * These read and write the heap through views (`typedArrayFromHeap`) and copy only the slice;
 * `Identity` shares the input's data. Results are bit-identical to the originals (checked against
 * the cpu backend in wasm-views.test.ts). String tensors go to the original kernels.
 */

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use (not exported by the package). */
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  incRef(dataId: tf.TensorInfo['dataId']): void;
}

type KernelArgs = { inputs: Record<string, tf.TensorInfo>; attrs?: Record<string, unknown>; backend: unknown };

const VIEW_DTYPES: ReadonlySet<string> = new Set(['float32', 'int32', 'bool']);

/** Strides of a row-major shape. */
function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/**
 * Copies the box `begin`/`size` of `x` into a new output, touching only the box: contiguous runs
 * of the last axes are copied with one `set` each, shorter runs element by element.
 */
export function sliceView(backend: WasmBackend, x: tf.TensorInfo, begin: readonly number[], size: readonly number[]): tf.TensorInfo {
  // makeOutput may grow the wasm memory (detaching older views): views are taken after it
  const out = backend.makeOutput([...size], x.dtype);
  const n = size.reduce((a, b) => a * b, 1);
  if (n === 0) return out;
  const xv = backend.typedArrayFromHeap(x);
  const ov = backend.typedArrayFromHeap(out);
  const shape = x.shape;
  const rank = shape.length;
  const strides = stridesOf(shape);
  // the longest suffix of axes taken whole: one contiguous run per index of the axes before it
  let inner = rank;
  let run = 1;
  while (inner > 0 && (inner === rank || (begin[inner]! === 0 && size[inner]! === shape[inner]!))) {
    inner -= 1;
    run *= size[inner]!;
  }
  // axes [0, inner) vary run by run; axis `inner` is partly taken and is inside the run
  const outer = size.slice(0, inner);
  const runs = outer.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(inner).fill(0);
  let o = 0;
  for (let r = 0; r < runs; r++) {
    let off = begin[inner] !== undefined ? begin[inner]! * strides[inner]! : 0;
    for (let a = 0; a < inner; a++) off += (begin[a]! + idx[a]!) * strides[a]!;
    if (run >= 64) {
      ov.set(xv.subarray(off, off + run), o);
    } else {
      for (let j = 0; j < run; j++) ov[o + j] = xv[off + j]!;
    }
    o += run;
    for (let a = inner - 1; a >= 0; a--) {
      if (++idx[a]! < outer[a]!) break;
      idx[a] = 0;
    }
  }
  return out;
}

function parseSlice(x: tf.TensorInfo, begin: number | number[], size?: number | number[]): { begin: number[]; size: number[] } {
  const [b, s] = tf.slice_util.parseSliceParams(x, begin, size);
  return { begin: b!, size: s! };
}

let installed = false;

/**
 * Registers the view-based kernels on the 'wasm' backend in place of TF.js's (once; a no-op when
 * the wasm backend's kernels are not registered, e.g. a build without it). Call before training.
 */
export function installWasmViewKernels(): boolean {
  if (installed) return true;
  const originals = new Map<string, tf.KernelConfig>();
  for (const name of ['Slice', 'SplitV', 'Unpack', 'Identity']) {
    const k = tf.getKernel(name, 'wasm');
    if (k === undefined) return false;
    originals.set(name, k);
  }
  const replace = (name: string, kernelFunc: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]) => {
    const original = originals.get(name)!;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      ...original,
      kernelFunc: ((args: KernelArgs) => {
        const x = args.inputs.x ?? args.inputs.value;
        if (x === undefined || !VIEW_DTYPES.has(x.dtype)) return original.kernelFunc(args as never);
        return kernelFunc(args);
      }) as tf.KernelFunc,
    });
  };
  replace('Slice', ({ inputs, attrs, backend }) => {
    const x = inputs.x!;
    const { begin, size } = parseSlice(x, attrs!.begin as number[], attrs!.size as number[]);
    return sliceView(backend as WasmBackend, x, begin, size);
  });
  replace('SplitV', ({ inputs, attrs, backend }) => {
    const x = inputs.x!;
    const axis = tf.util.parseAxisParam(attrs!.axis as number, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x, attrs!.numOrSizeSplits as number[] | number, axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const out = sliceView(backend as WasmBackend, x, begin, size);
      begin[axis]! += s;
      return out;
    });
  });
  replace('Unpack', ({ inputs, attrs, backend }) => {
    const x = inputs.value!;
    const axis = tf.util.parseAxisParam((attrs!.axis as number) ?? 0, x.shape)[0]!;
    const outShape = x.shape.filter((_, i) => i !== axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    const size = [...x.shape];
    size[axis] = 1;
    const outs: tf.TensorInfo[] = [];
    for (let i = 0; i < x.shape[axis]!; i++) {
      begin[axis] = i;
      const o = sliceView(backend as WasmBackend, x, begin, size);
      outs.push({ dataId: o.dataId, dtype: o.dtype, shape: outShape });
    }
    return outs;
  });
  replace('Identity', ({ inputs, backend }) => {
    const x = inputs.x!;
    (backend as WasmBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
  installed = true;
  return true;
}
