/**
 * A crash is not the end: on the default URL, an engine worker that dies restarts on the next
 * backend of the chain by itself, says so, and keeps the history and the trained model. Only when
 * every backend has failed is the recommender unavailable, and browsing, reacting and the data
 * panel still work.
 */
import { expect, test, type Page } from '@playwright/test';
import { card, eventCount, goTo, recommendations, search } from './fixtures';

const status = (page: Page) => page.getByRole('status', { name: 'Compute backend' });

function burrow<T>(page: Page, call: string): Promise<T> {
  return page.evaluate((name) => (window as unknown as { burrow: Record<string, () => Promise<unknown>> }).burrow[name]!(), call) as Promise<T>;
}

async function running(page: Page): Promise<string> {
  await expect(status(page)).toContainText('Computing on', { timeout: 150_000 });
  return (await page.getByTestId('backend').textContent())!;
}

async function like(page: Page, titles: string[]): Promise<void> {
  await goTo(page, 'Browse');
  for (const title of titles) {
    await search(page, title);
    await card(page, title).getByRole('button', { name: 'Like', exact: true }).click();
  }
}

test('a crashed engine restarts down the chain, keeps the history and the model, and the app outlives every backend', async ({ page }) => {
  test.setTimeout(600_000);
  await page.goto('/');
  const first = await running(page);
  await like(page, ['Alien', 'Jaws', 'The Shining']);
  await expect.poll(() => eventCount(page)).toBe(3);
  await goTo(page, 'For you');
  await page.getByRole('button', { name: 'Train now' }).click();
  const model = page.getByTestId('model-status');
  await expect(model).toContainText('Model trained at', { timeout: 150_000 });
  const trained = await model.textContent();

  // 1st crash: an uncaught error in the worker, as a crashing runtime would throw
  expect(await burrow<boolean>(page, 'crashEngine')).toBe(true);
  await expect(page.getByText(/The engine worker crashed: .*Diagnostic crash requested/).first()).toBeVisible({ timeout: 30_000 });
  const second = await running(page);
  expect(second).not.toBe(first);
  expect(await burrow<string>(page, 'liveBackend')).toBe(second);
  await expect(status(page)).toHaveAttribute('title', new RegExp(`crashed on ${first}.*restarted without it`));
  // the trained model is reloaded from IndexedDB on the new backend, not retrained; history intact
  await expect(model).toHaveText(trained!);
  expect(await eventCount(page)).toBe(3);
  await expect(recommendations(page).getByRole('article').first()).toBeVisible({ timeout: 120_000 });
  await expect(recommendations(page)).toContainText('Your personal model');

  // further crashes move on again, until no backend is left
  const seen = new Set([first, second]);
  let current = second;
  for (let crash = 2; crash <= 4; crash++) {
    expect(await burrow<boolean>(page, 'crashEngine')).toBe(true);
    // the crashed engine's backend leaves the header before the next one arrives
    await expect
      .poll(() => page.getByTestId('backend').textContent({ timeout: 1_000 }).catch(() => null), { timeout: 30_000 })
      .not.toBe(current);
    if (crash < 4) {
      current = await running(page);
      expect(seen.has(current), `${current} ran twice`).toBe(false);
      seen.add(current);
    }
  }
  expect(seen.size).toBe(4);
  await expect(status(page)).toContainText('Recommender unavailable', { timeout: 30_000 });
  await expect(recommendations(page)).toContainText('Every compute backend failed');

  // browsing, reacting and the data panel keep working without an engine
  await like(page, ['Halloween']);
  await expect.poll(() => eventCount(page)).toBe(4);
  await goTo(page, 'Your data');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export my data' }).click();
  expect((await download).suggestedFilename()).toMatch(/^burrow-export-/);
});
