/**
 * One owner for a shared resource: `run` calls its tasks one at a time, in call order, whether
 * they resolve or throw. The personal model's fold-in, scoring, swap-in after training and
 * checkpointing take turns through one of these, so no task ever sees tensors another replaced
 * or disposed halfway through.
 */
export class Turns {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(task);
    // The next task waits for this one to settle, success or failure.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
