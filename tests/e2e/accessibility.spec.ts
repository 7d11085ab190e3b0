/**
 * Every view passes axe-core with no serious or critical violation, and the main flow (browse,
 * like, open details, train, export) works from the keyboard alone. Default URL, production build.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { eventCount, goTo, recommendations } from './fixtures';

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

async function started(page: Page): Promise<void> {
  await expect(page.getByRole('status', { name: 'Compute backend' })).toContainText('Computing on', { timeout: 120_000 });
  await expect(recommendations(page).getByRole('article').first()).toBeVisible({ timeout: 120_000 });
}

test('every view passes axe with no serious or critical violation', async ({ page }) => {
  await page.goto('./');
  await started(page);
  expect(await seriousViolations(page), 'For you, new user').toEqual([]);

  await goTo(page, 'Browse');
  await expect(page.getByRole('list', { name: 'Catalog results' })).toBeVisible();
  expect(await seriousViolations(page), 'Browse').toEqual([]);
  const first = page.getByRole('list', { name: 'Catalog results' }).getByRole('article').first();
  await first.getByRole('button', { name: 'Like', exact: true }).click();
  await first.getByRole('button', { name: 'Rate 4 stars' }).click();
  await expect.poll(() => eventCount(page)).toBe(2);

  await first.getByRole('button', { name: /: details$/ }).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  expect(await seriousViolations(page), 'item details').toEqual([]);
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toBeHidden();

  await goTo(page, 'For you');
  await expect(page.getByRole('region', { name: 'Up next' })).toBeVisible();
  expect(await seriousViolations(page), 'For you, with history').toEqual([]);

  await goTo(page, 'History');
  expect(await seriousViolations(page), 'History').toEqual([]);
  await goTo(page, 'Your data');
  expect(await seriousViolations(page), 'Your data').toEqual([]);
});

/** Presses Tab until the focused element matches, as a keyboard user would walk the page. */
async function tabTo(page: Page, matches: (el: Element) => boolean, label: string, limit = 400): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluateHandle(() => document.activeElement ?? document.body);
    const hit = await focused.evaluate(matches);
    await focused.dispose();
    if (hit) return;
  }
  throw new Error(`Tab never reached ${label}`);
}

test('the main flow works from the keyboard alone: browse, like, open details, train, export', async ({ page }) => {
  await page.goto('./');
  await started(page);

  // browse: the nav link, then the search box
  await tabTo(page, (el) => el.textContent === 'Browse' && el.tagName === 'A', 'the Browse link');
  await page.keyboard.press('Enter');
  await tabTo(page, (el) => el.getAttribute('type') === 'search', 'the search box');
  await page.keyboard.type('Alien');
  await expect(page.getByRole('list', { name: 'Catalog results' }).getByRole('article', { name: 'Alien', exact: true })).toBeVisible();

  // like Alien
  await tabTo(page, (el) => el.closest('article')?.getAttribute('aria-label') === 'Alien' && el.textContent?.trim().endsWith('Like') === true, "Alien's Like button");
  await page.keyboard.press('Enter');
  await expect.poll(() => eventCount(page)).toBe(1);
  await expect(page.getByRole('article', { name: 'Alien', exact: true }).getByRole('button', { name: 'Like', exact: true })).toHaveAttribute('aria-pressed', 'true');

  // open its details, and close them with Escape
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog', { name: 'Alien details' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toBeHidden();

  // train: back to For you, then "Train now"
  await tabTo(page, (el) => el.textContent === 'For you' && el.tagName === 'A', 'the For you link');
  await page.keyboard.press('Enter');
  await tabTo(page, (el) => el.textContent === 'Train now', 'Train now');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('model-status')).toContainText('Model trained at', { timeout: 150_000 });

  // export
  await tabTo(page, (el) => el.textContent?.startsWith('Your data') === true && el.tagName === 'A', 'the Your data link');
  await page.keyboard.press('Enter');
  const download = page.waitForEvent('download');
  await tabTo(page, (el) => el.textContent === 'Export my data', 'Export my data');
  await page.keyboard.press('Enter');
  expect((await download).suggestedFilename()).toMatch(/^burrow-export-.*\.json$/);
});
