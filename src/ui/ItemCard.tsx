import type { CatalogItem } from '../catalog';
import type { ItemState } from '../events';
import { subtitle } from './format';
import { useSession } from './useSession';

interface Props {
  item: CatalogItem;
  state: ItemState | undefined;
  reason?: string;
  onOpen: (item: CatalogItem) => void;
  /** recommendation cards offer "Not interested" (a skip) */
  skippable?: boolean;
}

/** One catalog item: an `article` named by its title, with Like, Dislike and 1-5 star buttons. */
export function ItemCard({ item, state, reason, onOpen, skippable }: Props) {
  const session = useSession();
  const liked = state?.reaction === 'like';
  const disliked = state?.reaction === 'dislike';
  const rating = state?.rating ?? null;

  const toggle = (kind: 'like' | 'dislike', active: boolean) =>
    void session.record(item.id, active ? 'remove' : kind);

  return (
    <article className="card" aria-label={item.title}>
      <h3 className="card-title">
        <button type="button" className="link" onClick={() => onOpen(item)} aria-label={`${item.title}: details`}>
          {item.title}
        </button>
      </h3>
      <p className="card-meta">{subtitle(item) || '\u00a0'}</p>
      {reason && <p className="card-reason">{reason}</p>}
      <div className="card-actions">
        <button type="button" className="react like" aria-pressed={liked} onClick={() => toggle('like', liked)}>
          <span aria-hidden="true">♥ </span>Like
        </button>
        <button type="button" className="react dislike" aria-pressed={disliked} onClick={() => toggle('dislike', disliked)}>
          <span aria-hidden="true">✕ </span>Dislike
        </button>
        {skippable && (
          <button type="button" className="react skip" onClick={() => void session.record(item.id, 'skip')}>
            Not interested
          </button>
        )}
      </div>
      <div className="stars" role="group" aria-label={`Your rating of ${item.title}`}>
        {[1, 2, 3, 4, 5].map((n) => (
          <button
            key={n}
            type="button"
            className={rating !== null && n <= rating ? 'star on' : 'star'}
            aria-label={`Rate ${n} stars`}
            aria-pressed={rating === n}
            onClick={() => void session.record(item.id, 'rating', n)}
          >
            ★
          </button>
        ))}
      </div>
    </article>
  );
}
