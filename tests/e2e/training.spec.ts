import { expect, test, type Page } from '@playwright/test';
import { card, eventCount, goTo, openApp, recommendations, recommendedTitles, search } from './fixtures';

const HORROR = ['Alien', 'The Shining', 'Jaws', 'Saw'];

async function likeHorror(page: Page): Promise<void> {
  await goTo(page, 'Browse');
  await page.getByLabel('Genre').selectOption('Horror');
  for (const title of HORROR) await card(page, title).getByRole('button', { name: 'Like', exact: true }).click();
  await expect.poll(() => eventCount(page)).toBe(HORROR.length);
  await goTo(page, 'For you');
}

async function horrorShare(page: Page): Promise<number> {
  // the first ranking may still be on its way after the backend is up
  await expect(recommendations(page).getByRole('article').first()).toBeVisible({ timeout: 120_000 });
  const texts = await recommendations(page)
    .getByRole('article')
    .evaluateAll((nodes) => nodes.map((n) => n.textContent ?? ''));
  return texts.filter((t) => t.includes('Horror')).length / texts.length;
}

test('training on WebGPU moves the liked genre up, and a reload restores the model without retraining', async ({ page }) => {
  await openApp(page);
  const before = await horrorShare(page);
  await likeHorror(page);
  await page.getByRole('button', { name: 'Train now' }).click();
  const status = page.getByTestId('model-status');
  await expect(status).toContainText('Model trained at', { timeout: 150_000 });
  await expect(status).toContainText('on webgpu');
  await expect(recommendations(page)).toContainText('Your personal model');
  const after = await horrorShare(page);
  expect(after).toBeGreaterThan(before);
  expect(after).toBeGreaterThanOrEqual(0.5);
  // On-device quality: the most recent like was held out of this round and every ranker scored on it.
  const quality = page.getByRole('region', { name: 'Model quality' });
  await expect(quality.getByRole('row', { name: /Your embedding model/ })).toBeVisible();
  await expect(quality.getByRole('row', { name: /Popularity/ })).toBeVisible();
  await expect(quality).toContainText('1 most recent positive(s) held out');
  await expect(quality.getByRole('img', { name: 'NDCG@10 of each model over training rounds' })).toBeVisible();
  const trainedText = await status.textContent();
  const ranked = await recommendedTitles(page);

  await page.reload();
  await openApp(page);
  // Same model (same training time), no training run, same ranking.
  await expect(status).toHaveText(trainedText!);
  await expect(recommendations(page)).toContainText('Your personal model');
  expect(await recommendedTitles(page)).toEqual(ranked);
  await expect(page.getByRole('button', { name: 'Train now' })).toBeEnabled();
});

test('training shows progress and can be cancelled', async ({ page }) => {
  await openApp(page);
  await likeHorror(page);
  await page.getByRole('button', { name: 'Train now' }).click();
  await expect(page.getByRole('progressbar', { name: 'Training progress' })).toBeVisible();
  await page.getByRole('button', { name: 'Cancel training' }).click();
  await expect(page.getByText('Training was cancelled')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Train now' })).toBeVisible();
});

test('a fine-tune starts on its own after 5 new events', async ({ page }) => {
  await openApp(page);
  await likeHorror(page);
  const status = page.getByTestId('model-status');
  await expect(status).toContainText('No model trained yet');
  await goTo(page, 'Browse');
  await search(page, 'Alien');
  await card(page, 'Alien').getByRole('button', { name: 'Rate 5 stars' }).click();
  await expect.poll(() => eventCount(page)).toBe(HORROR.length + 1);
  await goTo(page, 'For you');
  // nobody pressed "Train now"
  await expect(status).toContainText('Model trained at', { timeout: 150_000 });
  await expect(status).toContainText('on 5 events');
});

test('a lost GPU device is reported, the engine falls back, and the history and trained model survive', async ({ page }) => {
  await openApp(page);
  await likeHorror(page);
  await page.getByRole('button', { name: 'Train now' }).click();
  const status = page.getByTestId('model-status');
  await expect(status).toContainText('Model trained at', { timeout: 150_000 });
  const trainedText = await status.textContent();

  // destroys the worker's real GPUDevice: the device.lost path, not a simulation of it
  expect(await page.evaluate(() => (window as unknown as { burrow: { loseGpuDevice(): Promise<boolean> } }).burrow.loseGpuDevice())).toBe(true);
  await expect(page.getByText(/The GPU device was lost \(destroyed/).first()).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('backend')).not.toHaveText('webgpu');
  const live = await page.evaluate(() => (window as unknown as { burrow: { liveBackend(): Promise<string | null> } }).burrow.liveBackend());
  expect(['webgl', 'wasm', 'cpu']).toContain(live);
  // the stored model is reloaded on the new backend, not retrained; the history is intact
  await expect(status).toHaveText(trainedText!);
  expect(await eventCount(page)).toBe(HORROR.length);
  // and the app keeps working: a new like re-ranks with the personal model on the new backend
  await goTo(page, 'Browse');
  await search(page, 'Halloween');
  await card(page, 'Halloween').getByRole('button', { name: 'Like', exact: true }).click();
  await expect.poll(() => eventCount(page)).toBe(HORROR.length + 1);
  await goTo(page, 'For you');
  await expect(recommendations(page)).toContainText('Your personal model');
});
