import { useEffect, useRef } from 'react';
import type { Catalog, CatalogItem } from '../catalog';
import { ItemCard } from './ItemCard';
import { useSessionState } from './useSession';

interface Props {
  catalog: Catalog;
  item: CatalogItem | null;
  onClose: () => void;
}

/** The item detail view: a modal dialog (focus is trapped and Escape closes it natively). */
export function ItemDetail({ catalog, item, onClose }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const { itemStates } = useSessionState();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (item && !dialog.open) dialog.showModal();
    if (!item && dialog.open) dialog.close();
  }, [item]);

  return (
    <dialog ref={ref} className="detail" aria-label={item ? `${item.title} details` : 'Details'} onClose={onClose}>
      {item && (
        <>
          <div className="detail-head">
            <h2>{item.title}</h2>
            <button type="button" className="ghost" onClick={onClose}>
              Close
            </button>
          </div>
          <dl className="facts">
            {item.year !== null && (
              <>
                <dt>Year</dt>
                <dd>{item.year}</dd>
              </>
            )}
            {Object.entries(catalog.facets).map(([facet, { label }]) => {
              const values = item.tags.filter((t) => t.startsWith(`${facet}:`)).map((t) => t.slice(facet.length + 1));
              return values.length ? (
                <div key={facet} className="fact">
                  <dt>{label}</dt>
                  <dd>{values.join(', ')}</dd>
                </div>
              ) : null;
            })}
            {Object.entries(item.text).map(([field, text]) => (
              <div key={field} className="fact">
                <dt>{field}</dt>
                <dd>{text}</dd>
              </div>
            ))}
            {Object.entries(catalog.numericFields).map(([field, { label, unit }]) => {
              const value = item.numeric[field];
              return value === null || value === undefined ? null : (
                <div key={field} className="fact">
                  <dt>{label}</dt>
                  <dd>
                    {value.toLocaleString()}
                    {unit ? ` ${unit}` : ''}
                  </dd>
                </div>
              );
            })}
          </dl>
          <ItemCard item={item} state={itemStates.get(item.id)} onOpen={() => undefined} />
        </>
      )}
    </dialog>
  );
}
