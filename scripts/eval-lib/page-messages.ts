/**
 * Runtime checks of what the eval page sends Node (scripts/eval-lib/browser.ts): a run's result
 * envelope and the time-to-quality reports. The page runs our own code, but it is another process
 * reached through serialisation; a report that drifted from its type is refused here with the field
 * named, instead of surfacing as a NaN in a JSON file. The compiler ties each schema to its type.
 */
import { z } from 'zod';
import type { EvalOutcome, TimeToQualityEpoch, TimeToQualityPoint, TimeToQualityResult } from '../../src/eval';
import type { PageResult } from './page/protocol';

const finite = z.number().finite();
const nonNegative = finite.nonnegative();
const count = z.number().int().nonnegative();
const loadAverage = z.array(nonNegative);
/** a metric in [0, 1] */
const unit = finite.min(0).max(1);

export const TTQ_EPOCH_SCHEMA: z.ZodType<TimeToQualityEpoch> = z.object({
  epoch: count,
  trainMs: nonNegative,
  trainCpuMs: nonNegative.nullable(),
  steps: count,
  validation: unit.nullable(),
  testNdcg10: unit,
  testHr10: unit,
  loadAverage,
});

const point: z.ZodType<TimeToQualityPoint> = z.object({
  epoch: count,
  seconds: nonNegative,
  cpuSeconds: nonNegative.nullable(),
  steps: count,
  validation: unit.nullable(),
  testNdcg10: unit,
});

export const TTQ_RESULT_SCHEMA: z.ZodType<TimeToQualityResult> = z.object({
  model: z.string().min(1),
  backend: z.string().min(1),
  dataset: z.string(),
  target: finite,
  secondsToTarget: nonNegative.nullable(),
  cpuSecondsToTarget: nonNegative.nullable(),
  loadAverage: z.object({ start: loadAverage, end: loadAverage }),
  bestTestNdcg10: unit.nullable(),
  config: z.record(z.string(), z.unknown()),
  curve: z.array(point),
});

/** runEvaluation's outcome: checked for its outline (the report's content is runEvaluation's own). */
export const EVAL_OUTCOME_SCHEMA = z.custom<EvalOutcome>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as EvalOutcome).report === 'object' &&
    (v as EvalOutcome).report !== null &&
    Array.isArray((v as EvalOutcome).skipped),
  'not an EvalOutcome ({ report, skipped })',
);

/** The envelope every page run answers with, around `outcome`. */
export function pageResultSchema<T>(outcome: z.ZodType<T>): z.ZodType<PageResult<T>> {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), outcome }),
    z.object({ ok: z.literal(false), name: z.string(), message: z.string() }),
  ]);
}

/** `value` as a T, or an Error naming `what` and the first offending fields. */
export function checkPageMessage<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
  throw new Error(`the eval page sent a malformed ${what}: ${issues}`);
}
