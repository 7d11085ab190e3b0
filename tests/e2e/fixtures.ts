import { expect, type Page } from '@playwright/test';

/** Opens the app on the WebGPU path (forced, so a silent fallback fails the test). */
export async function openApp(page: Page, hash = 'for-you'): Promise<void> {
  await page.goto(`/?backend=webgpu#${hash}`);
  await expect(page.getByRole('status', { name: 'Compute backend' })).toContainText('webgpu', { timeout: 60_000 });
}

export async function goTo(page: Page, section: 'For you' | 'Browse' | 'History' | 'Your data'): Promise<void> {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: section }).click();
}

export function recommendations(page: Page) {
  return page.getByRole('region', { name: 'Recommended for you' });
}

/** Titles of the recommended items, in rank order. */
export async function recommendedTitles(page: Page): Promise<string[]> {
  const cards = recommendations(page).getByRole('article');
  await expect(cards.first()).toBeVisible();
  return cards.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('aria-label') ?? ''));
}

export async function search(page: Page, text: string): Promise<void> {
  await page.getByRole('searchbox', { name: 'Search' }).fill(text);
}

export function card(page: Page, title: string) {
  return page.getByRole('list', { name: 'Catalog results' }).getByRole('article', { name: title, exact: true });
}

export async function eventCount(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { burrow: { getState(): { events: unknown[] } } }).burrow.getState().events.length);
}
