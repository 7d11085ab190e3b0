/**
 * The cold-start picker (issue 14): a new user on the default URL is offered a dozen well-known,
 * varied films; reactions there are ordinary events that For you learns from; Done and Skip put
 * the picker away for good, and "Delete all my data" brings it back.
 */
import { expect, test, type Page } from '@playwright/test';
import { eventCount, recommendations } from './fixtures';

const picker = (page: Page) => page.getByRole('region', { name: 'Start with films you know' });

async function openDefault(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByRole('status', { name: 'Compute backend' })).toContainText('Computing on', { timeout: 120_000 });
}

test('a new user is offered a dozen varied films; liking some shapes For you; Done puts the picker away', async ({ page }) => {
  await openDefault(page);
  const films = picker(page).getByRole('list', { name: 'Films to start with' }).getByRole('article');
  await expect(films).toHaveCount(12, { timeout: 60_000 });
  // varied: the twelve span several genres, not one
  const genres = await films.evaluateAll((nodes) => new Set(nodes.map((n) => n.querySelector('.card-meta')?.textContent?.split(' · ')[1] ?? '')).size);
  expect(genres).toBeGreaterThanOrEqual(4);
  const done = picker(page).getByRole('button', { name: 'Done: show my recommendations' });
  await expect(done).toBeDisabled();

  const liked = await films.nth(1).getAttribute('aria-label');
  await films.nth(1).getByRole('button', { name: 'Like', exact: true }).click();
  await films.nth(4).getByRole('button', { name: 'Dislike', exact: true }).click();
  await expect.poll(() => eventCount(page)).toBe(2);
  await expect(picker(page)).toContainText('2 of 12 rated');
  const escaped = liked!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await expect(recommendations(page)).toContainText(new RegExp(`(Because you liked|, like) ${escaped}`), { timeout: 60_000 });

  await done.click();
  await expect(picker(page)).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole('status', { name: 'Compute backend' })).toContainText('Computing on', { timeout: 120_000 });
  await expect(recommendations(page).getByRole('article').first()).toBeVisible({ timeout: 60_000 });
  await expect(picker(page)).toHaveCount(0);
});

test('Skip puts the picker away without an event; deleting all data offers it again', async ({ page }) => {
  await openDefault(page);
  await expect(picker(page).getByRole('article')).toHaveCount(12, { timeout: 60_000 });
  await picker(page).getByRole('button', { name: 'Skip' }).click();
  await expect(picker(page)).toHaveCount(0);
  expect(await eventCount(page)).toBe(0);
  await page.reload();
  await expect(recommendations(page).getByRole('article').first()).toBeVisible({ timeout: 120_000 });
  await expect(picker(page)).toHaveCount(0);

  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Your data' }).click();
  await page.getByRole('button', { name: 'Delete all my data' }).click();
  await page.getByRole('dialog', { name: 'Delete everything?' }).getByRole('button', { name: 'Delete everything' }).click();
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'For you' }).click();
  await expect(picker(page).getByRole('article')).toHaveCount(12, { timeout: 60_000 });
});
