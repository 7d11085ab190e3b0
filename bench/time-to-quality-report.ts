/**
 * The time-to-quality part of bench/REPORT.md: `bench/time-to-quality.ts --out
 * bench/time-to-quality-<runtime>-<backend>.json` runs are committed as JSON (aggregates and the
 * per-epoch curve only; no data), and `npm run bench` renders the ones it finds side by side.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

const TimeToQualityRun = z.object({
  model: z.string(),
  runtime: z.string().optional(),
  backend: z.string(),
  dataset: z.string(),
  target: z.number(),
  secondsToTarget: z.number().nullable(),
  cpuSecondsToTarget: z.number().nullable().optional(),
  loadAverage: z.object({ start: z.array(z.number()), end: z.array(z.number()) }).optional(),
  bestTestNdcg10: z.number(),
  curve: z.array(z.object({ epoch: z.number(), seconds: z.number() })).optional(),
});
export type TimeToQualityRun = z.infer<typeof TimeToQualityRun>;

export const TTQ_FILE = /^time-to-quality-[a-z0-9-]+\.json$/;

/** The committed runs in `dir`, by file name; a file that is not a run is an error, not a silent gap. */
export function readTimeToQualityRuns(dir: string): { file: string; run: TimeToQualityRun }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => TTQ_FILE.test(f))
    .sort()
    .map((file) => {
      const parsed = TimeToQualityRun.safeParse(JSON.parse(readFileSync(resolve(dir, file), 'utf8')));
      if (!parsed.success) throw new Error(`${file} is not a time-to-quality run: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      return { file, run: parsed.data };
    });
}

const load = (l: number[] | undefined) => (l && l.length > 0 ? l[0]!.toFixed(2) : '–');

export function timeToQualityMarkdown(runs: readonly { file: string; run: TimeToQualityRun }[], peerSeconds = 255): string[] {
  const md = ['## 6. Time to quality (sequence models)', ''];
  if (runs.length === 0) return [...md, 'No `bench/time-to-quality-*.json` run committed.', ''];
  md.push(
    `Seconds of training until the model reaches the PyTorch peer's test NDCG@10 (the clock pauses while the current weights are scored on the test users after each epoch; nothing in training sees those scores). The peer's SASRec needs ${peerSeconds} s on the same two cores. Reproduce: \`npx tsx bench/time-to-quality.ts --data ../shared/data/ml-100k [--runtime browser] --backend wasm --out bench/time-to-quality-<runtime>-<backend>.json\`.`,
    '',
    '| run | model | runtime | backend | target NDCG@10 | seconds to target | CPU seconds | epochs | best test NDCG@10 | load average at start |',
    '|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const { file, run } of runs) {
    md.push(
      `| ${file} | ${run.model} | ${run.runtime ?? 'node'} | ${run.backend} | ${run.target} | ${run.secondsToTarget === null ? 'not reached' : run.secondsToTarget.toFixed(1)} | ${run.cpuSecondsToTarget == null ? '–' : run.cpuSecondsToTarget.toFixed(1)} | ${run.curve?.length ?? '–'} | ${run.bestTestNdcg10.toFixed(4)} | ${load(run.loadAverage?.start)} |`,
    );
  }
  md.push('');
  return md;
}
