import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App, BurrowSession, registerOffline } from './ui';
import { startEngineWorker, type BackendPreference } from './worker';
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

/** Absolute, because the engine worker resolves URLs against its own script, not the page. */
function assetUrl(path: string): string {
  return new URL(`${import.meta.env.BASE_URL}${path}`, document.baseURI).href;
}

const session = new BurrowSession({
  ...readOptions(),
  catalogUrl: assetUrl('catalog/default.json'),
  defaultPackUrl: assetUrl('packs/default.burrowpack'),
  createEngine: startEngineWorker,
});
// Scripts and tests may drive the app through the same session the UI uses.
(window as unknown as { burrow: BurrowSession }).burrow = session;
void session.start();
registerOffline(session);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App session={session} />
  </StrictMode>,
);
