import { describe, expect, it } from 'vitest';
import { FirstHitAccumulator, RankerAccumulator, catalogInteractions, cutoffAfterLikes, pairedRatioInterval, replayUsers, sampleUsers, scoreTopK, type ReplayEvent, type TasteContext } from './app-replay';
import { mapDatasetToCatalog, normaliseTitle, titleKey } from './catalog-match';
import { parseRecboleInter, parseRecboleItems, type Dataset } from './readers';

/** A planted RecBole dataset, written here: titles in MovieLens's own forms. */
function planted(): Dataset {
  const inter = [
    'user_id:token\titem_id:token\trating:float\ttimestamp:float',
    // user 1: likes 10, 11; rates 12 three stars; then likes 13, 14 (12 is unmatched: never kept)
    '1\t10\t5\t1', '1\t11\t4\t2', '1\t12\t3\t3', '1\t99\t5\t4', '1\t13\t5\t5', '1\t14\t4\t6',
    '2\t13\t2\t1', '2\t10\t4\t2',
  ].join('\n');
  const items = [
    'item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq',
    '10\tMatrix, The\t1999\tAction',
    '11\tStar Wars\t1977\tSci-Fi',
    '12\tHeat\t1996\tCrime',
    '13\tAlien 3\t1992\tHorror',
    '14\tShanghai Triad (Yao a yao yao dao waipo qiao)\t1995\tDrama',
    '99\tNowhere To Be Found\t1990\tDrama',
  ].join('\n');
  const log = parseRecboleInter(inter, 'x.inter');
  const warnings: string[] = [];
  const itemFeatures = parseRecboleItems(items, 'x.item', log.items, warnings);
  const order = log.user.map((_, i) => i).sort((a, b) => log.time[a]! - log.time[b]! || a - b);
  return {
    name: 'planted',
    format: 'recbole',
    interactions: {
      numUsers: log.users.ids.length,
      numItems: log.items.ids.length,
      user: Int32Array.from(order, (i) => log.user[i]!),
      item: Int32Array.from(order, (i) => log.item[i]!),
      weight: new Float32Array(order.length).fill(1),
      time: Float64Array.from(order, (i) => log.time[i]!),
    },
    ratings: Float32Array.from(order, (i) => log.rating[i]!),
    userIds: log.users.ids,
    itemIds: log.items.ids,
    itemFeatures,
    warnings,
  };
}

const CATALOG = [
  { id: 'the-matrix', title: 'The Matrix', year: 1999 },
  { id: 'sw4', title: 'Star Wars Ep. IV: A New Hope', year: 1977 },
  { id: 'heat', title: 'Heat', year: 1995 }, // one year off: tier year±1
  { id: 'alien3', title: 'Alien³', year: 1992 },
  { id: 'triad', title: 'Yao a yao yao dao waipo qiao', year: 1995 },
  { id: 'popular', title: 'Popular Film', year: 2000 },
];

describe('mapping a dataset onto the catalog', () => {
  it('normalises MovieLens titles', () => {
    expect(normaliseTitle('Matrix, The')).toBe('matrix');
    expect(normaliseTitle('The Matrix')).toBe('matrix');
    expect(titleKey('Alien³')).toBe(titleKey('Alien 3'));
    expect(normaliseTitle('Cats & Dogs')).toBe('cats and dogs');
  });

  it('matches by tiers and reports what it kept', () => {
    const { toCatalog, report } = mapDatasetToCatalog(planted(), CATALOG);
    // dataset item order is first appearance in the log: 10, 13, 11, 12, 99, 14
    const byId = Object.fromEntries(planted().itemIds.map((id, i) => [id, toCatalog[i]]));
    expect(byId).toEqual({ '10': 0, '11': 1, '12': 2, '13': 3, '14': 4, '99': -1 });
    expect(report.byTier).toEqual({ exact: 2, 'year±1': 1, alias: 1, subtitle: 1, series: 0 });
    expect(report.matchedRatings).toBe(7);
    expect(report.topUnmatched).toEqual([{ title: 'Nowhere To Be Found', year: 1990, ratings: 1 }]);
  });

  it('leaves an ambiguous film unmatched instead of guessing', () => {
    const twins = [
      { id: 'a', title: 'Heat', year: 1995 },
      { id: 'b', title: 'Heat', year: 1997 },
    ];
    const dataset = planted();
    const { toCatalog } = mapDatasetToCatalog(dataset, twins);
    expect(toCatalog[dataset.itemIds.indexOf('12')]).toBe(-1);
  });
});

describe('the replay protocol', () => {
  it("turns each user's matched ratings into time-ordered events and cuts after the nth like", () => {
    const dataset = planted();
    const { toCatalog } = mapDatasetToCatalog(dataset, CATALOG);
    const users = replayUsers(dataset, toCatalog);
    // each event keeps its dataset time (the replay's clock), in ms
    expect(users[0]!.events).toEqual([
      { item: 0, stars: 5, ts: 1000 },
      { item: 1, stars: 4, ts: 2000 },
      { item: 2, stars: 3, ts: 3000 },
      { item: 3, stars: 5, ts: 5000 },
      { item: 4, stars: 4, ts: 6000 },
    ]);
    // the 3-star rating is not a like: after 2 likes the targets are the next likes only
    expect(cutoffAfterLikes(users[0]!.events, 2)).toEqual({ history: 2, targets: [3, 4] });
    expect(cutoffAfterLikes(users[0]!.events, 4)).toBeNull(); // no like left to predict
    expect(cutoffAfterLikes(users[1]!.events, 1)).toBeNull();
  });

  it('turns mapped users into training interactions over the catalog, each history in order', () => {
    const d = catalogInteractions(
      [
        { user: 'a', events: [{ item: 4, stars: 5 }, { item: 1, stars: 2 }] },
        { user: 'b', events: [{ item: 2, stars: 4 }] },
      ],
      6,
    );
    expect(d.numUsers).toBe(2);
    expect(d.numItems).toBe(6);
    expect(Array.from(d.user)).toEqual([0, 0, 1]);
    expect(Array.from(d.item)).toEqual([4, 1, 2]);
    expect(Array.from(d.weight)).toEqual([1, 1, 1]);
    expect(d.time[1]! > d.time[0]!).toBe(true);
  });

  it('counts the events until a list first shows a film the user goes on to like', () => {
    const events: ReplayEvent[] = [
      { item: 1, stars: 5 },
      { item: 2, stars: 2 },
      { item: 3, stars: 4 },
      { item: 4, stars: 5 },
    ];
    const acc = new FirstHitAccumulator('x');
    // after event 1 the list misses; after event 2 it shows item 4, liked later
    acc.add([[9], [4, 8], [7]], events);
    // never hit: one past the last replayed event
    acc.add([[9], [9], [9]], events);
    acc.add([[3]], events);
    expect(acc.row()).toEqual({ ranker: 'x', users: 3, medianEventsToFirstHit: 2, hitWithinFiveEvents: 2 / 3 });
  });

  it('samples users deterministically from those who reach the first-session cut-off', () => {
    const like = (item: number): ReplayEvent => ({ item, stars: 5 });
    const users = Array.from({ length: 30 }, (_, u) => ({ user: String(u), events: Array.from({ length: u % 2 === 0 ? 6 : 3 }, (_, i) => like(i)) }));
    const a = sampleUsers(users, 5, 7).map((u) => u.user);
    expect(a).toEqual(sampleUsers(users, 5, 7).map((u) => u.user));
    expect(a.every((u) => Number(u) % 2 === 0)).toBe(true);
    expect(new Set(a).size).toBe(5);
  });

  it('scores a top 10 by hand-computed HR, NDCG of the next like and recall', () => {
    expect(scoreTopK([5, 6, 7], [7, 9])).toEqual({ hr: 1, ndcg: 0.5, recall: 0.5 });
    expect(scoreTopK([5, 6, 7], [9, 6])).toEqual({ hr: 1, ndcg: 0, recall: 0.5 });
    expect(scoreTopK([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [11])).toEqual({ hr: 0, ndcg: 0, recall: 0 });
  });

  it('aggregates diagnostics: popularity percentile, genre overlap, diversity, coverage, reasons', () => {
    const ctx: TasteContext = {
      numItems: 4,
      popularityPercentile: Float32Array.from([0, 100, 50, 50]),
      genres: [['Horror'], ['Horror'], ['Comedy'], []],
      selfInformation: Float32Array.from([1, 2, 3, 4]),
      embeddings: Float32Array.from([1, 0, 1, 0, 0, 1, 0, 1]),
      dim: 2,
    };
    const acc = new RankerAccumulator('x', 4);
    acc.add([1, 2], [2], [0], ctx, ['a', 'a']);
    const row = acc.row();
    expect(row['HR@10']).toBe(1);
    expect(row['NDCG@10']).toBeCloseTo(1 / Math.log2(3));
    expect(row.popularityPercentile).toBe(75);
    expect(row.genreOverlap).toBe(0.5);
    expect(row.diversity).toBeCloseTo(1); // orthogonal embeddings
    expect(row.novelty).toBe(2.5);
    expect(row.coverage).toBe(0.5);
    expect(row.distinctReasons).toBe(1);
  });
});

describe("how much a replay's ratio moves with its users", () => {
  it('gives the ratio of means and a bootstrap interval that holds it and narrows with more users', () => {
    // a ranker that hits twice as often as its base on the same users
    const base = (n: number) => Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const other = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const small = pairedRatioInterval(base(40), other(40));
    const large = pairedRatioInterval(base(4000), other(4000));
    expect(small.ratio).toBeCloseTo(2, 10);
    expect(large.ratio).toBeCloseTo(2, 10);
    for (const r of [small, large]) {
      expect(r.low).toBeLessThan(2);
      expect(r.high).toBeGreaterThan(2);
    }
    expect(large.high - large.low).toBeLessThan((small.high - small.low) / 4);
    // paired: identical results on both sides give exactly 1 in every resample
    const same = pairedRatioInterval(base(40), base(40));
    expect([same.ratio, same.low, same.high]).toEqual([1, 1, 1]);
  });

  it('refuses results that are not one per user on both sides', () => {
    expect(() => pairedRatioInterval([1, 0], [1])).toThrow(/one entry per user/);
  });

  it("keeps each user's metrics in the order they were added", () => {
    const ctx: TasteContext = { numItems: 4, popularityPercentile: new Float32Array(4), genres: [[], [], [], []], selfInformation: new Float32Array(4), embeddings: new Float32Array(8), dim: 2 };
    const acc = new RankerAccumulator('x', 4);
    acc.add([0, 1], [1], [], ctx);
    acc.add([2, 3], [0], [], ctx);
    expect(acc.userMetrics().hr).toEqual([1, 0]);
    expect(acc.userMetrics().ndcg[0]).toBeCloseTo(1 / Math.log2(3), 10);
  });
});
