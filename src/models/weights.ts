/**
 * A model's Variables into and out of the one weight container (src/common/weights.ts): every
 * model exports and imports its weights through these two functions, so the checks on what is
 * loaded are the same for all of them.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedTensors, SerializedWeights, WeightsHeader } from '../common';

export interface ImportOptions {
  /** also require the same configHash (default false: format, names, shapes, dtypes, vocabulary, values) */
  strict?: boolean;
}

/** Copies each variable out under its name (one readback each) with the model's header. */
export async function exportVariables(variables: Readonly<Record<string, tf.Variable>>, header: WeightsHeader): Promise<SerializedWeights> {
  const tensors: NamedTensors = {};
  for (const [name, v] of Object.entries(variables)) {
    const data = (await v.data()) as Float32Array;
    tensors[name] = { shape: [...v.shape], dtype: 'float32', data: data.slice().buffer };
  }
  return { ...header, tensors };
}

/**
 * Checks `weights` against the model (its header and Variables), then assigns every tensor; throws
 * an Error naming the first problem, and then assigns nothing. Checked: the format (when the
 * weights name one), the configHash (strict only), the feature vocabulary (when both have one),
 * that every name is the model's and every Variable is given (but `optional` ones), and each
 * tensor's shape, dtype, byte length and values (finite).
 * @param optional names that may be absent (their Variables keep their values)
 * @param missingLabel what the message calls the required weights
 */
export function importVariables(
  variables: Readonly<Record<string, tf.Variable>>,
  weights: SerializedWeights,
  expected: WeightsHeader,
  options: ImportOptions & { optional?: readonly string[]; missingLabel?: string } = {},
): void {
  const w = weights as Partial<SerializedWeights> | null;
  if (!w || typeof w !== 'object' || typeof w.tensors !== 'object' || w.tensors === null) {
    throw new Error('importWeights: not a SerializedWeights object (missing tensors)');
  }
  if (w.format !== undefined && w.format !== expected.format) {
    throw new Error(`importWeights: format '${String(w.format)}' is not this model's ('${expected.format}')`);
  }
  if (options.strict && w.configHash !== expected.configHash) {
    throw new Error(`importWeights: configHash ${String(w.configHash)} does not match the model's ${expected.configHash}`);
  }
  if (w.featuresHash != null && expected.featuresHash != null && w.featuresHash !== expected.featuresHash) {
    throw new Error('importWeights: the weights were trained on a different feature vocabulary');
  }
  const tensors = w.tensors;
  const unknown = Object.keys(tensors).filter((k) => !Object.hasOwn(variables, k));
  if (unknown.length) {
    throw new Error(`importWeights: unexpected weights ${unknown.join(', ')} (the model has ${Object.keys(variables).join(', ')})`);
  }
  const optional = new Set(options.optional ?? []);
  const missing = Object.keys(variables).filter((k) => !optional.has(k) && !Object.hasOwn(tensors, k));
  if (missing.length) throw new Error(`importWeights: missing ${options.missingLabel ?? 'weights'} ${missing.join(', ')}`);
  const values: [tf.Variable, Float32Array][] = [];
  for (const [name, t] of Object.entries(tensors)) {
    const v = variables[name]!;
    if (!Array.isArray(t.shape) || t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i])) {
      throw new Error(`importWeights: ${name} has shape [${String(t.shape)}], the model expects [${v.shape.join(', ')}]`);
    }
    if (t.dtype !== 'float32') throw new Error(`importWeights: ${name} has dtype ${String(t.dtype)}, expected float32`);
    if (!(t.data instanceof ArrayBuffer) || t.data.byteLength !== v.size * 4) {
      throw new Error(`importWeights: ${name} carries ${(t.data as ArrayBuffer | undefined)?.byteLength ?? 0} bytes, expected ${v.size * 4}`);
    }
    // a private copy: tensors may alias their source array, and training must never write into
    // the caller's buffer
    const arr = new Float32Array(t.data.slice(0));
    for (let i = 0; i < arr.length; i++) {
      if (!Number.isFinite(arr[i]!)) throw new Error(`importWeights: ${name} contains a non-finite value at ${i}`);
    }
    values.push([v, arr]);
  }
  for (const [v, arr] of values) tf.tidy(() => v.assign(tf.tensor(arr, v.shape, 'float32')));
}
