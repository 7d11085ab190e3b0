/**
 * `npx tsx bench/personal-quality.ts [--users 200] [--variant name='{"sharedNegatives":false}' ...]`
 *
 * Quality of the personal embedding model in the app's own setting, for comparing training
 * settings: each of the base pack's held-out synthetic walks (never seen by the shipped pack; see
 * public/packs/README.md) becomes one user who trains a 1-user model, started from the shipped
 * pack, on all but the last film of the walk; the model then ranks the whole catalog for the last
 * film (the user's own films excluded). HR@10 / NDCG@10 over the users, per variant, plus the
 * pack alone (a stranger folded in, no training). Node, wasm backend. Variants are PERSONAL_CONFIG
 * overrides; by default the app's setting against per-example negatives.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { prepareNodeBackend } from '../scripts/eval-lib/backend';
import { DEFAULT_EVAL_USERS, DEFAULT_WALKS, REPO_ROOT } from '../scripts/pack-lib/run';
import { parseCatalog } from '../src/catalog';
import { hitRate, ndcg, rankOfTarget } from '../src/eval/metrics';
import { createEmbeddingModel, type EmbeddingConfig } from '../src/models/embedding';
import { appCatalogFeatures, decodePack, embeddingWeightsFromPack, syntheticWalks } from '../src/packs';
import { holdOutUsers } from '../src/packs/build';
import { fitModel } from '../src/training';
import { PERSONAL_CONFIG } from '../src/worker/personal-model';

const { values } = parseArgs({
  options: { users: { type: 'string', default: '200' }, variant: { type: 'string', multiple: true } },
});
const variants: [string, Partial<EmbeddingConfig> | null][] = [['pack only (fold-in)', null]];
for (const v of values.variant ?? ['app (PERSONAL_CONFIG)={}', 'per-example negatives={"sharedNegatives":false}']) {
  const at = v.indexOf('=');
  if (at < 1) throw new Error(`--variant must be name=json, got "${v}"`);
  variants.push([v.slice(0, at), JSON.parse(v.slice(at + 1)) as Partial<EmbeddingConfig>]);
}

await prepareNodeBackend('wasm');
const catalog = parseCatalog(JSON.parse(await readFile(join(REPO_ROOT, 'public/catalog/default.json'), 'utf8')));
const features = appCatalogFeatures(catalog);
const N = catalog.items.length;
// the walks and the held-out split of the shipped pack (scripts/pack-lib defaults, seed 42)
const walks = syntheticWalks(features, Float32Array.from(catalog.items, (i) => i.popularity), { seed: 42, walks: DEFAULT_WALKS + DEFAULT_EVAL_USERS });
const split = holdOutUsers(walks, DEFAULT_EVAL_USERS, 42);
const file = await readFile(join(REPO_ROOT, 'public/packs/default.burrowpack'));
const base = embeddingWeightsFromPack(decodePack(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer));
const users = Math.min(Number(values.users), split.targets.length);

const totals = variants.map(() => ({ hr: 0, ndcg: 0, seconds: 0 }));
for (let q = 0; q < users; q++) {
  const history = split.histories[q]!;
  const n = history.length;
  const data = { numUsers: 1, numItems: N, user: new Int32Array(n), item: history, weight: new Float32Array(n).fill(1), time: Float64Array.from({ length: n }, (_, k) => k) };
  for (const [v, [, overrides]] of variants.entries()) {
    const model = createEmbeddingModel({ numUsers: 1, numItems: N, features, config: { ...PERSONAL_CONFIG, ...overrides } });
    try {
      model.importWeights(base);
      const t0 = performance.now();
      if (overrides) await fitModel(model, data, { seed: q + 1 });
      totals[v]!.seconds += (performance.now() - t0) / 1000;
      const scores = await model.scoreAll(overrides ? { user: 0, history } : { user: -1, history });
      const rank = rankOfTarget(scores, split.targets[q]!, history);
      totals[v]!.hr += hitRate(rank, 10);
      totals[v]!.ndcg += ndcg(rank, 10);
    } finally {
      model.dispose();
    }
  }
  process.stderr.write(`\r${q + 1}/${users} users`);
}
process.stderr.write('\n');
console.log(`| variant (${users} held-out walks) | HR@10 | NDCG@10 | training s/user |`);
console.log('|---|---|---|---|');
for (const [v, [name]] of variants.entries()) {
  const t = totals[v]!;
  console.log(`| ${name} | ${(t.hr / users).toFixed(3)} | ${(t.ndcg / users).toFixed(4)} | ${(t.seconds / users).toFixed(2)} |`);
}
