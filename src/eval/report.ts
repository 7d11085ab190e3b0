/**
 * Plain-text rendering of an evaluation report (the CLI's stdout; also fine in a <pre>).
 */
import { METRIC_NAMES } from './metrics';
import type { EvalOutcome } from './run';

/** A fixed-width table: one row per model, metrics to 4 decimals. */
export function formatTable(outcome: EvalOutcome): string {
  const { report, skipped } = outcome;
  const d = report.dataset;
  const head = ['model', ...METRIC_NAMES, 'users', 'train s', 'backend'];
  const rows = report.results.map((r) => [
    r.model,
    ...METRIC_NAMES.map((m) => r.metrics[m].toFixed(4)),
    String(r.users_evaluated),
    r.train_seconds.toFixed(2),
    r.backend,
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  // Names left-aligned, numbers right-aligned so decimals line up.
  const line = (cells: string[]) =>
    cells
      .map((cell, c) =>
        c === 0 || c === cells.length - 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!),
      )
      .join('  ')
      .trimEnd();
  const out = [
    `${d.name}: ${d.users} users, ${d.items} items, ${d.interactions} interactions; ` +
      `leave-one-out, ${report.protocol.test_users} test users, all items ranked`,
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ];
  for (const r of report.results) {
    if (Object.keys(r.config).length > 0) out.push(`${r.model} config: ${JSON.stringify(r.config)}`);
  }
  for (const s of skipped) out.push(`${s.model}: not evaluated (${s.reason})`);
  return out.join('\n');
}
