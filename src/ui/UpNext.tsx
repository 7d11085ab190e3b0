import type { CatalogItem } from '../catalog';
import { ItemCard } from './ItemCard';
import { useSessionState } from './useSession';

/** "Up next": the sequence model's guess at what the user wants after their latest items. */
export function UpNext({ onOpen }: { onOpen: (item: CatalogItem) => void }) {
  const { upNext, index, itemStates } = useSessionState();
  if (!upNext || upNext.source === null || !index) return null;
  return (
    <section className="panel" aria-labelledby="up-next-heading">
      <div className="panel-head">
        <h2 id="up-next-heading">Up next</h2>
        <p className="muted small">Next-item model (SASRec) · on this device</p>
      </div>
      {upNext.reason ? (
        <p className="card-reason" data-testid="up-next-reason">
          {upNext.reason}
        </p>
      ) : (
        <p className="empty">Like or rate something and Burrow guesses what you would pick next, from the order you pick things in.</p>
      )}
      {upNext.items.length > 0 && (
        <ol className="grid row" aria-label="Up next items">
          {upNext.items.map((rec) => {
            const i = index.indexOf(rec.itemId);
            if (i === undefined) return null;
            const item = index.item(i);
            return (
              <li key={rec.itemId}>
                <ItemCard item={item} state={itemStates.get(item.id)} onOpen={onOpen} skippable />
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
