/**
 * Accuracy part of `npm run bench`: the offline evaluation (src/eval, the same runner as
 * `npm run eval`) on MovieLens-100K, read by path from ../shared/data and skipped cleanly when it
 * is absent. Only aggregate metrics enter the report: the data itself never does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EvalReport } from '../src/eval/run';

export interface AccuracySection {
  skipped?: string;
  /** how the reports were produced (in this run, or reused from `npm run eval -- --out`) */
  source?: string;
  reports?: EvalReport[];
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STANDARD_MODELS = ['pop', 'itemknn', 'mf', 'gru4rec', 'sasrec'];
const ON_DEVICE_MODELS = ['pop', 'itemknn', 'mf', 'sasrec'];

export function ml100kPath(): string {
  return process.env.BURROW_ML100K ?? resolve(root, '../shared/data/ml-100k');
}

export async function accuracySection(
  reuse: string | undefined,
  disabled: boolean,
  log: (line: string) => void,
): Promise<AccuracySection> {
  if (disabled) return { skipped: 'disabled with --no-accuracy' };
  const data = ml100kPath();
  if (!existsSync(data)) return { skipped: `MovieLens-100K not found at ${data}; accuracy not measured` };
  if (reuse) {
    const files = reuse.split(',').filter(Boolean);
    return {
      source: `reused from \`npm run eval -- ... --out\` report(s): ${files.join(', ')}`,
      reports: files.map((f) => JSON.parse(readFileSync(resolve(root, f), 'utf8')) as EvalReport),
    };
  }
  const { runEvaluation } = await import('../src/eval/run');
  const { nodeDatasetFiles } = await import('../scripts/eval-lib/node-files');
  const { prepareNodeBackend } = await import('../scripts/eval-lib/backend');
  const reports: EvalReport[] = [];
  for (const [mode, models] of [['standard', STANDARD_MODELS], ['on-device', ON_DEVICE_MODELS]] as const) {
    log(`accuracy: ${mode} evaluation of ${models.join(', ')} on ${data} (wasm)`);
    const outcome = await runEvaluation(
      { format: 'recbole', models, mode },
      {
        files: await nodeDatasetFiles(data),
        prepareBackend: () => prepareNodeBackend('wasm'),
        log: (line) => log(`  ${line}`),
      },
    );
    reports.push(outcome.report);
  }
  return { source: 'measured in this run (Node, wasm backend, the same runner as `npm run eval`)', reports };
}

const fmt = (x: number) => x.toFixed(4);

export function accuracyMarkdown(section: AccuracySection | null): string[] {
  const md = ['## 5. Accuracy on MovieLens-100K (offline evaluation)', ''];
  if (!section) return [...md, 'Not run (`--check`).', ''];
  if (section.skipped) return [...md, `Skipped: ${section.skipped}.`, ''];
  md.push(
    `Protocol of \`../shared/data/README.md\`: leave-one-out by timestamp, all items ranked, the user's earlier items excluded, ties pessimistic; hyper-parameters chosen on validation only. Source: ${section.source}.`,
    '',
    'Reproduce: `npm run eval -- --data ../shared/data/ml-100k --format recbole --models pop,itemknn,mf,gru4rec,sasrec --runtime node --backend wasm` (fast on a CPU; add `--mode on-device` for the on-device table). Without `--runtime node --backend wasm` the same runner runs in headless Chromium on WebGPU, the product\'s own path (a table below when such a report is included).',
    '',
  );
  for (const report of section.reports ?? []) {
    const mode = (report.protocol as { mode?: string }).mode ?? 'standard';
    const tfBackends = [...new Set(report.results.map((r) => r.backend).filter((b) => b !== 'cpu'))];
    const where = tfBackends.length ? `, TF.js models on ${tfBackends.join(' / ')}${tfBackends.includes('webgpu') ? ' in headless Chromium' : ''}` : '';
    md.push(
      `**${mode === 'on-device' ? 'As on device' : 'Standard'}${where}** (${report.dataset.name}: ${report.dataset.users} users, ${report.dataset.items} items, ${report.dataset.interactions} interactions; ${report.protocol.test_users} test users${mode === 'on-device' ? '; models trained on the other users only, each test user replayed through the fold-in / history path' : ''})`,
      '',
      '| model | HR@10 | NDCG@10 | HR@20 | NDCG@20 | MRR | coverage@10 | train s | backend |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const r of report.results) {
      const m = r.metrics;
      md.push(`| ${r.model} | ${fmt(m['HR@10'])} | ${fmt(m['NDCG@10'])} | ${fmt(m['HR@20'])} | ${fmt(m['NDCG@20'])} | ${fmt(m.MRR)} | ${fmt(m['coverage@10'])} | ${r.train_seconds.toFixed(1)} | ${r.backend} |`);
    }
    md.push('');
  }
  return md;
}
