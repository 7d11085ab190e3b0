/**
 * The app-setting replay: each sampled user's ratings become the app's own rating events, recorded
 * through the engine as the session records them, and after each one the harness does what the
 * session does (ask the engine for For you and Up next, start a fine-tune when `shouldAutoTrain`
 * says the app would).
 * At the two cut-offs every ranker's top 10 is scored against the user's next likes. The engine is
 * the worker's own class (src/worker/engine.ts); nothing here ranks.
 */
import { appendFileSync } from 'node:fs';
import type { Catalog } from '../../src/catalog';
import { CatalogIndex } from '../../src/catalog';
import {
  FirstHitAccumulator,
  REPLAY_SETTINGS,
  RankerAccumulator,
  cutoffAfterLikes,
  pairedRatioInterval,
  type RankerRow,
  type RatioInterval,
  type ReplayClock,
  type ReplaySetting,
  type ReplayUser,
  type TasteContext,
} from '../../src/eval/app-replay';
import { AUTO_TRAIN_AFTER, isPositiveRating, shouldAutoTrain } from '../../src/events';
import { topKItems, type CalibrationUser } from '../../src/ranking';
import type { NodeApp } from './app-engine';

/** What the session asks for after each event (RECOMMENDATION_COUNT, UP_NEXT_COUNT in src/ui/session.ts). */
const SESSION_FOR_YOU = 12;
const SESSION_UP_NEXT = 8;

export const REPLAY_RANKERS = [
  'popularity',
  'content baseline',
  'pack only',
  'personal model',
  'Up next',
  'For you',
  'For you, variety 0.5',
  'For you, long tail 0.5',
  'For you + exploration',
] as const;

/** Rankers whose list after every event is followed for the first-hit measure. */
export const FIRST_HIT_RANKERS = ['For you', 'For you + exploration'] as const;

export interface FirstHitRow {
  ranker: string;
  users: number;
  medianEventsToFirstHit: number;
  hitWithinFiveEvents: number;
}

/** What For you shows against a baseline, over the same users: ratios of the means with their bootstrap intervals. */
export interface RatioRow {
  ranker: string;
  against: string;
  users: number;
  'HR@10': RatioInterval;
  'NDCG@10': RatioInterval;
}

/** The comparisons the targets are stated in. */
const COMPARED: readonly (readonly [string, string])[] = [
  ['For you', 'popularity'],
  ['For you', 'content baseline'],
];

export interface ReplayResult {
  settings: Record<ReplaySetting, RankerRow[]>;
  ratios: Record<ReplaySetting, RatioRow[]>;
  firstHit: FirstHitRow[];
  trainings: number;
  events: number;
  seconds: number;
}

export async function replayUsersThroughApp(
  app: NodeApp,
  catalog: Catalog,
  users: readonly ReplayUser[],
  ctx: TasteContext,
  onProgress: (done: number, total: number, note: string) => void,
  clock: ReplayClock = 'dataset',
): Promise<ReplayResult> {
  const started = Date.now();
  const index = new CatalogIndex(catalog);
  const acc = Object.fromEntries(
    Object.keys(REPLAY_SETTINGS).map((s) => [s, Object.fromEntries(REPLAY_RANKERS.map((r) => [r, new RankerAccumulator(r, ctx.numItems)]))]),
  ) as Record<ReplaySetting, Record<string, RankerAccumulator>>;
  const firstHit = Object.fromEntries(FIRST_HIT_RANKERS.map((r) => [r, new FirstHitAccumulator(r)]));
  let trainings = 0;
  let eventsReplayed = 0;
  for (const [u, user] of users.entries()) {
    const cutoffs = (Object.entries(REPLAY_SETTINGS) as [ReplaySetting, number][]).flatMap(([setting, likes]) => {
      const c = cutoffAfterLikes(user.events, likes);
      return c ? [{ setting, ...c }] : [];
    });
    const last = Math.max(...cutoffs.map((c) => c.history));
    await startFreshUser(app);
    const shownForYou: number[][] = [];
    const shownExplored: number[][] = [];
    for (let e = 0; e < last; e++) {
      await appendRating(app, index, user.events[e]!, clock);
      eventsReplayed++;
      // BurrowSession.record: re-rank, then maybe start the automatic fine-tune
      const [forYou, , explored] = await Promise.all([
        app.engine.recommend({ k: SESSION_FOR_YOU }),
        app.engine.upNext({ k: SESSION_UP_NEXT }),
        app.engine.recommend({ k: SESSION_FOR_YOU, explore: true }),
      ]);
      shownForYou.push(forYou.items.slice(0, 10).map((x) => index.indexOf(x.itemId)!));
      shownExplored.push(explored.items.slice(0, 10).map((x) => index.indexOf(x.itemId)!));
      if (await autoTrainIfDue(app)) trainings++;
      for (const cut of cutoffs.filter((c) => c.history === e + 1)) {
        const liked = user.events.slice(0, cut.history).filter((x) => isPositiveRating(x.stars)).map((x) => x.item);
        await scoreCutoff(app, index, acc[cut.setting], cut.targets, liked, ctx);
      }
    }
    firstHit['For you']!.add(shownForYou, user.events);
    firstHit['For you + exploration']!.add(shownExplored, user.events);
    onProgress(u + 1, users.length, `${trainings} fine-tunes (every ${AUTO_TRAIN_AFTER} events), ${eventsReplayed} events`);
  }
  return {
    settings: Object.fromEntries(
      Object.entries(acc).map(([setting, rankers]) => [setting, REPLAY_RANKERS.map((r) => rankers[r]!.row()).filter((r) => r.users > 0)]),
    ) as Record<ReplaySetting, RankerRow[]>,
    ratios: Object.fromEntries(
      Object.entries(acc).map(([setting, rankers]) => [
        setting,
        COMPARED.flatMap(([ranker, against]) => {
          const a = rankers[against]!.userMetrics();
          const b = rankers[ranker]!.userMetrics();
          if (a.hr.length === 0) return [];
          return [{ ranker, against, users: a.hr.length, 'HR@10': pairedRatioInterval(a.hr, b.hr), 'NDCG@10': pairedRatioInterval(a.ndcg, b.ndcg) }];
        }),
      ]),
    ) as Record<ReplaySetting, RatioRow[]>,
    firstHit: FIRST_HIT_RANKERS.map((r) => firstHit[r]!.row()),
    trainings,
    events: eventsReplayed,
    seconds: (Date.now() - started) / 1000,
  };
}

/** "Delete all my data": a fresh user on the loaded pack. */
async function startFreshUser(app: NodeApp): Promise<void> {
  app.setClock(null);
  await app.engine.eraseAll();
}

let replayed = 0;
/** One rating, recorded as the session records it (through the engine, the one writer of events). */
async function appendRating(app: NodeApp, index: CatalogIndex, event: ReplayUser['events'][number], clock: ReplayClock): Promise<void> {
  const ts = clock === 'dataset' ? (event.ts ?? null) : null;
  app.setClock(ts);
  await app.engine.record({
    uid: `replay-${++replayed}`,
    itemId: index.idAt(event.item),
    kind: 'rating',
    value: event.stars,
    session: 'replay',
    ...(ts !== null ? { ts } : {}),
  });
}

/** The session's automatic fine-tune, when `shouldAutoTrain` says the app would start one. */
async function autoTrainIfDue(app: NodeApp): Promise<boolean> {
  const { events, states } = app.engine.logView();
  if (!shouldAutoTrain(states.values(), events.length, app.engine.modelStatus().trainedOnEvents)) return false;
  await app.engine.train();
  return true;
}

/**
 * Each user's For you inputs at a cut-off, with the likes that followed, and the examples the
 * app's history fit would learn from there: what a pack's starting blend and its pull are learned
 * on (scripts/pack-lib). The users are replayed as the app sees them, automatic fine-tunes
 * included; nothing is ranked.
 */
export async function collectBlendExamples(
  app: NodeApp,
  catalog: Catalog,
  users: readonly ReplayUser[],
  setting: ReplaySetting,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<CalibrationUser[]> {
  const index = new CatalogIndex(catalog);
  const examples: CalibrationUser[] = [];
  for (const [u, user] of users.entries()) {
    const cut = cutoffAfterLikes(user.events, REPLAY_SETTINGS[setting]);
    if (cut) {
      await startFreshUser(app);
      for (let e = 0; e < cut.history; e++) {
        await appendRating(app, index, user.events[e]!, 'dataset');
        await autoTrainIfDue(app);
      }
      const { inputs, exclude, history } = await app.engine.blendInputs();
      examples.push({ history, cutoff: { inputs, targets: cut.targets, exclude } });
    }
    onProgress(u + 1, users.length);
  }
  return examples;
}

/**
 * Developer aid: BURROW_REPLAY_DUMP=<file> appends each cut-off's raw signals as JSON lines, to
 * study the blend offline. Written outside the repository only; it is derived from the dataset.
 */
const dumpPath = process.env.BURROW_REPLAY_DUMP;
const dump = dumpPath
  ? (record: unknown) => appendFileSync(dumpPath, `${JSON.stringify(record)}\n`)
  : null;

async function scoreCutoff(
  app: NodeApp,
  index: CatalogIndex,
  acc: Record<string, RankerAccumulator>,
  targets: number[],
  liked: number[],
  ctx: TasteContext,
): Promise<void> {
  const { scores, exclude } = await app.engine.rankers();
  const top = (s: Float32Array | null): number[] | null => (s ? topKItems(s, 10, exclude) : null);
  const add = (name: string, list: number[] | null, reasons?: string[]) => {
    if (list) acc[name]!.add(list, targets, liked, ctx, reasons);
  };
  add('popularity', top(scores.popularity));
  add('content baseline', top(scores.content));
  add('pack only', top(scores.pack));
  add('personal model', top(scores.personal));
  const upNext = await app.engine.upNext({ k: 10 });
  if (upNext.source) add('Up next', upNext.items.map((x) => index.indexOf(x.itemId)!), upNext.items.map(() => upNext.reason ?? ''));
  let forYouReasons: string[] = [];
  // what For you shows with the app's default controls, then with each control half-way
  for (const [name, controls] of [
    ['For you', {}],
    ['For you, variety 0.5', { variety: 0.5 }],
    ['For you, long tail 0.5', { tail: 0.5 }],
    ['For you + exploration', { explore: true }],
  ] as const) {
    const shown = await app.engine.recommend({ k: 10, ...controls });
    add(name, shown.items.map((x) => index.indexOf(x.itemId)!), shown.items.map((x) => x.reason));
    if (name === 'For you') forYouReasons = shown.items.map((x) => x.reason);
  }
  dump?.({ targets, liked, exclude, personal: Array.from(scores.personal ?? scores.pack ?? []), content: Array.from(scores.contentOnly ?? []), sequence: Array.from(scores.sequence ?? []), forYouReasons });
}
