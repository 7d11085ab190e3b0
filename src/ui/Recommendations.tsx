import { useEffect, useState } from 'react';
import type { CatalogItem } from '../catalog';
import { useSession, useSessionState } from './useSession';
import { ItemCard } from './ItemCard';
import type { RankingControls } from './session';

/** One 0..1 control; it re-ranks once the slider rests (a re-rank costs a pass over the catalog). */
function RankingSlider({ name, label, low, high }: { name: Exclude<keyof RankingControls, 'explore'>; label: string; low: string; high: string }) {
  const session = useSession();
  const committed = useSessionState().rankingControls[name];
  const [value, setValue] = useState(committed);
  useEffect(() => setValue(committed), [committed]);
  useEffect(() => {
    if (value === committed) return;
    const timer = setTimeout(() => void session.setRankingControls({ [name]: value }), 350);
    return () => clearTimeout(timer);
  }, [value, committed, name, session]);
  const id = `control-${name}`;
  return (
    <div className="ranking-control">
      <label htmlFor={id}>{label}</label>
      <span className="muted small" aria-hidden="true">{low}</span>
      <input
        id={id}
        type="range"
        min={0}
        max={1}
        step={0.1}
        value={value}
        aria-valuetext={`${Math.round(value * 100)}% towards ${high.toLowerCase()}`}
        onChange={(e) => setValue(Number(e.target.value))}
      />
      <span className="muted small" aria-hidden="true">{high}</span>
    </div>
  );
}

function ExploreToggle() {
  const session = useSession();
  const { explore } = useSessionState().rankingControls;
  return (
    <label className="ranking-control">
      <input type="checkbox" checked={explore} onChange={(e) => void session.setRankingControls({ explore: e.target.checked })} />
      Explore: one card in six is something different
    </label>
  );
}

/** "Recommended for you": the engine's ranking of the whole catalog, computed on this device. */
export function Recommendations({ onOpen }: { onOpen: (item: CatalogItem) => void }) {
  const { recommendations, index, itemStates, compute, computeError, recommending, events } = useSessionState();
  const isNewUser = !events.some((e) => e.kind !== 'view' && e.kind !== 'open');

  return (
    <section className="panel" aria-labelledby="recs-heading" role="region" aria-busy={recommending}>
      <div className="panel-head">
        <h2 id="recs-heading">Recommended for you</h2>
        {recommendations && (
          <p className="muted small">
            {recommendations.source === 'baseline' ? 'Starting blend: popularity, content and the base pack' : 'Your personal model, blended with popularity and content'} · ranked{' '}
            {index?.size.toLocaleString()} items on this device in {recommendations.millis.toFixed(0)} ms
          </p>
        )}
      </div>
      <fieldset className="ranking-controls">
        <legend className="sr-only">Tune this list</legend>
        <RankingSlider name="variety" label="Variety" low="More like this" high="More variety" />
        <RankingSlider name="tail" label="Popularity" low="Popular" high="Less known" />
        <ExploreToggle />
      </fieldset>
      {isNewUser && (
        <p className="empty">
          New here? Like, dislike or rate a few titles (here or under <strong>Browse</strong>) and this list learns your
          taste, on your device only. Until then these are popular, well-rated picks.
        </p>
      )}
      {computeError && <p className="error">{computeError}</p>}
      {!recommendations && !computeError && <p className="muted">Warming up the recommender…</p>}
      {recommendations && index && (
        <ol className="grid" aria-label="Recommendations">
          {recommendations.items.map((rec) => {
            const i = index.indexOf(rec.itemId);
            if (i === undefined) return null;
            const item = index.item(i);
            return (
              <li key={rec.itemId}>
                <ItemCard item={item} state={itemStates.get(item.id)} reason={rec.reason} onOpen={onOpen} skippable />
              </li>
            );
          })}
        </ol>
      )}
      {compute === null && !computeError && <span className="sr-only">Loading</span>}
    </section>
  );
}
