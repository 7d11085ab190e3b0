/**
 * `npm run eval` end to end: the default runtime (headless Chromium, WebGPU) on a tiny RecBole
 * fixture written here. The CLI starts its own Vite server and Chromium; these tests only spawn
 * it (no `page` fixture, the config's webServer is not used).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const METRICS = ['HR@10', 'NDCG@10', 'HR@20', 'NDCG@20', 'MRR', 'coverage@10'];
const HEADER = 'user_id:token\titem_id:token\trating:float\ttimestamp:float';
/** one CLI run; SwiftShader WebGPU is slow but this fixture trains in seconds */
const RUN_TIMEOUT_MS = 150_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runEval(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, ['scripts/eval.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGINT'), RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * 30 users x 20 items with two planted tastes: even users only touch even items, odd users odd
 * items (9 of their 10, in a seeded order). Popularity cannot tell the groups apart; MF can.
 */
function plantedInter(): string {
  let state = 12345;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const lines = [HEADER];
  let time = 0;
  for (let u = 0; u < 30; u++) {
    const mine = Array.from({ length: 10 }, (_, k) => 2 * k + (u % 2));
    for (let i = mine.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [mine[i], mine[j]] = [mine[j]!, mine[i]!];
    }
    for (const item of mine.slice(0, 9)) lines.push(`u${u}\ti${item}\t4\t${++time}`);
  }
  return `${lines.join('\n')}\n`;
}

let dir = '';
test.beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'burrow-eval-'));
});
test.afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('eval runs in Chromium on WebGPU by default and writes the report', async () => {
  test.setTimeout(2 * RUN_TIMEOUT_MS);
  const data = join(dir, 'planted');
  await mkdir(data);
  await writeFile(join(data, 'planted.inter'), plantedInter());

  const out = join(dir, 'r.json');
  const browser = await runEval(['--data', data, '--format', 'recbole', '--models', 'pop,mf', '--out', out]);
  expect(browser.code, browser.stderr).toBe(0);
  expect(browser.stdout).toContain('planted: 30 users, 20 items, 270 interactions');
  const report = JSON.parse(await readFile(out, 'utf8'));

  expect(Object.keys(report).sort()).toEqual(['dataset', 'protocol', 'results']);
  expect(report.protocol.metrics).toEqual(METRICS);
  expect(report.protocol.mode).toBe('standard');
  expect(report.dataset).toEqual({ name: 'planted', users: 30, items: 20, interactions: 270 });
  expect(report.results.map((r: { model: string }) => r.model)).toEqual(['pop', 'mf']);
  for (const r of report.results) {
    expect(Object.keys(r).sort()).toEqual(['backend', 'config', 'metrics', 'model', 'train_seconds', 'users_evaluated']);
    expect(Object.keys(r.metrics)).toEqual(METRICS);
    for (const name of METRICS) {
      const v = r.metrics[name];
      expect(Number.isFinite(v), `${r.model} ${name} = ${v}`).toBe(true);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(r.users_evaluated).toBe(30);
    expect(r.train_seconds).toBeGreaterThanOrEqual(0);
    expect(typeof r.config).toBe('object');
  }
  const [pop, mf] = report.results;
  expect(pop.backend).toBe('cpu'); // typed-array model, whatever the TF.js backend
  expect(mf.backend).toBe('webgpu');
  // Sanity check that WebGPU training did something: a broken GPU path (e.g. constant scores)
  // ranks the target last and loses to popularity, which cannot separate the two tastes.
  expect(mf.metrics['NDCG@10']).toBeGreaterThan(pop.metrics['NDCG@10']);

  // Popularity is deterministic: the Node runtime gives the very same numbers.
  const nodeOut = join(dir, 'node.json');
  const node = await runEval(['--runtime', 'node', '--data', data, '--format', 'recbole', '--models', 'pop', '--out', nodeOut]);
  expect(node.code, node.stderr).toBe(0);
  const nodeReport = JSON.parse(await readFile(nodeOut, 'utf8'));
  expect(nodeReport.results[0].metrics).toEqual(pop.metrics);
  expect(nodeReport.dataset).toEqual(report.dataset);
});

test('a malformed .inter file fails with the file and line named, as in the Node runtime', async () => {
  test.setTimeout(2 * RUN_TIMEOUT_MS);
  const data = join(dir, 'broken');
  await mkdir(data);
  const rows = [HEADER, 'u1\ti1\t4\t1', 'u1\ti2\t5\t2', 'u2\ti1\t3\t3', 'u2\ti3\tfour\t4', 'u3\ti2\t4\t5'];
  await writeFile(join(data, 'broken.inter'), `${rows.join('\n')}\n`);

  const args = ['--data', data, '--format', 'recbole', '--models', 'pop,mf'];
  const browser = await runEval(args);
  expect(browser.code, browser.stderr).toBe(1);
  expect(browser.stderr).toContain('eval: broken.inter line 5: rating "four" is not a number');
  expect(browser.stdout).toBe('');

  const node = await runEval(['--runtime', 'node', ...args]);
  expect(node.code, node.stderr).toBe(1);
  const errorLine = (s: string) => s.split('\n').find((l) => l.startsWith('eval: '));
  expect(errorLine(browser.stderr)).toBe(errorLine(node.stderr));
});

test('--config sets a model hyper-parameter or a grid, and a bad one is named', async () => {
  test.setTimeout(3 * RUN_TIMEOUT_MS);
  const data = join(dir, 'planted');
  await mkdir(data);
  await writeFile(join(data, 'planted.inter'), plantedInter());
  const base = ['--data', data, '--format', 'recbole', '--models', 'mf', '--runtime', 'node'];

  const out = join(dir, 'grid.json');
  const grid = await runEval([...base, '--out', out, '--config', '{"mf":[{"dim":4,"sharedNegatives":true},{"dim":8,"negatives":4}]}']);
  expect(grid.code, grid.stderr).toBe(0);
  // both grid points were fitted on validation, and the chosen one is the one reported
  expect(grid.stderr).toMatch(/mf \{"dim":4,"sharedNegatives":true\}: validation NDCG@10/);
  expect(grid.stderr).toMatch(/mf \{"dim":8,"negatives":4\}: validation NDCG@10/);
  const report = JSON.parse(await readFile(out, 'utf8')) as { results: { model: string; config: Record<string, unknown> }[] };
  const selected = /mf: selected (\{.*\}) \(validation/.exec(grid.stderr)?.[1];
  // the report records the full resolved config: the selected point plus the defaults
  expect(report.results[0]!.config).toMatchObject(JSON.parse(selected!) as Record<string, unknown>);

  // the NCF-style head trains and ranks with stock ops on WebGPU, in the default (browser) runtime
  const headOut = join(dir, 'head.json');
  const head = await runEval(['--data', data, '--format', 'recbole', '--models', 'pop,mf', '--out', headOut, '--config', '{"mf":{"head":"mlp","headHidden":8}}']);
  expect(head.code, head.stderr).toBe(0);
  const headReport = JSON.parse(await readFile(headOut, 'utf8')) as {
    results: { model: string; backend: string; config: Record<string, unknown>; metrics: Record<string, number> }[];
  };
  const [pop, mf] = headReport.results;
  expect(mf!.backend).toBe('webgpu');
  expect(mf!.config).toMatchObject({ head: 'mlp', headHidden: 8 });
  expect(mf!.metrics['NDCG@10']).toBeGreaterThan(pop!.metrics['NDCG@10']!);

  const badField = await runEval([...base, '--config', '{"mf":{"sharedNegatives":"yes"}}']);
  expect(badField.code, badField.stderr).toBe(1);
  expect(badField.stderr).toContain('EmbeddingConfig.sharedNegatives must be true or false, got yes');

  const badModel = await runEval([...base, '--config', '{"nope":{}}']);
  expect(badModel.code).toBe(2);
  expect(badModel.stderr).toContain('--config names unknown model "nope"');
  const badJson = await runEval([...base, '--config', '{mf}']);
  expect(badJson.code).toBe(2);
  expect(badJson.stderr).toContain('--config is not valid JSON');
});
