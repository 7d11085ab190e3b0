/**
 * `npm run bench`: one command, one report.
 *
 * Starts a Vite dev server on the repo (the bench page imports the same src/ code as the app),
 * launches Chromium through playwright-core with WebGPU enabled, and for each backend loads the
 * page fresh, initialises that backend with src/compute's initBackend, and runs the suites in the
 * page. Writes bench/report.json, bench/REPORT.md and bench/*.svg. Exit code 1 when a correctness
 * check fails.
 *
 * Flags: --backends=webgpu,wasm   subset of backends (default webgpu,webgl,wasm,cpu)
 *        --quick                  small sizes / short budgets (smoke test, ~2 min)
 *        --check                  correctness checks only (webgpu), no timing
 *        --out=DIR                where to write the report (default bench/)
 * Env:   CHROMIUM_PATH (default /usr/bin/chromium)
 */
import { createServer, type ViteDevServer } from 'vite';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath as chromiumPathOf, launchChromium } from '../scripts/lib/chromium';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import type { BenchApi } from './page/main';
import type { RankingParams } from './page/suites/ranking';
import type { TrainingArm, TrainingParams } from './page/suites/training';
import type { FoldInParams } from './page/suites/foldin';
import type { SequenceParams } from './page/suites/sequence';
import { accuracySection } from './accuracy';
import { writeReport, type BackendReport, type BenchReport } from './report';

const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
type Backend = (typeof BACKENDS)[number];

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');

function flag(name: string): string | undefined {
  const hit = process.argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (hit === undefined) return undefined;
  return hit.includes('=') ? hit.slice(hit.indexOf('=') + 1) : '';
}

const quick = flag('quick') !== undefined;
const checkOnly = flag('check') !== undefined;
const outDir = resolve(root, flag('out') ?? 'bench');
const backends = (flag('backends')?.split(',').filter(Boolean) ?? (checkOnly ? ['webgpu'] : [...BACKENDS])) as Backend[];
const chromiumPath = chromiumPathOf();

/** Per-backend sizes/budgets: SwiftShader is slow, so budgets (not step counts) bound each suite. */
function rankingParams(backend: Backend): RankingParams {
  const budget = { webgpu: 8000, webgl: 8000, wasm: 5000, cpu: 8000 }[backend];
  return {
    sizes: quick ? [3000, 100_000] : [3000, 100_000, 1_000_000],
    dim: 64,
    k: 100,
    excludeCount: 200,
    maxReps: quick ? 3 : 9,
    minReps: quick ? 2 : 3,
    budgetMs: quick ? 1500 : budget,
  };
}

function trainingParams(backend: Backend): TrainingParams {
  const budget = { webgpu: 10000, webgl: 8000, wasm: 8000, cpu: 10000 }[backend];
  return {
    users: 6000,
    items: 3700,
    dim: 64,
    batch: 1024,
    budgetMs: quick ? 2000 : budget,
    minSteps: 10,
    maxSteps: 400,
    syncEvery: 5,
  };
}

function foldInParams(backend: Backend): FoldInParams {
  return {
    users: 6000,
    items: 3700,
    dim: 64,
    batch: 1024,
    warmSteps: quick ? 3 : 10,
    foldInReps: quick ? 3 : 5,
    fineTuneBudgetMs: quick ? 3000 : { webgpu: 20000, webgl: 10000, wasm: 15000, cpu: 15000 }[backend],
  };
}

/** Small enough for SwiftShader: a 3.7k catalog, length 50, width 64, batch 32. */
function sequenceParams(backend: Backend): SequenceParams {
  return {
    items: 3700,
    length: 50,
    dim: 64,
    batch: 32,
    budgetMs: quick ? 2000 : { webgpu: 20000, webgl: 15000, wasm: 10000, cpu: 10000 }[backend],
    minSteps: 2,
  };
}

const TRAINING_ARMS: TrainingArm[] = ['trainer-stock', 'trainer', 'catalog-stock', 'catalog', 'catalog-per-example', 'stock', 'sparse', 'sparse+fused'];

/**
 * Arms not run on a backend, with the reason printed in the report. The stock arm on `cpu`: the
 * gradient of tf.gather is UnsortedSegmentSum, which tfjs-backend-cpu implements with one masked
 * pass per segment (O(numSegments x batch x dim)): a single step of this 6k x 3.7k problem took
 * ~150 s when checked with tfjs-node-less Node on this machine, so it would eat the whole budget.
 */
const TRAINING_SKIP: Partial<Record<Backend, Partial<Record<TrainingArm, string>>>> = {
  cpu: {
    'trainer-stock':
      'not run: same tf.gather gradient (UnsortedSegmentSum) as the stock arm, minutes per step on tfjs-backend-cpu',
    stock:
      'not run: tf.gather\'s gradient (UnsortedSegmentSum) is O(numSegments × batch × dim) on tfjs-backend-cpu; one step of this problem takes minutes (≈150 s in a separate Node check), beyond the bench budget',
  },
};

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000}s`)), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

function log(msg: string): void {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

async function openPage(browser: Browser, base: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('console', (m) => {
    const text = m.text();
    if (m.type() === 'error' || /warn/i.test(m.type())) {
      if (!/Hi, looks like|readSync|powerPreference|favicon|status of 404/.test(text)) log(`  [page ${m.type()}] ${text.slice(0, 300)}`);
    }
  });
  page.on('pageerror', (e) => log(`  [page error] ${e.message}`));
  await page.goto(`${base}bench/page/index.html`, { timeout: 180_000 });
  await page.waitForFunction(() => '__burrowBench' in globalThis, undefined, { timeout: 180_000 });
  return page;
}

type ApiCall<K extends keyof BenchApi> = Awaited<ReturnType<BenchApi[K]>>;

function call<K extends keyof BenchApi>(page: Page, name: K, ...args: Parameters<BenchApi[K]>): Promise<ApiCall<K>> {
  return page.evaluate(
    ([n, a]) => {
      const api = (globalThis as unknown as { __burrowBench: Record<string, (...x: unknown[]) => unknown> }).__burrowBench;
      return api[n as string]!(...(a as unknown[]));
    },
    [name, args] as const,
  ) as Promise<ApiCall<K>>;
}

async function runBackend(browser: Browser, base: string, backend: Backend): Promise<BackendReport> {
  const started = Date.now();
  const report: BackendReport = { backend, status: 'ok' };
  const page = await openPage(browser, base);
  try {
    const { info, env } = await withTimeout(call(page, 'init', backend), 120_000, 'init');
    report.info = info;
    report.env = env;
    if (info.backend !== backend) {
      report.status = 'skipped';
      report.skipReason = `initBackend('${backend}') fell back to ${info.backend}: ${info.reason}`;
      log(`${backend}: SKIPPED (${report.skipReason})`);
      return report;
    }
    log(`${backend}: ${info.reason}`);
    if (backend === 'webgpu') {
      log(`${backend}: correctness checks`);
      report.correctness = await withTimeout(call(page, 'correctness'), 600_000, 'correctness');
      for (const c of report.correctness) log(`  ${c.ok ? 'PASS' : 'FAIL'} ${c.name}: ${c.detail}`);
    }
    if (checkOnly) return report;
    log(`${backend}: ranking`);
    try {
      report.ranking = await withTimeout(call(page, 'ranking', rankingParams(backend)), 600_000, 'ranking');
      for (const r of report.ranking.rows) {
        log(`  n=${r.n} ${r.variant}: ${r.medianMs?.toFixed(2) ?? '-'} ms (${r.reps} reps)${r.error ? ` ERROR ${r.error}` : ''}`);
      }
    } catch (e) {
      report.rankingError = String(e);
      log(`  ranking failed: ${String(e)}`);
    }
    log(`${backend}: training`);
    try {
      report.training = await withTimeout(call(page, 'training', trainingParams(backend), TRAINING_ARMS, TRAINING_SKIP[backend] ?? {}), 480_000, 'training');
      for (const r of report.training.rows) {
        log(`  ${r.arm}: ${r.examplesPerSec?.toFixed(0) ?? '-'} ex/s (${r.steps} steps)${r.error ? ` ERROR ${r.error}` : ''}${r.skipped ? ` SKIPPED ${r.skipped}` : ''}`);
      }
    } catch (e) {
      report.trainingError = String(e);
      log(`  training failed: ${String(e)}`);
    }
    log(`${backend}: fold-in`);
    report.foldin = await withTimeout(call(page, 'foldin', foldInParams(backend)), 180_000, 'foldin').catch((e: unknown) => ({ rows: [], error: String(e) }));
    for (const r of report.foldin.rows) log(`  ${r.variant}: ${r.medianMs.toFixed(1)} ms${r.note ? ` (${r.note})` : ''}`);
    if (report.foldin.error) log(`  fold-in failed: ${report.foldin.error}`);
    if (!checkOnly) {
      report.sequence = await withTimeout(call(page, 'sequence', sequenceParams(backend)), 600_000, 'sequence').catch((e: unknown) => [
        { arm: 'gru4rec' as const, steps: 0, sequencesPerSecond: 0, error: String(e) },
      ]);
      for (const r of report.sequence) log(`  ${r.arm}: ${r.error ?? `${r.sequencesPerSecond.toFixed(1)} seq/s (${r.steps} steps)`}`);
      // the sequence models' output layer alone: full softmax loss + gradients, stock ops vs fused kernels
      report.softmaxCE = await withTimeout(call(page, 'softmaxCE', { rows: 1600, items: 3700, dim: 64, budgetMs: quick ? 2000 : 8000 }), 300_000, 'softmaxCE').catch((e: unknown) => [
        { impl: 'stock-ops' as const, passes: 0, msPerPass: 0, error: String(e) },
      ]);
      for (const r of report.softmaxCE) log(`  softmax CE ${r.impl}: ${r.error ?? `${r.msPerPass.toFixed(1)} ms per loss + gradients (${r.passes} passes)`}`);
    }
    report.deviceLost = await call(page, 'deviceLost');
  } catch (e) {
    report.status = 'failed';
    report.skipReason = String(e);
    log(`${backend}: FAILED ${String(e)}`);
  } finally {
    report.seconds = (Date.now() - started) / 1000;
    await page.context().close();
  }
  return report;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  let server: ViteDevServer | null = null;
  let browser: Browser | null = null;
  let failed = false;
  try {
    server = await createServer({
      root,
      logLevel: process.env.BENCH_VITE_LOG === 'info' ? 'info' : 'warn',
      clearScreen: false,
      // no HMR / file watching: other engineers edit src/ while the bench runs, and a reload would
      // destroy the page mid-suite
      server: { port: 5199, strictPort: false, host: 'localhost', hmr: false, watch: null },
      optimizeDeps: {
        entries: ['bench/page/index.html'],
        include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm'],
      },
    });
    await server.listen();
    const base = server.resolvedUrls?.local[0] ?? 'http://localhost:5199/';
    log(`vite dev server at ${base}`);
    browser = await launchChromium();
    log(`chromium ${browser.version()}`);
    // what initBackend({preference: 'auto'}) picks on this machine, in a page of its own
    let auto: BenchReport['auto'] = null;
    try {
      const page = await openPage(browser, base);
      const plan = await call(page, 'autoPlan');
      const { info } = await withTimeout(call(page, 'init', 'auto'), 120_000, 'init auto');
      auto = { order: plan.order, info };
      log(`auto: ${info.backend} (${info.reason})`);
      await page.context().close();
    } catch (e) {
      log(`auto: failed ${String(e)}`);
    }
    const results: BackendReport[] = [];
    for (const backend of backends) {
      results.push(await runBackend(browser, base, backend));
    }
    const cpus = os.cpus();
    const report: BenchReport = {
      date: new Date().toISOString(),
      command: `npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      quick,
      checkOnly,
      machine: {
        cpuModel: cpus[0]?.model ?? 'unknown',
        cores: cpus.length,
        os: `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`,
        totalMemGB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
        node: process.version,
      },
      chromium: { path: chromiumPath, version: browser.version(), args: [...CHROMIUM_ARGS] },
      auto,
      backends: results,
      accuracy: checkOnly ? null : await accuracySection(flag('accuracy-from'), flag('no-accuracy') !== undefined, log),
      totalSeconds: (Date.now() - t0) / 1000,
    };
    mkdirSync(outDir, { recursive: true });
    writeFileSync(resolve(outDir, 'report.json'), JSON.stringify(report, null, 2));
    const files = writeReport(report, outDir);
    log(`wrote ${resolve(outDir, 'report.json')}, ${files.join(', ')} in ${report.totalSeconds.toFixed(0)} s`);
    failed = results.some((r) => r.correctness?.some((c) => !c.ok));
    if (failed) log('CORRECTNESS FAILURES: see the report');
  } finally {
    await browser?.close();
    await server?.close();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(2);
});
