/**
 * `npm run eval -- --mode app`: maps a MovieLens-style dataset onto the shipped catalog and
 * replays a seeded sample of its users through the app's engine (scripts/eval-lib/app-replay.ts).
 * Writes JSON (--out) and, with --report, the section "App-setting replay" of a Markdown report.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseCatalog, type Catalog } from '../../src/catalog';
import { mapDatasetToCatalog, type MappingReport } from '../../src/eval/catalog-match';
import {
  popularityPercentiles,
  replayTable,
  replayUsers,
  sampleUsers,
  selfInformation,
  type RankerRow,
  type RatioInterval,
  type ReplayClock,
  type ReplaySetting,
  type TasteContext,
} from '../../src/eval/app-replay';
import { loadDataset, type DatasetFormat } from '../../src/eval/readers';
import { createEmbeddingModel } from '../../src/models/embedding';
import { appCatalogFeatures, decodePack, embeddingWeightsFromPack } from '../../src/packs';
import { PERSONAL_CONFIG } from '../../src/worker/personal-model';
import { startNodeApp } from './app-engine';
import type { NodeBackend } from './backend';
import { nodeDatasetFiles } from './node-files';
import { replayUsersThroughApp, type FirstHitRow, type RatioRow } from './app-replay';

export interface AppModeOptions {
  data: string;
  format: DatasetFormat;
  backend: NodeBackend;
  users: number;
  clock: ReplayClock;
  seed: number;
  catalog: string;
  pack: string;
  out: string | undefined;
  report: string | undefined;
  command: string;
}

export interface AppModeReport {
  mode: 'app';
  command: string;
  date: string;
  dataset: string;
  backend: string;
  catalog: { id: string; items: number };
  pack: { file: string; createdAt: string; training: unknown; startingBlend: { source: 'pack' | 'app'; weights: Record<string, number> } };
  mapping: MappingReport;
  sampledUsers: number;
  /** whose clock the replay ran on (absent in reports written before it: 'device') */
  clock?: ReplayClock;
  seed: number;
  trainings: number;
  events: number;
  seconds: number;
  settings: Record<ReplaySetting, RankerRow[]>;
  /** For you over popularity and over the content baseline, per setting (absent in reports written before it) */
  ratios?: Record<ReplaySetting, RatioRow[]>;
  firstHit: FirstHitRow[];
}

async function referenceEmbeddings(catalog: Catalog, packData: ArrayBuffer): Promise<{ embeddings: Float32Array; dim: number }> {
  const model = createEmbeddingModel({ numUsers: 1, numItems: catalog.items.length, features: appCatalogFeatures(catalog), config: PERSONAL_CONFIG });
  try {
    model.importWeights(embeddingWeightsFromPack(decodePack(packData)));
    const t = model.itemEmbeddings();
    try {
      return { embeddings: (await t.data()) as Float32Array, dim: t.shape[1] };
    } finally {
      t.dispose();
    }
  } finally {
    model.dispose();
  }
}

export async function runAppMode(options: AppModeOptions, log: (line: string) => void): Promise<AppModeReport> {
  const catalog = parseCatalog(JSON.parse(await readFile(resolve(options.catalog), 'utf8')));
  log('loading dataset');
  const dataset = await loadDataset(options.format, await nodeDatasetFiles(options.data));
  const mapping = mapDatasetToCatalog(dataset, catalog.items);
  const m = mapping.report;
  log(
    `mapping: ${m.matchedFilms}/${m.datasetFilms} films (${Object.entries(m.byTier).map(([t, n]) => `${t} ${n}`).join(', ')}), ` +
      `${m.matchedRatings}/${m.ratings} ratings, ${m.usersWithMatchedRatings}/${m.users} users`,
  );
  const all = replayUsers(dataset, mapping.toCatalog);
  const users = sampleUsers(all, options.users, options.seed);
  log(`replaying ${users.length} users (seed ${options.seed}) through the app's engine`);
  const app = await startNodeApp({ catalog, packPath: resolve(options.pack), backend: options.backend, storeName: `burrow-replay-${process.pid}` });
  try {
    const packBytes = await readFile(resolve(options.pack));
    const packData = packBytes.buffer.slice(packBytes.byteOffset, packBytes.byteOffset + packBytes.byteLength) as ArrayBuffer;
    const ctx: TasteContext = {
      numItems: catalog.items.length,
      popularityPercentile: popularityPercentiles(catalog.items.map((i) => i.popularity)),
      genres: catalog.items.map((i) => i.tags.filter((t) => t.startsWith('genre:'))),
      selfInformation: selfInformation(catalog.items.length, all),
      ...(await referenceEmbeddings(catalog, packData)),
    };
    const packInfo = app.engine.packInfo();
    let lastLine = 0;
    const result = await replayUsersThroughApp(app, catalog, users, ctx, (done, total, note) => {
      if (Date.now() - lastLine < 5000 && done !== total) return;
      lastLine = Date.now();
      log(`[app replay] ${done}/${total} users, ${note}`);
    }, options.clock);
    const report: AppModeReport = {
      mode: 'app',
      command: options.command,
      date: new Date().toISOString(),
      dataset: dataset.name,
      backend: app.backend,
      catalog: { id: catalog.id, items: catalog.items.length },
      pack: {
        file: options.pack,
        createdAt: packInfo.createdAt ?? '',
        training: packInfo.training,
        startingBlend: { source: app.engine.modelStatus().blend.prior, weights: app.engine.blendPrior() },
      },
      mapping: m,
      sampledUsers: users.length,
      clock: options.clock,
      seed: options.seed,
      trainings: result.trainings,
      events: result.events,
      seconds: result.seconds,
      settings: result.settings,
      ratios: result.ratios,
      firstHit: result.firstHit,
    };
    if (options.out) await writeFile(resolve(options.out), `${JSON.stringify(report, null, 2)}\n`);
    if (options.report) await writeReportSection(resolve(options.report), appModeMarkdown(report));
    return report;
  } finally {
    app.close();
  }
}

export function appModeMarkdown(r: AppModeReport): string {
  const m = r.mapping;
  const lines = [
    `Generated by \`${r.command}\` on ${r.date} (TF.js ${r.backend} in Node; ${r.sampledUsers} users sampled with seed ${r.seed}, ${r.events} rating events, ${r.trainings} automatic fine-tunes, ${r.seconds.toFixed(0)} s). Each user's ratings are replayed in time order as the app's own rating events through the worker's engine; a like is 4-5 stars. ${(r.clock ?? 'device') === 'dataset' ? "The engine's clock follows the dataset's times, so every list, popularity's included, is cut from the films already released by the year of the user's latest event (no ranker is shown, or scored on, a film that did not exist for the user yet)." : 'The events are stamped now, so every list is cut from the whole catalog, films released after the user\'s time included.'} Scored on the next ${10} likes after the cut-off: HR@10 (any of them in the top 10), NDCG@10 of the very next like, Recall@10. Means over users.`,
    '',
    `Mapping of ${r.dataset} onto catalog \`${r.catalog.id}\` (${r.catalog.items} items): ${m.matchedFilms} of ${m.datasetFilms} films (${Object.entries(m.byTier).map(([t, n]) => `${t} ${n}`).join(', ')}; ${m.catalogFilmsMatched} distinct catalog films), ${m.matchedRatings} of ${m.ratings} ratings, ${m.usersWithMatchedRatings} of ${m.users} users. Most-rated unmatched: ${m.topUnmatched.slice(0, 8).map((f) => `${f.title} (${f.year ?? '?'}, ${f.ratings})`).join('; ')}.`,
    '',
  ];
  for (const [setting, rows] of Object.entries(r.settings)) {
    lines.push(`**${setting}** (history up to the ${setting === 'regular' ? '20th' : '5th'} like)`, '', replayTable(rows), '');
    const ratios = r.ratios?.[setting as ReplaySetting] ?? [];
    if (ratios.length > 0) lines.push(ratioTable(ratios), '');
  }
  if (r.firstHit?.length) {
    lines.push(
      '**How soon a list first shows a film the user goes on to like** (the list after each event, against the next 10 likes after it)',
      '',
      '| list | users | median events to the first hit | hit within the first 5 events |',
      '|---|---|---|---|',
      ...r.firstHit.map((f) => `| ${f.ranker} | ${f.users} | ${f.medianEventsToFirstHit} | ${f.hitWithinFiveEvents.toFixed(3)} |`),
      '',
    );
  }
  lines.push(
    'pop. pct: mean catalog-popularity percentile of the top 10; genre overlap: share of the top 10 sharing a genre with the user\'s likes; diversity: mean pairwise cosine distance of the pack\'s item embeddings; novelty: mean self-information (bits) under the dataset\'s matched ratings; coverage: distinct items shown over all users / catalog; distinct reasons: distinct reason texts per 10 cards.',
  );
  return lines.join('\n');
}

/** Ratios of means with their 95% bootstrap intervals over the sampled users. */
export function ratioTable(rows: readonly RatioRow[]): string {
  const f = (x: RatioInterval) => `${x.ratio.toFixed(2)}× (${x.low.toFixed(2)}–${x.high.toFixed(2)})`;
  return [
    '| ratio over the same users (95% bootstrap interval) | users | HR@10 | NDCG@10 |',
    '|---|---|---|---|',
    ...rows.map((x) => `| ${x.ranker} / ${x.against} | ${x.users} | ${f(x['HR@10'])} | ${f(x['NDCG@10'])} |`),
  ].join('\n');
}

const START = '<!-- app-replay:start -->';
const END = '<!-- app-replay:end -->';

/** Replaces (or appends) the app-replay section of a Markdown report; the rest is left as it is. */
export async function writeReportSection(path: string, body: string): Promise<void> {
  const current = await readFile(path, 'utf8').catch(() => '');
  const section = `${START}\n## App-setting replay (real users through the app's engine)\n\n${body}\n${END}`;
  const at = current.indexOf(START);
  const end = current.indexOf(END);
  const next = at >= 0 && end > at ? `${current.slice(0, at)}${section}${current.slice(end + END.length)}` : `${current.trimEnd()}\n\n${section}\n`;
  await writeFile(path, next);
}
