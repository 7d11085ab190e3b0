import { expect, test, type Page } from '@playwright/test';
import { card, eventCount, goTo, openApp, search } from './fixtures';

/**
 * Every IndexedDB write of the engine worker (the one writer of the log) fails as a full disk does
 * while the page says so. The fault goes in at the same call a full disk fails, in the worker's
 * module (a preamble), and is switched over a BroadcastChannel the preamble answers on.
 */
async function fillableDisk(page: Page): Promise<(full: boolean) => Promise<void>> {
  const preamble = `{
    let full = false;
    const channel = new BroadcastChannel('burrow-e2e-disk');
    channel.onmessage = (event) => {
      full = event.data === 'full';
      channel.postMessage('ack:' + event.data);
    };
    for (const method of ['put', 'add']) {
      const original = IDBObjectStore.prototype[method];
      IDBObjectStore.prototype[method] = function (...args) {
        if (full) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return original.apply(this, args);
      };
    }
  }\n`;
  await page.route(/\/assets\/engine\.worker-[^/]*\.js$/, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: preamble + (await response.text()) });
  });
  return (full) =>
    page.evaluate(
      (state) =>
        new Promise<void>((resolve) => {
          const channel = new BroadcastChannel('burrow-e2e-disk');
          channel.onmessage = (event) => {
            if (event.data === `ack:${state}`) {
              channel.close();
              resolve();
            }
          };
          channel.postMessage(state);
        }),
      full ? 'full' : 'free',
    );
}

test('a full disk (QuotaExceededError) is reported and the stored history survives', async ({ page }) => {
  const setDiskFull = await fillableDisk(page);
  await openApp(page, 'browse');
  await search(page, 'alien');
  await card(page, 'Alien').getByRole('button', { name: 'Like', exact: true }).click();
  await expect.poll(() => eventCount(page)).toBe(1);

  await setDiskFull(true);
  await card(page, 'Alien').getByRole('button', { name: 'Rate 5 stars' }).click();
  await expect(page.getByRole('alert')).toContainText('storage is full');
  expect(await eventCount(page)).toBe(1);
  // the refused rating is not shown as given: the like is still the card's state
  await expect(card(page, 'Alien').getByRole('button', { name: 'Rate 5 stars' })).not.toHaveAttribute('aria-pressed', 'true');

  await setDiskFull(false);
  await page.reload();
  await openApp(page, 'data');
  await expect(page.getByTestId('event-count')).toHaveText('1');
});

test('an unreadable stored record is skipped with a notice; the rest of the history loads', async ({ page }) => {
  await openApp(page, 'browse');
  await search(page, 'alien');
  await card(page, 'Alien').getByRole('button', { name: 'Like', exact: true }).click();
  await expect.poll(() => eventCount(page)).toBe(1);
  // Corrupt the store behind the app's back, as a buggy extension or an old version might.
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('burrow');
        open.onsuccess = () => {
          const tx = open.result.transaction('events', 'readwrite');
          tx.objectStore('events').put({ uid: 'corrupt-1', itemId: 42, kind: 'teleport', ts: 'yesterday', seq: 99 });
          tx.oncomplete = () => (open.result.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
        open.onerror = () => reject(open.error);
      }),
  );
  await page.reload();
  await openApp(page, 'history');
  await expect(page.getByRole('alert')).toContainText('1 stored record(s) were unreadable');
  await expect(page.getByRole('table')).toContainText('Alien');
  expect(await eventCount(page)).toBe(1);
});

test('a malformed catalog is refused with the record and field named, and stored data is untouched', async ({ page }) => {
  await openApp(page, 'browse');
  await search(page, 'alien');
  await card(page, 'Alien').getByRole('button', { name: 'Like', exact: true }).click();
  await expect.poll(() => eventCount(page)).toBe(1);

  await page.route('**/catalog/default.json', async (route) => {
    const response = await route.fetch();
    const catalog = (await response.json()) as { items: { year: unknown }[] };
    catalog.items[7]!.year = '19x5';
    await route.fulfill({ response, json: catalog });
  });
  await page.reload();
  const failure = page.getByRole('alert').filter({ hasText: 'Burrow could not start' });
  await expect(failure).toContainText('Catalog item #7');
  await expect(failure).toContainText('"year"');
  await expect(failure).toContainText('Your stored history was not touched');

  await page.unroute('**/catalog/default.json');
  await page.reload();
  await openApp(page, 'data');
  await expect(page.getByTestId('event-count')).toHaveText('1');
});

test('two tabs at once see each other’s changes', async ({ context }) => {
  const first = await context.newPage();
  const second = await context.newPage();
  await openApp(first, 'browse');
  await openApp(second, 'history');
  await search(first, 'alien');
  await card(first, 'Alien').getByRole('button', { name: 'Like', exact: true }).click();
  await expect(second.getByRole('table')).toContainText('Alien');
  await goTo(second, 'Your data');
  await expect(second.getByTestId('event-count')).toHaveText('1');
});
