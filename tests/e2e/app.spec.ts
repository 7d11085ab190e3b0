import { readFile, writeFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { card, eventCount, goTo, openApp, recommendations, recommendedTitles, search } from './fixtures';

test('the engine really runs on WebGPU', async ({ page }) => {
  await openApp(page);
  const backend = await page.evaluate(() => (window as unknown as { burrow: { liveBackend(): Promise<string> } }).burrow.liveBackend());
  expect(backend).toBe('webgpu');
  await expect(page.getByRole('status', { name: 'Compute backend' })).toContainText('swiftshader');
});

test('a new user sees an empty state and popular picks', async ({ page }) => {
  await openApp(page);
  await expect(page.getByText('New here?')).toBeVisible();
  expect((await recommendedTitles(page)).length).toBeGreaterThanOrEqual(10);
});

test('browse and search the catalog', async ({ page }) => {
  await openApp(page, 'browse');
  const results = page.getByRole('list', { name: 'Catalog results' }).getByRole('article');
  await expect(results).toHaveCount(24);
  await search(page, 'shining');
  await expect(card(page, 'The Shining')).toBeVisible();
  await search(page, 'zzzz-no-such-film');
  await expect(page.getByText('Nothing matches')).toBeVisible();
  await search(page, '');
  await page.getByLabel('Genre').selectOption('Horror');
  // the filtered list has rendered (not the empty "Nothing matches" of the previous search)
  await expect(results.first()).toContainText('Horror');
  const titles = await results.evaluateAll((nodes) => nodes.map((n) => n.textContent ?? ''));
  expect(titles.length).toBeGreaterThan(5);
  for (const text of titles) expect(text).toContain('Horror');
  // keyboard: open an item's details with Enter, close with Escape
  await card(page, 'Alien').getByRole('button', { name: 'Alien: details' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog', { name: 'Alien details' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog', { name: 'Alien details' })).toBeHidden();
});

test('like, dislike and rate survive a reload', async ({ page }) => {
  await openApp(page, 'browse');
  await search(page, 'alien');
  await card(page, 'Alien').getByRole('button', { name: 'Like', exact: true }).click();
  await search(page, 'titanic');
  await card(page, 'Titanic').getByRole('button', { name: 'Dislike', exact: true }).click();
  await search(page, 'jaws');
  await card(page, 'Jaws').getByRole('button', { name: 'Rate 4 stars' }).click();
  await expect.poll(() => eventCount(page)).toBe(3);

  await page.reload();
  await openApp(page, 'browse');
  await search(page, 'alien');
  await expect(card(page, 'Alien').getByRole('button', { name: 'Like', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await search(page, 'titanic');
  await expect(card(page, 'Titanic').getByRole('button', { name: 'Dislike', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await search(page, 'jaws');
  await expect(card(page, 'Jaws').getByRole('button', { name: 'Rate 4 stars' })).toHaveAttribute('aria-pressed', 'true');

  await goTo(page, 'History');
  const rows = page.getByRole('table').getByRole('row');
  await expect(rows).toHaveCount(4); // header + 3 events
  await expect(page.getByRole('table')).toContainText('Rated 4★');
});

test('recommendations react to likes', async ({ page }) => {
  await openApp(page);
  const before = await recommendedTitles(page);
  await goTo(page, 'Browse');
  await page.getByLabel('Genre').selectOption('Horror');
  for (const title of ['Alien', 'The Shining', 'Jaws', 'Saw']) {
    await card(page, title).getByRole('button', { name: 'Like', exact: true }).click();
  }
  await expect.poll(() => eventCount(page)).toBe(4);
  await goTo(page, 'For you');
  // a reason names one of the likes: "Because you liked Alien", or "Popular Horror, like Jaws"
  await expect(recommendations(page)).toContainText(/(Because you liked|, like) (Alien|The Shining|Jaws|Saw)\b/);
  // the ranking settles once the last like has been ranked in: liked items never come back
  const liked = ['Alien', 'The Shining', 'Jaws', 'Saw'];
  await expect.poll(async () => (await recommendedTitles(page)).filter((t) => liked.includes(t))).toEqual([]);
  const after = await recommendedTitles(page);
  expect(after).not.toEqual(before);
  const horror = await recommendations(page)
    .getByRole('article')
    .evaluateAll((nodes) => nodes.filter((n) => (n.textContent ?? '').includes('Horror')).length);
  expect(horror).toBeGreaterThanOrEqual(after.length / 2);
  // the blend's weights were learned on those likes (each after the first is an example of what
  // the taste before it led to): four horror likes in a row lift the content weight off its 0.5
  const weights = page.getByTestId('blend-weights');
  await expect(weights).toContainText('learned on your own likes (3 so far');
  const content = await weights.getByRole('listitem').filter({ hasText: /^content/ }).locator('strong').textContent();
  expect(Number(content)).toBeGreaterThan(0.5);
});

test('export, delete everything, import restores the same history', async ({ page }, testInfo) => {
  await openApp(page, 'browse');
  await search(page, 'alien');
  await card(page, 'Alien').getByRole('button', { name: 'Like', exact: true }).click();
  await search(page, 'shining');
  await card(page, 'The Shining').getByRole('button', { name: 'Rate 5 stars' }).click();
  await search(page, 'titanic');
  await card(page, 'Titanic').getByRole('button', { name: 'Dislike', exact: true }).click();
  await expect.poll(() => eventCount(page)).toBe(3);

  await goTo(page, 'Your data');
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export my data' }).click();
  const exportPath = testInfo.outputPath('export.json');
  await (await downloading).saveAs(exportPath);
  const exported = JSON.parse(await readFile(exportPath, 'utf8')) as { format: string; events: unknown[] };
  expect(exported.format).toBe('burrow-export');
  expect(exported.events).toHaveLength(3);

  await page.getByRole('button', { name: 'Delete all my data' }).click();
  await page.getByRole('button', { name: 'Delete everything' }).click();
  await expect(page.getByTestId('event-count')).toHaveText('0');

  await page.getByLabel('Choose a Burrow export file to import').setInputFiles(exportPath);
  await expect(page.getByTestId('event-count')).toHaveText('3');
  await expect(page.getByText('Imported 3 event(s)')).toBeVisible();

  const again = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export my data' }).click();
  const againPath = testInfo.outputPath('export-again.json');
  await (await again).saveAs(againPath);
  const reexported = JSON.parse(await readFile(againPath, 'utf8')) as { events: unknown[] };
  expect(reexported.events).toEqual(exported.events);
});

test('a malformed import shows an error and leaves the history intact', async ({ page }, testInfo) => {
  await openApp(page, 'browse');
  await search(page, 'alien');
  await card(page, 'Alien').getByRole('button', { name: 'Like', exact: true }).click();
  await expect.poll(() => eventCount(page)).toBe(1);
  await goTo(page, 'Your data');

  const notJson = testInfo.outputPath('broken.json');
  await writeFile(notJson, '{"format": "burrow-export", "version": 1, "events": [');
  await page.getByLabel('Choose a Burrow export file to import').setInputFiles(notJson);
  await expect(page.getByRole('alert')).toContainText('not valid JSON');

  const foreign = testInfo.outputPath('foreign.json');
  await writeFile(foreign, JSON.stringify({ format: 'burrow-export', version: 1, exportedAt: 1, events: [{ uid: 'x', itemId: 'alien-1979', kind: 'love', value: null, ts: 1, session: 's', catalogId: 'c' }] }));
  await page.getByLabel('Choose a Burrow export file to import').setInputFiles(foreign);
  await expect(page.getByRole('alert')).toContainText('Import failed');
  await expect(page.getByTestId('event-count')).toHaveText('1');
  await page.reload();
  await openApp(page, 'data');
  await expect(page.getByTestId('event-count')).toHaveText('1');
});

test('the variety and popularity controls re-rank For you, by keyboard too, and are kept', async ({ page }) => {
  await openApp(page);
  const first = await recommendedTitles(page);
  const variety = page.getByRole('slider', { name: 'Variety' });
  await variety.focus();
  await page.keyboard.press('End');
  await expect(variety).toHaveValue('1');
  await expect.poll(() => recommendedTitles(page), { timeout: 60_000 }).not.toEqual(first);
  const varied = await recommendedTitles(page);
  // the best card stays first; the rest is spread out
  expect(varied[0]).toBe(first[0]);

  const popularity = page.getByRole('slider', { name: 'Popularity' });
  await popularity.focus();
  await page.keyboard.press('End');
  await expect.poll(() => recommendedTitles(page), { timeout: 60_000 }).not.toEqual(varied);

  await page.reload();
  await expect(page.getByRole('slider', { name: 'Variety' })).toHaveValue('1', { timeout: 60_000 });
  await expect(page.getByRole('slider', { name: 'Popularity' })).toHaveValue('1');
});

test('Explore puts something different on one card in six, and says so', async ({ page }) => {
  await openApp(page, 'browse');
  await page.getByLabel('Genre').selectOption('Horror');
  for (const title of ['Alien', 'The Shining', 'Jaws']) await card(page, title).getByRole('button', { name: 'Like', exact: true }).click();
  await expect.poll(() => eventCount(page)).toBe(3);
  await goTo(page, 'For you');
  // the plain list once it has ranked the third like in (liked films never come back), not a stale one
  await expect.poll(async () => (await recommendedTitles(page)).filter((t) => ['Alien', 'The Shining', 'Jaws'].includes(t))).toEqual([]);
  await expect(recommendations(page)).toHaveAttribute('aria-busy', 'false');
  const plain = await recommendedTitles(page);
  await page.getByRole('checkbox', { name: /Explore/ }).check();
  const tried = recommendations(page).getByRole('article').filter({ hasText: 'Something different to try' });
  await expect(tried).toHaveCount(2, { timeout: 60_000 });
  const explored = await tried.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('aria-label')));
  // on the 6th and 12th cards, films the plain list's other ten cards do not show; those ten keep their order
  const kept = plain.slice(0, 10);
  expect(explored.every((t) => !kept.includes(t ?? ''))).toBe(true);
  const titles = await recommendedTitles(page);
  expect([titles[5], titles[11]]).toEqual(explored);
  expect(titles.filter((_, i) => i !== 5 && i !== 11)).toEqual(kept);
  await page.getByRole('checkbox', { name: /Explore/ }).uncheck();
  await expect(tried).toHaveCount(0, { timeout: 60_000 });
});
