import { useEffect, useState } from 'react';
import type { CatalogItem } from '../catalog';
import { Browse } from './Browse';
import { ComputeStatus } from './ComputeStatus';
import { DataPanel } from './DataPanel';
import { History } from './History';
import { ItemDetail } from './ItemDetail';
import { ModelPanel } from './ModelPanel';
import { Notices } from './Notices';
import { PackPanel } from './PackPanel';
import { QualityPanel } from './QualityPanel';
import { UpNext } from './UpNext';
import { UpdatePrompt } from './UpdatePrompt';
import { Recommendations } from './Recommendations';
import { Onboarding } from './Onboarding';
import type { BurrowSession } from './session';
import { SessionContext, useSession, useSessionState } from './useSession';

const VIEWS = [
  { id: 'for-you', label: 'For you' },
  { id: 'browse', label: 'Browse' },
  { id: 'history', label: 'History' },
  { id: 'data', label: 'Your data' },
] as const;
type ViewId = (typeof VIEWS)[number]['id'];

function viewFromHash(): ViewId {
  const id = location.hash.slice(1);
  return VIEWS.some((v) => v.id === id) ? (id as ViewId) : 'for-you';
}

export function App({ session }: { session: BurrowSession }) {
  return (
    <SessionContext.Provider value={session}>
      <Shell />
    </SessionContext.Provider>
  );
}

function Shell() {
  const session = useSession();
  const { phase, failure, catalog, events } = useSessionState();
  const [view, setView] = useState<ViewId>(viewFromHash);
  const [detail, setDetail] = useState<CatalogItem | null>(null);

  useEffect(() => {
    const onHash = () => setView(viewFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const open = (item: CatalogItem) => {
    setDetail(item);
    void session.record(item.id, 'open');
  };

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <div className="brand">
          <span className="logo" aria-hidden="true">◉</span>
          <span>Burrow</span>
          <span className="tagline">recommendations that never leave your browser</span>
        </div>
        <nav aria-label="Sections">
          {VIEWS.map((v) => (
            <a key={v.id} href={`#${v.id}`} aria-current={view === v.id ? 'page' : undefined}>
              {v.label}
              {v.id === 'history' && events.length > 0 ? <span className="badge">{events.length}</span> : null}
            </a>
          ))}
        </nav>
        <ComputeStatus />
      </header>
      <Notices />
      <UpdatePrompt />
      <main id="main" tabIndex={-1}>
        {phase === 'loading' && (
          <p className="muted" role="progressbar" aria-label="Loading the catalog">
            Loading the catalog…
          </p>
        )}
        {phase === 'failed' && (
          <div className="panel error" role="alert">
            <h2>Burrow could not start</h2>
            <p>{failure}</p>
            <p>Your stored history was not touched.</p>
          </div>
        )}
        {phase === 'ready' && catalog && (
          <>
            {view === 'for-you' && (
              <>
                <Onboarding onOpen={open} />
                <UpNext onOpen={open} />
                <Recommendations onOpen={open} />
                <ModelPanel />
                <QualityPanel />
              </>
            )}
            {view === 'browse' && <Browse catalog={catalog} onOpen={open} />}
            {view === 'history' && <History onOpen={open} />}
            {view === 'data' && (
              <>
                <DataPanel />
                <PackPanel />
              </>
            )}
            <ItemDetail catalog={catalog} item={detail} onClose={() => setDetail(null)} />
          </>
        )}
      </main>
      <footer className="foot">
        {catalog && (
          <p className="muted small">
            Catalog: {catalog.name} · {catalog.license} · <a href="catalog/PROVENANCE.md">provenance</a>
          </p>
        )}
      </footer>
    </>
  );
}
