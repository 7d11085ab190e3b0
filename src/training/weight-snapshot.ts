import * as tf from '@tensorflow/tfjs';

/**
 * The best weights seen so far during early stopping: `save()` copies the variables, `restore()`
 * assigns the copies back. Copies are real (`tf.add(v, 0)`), not `tf.clone`, which shares storage
 * with the variable: the WebGPU sparse Adam updates variables in place.
 */
export class WeightSnapshot {
  private copies: Map<tf.Variable, tf.Tensor> | null = null;

  save(variables: readonly tf.Variable[]): void {
    this.copies ??= new Map();
    for (const v of variables) {
      this.copies.get(v)?.dispose();
      this.copies.set(v, tf.add(v, 0));
    }
  }

  restore(): void {
    for (const [v, copy] of this.copies ?? []) v.assign(copy);
  }

  dispose(): void {
    for (const copy of this.copies?.values() ?? []) copy.dispose();
    this.copies = null;
  }
}
