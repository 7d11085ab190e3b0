import type { CatalogItem } from '../catalog';
import { formatTime } from './format';
import { useSession, useSessionState } from './useSession';

const KIND_LABEL: Record<string, string> = {
  view: 'Saw',
  open: 'Opened',
  like: 'Liked',
  dislike: 'Disliked',
  rating: 'Rated',
  skip: 'Not interested',
  remove: 'Forgot',
};

/** The user's history, newest first, with a way to forget any item's signals. */
export function History({ onOpen }: { onOpen: (item: CatalogItem) => void }) {
  const session = useSession();
  const { events, index } = useSessionState();
  const newestFirst = [...events].reverse();

  return (
    <section className="panel" aria-labelledby="history-heading">
      <h2 id="history-heading">Your history</h2>
      {newestFirst.length === 0 ? (
        <p className="empty">
          Nothing yet. Everything you like, dislike, rate or open shows up here — stored only in this browser.
        </p>
      ) : (
        <table className="history">
          <caption className="sr-only">Your interactions, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Item</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {newestFirst.map((event) => {
              const i = index?.indexOf(event.itemId);
              const item = i === undefined ? null : index!.item(i);
              return (
                <tr key={event.uid}>
                  <td>{formatTime(event.ts)}</td>
                  <td>
                    {KIND_LABEL[event.kind]}
                    {event.kind === 'rating' ? ` ${event.value}★` : ''}
                  </td>
                  <td>
                    {item ? (
                      <button type="button" className="link" onClick={() => onOpen(item)}>
                        {item.title}
                      </button>
                    ) : (
                      <span className="muted">{event.itemId} (not in this catalog)</span>
                    )}
                  </td>
                  <td>
                    {event.kind !== 'remove' && (
                      <button type="button" className="ghost small" onClick={() => void session.record(event.itemId, 'remove')}>
                        Forget
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
