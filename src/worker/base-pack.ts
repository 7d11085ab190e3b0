/**
 * The base pack's lifecycle in the engine: which pack is the base (the user's own file, kept in
 * IndexedDB, else the default shipped with the app), validating a pack against the catalog and the
 * app's models before anything changes, and the Up next model that grows from it.
 */
import type { Catalog } from '../catalog';
import { checkPackMatchesCatalog, embeddingWeightsFromPack, openPack, packHasModel, PackError, type DecodedPack } from '../packs';
import { parseHybridWeights, type HistoryL2, type HybridWeights } from '../ranking';
import type { BurrowStore } from '../store';
import type { PersonalModel } from './personal-model';
import { PersonalSequence } from './personal-sequence';
import type { EngineNotice, PackInfo } from './protocol';

/** The pack file a user picked, kept whole so a reload uses it again. */
const USER_PACK_KEY = 'pack/user';

interface ActivePack {
  pack: DecodedPack;
  source: 'default' | 'file';
  fileName: string | null;
}

export interface BasePackDeps {
  store: BurrowStore;
  catalog: Catalog;
  /** the embedding model the pack's item side becomes the base of */
  personal: PersonalModel;
  fetchPack: (url: string) => Promise<ArrayBuffer>;
  defaultPackUrl: string;
  notify: (notice: EngineNotice) => void;
}

export class BasePack {
  private active: ActivePack | null = null;
  private problem: string | null = null;
  private upNext: PersonalSequence | null = null;

  constructor(private readonly deps: BasePackDeps) {}

  /** The Up next model grown from the active pack (fine-tuned on the user when it was); null without one. */
  get sequence(): PersonalSequence | null {
    return this.upNext;
  }

  /** The user's own pack when they loaded one, else the default pack shipped with the app. */
  async loadStarting(): Promise<void> {
    const { store, notify } = this.deps;
    const stored = await store.loadCheckpoint(USER_PACK_KEY);
    if (stored && stored.weights instanceof ArrayBuffer) {
      try {
        await this.apply(stored.weights, 'file', (stored.meta as { fileName?: string } | null)?.fileName ?? null);
        return;
      } catch (error) {
        await store.deleteCheckpoint(USER_PACK_KEY);
        notify({ kind: 'error', name: 'PackError', message: `Your stored base pack no longer fits and was removed: ${(error as Error).message}` });
      }
    }
    try {
      await this.apply(await this.deps.fetchPack(this.deps.defaultPackUrl), 'default', null);
    } catch (error) {
      this.problem = `No base pack: ${(error as Error).message}. "Up next" needs one; everything else works.`;
    }
  }

  /** Validates a pack against the catalog and makes it the base of both models. */
  private async apply(data: ArrayBuffer, source: 'default' | 'file', fileName: string | null): Promise<void> {
    const { catalog, personal, store, notify } = this.deps;
    // Everything is checked before anything changes: a refused pack leaves the previous base in use.
    const pack = await openPack(data);
    checkPackMatchesCatalog(pack, catalog);
    const base = packHasModel(pack, 'embedding') ? embeddingWeightsFromPack(pack) : null;
    if (base) {
      try {
        personal.checkBase(base);
      } catch (error) {
        throw new PackError(`its embedding model does not fit this app: ${(error as Error).message}`);
      }
    }
    let sequence: PersonalSequence | null = null;
    let discarded: string | undefined;
    if (packHasModel(pack, 'sasrec')) {
      try {
        ({ sequence, discarded } = await PersonalSequence.create(pack, store, catalog.id));
      } catch (error) {
        throw new PackError(`its "up next" model does not fit this app: ${(error as Error).message}`);
      }
    }
    personal.useBase(base);
    this.upNext?.dispose();
    this.upNext = sequence;
    this.active = { pack, source, fileName };
    this.problem = null;
    if (discarded) notify({ kind: 'error', name: 'ModelNotice', message: discarded });
  }

  /** A pack file the user picked: validated, made the base, and kept for the next start. */
  async load({ data, fileName }: { data: ArrayBuffer; fileName: string }): Promise<PackInfo> {
    const { store, catalog } = this.deps;
    await this.apply(data, 'file', fileName);
    await store.saveCheckpoint({
      key: USER_PACK_KEY,
      modelName: 'pack',
      catalogId: catalog.id,
      configHash: 'pack',
      createdAt: Date.now(),
      meta: { fileName },
      weights: data,
    });
    return this.info();
  }

  info(): PackInfo {
    const active = this.active;
    if (!active) {
      return { source: 'none', fileName: null, catalogId: null, createdAt: null, models: [], training: null, sequencePersonalised: false, problem: this.problem };
    }
    const { manifest } = active.pack;
    return {
      source: active.source,
      fileName: active.fileName,
      catalogId: manifest.catalog.id,
      createdAt: manifest.createdAt,
      models: manifest.models.map((m) => m.name),
      training: manifest.training,
      sequencePersonalised: this.upNext?.personalised ?? false,
      problem: null,
    };
  }

  /** The active pack's learned starting blend (packs built from real logs carry one), if it is usable. */
  blendPrior(): HybridWeights | null {
    return parseHybridWeights(this.active?.pack.manifest.blendPrior?.weights);
  }

  /**
   * How hard a user's own fit is pulled back to that starting blend, learned with it (null: users
   * are not refitted); undefined without a usable starting blend or when the pack does not say.
   */
  historyL2(): HistoryL2 | undefined {
    return this.blendPrior() ? this.active?.pack.manifest.blendPrior?.historyL2 : undefined;
  }

  /** Back to the shipped pack, without the user's fine-tuned Up next model or their own pack file. */
  async reset(): Promise<void> {
    const { store } = this.deps;
    await PersonalSequence.forget(store);
    await store.deleteCheckpoint(USER_PACK_KEY);
    this.upNext?.dispose();
    this.upNext = null;
    this.active = null;
    await this.loadStarting();
  }
}
