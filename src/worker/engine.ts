/**
 * The engine that runs inside the worker: the compute backend, the catalog's encoded features,
 * the user's event log, and the rankers. DOM-free; the worker entry only wires it to messages.
 */
import * as tf from '@tensorflow/tfjs';
import { CatalogIndex, encodeFeatures, type Catalog } from '../catalog';
import { initBackend } from '../compute';
import { deriveItemStates, isJudged, signalStrength, type ItemState } from '../models/event-signals';
import { idfWeighted, rankBaseline, similarityGroupWeights, type FeatureRows, type TasteSignal } from '../ranking/content-baseline';
import { openStore, type BurrowStore } from '../store';
import type { ComputeStatus, EngineNotice, EngineProtocol, Recommendation, RecommendResult } from './protocol';

interface Loaded {
  catalog: Catalog;
  index: CatalogIndex;
  /** content features re-weighted for similarity (see idfWeighted) */
  contentRows: FeatureRows;
  popularity: Float32Array;
  store: BurrowStore;
}

export class Engine {
  private loaded: Loaded | null = null;
  private compute: ComputeStatus | null = null;

  constructor(private readonly notify: (notice: EngineNotice) => void) {}

  async init(request: EngineProtocol['init']['request']): Promise<ComputeStatus> {
    const info = await initBackend({
      preference: request.backend,
      onDeviceLost: (reason) => void this.recoverFromDeviceLoss(reason),
    });
    this.compute = {
      backend: info.backend,
      adapter: info.adapter,
      reason: info.reason,
      attempts: info.attempts,
    };
    const { catalog } = request;
    const index = new CatalogIndex(catalog);
    this.loaded = {
      catalog,
      index,
      contentRows: idfWeighted(
        encodeFeatures(catalog, {
          groupWeights: similarityGroupWeights(Object.keys(catalog.facets), Object.keys(catalog.numericFields)),
        }),
      ),
      popularity: Float32Array.from(catalog.items, (item) => item.popularity),
      store: await openStore({ name: request.storeName }),
    };
    return this.compute;
  }

  /** The GPU went away (driver reset, tab in background too long): fall down the chain and say so. */
  private async recoverFromDeviceLoss(reason: unknown): Promise<void> {
    const info = await initBackend({ preference: 'webgl' });
    this.compute = {
      backend: info.backend,
      adapter: info.adapter,
      reason: `The GPU device was lost (${String(reason)}); now running on ${info.backend}. ${info.reason}`,
      attempts: info.attempts,
    };
    this.notify({ kind: 'compute', status: this.compute });
  }

  backendName(): string {
    return tf.getBackend();
  }

  async recommend({ k }: { k: number }): Promise<RecommendResult> {
    const loaded = this.requireLoaded();
    const started = performance.now();
    const { events } = await loaded.store.readEvents();
    const states = deriveItemStates(events);
    const { signals, exclude } = tasteFromStates(states, loaded.index);
    const ranked = rankBaseline(loaded.contentRows, loaded.popularity, signals, { exclude, k, popularityWeight: 0.3 });
    const items: Recommendation[] = ranked.map(({ item, score, becauseOf }) => ({
      itemId: loaded.index.idAt(item),
      score,
      reason: explain(loaded, becauseOf, states, signals.length > 0),
    }));
    return { items, source: 'baseline', computedAt: Date.now(), millis: performance.now() - started };
  }

  private requireLoaded(): Loaded {
    if (!this.loaded) throw new Error('The engine is not initialised yet.');
    return this.loaded;
  }
}

/** The user's taste signals by item index, and the items never to recommend again. */
export function tasteFromStates(
  states: Map<string, ItemState>,
  index: CatalogIndex,
): { signals: TasteSignal[]; exclude: Set<number> } {
  const signals: TasteSignal[] = [];
  const exclude = new Set<number>();
  for (const [itemId, state] of states) {
    const item = index.indexOf(itemId);
    if (item === undefined) continue;
    const strength = signalStrength(state);
    if (strength !== 0) signals.push({ item, strength });
    if (isJudged(state)) exclude.add(item);
  }
  return { signals, exclude };
}

function explain(loaded: Loaded, becauseOf: number | null, states: Map<string, ItemState>, hasTaste: boolean): string {
  if (becauseOf !== null) {
    const id = loaded.index.idAt(becauseOf);
    const title = loaded.index.item(becauseOf).title;
    const state = states.get(id);
    if (state?.reaction === 'like') return `Because you liked ${title}`;
    if (state?.rating) return `Because you rated ${title} ${state.rating} stars`;
    return `Because you looked at ${title}`;
  }
  return hasTaste ? 'Popular, and close to your taste' : 'Popular and well rated';
}
