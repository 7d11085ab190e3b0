/**
 * The engine protocol: every message the UI can send the worker, with its request and response
 * types, and every notice the worker pushes. Both sides are checked against this one map.
 */
import type { Catalog } from '../catalog';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | BackendName;

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
}

export interface ComputeStatus {
  backend: BackendName;
  adapter: AdapterSummary | null;
  /** a sentence saying why this backend runs (preference, probe result, fallback reason) */
  reason: string;
  attempts: { backend: string; ok: boolean; error?: string }[];
}

export interface Recommendation {
  itemId: string;
  score: number;
  /** a short human explanation, e.g. "Because you liked Alien" */
  reason: string;
}

export interface RecommendResult {
  items: Recommendation[];
  /** which ranker produced the list */
  source: 'baseline' | 'embedding';
  computedAt: number;
  millis: number;
}

export type EngineProtocol = {
  init: {
    request: { catalog: Catalog; backend: BackendPreference; storeName: string };
    response: ComputeStatus;
  };
  recommend: { request: { k: number }; response: RecommendResult };
  /** the live TF.js backend, straight from tf.getBackend() inside the worker */
  backendName: { request: null; response: string };
};

export type EngineNotice =
  | { kind: 'compute'; status: ComputeStatus }
  | { kind: 'error'; name: string; message: string };
