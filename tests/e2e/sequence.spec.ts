import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { card, eventCount, goTo, openApp, search } from './fixtures';

const DEFAULT_PACK = path.resolve('public/packs/default.burrowpack');

async function upNextTitles(page: import('@playwright/test').Page): Promise<string[]> {
  const items = page.getByRole('list', { name: 'Up next items' }).getByRole('article');
  await expect(items.first()).toBeVisible();
  return items.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('aria-label') ?? ''));
}

test('"Up next" follows the latest items, with its reason', async ({ page }) => {
  await openApp(page);
  const upNext = page.getByRole('region', { name: 'Up next' });
  await expect(upNext).toContainText('Like or rate something');

  await goTo(page, 'Browse');
  await search(page, 'alien');
  await card(page, 'Alien').getByRole('button', { name: 'Like', exact: true }).click();
  await search(page, 'jaws');
  await card(page, 'Jaws').getByRole('button', { name: 'Like', exact: true }).click();
  await expect.poll(() => eventCount(page)).toBe(2);
  await goTo(page, 'For you');
  await expect(page.getByTestId('up-next-reason')).toHaveText('Because you just liked Jaws and Alien');
  const afterHorror = await upNextTitles(page);
  expect(afterHorror).not.toContain('Alien');

  await goTo(page, 'Browse');
  await search(page, 'toy story');
  await card(page, 'Toy Story').getByRole('button', { name: 'Like', exact: true }).click();
  await search(page, 'finding nemo');
  await card(page, 'Finding Nemo').getByRole('button', { name: 'Like', exact: true }).click();
  await expect.poll(() => eventCount(page)).toBe(4);
  await goTo(page, 'For you');
  await expect(page.getByTestId('up-next-reason')).toHaveText('Because you just liked Finding Nemo and Toy Story');
  const afterFamily = await upNextTitles(page);
  expect(afterFamily).not.toEqual(afterHorror);
});

test('a base pack round-trips through the UI and survives a reload', async ({ page }) => {
  await openApp(page, 'data');
  const info = page.getByTestId('pack-info');
  await expect(info).toContainText('shipped with Burrow');
  await expect(info).toContainText('sasrec');
  await page.getByLabel('Choose a Burrow pack file').setInputFiles(DEFAULT_PACK);
  await expect(page.getByText('Loaded the base pack default.burrowpack')).toBeVisible();
  await expect(info).toContainText('your file default.burrowpack');
  await page.reload();
  await openApp(page, 'data');
  await expect(info).toContainText('your file default.burrowpack');
});

test('a malformed pack is refused and the models are unchanged', async ({ page }, testInfo) => {
  await openApp(page, 'data');
  const info = page.getByTestId('pack-info');
  await expect(info).toContainText('shipped with Burrow');
  const garbage = testInfo.outputPath('broken.burrowpack');
  await writeFile(garbage, 'this is not a pack at all');
  await page.getByLabel('Choose a Burrow pack file').setInputFiles(garbage);
  await expect(page.getByRole('alert')).toContainText('The pack broken.burrowpack was refused');
  await expect(info).toContainText('shipped with Burrow');
});
