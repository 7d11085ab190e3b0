import { useRef, useState } from 'react';
import { formatBytes, formatTime } from './format';
import { useSession, useSessionState } from './useSession';

/** What Burrow keeps in this browser, and the user's controls over it. */
export function DataPanel() {
  const session = useSession();
  const { events, storage, skippedRecords, compute } = useSessionState();
  const fileInput = useRef<HTMLInputElement>(null);
  const confirmDialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);

  const byKind = new Map<string, number>();
  for (const e of events) byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + 1);
  const oldest = events[0]?.ts ?? null;
  const newest = events.at(-1)?.ts ?? null;

  const exportData = async () => {
    const file = await session.exportData();
    if (!file) return;
    const url = URL.createObjectURL(new Blob([file.json], { type: 'application/json' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = file.fileName;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  const importFile = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    try {
      await session.importData(await file.text(), file.name);
    } finally {
      setBusy(false);
      if (fileInput.current) fileInput.current.value = '';
    }
  };

  const usedShare = storage.usage !== undefined && storage.quota ? storage.usage / storage.quota : null;

  return (
    <section className="panel" aria-labelledby="data-heading">
      <h2 id="data-heading">Your data</h2>
      <p>
        Everything Burrow knows about you lives in this browser’s IndexedDB. Nothing is sent anywhere: recommendations
        and models are computed on this device.
      </p>
      <dl className="stats" aria-label="Stored data">
        <div>
          <dt>Events stored</dt>
          <dd data-testid="event-count">{events.length.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Oldest</dt>
          <dd>{formatTime(oldest)}</dd>
        </div>
        <div>
          <dt>Newest</dt>
          <dd>{formatTime(newest)}</dd>
        </div>
        <div>
          <dt>By kind</dt>
          <dd>{byKind.size ? [...byKind].map(([k, n]) => `${k} ${n}`).join(', ') : '—'}</dd>
        </div>
        <div>
          <dt>Storage used</dt>
          <dd>
            {formatBytes(storage.usage)} of {formatBytes(storage.quota)}
            {usedShare !== null && (
              <meter min={0} max={1} value={usedShare} aria-label="Share of storage quota used" />
            )}
          </dd>
        </div>
        <div>
          <dt>Persistent storage</dt>
          <dd>
            {storage.persisted ? 'granted' : 'not granted'}{' '}
            {!storage.persisted && (
              <button type="button" className="ghost small" onClick={() => void session.requestPersistence()}>
                Ask the browser to keep it
              </button>
            )}
          </dd>
        </div>
      </dl>
      {skippedRecords > 0 && (
        <p className="error">{skippedRecords} stored record(s) were unreadable and are ignored.</p>
      )}
      <div className="data-actions">
        <button type="button" onClick={() => void exportData()} disabled={events.length === 0}>
          Export my data
        </button>
        <button type="button" onClick={() => fileInput.current?.click()} disabled={busy}>
          Import data
        </button>
        <input
          ref={fileInput}
          type="file"
          accept="application/json,.json"
          className="sr-only"
          aria-label="Choose a Burrow export file to import"
          tabIndex={-1}
          onChange={(e) => void importFile(e.target.files?.[0])}
        />
        <button type="button" className="danger" onClick={() => confirmDialog.current?.showModal()}>
          Delete all my data
        </button>
      </div>
      {compute && (
        <details className="compute-details">
          <summary>Where the models run</summary>
          <p>{compute.reason}</p>
          <ul>
            {compute.attempts.map((a, i) => (
              <li key={i}>
                {a.backend}: {a.ok ? 'ok' : `unavailable (${a.error ?? 'unknown reason'})`}
              </li>
            ))}
          </ul>
        </details>
      )}
      <dialog ref={confirmDialog} className="confirm" aria-labelledby="confirm-heading">
        <h3 id="confirm-heading">Delete everything?</h3>
        <p>Your whole history and any trained models are removed from this browser. Export first if you want a copy.</p>
        <div className="data-actions">
          <button type="button" className="ghost" onClick={() => confirmDialog.current?.close()}>
            Keep my data
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => {
              confirmDialog.current?.close();
              void session.deleteAll();
            }}
          >
            Delete everything
          </button>
        </div>
      </dialog>
    </section>
  );
}
