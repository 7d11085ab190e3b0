/** Turns the collected JSON into bench/REPORT.md + bench/*.svg (pure formatting, no measuring). */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BackendInfo } from '../src/compute/backend';
import type { PageEnv } from './page/main';
import { VARIANT_LABELS, type RankingResult, type RankingVariant } from './page/suites/ranking';
import { ARM_LABELS, type TrainingResult } from './page/suites/training';
import type { Check } from './page/suites/correctness';
import type { FoldInResult } from './page/suites/foldin';
import type { SequenceRow, SoftmaxCERow } from './page/suites/sequence';
import { accuracyMarkdown, type AccuracySection } from './accuracy';
import { readTimeToQualityRuns, timeToQualityMarkdown } from './time-to-quality-report';

export interface BackendReport {
  backend: string;
  status: 'ok' | 'skipped' | 'failed';
  skipReason?: string;
  info?: BackendInfo;
  env?: PageEnv;
  correctness?: Check[];
  ranking?: RankingResult;
  rankingError?: string;
  training?: TrainingResult;
  trainingError?: string;
  foldin?: FoldInResult;
  sequence?: SequenceRow[];
  /** full-softmax loss + gradients, [1600, 64] x [3700, 64]: stock ops vs the fused WebGPU kernels */
  softmaxCE?: SoftmaxCERow[];
  deviceLost?: unknown[];
  seconds?: number;
}

export interface BenchReport {
  date: string;
  command: string;
  quick: boolean;
  checkOnly: boolean;
  machine: { cpuModel: string; cores: number; os: string; totalMemGB: number; node: string };
  chromium: { path: string; version: string; args: string[] };
  auto: { order: string[]; info: BackendInfo } | null;
  backends: BackendReport[];
  accuracy?: AccuracySection | null;
  totalSeconds: number;
}

const VARIANTS: RankingVariant[] = ['matmul', 'stock', 'fused', 'scores+js'];
const COLORS = ['#4c78a8', '#f58518', '#54a24b', '#b279a2', '#e45756', '#72b7b2'];

const fmtMs = (x: number | null | undefined): string => (x == null ? '–' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const fmtN = (n: number): string => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));
const fmtRatio = (x: number | null): string => (x == null ? '–' : `${x.toFixed(2)}×`);
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

interface Series {
  name: string;
  values: (number | null)[];
}

/** Grouped bar chart with a log10 y-axis (values span orders of magnitude across backends). */
function barChartSvg(title: string, yLabel: string, groups: string[], series: Series[]): string {
  const W = Math.max(640, 80 + groups.length * (series.length * 14 + 18));
  const H = 360;
  const L = 64;
  const B = 90;
  const T = 40;
  const plotH = H - T - B;
  const all = series.flatMap((s) => s.values).filter((v): v is number => v != null && v > 0);
  if (all.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="40"><text x="10" y="25">${esc(title)}: no data</text></svg>`;
  const lo = Math.floor(Math.log10(Math.min(...all)));
  const hi = Math.ceil(Math.log10(Math.max(...all)));
  const span = Math.max(1, hi - lo);
  const y = (v: number): number => T + plotH - ((Math.log10(v) - lo) / span) * plotH;
  const gw = (W - L - 20) / groups.length;
  const bw = Math.min(14, (gw - 8) / series.length);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<text x="14" y="${T + plotH / 2}" transform="rotate(-90 14 ${T + plotH / 2})" text-anchor="middle">${esc(yLabel)} (log scale)</text>`,
  ];
  for (let e = lo; e <= hi; e++) {
    const yy = y(10 ** e);
    parts.push(`<line x1="${L}" x2="${W - 20}" y1="${yy}" y2="${yy}" stroke="#ddd"/>`);
    parts.push(`<text x="${L - 6}" y="${yy + 4}" text-anchor="end">${10 ** e >= 1 ? 10 ** e : (10 ** e).toPrecision(1)}</text>`);
  }
  groups.forEach((g, gi) => {
    const x0 = L + gi * gw + (gw - bw * series.length) / 2;
    series.forEach((s, si) => {
      const v = s.values[gi];
      if (v == null || !(v > 0)) return;
      const top = y(v);
      parts.push(
        `<rect x="${x0 + si * bw}" y="${top}" width="${bw - 1}" height="${T + plotH - top}" fill="${COLORS[si % COLORS.length]}"><title>${esc(`${g} ${s.name}: ${v.toPrecision(4)}`)}</title></rect>`,
      );
    });
    const cx = L + gi * gw + gw / 2;
    parts.push(`<text x="${cx}" y="${T + plotH + 14}" text-anchor="end" transform="rotate(-35 ${cx} ${T + plotH + 14})">${esc(g)}</text>`);
  });
  series.forEach((s, si) => {
    const lx = L + si * 170;
    parts.push(`<rect x="${lx}" y="${H - 18}" width="10" height="10" fill="${COLORS[si % COLORS.length]}"/>`);
    parts.push(`<text x="${lx + 14}" y="${H - 9}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function rankingMedian(r: BackendReport, n: number, v: RankingVariant): number | null {
  return r.ranking?.rows.find((x) => x.n === n && x.variant === v)?.medianMs ?? null;
}

export function writeReport(report: BenchReport, outDir: string): string[] {
  const files: string[] = [];
  const md: string[] = [];
  const ok = report.backends.filter((b) => b.status === 'ok');
  const webgpu = report.backends.find((b) => b.backend === 'webgpu');
  const adapter = report.backends.find((b) => b.info?.adapter)?.info?.adapter ?? null;

  md.push('# Burrow compute benchmarks', '');
  md.push(`Generated by \`${report.command}\` on ${report.date}${report.quick ? ' (**--quick**: reduced sizes)' : ''}. All numbers are measured in this run (medians of the listed repetitions); nothing is hand-edited.`, '');
  md.push('## Machine', '');
  md.push('| | |', '|---|---|');
  md.push(`| CPU | ${cell(report.machine.cpuModel)} × ${report.machine.cores} logical cores |`);
  md.push(`| OS | ${cell(report.machine.os)}, ${report.machine.totalMemGB} GB RAM, Node ${report.machine.node} |`);
  md.push(`| Browser | Chromium ${report.chromium.version} (\`${report.chromium.path}\`), headless |`);
  md.push(`| Chromium flags | \`${report.chromium.args.join(' ')}\` |`);
  md.push(`| WebGPU adapter | ${adapter ? cell(`vendor '${adapter.vendor}', architecture '${adapter.architecture}', description '${adapter.description}', isFallbackAdapter ${adapter.isFallbackAdapter}`) : 'none'} |`);
  const env = ok[0]?.env;
  if (env) md.push(`| Page | TF.js ${env.tfVersion}, crossOriginIsolated ${env.crossOriginIsolated}, hardwareConcurrency ${env.hardwareConcurrency} |`);
  md.push(`| Total bench time | ${report.totalSeconds.toFixed(0)} s |`, '');
  if (adapter?.isFallbackAdapter) {
    md.push('> **The WebGPU adapter is SwiftShader (software Vulkan on the CPU).** Absolute WebGPU/WebGL numbers here say nothing about real GPUs; the ratios measured side by side within one backend (ours vs the bare matMul, sparse vs stock training) are the meaningful part.', '');
  }
  md.push('To reproduce: `npm run bench` (add `-- --quick` for a 2-minute smoke run, `-- --check` for the WebGPU correctness checks only, `-- --backends=webgpu,wasm` for a subset; `CHROMIUM_PATH` overrides the browser).', '');

  md.push('## Backends', '');
  if (report.auto) {
    md.push(`\`initBackend({ preference: 'auto' })\` on this machine picks **${report.auto.info.backend}** (plan: ${report.auto.order.join(' → ')}): ${cell(report.auto.info.reason)}`, '');
  }
  md.push('Each backend below is forced with an explicit preference in a fresh page; a backend that falls back is skipped with the reason.', '');
  md.push('| backend | status | why / init | seconds |', '|---|---|---|---|');
  for (const b of report.backends) {
    const why = b.status === 'ok' ? (b.info?.reason ?? '') : (b.skipReason ?? '');
    const wasm = b.info?.wasm ? ` (wasm: SIMD ${b.info.wasm.simd}, threads ${b.info.wasm.threads}${b.info.wasm.numThreads ? `, ${b.info.wasm.numThreads} threads` : ''})` : '';
    md.push(`| ${b.backend} | ${b.status} | ${cell(why + wasm)} | ${b.seconds?.toFixed(0) ?? '–'} |`);
  }
  md.push('');

  if (webgpu?.correctness) {
    const pass = webgpu.correctness.filter((c) => c.ok).length;
    md.push('## Correctness (real browser, WebGPU)', '');
    md.push(`${pass}/${webgpu.correctness.length} checks passed. The custom kernels are compared with a CPU reference (the ranker's topK over JS-computed scores; float64 Adam) and with stock TF.js ops.`, '');
    md.push('| check | result | detail |', '|---|---|---|');
    for (const c of webgpu.correctness) md.push(`| ${cell(c.name)} | ${c.ok ? 'PASS' : '**FAIL**'} | ${cell(c.detail)} |`);
    md.push('');
  }
  if (report.checkOnly) {
    writeFileSync(resolve(outDir, 'REPORT.md'), md.join('\n'));
    return ['REPORT.md'];
  }

  // ---- ranking
  const sizes = [...new Set(ok.flatMap((b) => b.ranking?.params.sizes ?? []))];
  const rp = ok.find((b) => b.ranking)?.ranking?.params;
  md.push('## 1. Ranking latency (top-K over the whole catalog, with readback)', '');
  if (rp) md.push(`Synthetic item embeddings [N, ${rp.dim}] + bias, one user vector, top-${rp.k}, ${rp.excludeCount} excluded items; every variant ends with its result on the CPU. Variants run interleaved, rep by rep; median of up to ${rp.maxReps} reps after a warm-up (compilation) run.`, '');
  md.push('Variants:', '');
  for (const v of VARIANTS) md.push(`- **${v}**: ${VARIANT_LABELS[v]}`);
  md.push('');
  md.push('| backend | N | ' + VARIANTS.map((v) => `${v} ms`).join(' | ') + ' | stock / matmul | fused / matmul | fused / stock |');
  md.push('|---|---|' + VARIANTS.map(() => '---').join('|') + '|---|---|---|');
  for (const b of ok) {
    for (const n of sizes) {
      const rows = b.ranking?.rows.filter((r) => r.n === n) ?? [];
      if (rows.length === 0) continue;
      const cells = VARIANTS.map((v) => {
        const r = rows.find((x) => x.variant === v);
        if (!r) return 'n/a';
        if (r.medianMs == null) return `failed: ${cell((r.error ?? '').slice(0, 80))}`;
        return `${fmtMs(r.medianMs)} (${r.cold ? 'cold' : r.reps})${r.error ? ' ⚠' : ''}`;
      });
      const m = rankingMedian(b, n, 'matmul');
      const s = rankingMedian(b, n, 'stock');
      const f = rankingMedian(b, n, 'fused');
      md.push(`| ${b.backend} | ${fmtN(n)} | ${cells.join(' | ')} | ${fmtRatio(m && s ? s / m : null)} | ${fmtRatio(m && f ? f / m : null)} | ${fmtRatio(s && f ? f / s : null)} |`);
    }
  }
  md.push('', '(ms, median (reps); "cold" = a single first run incl. shader compilation, used when one round of all variants exceeded the time budget). Ratios < 1 for "fused / stock" mean the custom kernel is faster.', '');
  const setupFails = ok.flatMap((b) => (b.ranking?.setup ?? []).filter((s) => s.error).map((s) => `${b.backend} N=${fmtN(s.n)}: ${s.error}`));
  const varFails = ok.flatMap((b) => (b.ranking?.rows ?? []).filter((r) => r.error && !r.error.startsWith('setup')).map((r) => `${b.backend} N=${fmtN(r.n)} ${r.variant}: ${r.error}`));
  if (setupFails.length + varFails.length > 0) {
    md.push('Failures (recorded, not fatal):', '');
    for (const f of [...setupFails, ...varFails]) md.push(`- ${cell(f)}`);
    md.push('');
  }
  for (const b of ok) if (b.rankingError) md.push(`- ${b.backend}: ranking suite failed: ${cell(b.rankingError)}`);
  const rankingChecks = ok.flatMap((b) => (b.ranking?.checks ?? []).map((c) => ({ ...c, backend: b.backend })));
  if (rankingChecks.length > 0) {
    const bad = rankingChecks.filter((c) => !c.ok);
    md.push(`Cross-checks of each variant's top-K against scores+js at every size: ${rankingChecks.length - bad.length}/${rankingChecks.length} agree.${bad.length ? ' Disagreements: ' + bad.map((c) => `${c.backend} N=${fmtN(c.n)} ${c.variant} (${c.detail})`).join('; ') : ''}`, '');
  }
  const groups = ok.flatMap((b) => sizes.filter((n) => b.ranking?.rows.some((r) => r.n === n)).map((n) => ({ b, n })));
  const latencySvg = barChartSvg(
    'Ranking latency, top-100 with readback',
    'ms',
    groups.map((g) => `${g.b.backend} ${fmtN(g.n)}`),
    VARIANTS.map((v) => ({ name: v, values: groups.map((g) => rankingMedian(g.b, g.n, v)) })),
  );
  writeFileSync(resolve(outDir, 'ranking-latency.svg'), latencySvg);
  files.push('ranking-latency.svg');
  const ratioSvg = barChartSvg(
    'Ranking latency relative to a bare matMul of the same size',
    'ratio to matmul',
    groups.map((g) => `${g.b.backend} ${fmtN(g.n)}`),
    (['stock', 'fused', 'scores+js'] as const).map((v) => ({
      name: `${v} / matmul`,
      values: groups.map((g) => {
        const m = rankingMedian(g.b, g.n, 'matmul');
        const x = rankingMedian(g.b, g.n, v);
        return m && x ? x / m : null;
      }),
    })),
  );
  writeFileSync(resolve(outDir, 'ranking-ratio.svg'), ratioSvg);
  files.push('ranking-ratio.svg');
  md.push('![ranking latency](ranking-latency.svg)', '', '![ranking ratio](ranking-ratio.svg)', '');

  // ---- training
  md.push('## 2. Training throughput (MF-sized problem and the real catalog)', '');
  const tp = ok.find((b) => b.training)?.training?.params;
  if (tp) {
    md.push(`${tp.users} users × ${tp.items} items × ${tp.dim} dims, batch ${tp.batch}, MSE on dot products, Adam lr 0.01. Arms stock/sparse/sparse+fused use an MSE loss on synthetic pairs; trainer-stock/trainer use the benchmark's BPR problem (bench/fixtures, mfBenchmarkProblem); catalog-stock/catalog/catalog-per-example train the app's own model (content tower, sampled softmax) on the real shipped catalog, with that config's batch size (each compared with catalog-stock); compare within each group. Each arm: 2 warm-up steps, then steps until a per-backend time budget (min ${tp.minSteps} while under 3× the budget; a cold first step slower than the budget is reported alone), syncing with a 1-value readback every ${tp.syncEvery} steps; examples/s = steps × batch / wall time. Memory = tf.memory() growth over the arm's baseline after 10 steps and after the last step.`, '');
  }
  md.push('Arms:', '');
  for (const [k, v] of Object.entries(ARM_LABELS)) md.push(`- **${k}**: ${v}`);
  md.push('');
  md.push('| backend | arm | steps | examples/s | vs stock (same loss) | tensors @10 → end | MB @10 → end | final loss |', '|---|---|---|---|---|---|---|---|');
  const armNames = Object.keys(ARM_LABELS);
  for (const b of ok) {
    const rows = b.training?.rows ?? [];
    // each arm against the stock baseline with the same loss: trainer vs trainer-stock (BPR),
    // sparse / sparse+fused vs stock (MSE)
    const baseOf = (arm: string): number | null =>
      rows.find((r) => r.arm === (arm.startsWith('trainer') ? 'trainer-stock' : arm.startsWith('catalog') ? 'catalog-stock' : 'stock'))?.examplesPerSec ?? null;
    for (const r of rows) {
      const stock = baseOf(r.arm);
      if (r.error) {
        md.push(`| ${b.backend} | ${r.arm} | – | failed: ${cell(r.error.slice(0, 160))} | | | | |`);
        continue;
      }
      if (r.skipped) {
        md.push(`| ${b.backend} | ${r.arm} | – | ${cell(r.skipped)} | | | | |`);
        continue;
      }
      const mem = (x: { numTensors: number; numBytes: number } | null, f: (y: { numTensors: number; numBytes: number }) => string): string => (x ? f(x) : '–');
      md.push(
        `| ${b.backend} | ${r.arm} | ${r.steps} | ${r.examplesPerSec?.toFixed(0) ?? '–'} | ${fmtRatio(stock && r.examplesPerSec ? r.examplesPerSec / stock : null)} | ${mem(r.memAt10, (m) => String(m.numTensors))} → ${mem(r.memAtEnd, (m) => String(m.numTensors))} | ${mem(r.memAt10, (m) => (m.numBytes / 2 ** 20).toFixed(1))} → ${mem(r.memAtEnd, (m) => (m.numBytes / 2 ** 20).toFixed(1))} | ${r.finalLoss?.toFixed(4) ?? '–'}${r.note ? ` (${cell(r.note)})` : ''} |`,
      );
    }
    if (b.trainingError) md.push(`| ${b.backend} | – | – | suite failed: ${cell(b.trainingError)} | | | | |`);
  }
  md.push('');
  const trainSvg = barChartSvg(
    'Training throughput (examples/s)',
    'examples/s',
    ok.map((b) => b.backend),
    armNames.map((a) => ({ name: a, values: ok.map((b) => b.training?.rows.find((r) => r.arm === a && !r.error)?.examplesPerSec ?? null) })),
  );
  writeFileSync(resolve(outDir, 'training-throughput.svg'), trainSvg);
  files.push('training-throughput.svg');
  md.push('![training throughput](training-throughput.svg)', '');

  // ---- fold-in
  md.push('## 3. Fold-in latency vs full fine-tune', '');
  const foldRows = ok.flatMap((b) => (b.foldin?.rows ?? []).map((r) => ({ ...r, backend: b.backend })));
  if (foldRows.length > 0) {
    md.push('EmbeddingModel.foldIn() for one user (item tables frozen) vs one epoch of the full trainer, same model (createFastMF on mfBenchmarkProblem, after a few warm-up steps). Both timed to completion: the fold-in until the new user vector is read back, the epoch until its last loss is. The fold-in reads back the few item rows it needs once and runs its Adam steps in JS (src/models/embedding/fold-in.ts): on the GPU each step would be ~50 tiny dispatches.', '');
    md.push('| backend | variant | ms | reps | fine-tune / fold-in |', '|---|---|---|---|---|');
    for (const b of ok) {
      const rows = b.foldin?.rows ?? [];
      const f = rows[0]?.medianMs;
      for (const r of rows) {
        const ratio = f && r !== rows[0] ? `${(r.medianMs / f).toFixed(0)}×` : '';
        md.push(`| ${b.backend} | ${cell(r.variant)} | ${fmtMs(r.medianMs)}${r.note ? ` (${cell(r.note)})` : ''} | ${r.reps} | ${ratio} |`);
      }
    }
  }
  for (const b of ok) if (b.foldin?.error) md.push(`- ${b.backend}: fold-in suite failed: ${cell(b.foldin.error)}`);
  md.push('');
  md.push('## 4. Sequence models: training throughput vs stock TF.js layers', '');
  md.push(
    'Catalog 3,700 items, sequences of 50, width 64, batch 32. **stock-gru**: `tf.layers.embedding` → `tf.layers.gru` → dense softmax, `model.fit` on the last position. **gru4rec** / **sasrec**: Burrow\'s models (src/models/sequence), one training step of `createTrainTask` (every position predicts its next item, full softmax), with a loss readback per step. Sequences per second after a warm-up step.',
    '',
  );
  md.push(
    'A stock step trains one prediction per sequence (the last position); a Burrow step trains all 50 positions of its window, each a softmax over the whole catalog. So both sequences/s and next-item predictions trained per second are shown.',
    '',
  );
  md.push('| backend | arm | steps | sequences/s | seq/s vs stock-gru | predictions/s | predictions/s vs stock-gru |', '|---|---|---|---|---|---|---|');
  const SEQ_LEN = 50;
  const predictions = (r: SequenceRow) => r.sequencesPerSecond * (r.arm === 'stock-gru' ? 1 : SEQ_LEN);
  for (const b of ok) {
    const stockRow = b.sequence?.find((r) => r.arm === 'stock-gru' && !r.error);
    for (const r of b.sequence ?? []) {
      md.push(
        r.error
          ? `| ${b.backend} | ${r.arm} | – | failed: ${cell(r.error)} | | | |`
          : `| ${b.backend} | ${r.arm} | ${r.steps} | ${r.sequencesPerSecond.toFixed(1)} | ${stockRow ? `${(r.sequencesPerSecond / stockRow.sequencesPerSecond).toFixed(2)}×` : '–'} | ${predictions(r).toFixed(0)} | ${stockRow ? `${(predictions(r) / predictions(stockRow)).toFixed(1)}×` : '–'} |`,
      );
    }
  }
  md.push('');
  md.push(...accuracyMarkdown(report.accuracy ?? null));
  md.push(...timeToQualityMarkdown(readTimeToQualityRuns(outDir)));
  const lost = ok.flatMap((b) => b.deviceLost ?? []);
  if (lost.length) md.push(`WebGPU device lost during the run: ${cell(JSON.stringify(lost))}`, '');

  writeFileSync(resolve(outDir, 'REPORT.md'), withAppReplay(resolve(outDir, 'REPORT.md'), md.join('\n')));
  files.unshift('REPORT.md');
  return files;
}

/**
 * Keeps the section `npm run eval -- --mode app --report bench/REPORT.md` wrote (between its
 * markers) when the benchmark rewrites the report: it measures something the bench does not rerun.
 */
function withAppReplay(path: string, next: string): string {
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const start = old.indexOf('<!-- app-replay:start -->');
  const endMarker = '<!-- app-replay:end -->';
  const end = old.indexOf(endMarker);
  return start >= 0 && end > start ? `${next.trimEnd()}\n\n${old.slice(start, end + endMarker.length)}\n` : next;
}
