/**
 * Burrow's fused WebGPU ops, registered in one place with one set of rules: each op pairs its
 * fused kernels with the stock TF.js form of the same computation, says which configurations the
 * kernels support, and how to run them once on a tiny input. The registry owns the rest, the same
 * way for every op: the choice between the two forms (one vocabulary, {@link KernelChoice}), the
 * check of a configuration's kernels on this device inside a WebGPU validation error scope (a
 * shader some driver rejects would otherwise leave its outputs silently unwritten), and the memory
 * of which configurations passed or failed it.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

/**
 * Which form of a fused op runs:
 * - 'auto': the fused kernels where they support the configuration on the active backend and have
 *   not failed validation on this device (ops with `autoNeedsValidation`: only once they passed
 *   it), else stock ops;
 * - 'stock': stock TF.js ops (every backend; cross-checks, benchmarks, the stock baselines);
 * - 'fused': the fused kernels; an error where they cannot run or failed validation.
 */
export type KernelChoice = 'auto' | 'stock' | 'fused';

/** The kernel half of an op: what its kernel file knows. */
export interface FusedKernelSpec<Config> {
  /** names the op in messages */
  name: string;
  /** what the kernels need, for the error of a 'fused' choice they cannot meet */
  requirement: string;
  /** the fused kernels can run `config` on the active backend (the backend, size limits) */
  supported(config: Config): boolean;
  /** configurations that compile to the same shaders share a key: validation is remembered per key */
  key(config: Config): string;
  /**
   * Runs the configuration's kernels once on a tiny input and returns every tensor it made (the
   * registry disposes them). Called only where `supported`, inside an error scope.
   */
  probe(config: Config): tf.Tensor[];
  /** 'auto' runs the kernels only after they passed validation (default: unless they failed it) */
  autoNeedsValidation?: boolean;
}

/** A whole op: the kernel half and both forms of the computation, with the same signature. */
export interface FusedOpDefinition<Config, Impl> extends FusedKernelSpec<Config> {
  fused: Impl;
  stock: Impl;
}

export interface FusedOp<Config, Impl> {
  readonly name: string;
  /** the form `choice` resolves to for `config` on the active backend now (throws for an impossible 'fused') */
  choose(choice: KernelChoice, config: Config): 'fused' | 'stock';
  /** the function of the chosen form */
  implementation(choice: KernelChoice, config: Config): Impl;
  /** {@link choose}, after validating the kernels on their first use here when they would run */
  chooseValidated(choice: KernelChoice, config: Config): Promise<'fused' | 'stock'>;
  /**
   * Checks the configuration's kernels on this device once (later calls answer from memory): false
   * when they are not supported here or failed, and 'auto' then runs stock ops.
   */
  validate(config: Config): Promise<boolean>;
  /** 'passed', 'failed' or 'unchecked' on this device */
  status(config: Config): 'passed' | 'failed' | 'unchecked';
}

/** Validation results per device (a new device after a loss starts unchecked), then per op and key. */
const results = new WeakMap<GPUDevice, Map<string, boolean>>();
const registered: FusedOp<unknown, unknown>[] = [];

function deviceResults(): Map<string, boolean> | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const device = (tf.backend() as WebGPUBackend).device;
  let m = results.get(device);
  if (!m) results.set(device, (m = new Map()));
  return m;
}

/** Submits everything TF.js has recorded, so the probe runs in a submit of its own. */
function flush(backend: WebGPUBackend): void {
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.submitQueue();
}

export function defineFusedOp<Config, Impl>(def: FusedOpDefinition<Config, Impl>): FusedOp<Config, Impl> {
  const resultKey = (config: Config) => `${def.name}:${def.key(config)}`;
  const status = (config: Config): 'passed' | 'failed' | 'unchecked' => {
    const known = deviceResults()?.get(resultKey(config));
    return known === undefined ? 'unchecked' : known ? 'passed' : 'failed';
  };
  const choose = (choice: KernelChoice, config: Config): 'fused' | 'stock' => {
    if (choice === 'stock') return 'stock';
    const supported = def.supported(config);
    if (choice === 'fused') {
      if (!supported) throw new Error(`the fused ${def.name} kernels cannot run here: they need ${def.requirement} (backend ${tf.getBackend()})`);
      if (status(config) === 'failed') throw new Error(`the fused ${def.name} kernels failed validation on this device (${def.key(config)})`);
      return 'fused';
    }
    if (!supported) return 'stock';
    const s = status(config);
    return s === 'failed' || (def.autoNeedsValidation && s !== 'passed') ? 'stock' : 'fused';
  };
  const validate = async (config: Config): Promise<boolean> => {
    const store = deviceResults();
    if (!store || !def.supported(config)) return false;
    const key = resultKey(config);
    const known = store.get(key);
    if (known !== undefined) return known;
    const backend = tf.backend() as WebGPUBackend;
    flush(backend);
    backend.device.pushErrorScope('validation');
    let made: tf.Tensor[] = [];
    let thrown: unknown = null;
    try {
      made = tf.tidy(() => def.probe(config));
    } catch (e) {
      thrown = e;
    }
    flush(backend);
    const error = await backend.device.popErrorScope();
    tf.dispose(made);
    const ok = error === null && thrown === null;
    store.set(key, ok);
    if (!ok) {
      const why = error?.message ?? (thrown instanceof Error ? thrown.message : String(thrown));
      console.warn(`burrow: fused ${def.name} kernels unavailable (${def.key(config)}), using stock ops: ${why}`);
    }
    return ok;
  };
  const op: FusedOp<Config, Impl> = {
    name: def.name,
    choose,
    implementation: (choice, config) => (choose(choice, config) === 'fused' ? def.fused : def.stock),
    async chooseValidated(choice, config) {
      if (choose(choice, config) === 'fused' && status(config) === 'unchecked') await validate(config);
      return choose(choice, config);
    },
    validate,
    status,
  };
  registered.push(op as FusedOp<unknown, unknown>);
  return op;
}

/** Every op defined so far, with its name (diagnostics, tests). */
export function fusedOps(): readonly { readonly name: string }[] {
  return registered;
}
