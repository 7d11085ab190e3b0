/**
 * The held-out quality record: after each training, every ranker is scored on the positives that
 * sat out of it, and the result is appended to a short history in the store (the quality panel).
 */
import { heldOutMetrics, type QualityRecord } from '../eval';
import type { EventLike } from '../events';
import { baselineScores, hybridScores, reciprocalRankFusion } from '../ranking';
import type { BurrowStore } from '../store';
import type { CatalogSignals } from './catalog-signals';
import type { PersonalSignal } from './personal-model';
import type { Recommender } from './recommend';

const QUALITY_KEY = 'quality-history';
const QUALITY_HISTORY = 50;

export class QualityTracker {
  constructor(
    private readonly catalog: CatalogSignals,
    private readonly recommender: Recommender,
    private readonly store: BurrowStore,
  ) {}

  /** Scores every ranker on the held-out positives and appends the result to the quality history. */
  async record(train: PersonalSignal[], heldOut: number[], eventCount: number, events: readonly EventLike[]): Promise<void> {
    const loaded = this.catalog;
    const heldOutSet = new Set(heldOut);
    const excluded = train.map((s) => s.item).filter((item) => !heldOutSet.has(item));
    const none = new Set<number>();
    const popularity = loaded.popularity;
    const content = baselineScores(loaded.contentRows, popularity, train, { exclude: none, popularityWeight: 0.3 });
    const scores = await this.recommender.scoresFor(train);
    const embedding = scores.personal;
    const rankers: Record<string, Float32Array> = { popularity, content };
    if (embedding) {
      rankers.embedding = embedding;
      rankers.blend = reciprocalRankFusion([embedding, content]);
    }
    // For you with its weights learned on the likes before the held-out ones, so the held-out
    // likes score a blend that never saw them
    const inputs = this.recommender.hybridInputs(scores, train);
    rankers['for you'] = hybridScores(inputs, this.recommender.blendFor(events, (target) => !heldOutSet.has(target)).weights);
    const record: QualityRecord = {
      at: Date.now(),
      events: eventCount,
      heldOut: heldOut.length,
      metrics: Object.fromEntries(
        Object.entries(rankers).map(([name, scores]) => [name, heldOutMetrics(scores, heldOut, excluded)]),
      ),
    };
    const history = (await this.history()).concat(record).slice(-QUALITY_HISTORY);
    await this.store.setMeta(QUALITY_KEY, history);
  }

  /** On-device evaluations of the user's models, oldest first. */
  async history(): Promise<QualityRecord[]> {
    return (await this.store.getMeta<QualityRecord[]>(QUALITY_KEY)) ?? [];
  }
}
