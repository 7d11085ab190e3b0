import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { BurrowSession } from './ui/session';
import { startEngineWorker } from './worker/client';
import type { BackendPreference } from './worker/protocol';
import './ui/styles.css';

const BACKENDS: readonly BackendPreference[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

/** `?backend=webgpu` forces a backend (tests use it to prove the WebGPU path); `?db=` picks a store. */
function readOptions(): { backend: BackendPreference; storeName: string } {
  const params = new URLSearchParams(location.search);
  const requested = params.get('backend') as BackendPreference | null;
  return {
    backend: requested && BACKENDS.includes(requested) ? requested : 'auto',
    storeName: params.get('db') || 'burrow',
  };
}

const session = new BurrowSession({
  ...readOptions(),
  catalogUrl: `${import.meta.env.BASE_URL}catalog/default.json`,
  defaultPackUrl: `${import.meta.env.BASE_URL}packs/default.burrowpack`,
  createEngine: startEngineWorker,
});
// Scripts and tests may drive the app through the same session the UI uses.
(window as unknown as { burrow: BurrowSession }).burrow = session;
void session.start();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App session={session} />
  </StrictMode>,
);
