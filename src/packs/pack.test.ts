/**
 * End to end: the CLI's library function builds a pack from a tiny catalog, the pack decodes, and
 * fresh models (created the way the app creates them) import it and score exactly like the
 * trained ones.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCatalog, type Catalog } from '../catalog';
import { createEmbeddingModel, PERSONAL_CONFIG } from '../models';
import { createSequenceModel, type SequenceConfig } from '../models';
import { checkOutPath, createPack, parsePackArgs, REPO_ROOT, UsageError, type CreatedPack } from '../../scripts/pack-lib/run';
import { HISTORY_L2_CANDIDATES, parseHybridWeights } from '../ranking';
import { appCatalogFeatures } from './app-features';
import { checkPackMatchesCatalog, decodePack, embeddingWeightsFromPack, PackError, packWeights, verifyPackDigest } from './format';

const GENRES = ['Drama', 'Comedy', 'Horror', 'Western'];
const DIRECTORS = ['Ann', 'Bo', 'Cy', 'Di', 'Ed', 'Flo'];

function tinyCatalog(): Catalog {
  return parseCatalog({
    format: 'burrow-catalog',
    version: 1,
    id: 'tiny@1-test',
    name: 'Tiny',
    description: 'test catalog',
    itemNoun: 'film',
    license: 'CC0-1.0',
    provenance: 'made up for a test',
    facets: { genre: { label: 'Genre' }, director: { label: 'Director' } },
    numericFields: { rating: { label: 'Rating', min: 0, max: 10 } },
    items: Array.from({ length: 24 }, (_, i) => ({
      id: `film-${i}`,
      title: `Film ${['Night', 'Day', 'River', 'Town'][i % 4]} ${i}`,
      year: 1950 + (i % 6) * 10,
      tags: [`genre:${GENRES[i % 4]}`, `director:${DIRECTORS[i % 6]}`],
      numeric: { rating: (i * 7) % 10 },
      popularity: ((i * 37) % 24) / 24,
    })),
  });
}

// small sequence model so the test stays fast on the cpu backend
const SASREC: Partial<SequenceConfig> = { dim: 8, maxLen: 12, numBlocks: 1, maxEpochs: 4, patience: 2, batchSize: 32 };

/** A Node Buffer may be a view into a larger pooled ArrayBuffer: copy out exactly the file. */
async function readPack(path: string) {
  const b = await readFile(path);
  return decodePack(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
}

let dir: string;
let catalog: Catalog;
let built: CreatedPack;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'burrow-pack-test-'));
  catalog = tinyCatalog();
  const catalogPath = join(dir, 'catalog.json');
  await writeFile(catalogPath, JSON.stringify(catalog));
  built = await createPack(
    {
      format: 'synthetic',
      catalog: catalogPath,
      out: join(dir, 'tiny.burrowpack'),
      models: ['embedding', 'sasrec'],
      backend: 'cpu',
      seed: 5,
      walks: 40,
      evalUsers: 10,
      walkOptions: { minLength: 4, maxLength: 8, neighbours: 6 },
      config: { sasrec: SASREC },
      createdAt: new Date('2025-06-01T00:00:00Z'),
    },
    { keepModels: true },
  );
}, 120_000);

afterAll(async () => {
  for (const m of Object.values(built?.models ?? {})) m.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('createPack (synthetic) -> decodePack -> importWeights', () => {
  it('writes a pack that matches the catalog and describes its provenance', async () => {
    const pack = await readPack(built.out);
    expect(pack.manifest.weightsDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    await expect(verifyPackDigest(pack)).resolves.toBeUndefined();
    expect(() => checkPackMatchesCatalog(pack, catalog)).not.toThrow();
    const m = pack.manifest;
    expect(m.createdAt).toBe('2025-06-01T00:00:00.000Z');
    expect(m.catalog).toEqual({ id: 'tiny@1-test', items: 24 });
    expect(m.itemIds).toEqual(catalog.items.map((i) => i.id));
    expect(m.models.map((x) => x.name)).toEqual(['embedding', 'sasrec']);
    expect(m.training.users).toBe(40);
    expect(m.training.source).toMatch(/synthetic/);
    expect(m.training.licence).toMatch(/CC0-1\.0/);
    // item side only: no pseudo-user vectors ship
    expect(Object.keys(m.models[0]!.tensors)).not.toContain('user/embedding');
    const heldOut = m.metrics.heldOut as { users: number; 'HR@10': Record<string, number> };
    expect(heldOut.users).toBeGreaterThan(0);
    for (const k of ['popularity', 'embedding', 'sasrec']) expect(heldOut['HR@10'][k]).toBeGreaterThanOrEqual(0);
  });

  it('the app-style embedding model (1 user, PERSONAL_CONFIG, app features) imports it strictly and scores identically', async () => {
    const pack = await readPack(built.out);
    const features = appCatalogFeatures(catalog);
    const fresh = createEmbeddingModel({ numUsers: 1, numItems: catalog.items.length, features, config: PERSONAL_CONFIG });
    const trained = built.models!.embedding!;
    try {
      expect(pack.manifest.models[0]!.configHash).toBe(fresh.configHash);
      fresh.importWeights(embeddingWeightsFromPack(pack), { strict: true });
      // a new user: folded in from the history on both sides
      const query = { user: -1, history: Int32Array.from([0, 4, 8]) };
      const a = await trained.scoreAll(query);
      const b = await fresh.scoreAll(query);
      expect(Array.from(b)).toEqual(Array.from(a));
      // and the item side itself is bit-identical
      const ea = trained.itemEmbeddings();
      const eb = fresh.itemEmbeddings();
      expect(Array.from(await eb.data())).toEqual(Array.from(await ea.data()));
      tf.dispose([ea, eb]);
    } finally {
      fresh.dispose();
    }
  });

  it('a sasrec model created from the manifest config imports it strictly and scores identically', async () => {
    const pack = await readPack(built.out);
    const entry = pack.manifest.models.find((x) => x.name === 'sasrec')!;
    const fresh = createSequenceModel({ kind: 'sasrec', numItems: catalog.items.length, config: entry.config as Partial<SequenceConfig> });
    try {
      expect(fresh.configHash).toBe(entry.configHash);
      fresh.importWeights(packWeights(pack, 'sasrec'), { strict: true });
      const query = { user: -1, history: Int32Array.from([3, 7, 11, 2]) };
      expect(Array.from(await fresh.scoreAll(query))).toEqual(Array.from(await built.models!.sasrec!.scoreAll(query)));
    } finally {
      fresh.dispose();
    }
  });

  it('a pack for another catalog is refused with both names', async () => {
    const pack = await readPack(built.out);
    expect(() => checkPackMatchesCatalog(pack, { id: 'vega-movies@1-x', items: [{ id: 'a' }] })).toThrow(PackError);
    expect(() => checkPackMatchesCatalog(pack, { id: 'vega-movies@1-x', items: [{ id: 'a' }] })).toThrow(
      'This pack was built for catalog "tiny@1-test" (24 items); the app runs "vega-movies@1-x" (1 items)',
    );
  });
});

describe('createPack (recbole)', () => {
  it("builds a dataset pack: catalog dataset:<name>, the dataset's item ids, no content tower", async () => {
    const folder = join(dir, 'tinyset');
    await mkdir(folder);
    const lines = ['user_id:token\titem_id:token\ttimestamp:float'];
    // 30 users, each a run of 6 consecutive items out of 20 (a learnable sequential pattern)
    for (let u = 0; u < 30; u++) for (let k = 0; k < 6; k++) lines.push(`u${u}\ti${(u + k) % 20}\t${1000 + u * 10 + k}`);
    await writeFile(join(folder, 'tinyset.inter'), `${lines.join('\n')}\n`);
    const made = await createPack({
      format: 'recbole',
      data: folder,
      out: join(dir, 'tinyset.burrowpack'),
      models: ['embedding'],
      backend: 'cpu',
      seed: 1,
      evalUsers: 5,
    });
    const pack = await readPack(made.out);
    expect(pack.manifest.catalog).toEqual({ id: 'dataset:tinyset', items: 20 });
    expect(pack.manifest.itemIds[0]).toBe('i0');
    expect(pack.manifest.training.users).toBe(25);
    expect(pack.manifest.training.licence).toMatch(/redistribution/);
    const entry = pack.manifest.models[0]!;
    expect(entry.featuresHash).toBeNull();
    expect(Object.keys(entry.tensors).sort()).toEqual(['item/bias', 'item/residual']);
    const fresh = createEmbeddingModel({ numUsers: 1, numItems: 20, features: null, config: PERSONAL_CONFIG });
    try {
      fresh.importWeights(embeddingWeightsFromPack(pack), { strict: true });
    } finally {
      fresh.dispose();
    }
  });
});

describe("createPack (the operator's path: logs mapped onto a catalog)", () => {
  it('learns a starting blend on held-out users replayed through the app engine, and writes it into the manifest', async () => {
    const folder = join(dir, 'site-logs');
    await mkdir(folder);
    const movies = ['movieId,title,genres', ...catalog.items.map((item, i) => `${i + 1},"${item.title} (${item.year})",Drama`)];
    await writeFile(join(folder, 'movies.csv'), `${movies.join('\n')}\n`);
    // 40 users, each liking 8 films in a run of the catalog: enough for a first-session cut-off and its next likes
    const ratings = ['userId,movieId,rating,timestamp'];
    for (let u = 0; u < 40; u++) for (let k = 0; k < 8; k++) ratings.push(`${u + 1},${((u * 3 + k) % 24) + 1},${k % 3 === 0 ? 4 : 5},${1_000_000 + u * 100 + k}`);
    await writeFile(join(folder, 'ratings.csv'), `${ratings.join('\n')}\n`);
    const catalogPath = join(dir, 'catalog.json');
    const made = await createPack({
      format: 'movielens',
      data: folder,
      catalog: catalogPath,
      out: join(dir, 'site.burrowpack'),
      models: ['embedding'],
      backend: 'cpu',
      seed: 3,
      evalUsers: 5,
      calibrationUsers: 6,
    });
    const pack = await readPack(made.out);
    await expect(verifyPackDigest(pack)).resolves.toBeUndefined();
    const prior = pack.manifest.blendPrior!;
    expect(prior).toMatchObject({ setting: 'first session', users: 6 });
    expect(prior.targets).toBeGreaterThanOrEqual(6);
    expect(parseHybridWeights(prior.weights)).not.toBeNull();
    expect(Object.keys((prior.metrics as { 'HR@10': object })['HR@10'])).toEqual(['popularity', 'app prior', 'learned prior']);
    // the pull of each user's own fit is learned with it: one of the candidates, each one scored
    expect(HISTORY_L2_CANDIDATES).toContain(prior.historyL2);
    expect(Object.keys((prior.metrics as { historyLogLikelihood: object }).historyLogLikelihood)).toEqual(['1', '3', '10', '30', 'none']);
    // the calibration users are not trained on (nor are the 5 of the quality check)
    expect(pack.manifest.training.users).toBe(40 - 6 - 5);
    expect(pack.manifest.training.description).toMatch(/6 users held out to learn the starting blend/);
  }, 120_000);
});

describe('CLI arguments and output paths', () => {
  it('refuses to write dataset-derived packs into the repository, saying why', async () => {
    await expect(checkOutPath('movielens', join(REPO_ROOT, 'public', 'packs', 'ml.burrowpack'))).rejects.toThrow(/inside public\/.*licence/);
    await expect(checkOutPath('recbole', join(REPO_ROOT, 'tmp', 'x.burrowpack'))).rejects.toThrow(/inside the repository/);
    await expect(checkOutPath('recbole', join(tmpdir(), 'x.burrowpack'))).resolves.toBeUndefined();
    await expect(checkOutPath('synthetic', join(REPO_ROOT, 'public', 'packs', 'default.burrowpack'))).resolves.toBeUndefined();
  });

  it('parses and validates the command line', () => {
    expect(parsePackArgs(['--format', 'synthetic', '--catalog', 'c.json', '--out', 'x.burrowpack'])).toMatchObject({
      format: 'synthetic',
      models: ['embedding', 'sasrec'],
      backend: 'wasm',
      seed: 42,
    });
    expect(() => parsePackArgs(['--format', 'synthetic', '--out', 'x.burrowpack'])).toThrow(/needs --catalog/);
    expect(() => parsePackArgs(['--format', 'movielens', '--out', 'x.burrowpack'])).toThrow(/needs --data/);
    expect(() => parsePackArgs(['--format', 'csv', '--out', 'x.burrowpack'])).toThrow(UsageError);
    expect(() => parsePackArgs(['--format', 'synthetic', '--catalog', 'c', '--out', 'x.burrowpack', '--models', 'bert'])).toThrow(/unknown model "bert"/);
    expect(() => parsePackArgs(['--format', 'synthetic', '--catalog', 'c', '--out', 'x.bin'])).toThrow(/\.burrowpack/);
    // the operator's path: a dataset mapped onto a catalog, optionally without the replay's users
    expect(parsePackArgs(['--format', 'movielens', '--data', 'd', '--catalog', 'c.json', '--out', '/tmp/x.burrowpack', '--exclude-replay-users', '100'])).toMatchObject({
      format: 'movielens',
      catalog: 'c.json',
      excludeReplayUsers: { users: 100, seed: 42 },
    });
    expect(() => parsePackArgs(['--format', 'movielens', '--data', 'd', '--out', 'x.burrowpack', '--exclude-replay-users', '5'])).toThrow(/mapped onto a catalog/);
    expect(parsePackArgs(['--format', 'movielens', '--data', 'd', '--catalog', 'c.json', '--out', '/tmp/x.burrowpack', '--calibration-users', '0'])).toMatchObject({ calibrationUsers: 0 });
    expect(() => parsePackArgs(['--format', 'synthetic', '--catalog', 'c.json', '--out', 'x.burrowpack', '--calibration-users', '5'])).toThrow(/mapped onto a catalog/);
  });
});

describe('the shipped default pack', () => {
  const catalogPath = join(REPO_ROOT, 'public', 'catalog', 'default.json');
  const packPath = join(REPO_ROOT, 'public', 'packs', 'default.burrowpack');

  it('was built with the app\'s current PERSONAL_CONFIG for the current catalog (rebuild it with npm run pack when either changes)', async (ctx) => {
    let json: string;
    try {
      json = await readFile(catalogPath, 'utf8');
    } catch {
      ctx.skip(); // generated by `npm run catalog`, which `npm test` runs first
      return;
    }
    const shipped = parseCatalog(JSON.parse(json));
    const pack = await readPack(packPath);
    checkPackMatchesCatalog(pack, shipped);
    // it carries the weights checksum the app checks on load (scripts/seal-pack.ts added it)
    await expect(verifyPackDigest(pack)).resolves.toBeUndefined();
    const app = createEmbeddingModel({ numUsers: 1, numItems: shipped.items.length, features: appCatalogFeatures(shipped), config: PERSONAL_CONFIG });
    try {
      expect(pack.manifest.models.find((m) => m.name === 'embedding')?.configHash).toBe(app.configHash);
      app.importWeights(embeddingWeightsFromPack(pack), { strict: true });
    } finally {
      app.dispose();
    }
  });
});
