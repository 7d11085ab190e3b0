import { useRef } from 'react';
import { formatDate } from './format';
import { useSession, useSessionState } from './useSession';

/** The base pack the models start from, and loading another one from a file. */
export function PackPanel() {
  const session = useSession();
  const { pack } = useSessionState();
  const input = useRef<HTMLInputElement>(null);
  return (
    <section className="panel" aria-labelledby="pack-heading">
      <h2 id="pack-heading">Base pack</h2>
      {!pack || pack.source === 'none' ? (
        <p className="empty">{pack?.problem ?? 'No base pack is loaded.'}</p>
      ) : (
        <dl className="stats" data-testid="pack-info">
          <div>
            <dt>Source</dt>
            <dd>{pack.source === 'default' ? 'shipped with Burrow' : `your file ${pack.fileName}`}</dd>
          </div>
          <div>
            <dt>Models</dt>
            <dd>{pack.models.join(', ')}</dd>
          </div>
          <div>
            <dt>Built</dt>
            <dd>{formatDate(pack.createdAt)}</dd>
          </div>
          <div>
            <dt>Trained on</dt>
            <dd>
              {pack.training?.description} ({pack.training?.users.toLocaleString()} sequences,{' '}
              {pack.training?.interactions.toLocaleString()} interactions; {pack.training?.licence})
            </dd>
          </div>
          <div>
            <dt>Up next model</dt>
            <dd>{pack.sequencePersonalised ? 'fine-tuned on your own sequence' : 'as shipped (not yet fine-tuned on you)'}</dd>
          </div>
        </dl>
      )}
      <div className="data-actions">
        <button type="button" onClick={() => input.current?.click()}>
          Load a pack file
        </button>
        <input
          ref={input}
          type="file"
          accept=".burrowpack,application/octet-stream"
          className="sr-only"
          tabIndex={-1}
          aria-label="Choose a Burrow pack file"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void session.loadPack(file).finally(() => (e.target.value = ''));
          }}
        />
      </div>
    </section>
  );
}
