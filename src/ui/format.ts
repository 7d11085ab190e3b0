/** Small display helpers shared by the components. */
import type { CatalogItem } from '../catalog';

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return 'unknown';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
}

export function formatTime(ts: number | null | undefined): string {
  if (ts === null || ts === undefined) return '—';
  const date = new Date(ts);
  return Number.isNaN(date.getTime()) ? 'unknown' : date.toLocaleString();
}

/** An ISO date string as a local date; 'unknown' for anything that is not a date. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? 'unknown' : date.toLocaleDateString();
}

/** Values of one facet among an item's "facet:value" tags. */
export function facetValues(item: CatalogItem, facet: string): string[] {
  const prefix = `${facet}:`;
  return item.tags.filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length));
}

export function subtitle(item: CatalogItem): string {
  return [item.year, ...facetValues(item, 'genre'), ...facetValues(item, 'mpaa')].filter(Boolean).join(' · ');
}
