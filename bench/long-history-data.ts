/**
 * `npx tsx bench/long-history-data.ts --out /tmp/long/long.inter [--users 300] [--items 10000]
 *   [--min-length 200] [--max-length 2000] [--seed 7]`
 *
 * A long-history, large-catalog data set in RecBole's atomic layout (`<name>.inter`), made with
 * the project's own synthetic generator (src/packs/synthetic.ts): a made-up catalog of `items`
 * items, each tagged with one of 200 topics, one of 5 sub-topics inside it and a "decade", with a
 * Zipf popularity prior; then one seeded random walk per user over the catalog's content
 * neighbours. It checks how the sequence models behave with few users, thousands of events each
 * and ~10k items (the shape of the data set kept back from us), nothing more: the walks are not
 * real behaviour. Written outside the repository (it is a generated artefact).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { syntheticWalks } from '../src/packs/synthetic';
import { Rng } from '../src/common';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    users: { type: 'string', default: '300' },
    items: { type: 'string', default: '10000' },
    'min-length': { type: 'string', default: '200' },
    'max-length': { type: 'string', default: '2000' },
    seed: { type: 'string', default: '7' },
  },
});
if (!values.out || !values.out.endsWith('.inter')) throw new Error('--out <folder>/<name>.inter is required');
const N = Number(values.items);
const users = Number(values.users);
const rng = new Rng(Number(values.seed));
const F = 3;
const ids = new Int32Array(N * F);
const weights = new Float32Array(N * F).fill(1);
const popularity = new Float32Array(N);
const order = rng.shuffle(Int32Array.from({ length: N }, (_, i) => i));
for (let i = 0; i < N; i++) {
  const topic = rng.int(200);
  ids[i * F] = 1 + topic;
  ids[i * F + 1] = 1 + 200 + topic * 5 + rng.int(5);
  ids[i * F + 2] = 1 + 200 + 1000 + rng.int(8);
  // Zipf-like prior in [0, 1] over a random item order
  popularity[order[i]!] = 1 / Math.pow(1 + i, 0.8);
}
const data = syntheticWalks({ numItems: N, maxFeatures: F, ids, weights }, popularity, {
  walks: users,
  minLength: Number(values['min-length']),
  maxLength: Number(values['max-length']),
  neighbours: 20,
  jump: 0.15,
  popularityExponent: 0.5,
  seed: Number(values.seed),
});
const lines = ['user_id:token\titem_id:token\ttimestamp:float'];
for (let e = 0; e < data.user.length; e++) lines.push(`u${data.user[e]}\ti${data.item[e]}\t${Math.round(data.time[e]! / 1000)}`);
const out = resolve(values.out);
await mkdir(dirname(out), { recursive: true });
await writeFile(out, lines.join('\n') + '\n');
const lens = new Map<number, number>();
for (const u of data.user) lens.set(u, (lens.get(u) ?? 0) + 1);
const seen = new Set(data.item);
console.log(`${out}: ${users} users, ${data.user.length} events (mean ${(data.user.length / users).toFixed(0)} per user, max ${Math.max(...lens.values())}), ${seen.size} of ${N} items used`);
