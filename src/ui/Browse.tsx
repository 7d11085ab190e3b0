import { useDeferredValue, useMemo, useState } from 'react';
import type { Catalog, CatalogItem } from '../catalog';
import { facetValues } from './format';
import { ItemCard } from './ItemCard';
import { useSessionState } from './useSession';

const PAGE = 24;
type SortKey = 'popularity' | 'title' | 'year-desc' | 'year-asc';

function matches(item: CatalogItem, words: string[]): boolean {
  if (words.length === 0) return true;
  const haystack = `${item.title} ${item.year ?? ''} ${item.tags.join(' ')} ${Object.values(item.text).join(' ')}`.toLowerCase();
  return words.every((w) => haystack.includes(w));
}

const SORTERS: Record<SortKey, (a: CatalogItem, b: CatalogItem) => number> = {
  popularity: (a, b) => b.popularity - a.popularity,
  title: (a, b) => a.title.localeCompare(b.title),
  'year-desc': (a, b) => (b.year ?? 0) - (a.year ?? 0),
  'year-asc': (a, b) => (a.year ?? 9999) - (b.year ?? 9999),
};

/** Catalog browsing: free-text search, facet filters, sorting and paging. */
export function Browse({ catalog, onOpen }: { catalog: Catalog; onOpen: (item: CatalogItem) => void }) {
  const { itemStates } = useSessionState();
  const [query, setQuery] = useState('');
  const [genre, setGenre] = useState('');
  const [rating, setRating] = useState('');
  const [sort, setSort] = useState<SortKey>('popularity');
  const [shown, setShown] = useState(PAGE);
  const deferredQuery = useDeferredValue(query);

  const genres = useMemo(() => distinct(catalog.items.flatMap((i) => facetValues(i, 'genre'))), [catalog]);
  const ratings = useMemo(() => distinct(catalog.items.flatMap((i) => facetValues(i, 'mpaa'))), [catalog]);

  const results = useMemo(() => {
    const words = deferredQuery.toLowerCase().split(/\s+/).filter(Boolean);
    return catalog.items
      .filter((item) => matches(item, words))
      .filter((item) => !genre || item.tags.includes(`genre:${genre}`))
      .filter((item) => !rating || item.tags.includes(`mpaa:${rating}`))
      .sort(SORTERS[sort]);
  }, [catalog, deferredQuery, genre, rating, sort]);

  const reset = () => setShown(PAGE);

  return (
    <section className="panel" aria-labelledby="browse-heading">
      <h2 id="browse-heading">Browse the catalog</h2>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input
            type="search"
            value={query}
            placeholder="Title, director, genre…"
            onChange={(e) => {
              setQuery(e.target.value);
              reset();
            }}
          />
        </label>
        <label>
          Genre
          <select value={genre} onChange={(e) => (setGenre(e.target.value), reset())}>
            <option value="">All genres</option>
            {genres.map((g) => (
              <option key={g}>{g}</option>
            ))}
          </select>
        </label>
        <label>
          Rated
          <select value={rating} onChange={(e) => (setRating(e.target.value), reset())}>
            <option value="">Any rating</option>
            {ratings.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          Sort by
          <select value={sort} onChange={(e) => (setSort(e.target.value as SortKey), reset())}>
            <option value="popularity">Most popular</option>
            <option value="title">Title</option>
            <option value="year-desc">Newest</option>
            <option value="year-asc">Oldest</option>
          </select>
        </label>
      </form>
      <p className="muted" aria-live="polite">
        {results.length.toLocaleString()} of {catalog.items.length.toLocaleString()} {catalog.itemNoun}s
      </p>
      {results.length === 0 ? (
        <p className="empty">Nothing matches “{deferredQuery}”. Try fewer words or clear the filters.</p>
      ) : (
        <ul className="grid" aria-label="Catalog results">
          {results.slice(0, shown).map((item) => (
            <li key={item.id}>
              <ItemCard item={item} state={itemStates.get(item.id)} onOpen={onOpen} />
            </li>
          ))}
        </ul>
      )}
      {shown < results.length && (
        <button type="button" className="more" onClick={() => setShown((s) => s + PAGE)}>
          Show more ({(results.length - shown).toLocaleString()} left)
        </button>
      )}
    </section>
  );
}

function distinct(values: string[]): string[] {
  return [...new Set(values)].sort((a, b) => a.localeCompare(b));
}
