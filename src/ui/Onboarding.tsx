import type { CatalogItem } from '../catalog';
import { isJudged } from '../events';
import { ItemCard } from './ItemCard';
import { useSession, useSessionState } from './useSession';

/**
 * The cold-start picker: on a first visit, a dozen well-known films spread over the catalog
 * (engine `onboarding`) to like or dislike, so For you has a taste to work from at once. Every
 * reaction is an ordinary event; "Done" and "Skip" both put the picker away for good.
 */
export function Onboarding({ onOpen }: { onOpen: (item: CatalogItem) => void }) {
  const session = useSession();
  const { onboarding, index, itemStates } = useSessionState();
  if (!onboarding || !index) return null;
  const items = onboarding.flatMap((id) => {
    const i = index.indexOf(id);
    return i === undefined ? [] : [index.item(i)];
  });
  const judged = items.filter((item) => {
    const state = itemStates.get(item.id);
    return state !== undefined && isJudged(state);
  }).length;
  return (
    <section className="panel onboarding" aria-labelledby="onboarding-heading" role="region">
      <div className="panel-head">
        <h2 id="onboarding-heading">Start with films you know</h2>
        <p className="muted small" aria-live="polite">
          {judged === 0 ? 'Like or dislike a few: each one tells Burrow something different.' : `${judged} of ${items.length} rated`}
        </p>
      </div>
      <ol className="grid" aria-label="Films to start with">
        {items.map((item) => (
          <li key={item.id}>
            <ItemCard item={item} state={itemStates.get(item.id)} onOpen={onOpen} />
          </li>
        ))}
      </ol>
      <div className="onboarding-actions">
        <button type="button" className="primary" disabled={judged === 0} onClick={() => void session.finishOnboarding()}>
          Done: show my recommendations
        </button>
        <button type="button" onClick={() => void session.finishOnboarding()}>
          Skip
        </button>
      </div>
    </section>
  );
}
