/**
 * Issue 13: what a hostile but fair user did to the built app, one short test per item.
 * Packs are edited in Node with the app's own pack code, so only the intended defect differs.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { decodePack, encodePack, encodeSealedPack, manifestInputOf, packTensors, type PackModelName, type WeightsLike } from '../../src/packs/format';
import { card, eventCount, goTo, openApp, search } from './fixtures';

const DEFAULT_PACK = 'public/packs/default.burrowpack';

async function defaultPack(): Promise<ArrayBuffer> {
  const b = await readFile(DEFAULT_PACK);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** The default pack re-encoded (and sealed, unless `seal` is false) after `edit` changed its parts. */
async function editedPack(
  edit: (parts: { manifest: ReturnType<typeof manifestInputOf>; weights: Partial<Record<PackModelName, WeightsLike>> }) => void,
  seal = true,
): Promise<Uint8Array> {
  const pack = decodePack(await defaultPack());
  const weights: Partial<Record<PackModelName, WeightsLike>> = {};
  for (const m of pack.manifest.models) weights[m.name] = { tensors: packTensors(pack, m.name) };
  const parts = { manifest: manifestInputOf(pack.manifest), weights };
  edit(parts);
  return new Uint8Array(seal ? await encodeSealedPack(parts.manifest, parts.weights) : encodePack(parts.manifest, parts.weights));
}

/** A pack with its manifest JSON edited by hand (the data section, and so its checksum, unchanged). */
function withManifest(buffer: ArrayBuffer, edit: (m: Record<string, unknown>) => void): Uint8Array {
  const bytes = new Uint8Array(buffer);
  const len = new DataView(buffer).getUint32(8, true);
  const json = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + len))) as Record<string, unknown>;
  edit(json);
  const text = new TextEncoder().encode(JSON.stringify(json));
  const padded = Math.ceil((12 + text.length) / 8) * 8 - 12;
  const data = bytes.subarray(12 + len);
  const out = new Uint8Array(12 + padded + data.length);
  out.set(bytes.subarray(0, 8));
  new DataView(out.buffer).setUint32(8, padded, true);
  out.fill(0x20, 12, 12 + padded);
  out.set(text, 12);
  out.set(data, 12 + padded);
  return out;
}

async function loadPackFile(page: Page, path: string, bytes: Uint8Array): Promise<void> {
  await writeFile(path, bytes);
  await page.getByLabel('Choose a Burrow pack file').setInputFiles(path);
}

async function importFile(page: Page, path: string, text: string): Promise<void> {
  await writeFile(path, text);
  await page.getByLabel('Choose a Burrow export file to import').setInputFiles(path);
}

const exportWith = (events: object[]) => JSON.stringify({ format: 'burrow-export', version: 1, exportedAt: Date.now(), events });
const event = (over: object) => ({
  uid: `u-${Math.random()}`,
  itemId: 'alien-1979',
  kind: 'dislike',
  value: null,
  ts: Date.now(),
  session: 'other-device',
  catalogId: 'vega-movies@1-83f1c4f6',
  ...over,
});

async function catalogIdOf(page: Page): Promise<{ catalogId: string; alien: string }> {
  return page.evaluate(() => {
    const state = (window as unknown as { burrow: { getState(): { catalog: { id: string; items: { id: string; title: string }[] } } } }).burrow.getState();
    return { catalogId: state.catalog.id, alien: state.catalog.items.find((i) => i.title === 'Alien')!.id };
  });
}

test('1: a future-dated import is refused with the reason; a clock a few hours fast cannot freeze a card', async ({ page }, testInfo) => {
  await openApp(page, 'data');
  const { catalogId, alien } = await catalogIdOf(page);
  await importFile(page, testInfo.outputPath('future.json'), exportWith([event({ catalogId, itemId: alien, ts: Date.now() + 50 * 365 * 86_400_000 })]));
  await expect(page.getByRole('alert')).toContainText('more than a day in the future');
  await expect(page.getByTestId('event-count')).toHaveText('0');

  // 12 hours ahead is within the accepted skew: stored, but it does not pin Alien's state
  await importFile(page, testInfo.outputPath('skewed.json'), exportWith([event({ catalogId, itemId: alien, ts: Date.now() + 12 * 3_600_000 })]));
  await expect(page.getByTestId('event-count')).toHaveText('1');
  await goTo(page, 'Browse');
  await search(page, 'alien');
  const like = card(page, 'Alien').getByRole('button', { name: 'Like', exact: true });
  await like.click();
  await expect(like).toHaveAttribute('aria-pressed', 'true');
});

test('2, 3 and 7: packs that do not fit or are damaged are refused with the reason; the shipped base stays and trains', async ({ page }, testInfo) => {
  await openApp(page, 'data');
  const info = page.getByTestId('pack-info');
  await expect(info).toContainText('shipped with Burrow');
  const bad: [string, Promise<Uint8Array>, string][] = [
    ['bias-shape', editedPack(({ weights }) => {
      const bias = weights.embedding!.tensors['item/bias']!;
      weights.embedding!.tensors['item/bias'] = { ...bias, shape: [1, bias.shape[0]!] };
    }), 'item/bias has shape'],
    ['features-hash', editedPack(({ manifest }) => {
      manifest.models.find((m) => m.name === 'embedding')!.featuresHash = 'f00d';
    }), 'other item features'],
    ['flipped', defaultPack().then((b) => {
      const bytes = new Uint8Array(b);
      for (let i = 1; i <= 16; i++) bytes[bytes.length - i * 1000]! ^= 0xff;
      return bytes;
    }), 'do not match their checksum'],
    ['trailing', defaultPack().then((b) => {
      const bytes = new Uint8Array(b.byteLength + 1024);
      bytes.set(new Uint8Array(b));
      return bytes;
    }), '1024 unexpected trailing bytes'],
    ['unsealed', editedPack(() => {}, false), 'no weights checksum'],
  ];
  for (const [name, bytes, reason] of bad) {
    await loadPackFile(page, testInfo.outputPath(`${name}.burrowpack`), await bytes);
    await expect(page.getByRole('alert')).toContainText(`The pack ${name}.burrowpack was refused`);
    await expect(page.getByRole('alert')).toContainText(reason);
    await expect(info).toContainText('shipped with Burrow');
  }
  // 3: the trainer is not stuck: it trains on the shipped base
  await goTo(page, 'Browse');
  await search(page, 'alien');
  await card(page, 'Alien').getByRole('button', { name: 'Like', exact: true }).click();
  await expect.poll(() => eventCount(page)).toBe(1);
  await goTo(page, 'For you');
  await page.getByRole('button', { name: 'Train now' }).click();
  await expect(page.getByTestId('model-status')).toContainText('Model trained at', { timeout: 150_000 });
  await expect(page.getByRole('alert')).not.toContainText('Training did not run');
});

test('4: a like a second while the first automatic training runs and ends: training completes without an error', async ({ page }) => {
  test.setTimeout(360_000);
  // The default URL (wasm on this machine): on SwiftShader WebGPU a ranking takes seconds, so a like a
  // second queues rankings ahead of the training for minutes. The same ownership bug on GPU timing is
  // reproduced in Node by src/worker/engine.test.ts ("fold-in and training take turns").
  await page.goto('./#browse');
  await expect(page.getByRole('status', { name: 'Compute backend' })).toContainText('Computing on', { timeout: 120_000 });
  const cards = page.getByRole('list', { name: 'Catalog results' }).getByRole('article');
  const modelState = () => page.evaluate(() => (window as unknown as { burrow: { getState(): { model: { state: string; trainedAt: number | null } | null } } }).burrow.getState().model);
  await expect(cards.first()).toBeVisible();
  const shown = await cards.count();
  let clicked = 0;
  /** Like (or, on a second pass, un-like) the next card: an event, a re-rank and a fold-in each time. */
  const likeNext = async () => {
    await cards.nth(clicked++ % shown).getByRole('button', { name: 'Like', exact: true }).click();
    await page.waitForTimeout(1000); // one like a second, as the report did (pacing, not an assertion)
  };
  // 5 likes start the first automatic training; keep liking through it and past its end
  for (let i = 0; i < 5; i++) await likeNext();
  while ((await modelState())?.trainedAt == null && clicked < 150) await likeNext();
  for (let i = 0; i < 3; i++) await likeNext();
  expect((await modelState())?.trainedAt).not.toBeNull();
  await expect(page.getByRole('alert')).not.toContainText('Training did not run');
  await expect(page.getByRole('alert')).not.toContainText('backend');
  expect(await eventCount(page)).toBe(clicked);
});

test('5 and 8: messages about bad files are short; a JSON string is not an export; repeats merge; a pack date that is not a date is refused', async ({ page }, testInfo) => {
  await openApp(page, 'data');
  const alert = page.getByRole('alert');
  await importFile(page, testInfo.outputPath('huge.json'), JSON.stringify({ format: 'burrow-export', version: 'v'.repeat(2_000_000), exportedAt: 1, events: [] }));
  await expect(alert).toContainText('unknown format version');
  expect((await alert.textContent())!.length).toBeLessThan(600);

  await importFile(page, testInfo.outputPath('string.json'), '"burrow-export"');
  await expect(alert).toContainText('single JSON string');
  await expect(alert).not.toContainText('not valid JSON');
  const { catalogId } = await catalogIdOf(page);
  const doubled = JSON.stringify(exportWith([event({ catalogId, ts: Date.now() - 1000 })]));
  await importFile(page, testInfo.outputPath('double.json'), doubled);
  await expect(alert.getByTestId('notice').filter({ hasText: 'single JSON string' })).toContainText('×2');
  await expect(page.getByTestId('event-count')).toHaveText('0');

  // the same error three times (string, double-encoded, string) is one notice, counted, and it can be dismissed
  await importFile(page, testInfo.outputPath('again.json'), '"burrow-export"');
  const notices = alert.getByTestId('notice').filter({ hasText: 'single JSON string' });
  await expect(notices).toHaveCount(1);
  await expect(notices).toContainText('×3');
  await notices.getByRole('button', { name: 'Dismiss message' }).click();
  await expect(notices).toHaveCount(0);

  await loadPackFile(page, testInfo.outputPath('undated.burrowpack'), withManifest(await defaultPack(), (m) => void (m.createdAt = 'not a date')));
  await expect(alert).toContainText('The pack undated.burrowpack was refused');
  await expect(alert).toContainText('createdAt: is not a date');
  await expect(page.getByTestId('pack-info')).not.toContainText('Invalid Date');
});

test('8: notices never block the cards under them', async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 800, height: 600 });
  await openApp(page, 'data');
  for (const n of [1, 2, 3, 4]) await importFile(page, testInfo.outputPath(`bad-${n}.json`), `{"n": ${n}`);
  await goTo(page, 'Browse');
  // the stack lets clicks through except on the messages themselves
  const stack = page.locator('.notices');
  expect(await stack.evaluate((n) => getComputedStyle(n).pointerEvents)).toBe('none');
  const box = (await stack.boundingBox())!;
  expect(box.width).toBeLessThanOrEqual(800 / 2);
  await expect(page.getByRole('alert').getByTestId('notice')).toHaveCount(3);
  await search(page, 'alien');
  const like = card(page, 'Alien').getByRole('button', { name: 'Like', exact: true });
  await like.click({ timeout: 5000 });
  await expect(like).toHaveAttribute('aria-pressed', 'true');
});

/**
 * Every checkpoint the engine worker saves, other than a pack file, fails as a full disk does.
 * (Chromium's CDP quota override does not reach the off-the-record contexts Playwright opens, so
 * the fault goes in at the same IndexedDB call a full disk fails: the worker module gets a preamble.)
 */
async function failWorkerCheckpointWrites(page: Page): Promise<void> {
  await prependToEngineWorker(page, `
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (value, key) {
      if (this.name === 'checkpoints' && value && value.modelName !== 'pack')
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.call(this, value, key);
    };`);
}

/** Runs `code` (in a block of its own) before the engine worker's module, as a fault's preamble. */
async function prependToEngineWorker(page: Page, code: string): Promise<void> {
  await page.route(/\/assets\/engine\.worker-[^/]*\.js$/, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: `{${code}\n}\n${await response.text()}` });
  });
}

test('6: a full disk at first visit says "storage is full" and what to do', async ({ page }) => {
  // the first write of a new profile creates the database's stores, inside the upgrade; the
  // engine worker opens the database (it owns the event log), so the fault goes into its module
  await prependToEngineWorker(page, `
    IDBDatabase.prototype.createObjectStore = function () {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };`);
  await page.goto('/?backend=webgpu#for-you');
  const failure = page.getByRole('alert').filter({ hasText: 'Burrow could not start' });
  await expect(failure).toContainText('storage is full');
  await expect(failure).toContainText('Free some space');
  await expect(failure).not.toContainText('Version change transaction');
});

test('6: while storage is full, "Training did not run: storage is full" is said once, not after every event', async ({ page }) => {
  // room for events, not for a trained model
  await failWorkerCheckpointWrites(page);
  await openApp(page, 'browse');
  const cards = page.getByRole('list', { name: 'Catalog results' }).getByRole('article');
  for (let i = 0; i < 5; i++) await cards.nth(i).getByRole('button', { name: 'Like', exact: true }).click();
  await expect.poll(() => eventCount(page)).toBe(5);
  const trainingFailed = page.getByRole('alert').getByTestId('notice').filter({ hasText: 'Training did not run' });
  await expect(trainingFailed).toContainText('storage is full', { timeout: 150_000 });
  // five more events would start another automatic training; it waits for the user instead
  for (let i = 5; i < 11; i++) await cards.nth(i).getByRole('button', { name: 'Like', exact: true }).click();
  const state = () => page.evaluate(() => (window as unknown as { burrow: { getState(): { model: { state: string } | null; events: unknown[] } } }).burrow.getState());
  await expect.poll(() => eventCount(page)).toBe(11);
  expect((await state()).model?.state).not.toBe('training');
  await expect(trainingFailed).toHaveCount(1);
  // not raised again: no repeat count on it (the × of its dismiss button is not a count)
  await expect(trainingFailed.locator('.notice-count')).toHaveCount(0);
});
