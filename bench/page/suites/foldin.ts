/**
 * Suite 3: fold-in latency (one new user's vector against frozen item tables) vs a full fine-tune.
 * Wired to src/models/embedding when it exposes `createEmbeddingModel` + `mfBenchmarkProblem`
 * (the same synthetic problem the training suite needs); until then it reports a TODO.
 */
export interface FoldInResult {
  rows: { variant: string; medianMs: number; reps: number }[];
  todo: string[];
}

export async function runFoldIn(): Promise<FoldInResult> {
  const modules = import.meta.glob('../../../src/{models/embedding,training}/*.ts');
  let problem = false;
  for (const load of Object.values(modules)) {
    try {
      const mod = (await load()) as Record<string, unknown>;
      if (typeof mod.mfBenchmarkProblem === 'function') problem = true;
    } catch {
      /* half-written module */
    }
  }
  return {
    rows: [],
    todo: [
      problem
        ? 'fold-in vs fine-tune: mfBenchmarkProblem now exists; wire EmbeddingModel.foldIn() vs fit() here.'
        : 'fold-in vs full fine-tune: waiting for `mfBenchmarkProblem` (src/training or src/models/embedding) to build a trained EmbeddingModel to fold users into.',
    ],
  };
}
