/**
 * Issue 13: the browser process is killed (SIGKILL) in the middle of writes, over a persistent
 * profile; after a restart every event the app had acknowledged is still there.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test, type BrowserContext } from '@playwright/test';
import config from '../../playwright.config';
import { openApp } from './fixtures';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const args = (config.use?.launchOptions?.args ?? []) as string[];

function launch(userDataDir: string, baseURL: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, { executablePath, args, baseURL, headless: true });
}

/** The browser's main process: the oldest process started with this profile directory. */
function browserPid(userDataDir: string): number {
  const out = execFileSync('pgrep', ['-o', '-f', '--', `--user-data-dir=${userDataDir}`], { encoding: 'utf8' });
  const pid = Number(out.trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no browser process for ${userDataDir}`);
  return pid;
}

type Acked = { itemId: string; uid: string }[];

test('every acknowledged event survives a SIGKILL of the browser mid-write', async ({ baseURL }) => {
  test.setTimeout(240_000);
  const dir = await mkdtemp(join(tmpdir(), 'burrow-kill-'));
  try {
    const first = await launch(dir, baseURL!);
    const page = first.pages()[0] ?? (await first.newPage());
    await openApp(page, 'browse');
    const cards = page.getByRole('list', { name: 'Catalog results' }).getByRole('article');
    // a few writes that have certainly completed
    for (let i = 0; i < 3; i++) await cards.nth(i).getByRole('button', { name: 'Like', exact: true }).click();
    await expect.poll(() => page.evaluate(() => (window as unknown as { burrow: { getState(): { events: unknown[] } } }).burrow.getState().events.length)).toBe(3);
    // then a burst of writes from inside the page, recording each one as its append resolves
    // (the store resolves only once the transaction has committed: that is the acknowledgement)
    await page.evaluate(() => {
      const w = window as unknown as {
        burrow: { getState(): { catalog: { id: string; items: { id: string }[] } }; record(id: string, kind: 'like'): Promise<boolean> };
        acked: { itemId: string }[];
      };
      w.acked = [];
      const { catalog } = w.burrow.getState();
      let i = 10;
      const tick = () => {
        const itemId = catalog.items[i++ % catalog.items.length]!.id;
        void w.burrow.record(itemId, 'like').then((saved) => saved && w.acked.push({ itemId }));
        setTimeout(tick, 5);
      };
      tick();
    });
    await expect.poll(() => page.evaluate(() => (window as unknown as { acked: unknown[] }).acked.length)).toBeGreaterThan(20);
    const acked = await page.evaluate(() => {
      const w = window as unknown as { burrow: { getState(): { events: { itemId: string; uid: string }[] } } };
      return w.burrow.getState().events.map((e) => ({ itemId: e.itemId, uid: e.uid }));
    }) as Acked;
    // writes are still being issued right now: kill the whole browser without warning
    process.kill(browserPid(dir), 'SIGKILL');
    await first.close().catch(() => undefined);

    const second = await launch(dir, baseURL!);
    try {
      const again = second.pages()[0] ?? (await second.newPage());
      await openApp(again, 'history');
      const after = await again.evaluate(() => {
        const w = window as unknown as { burrow: { getState(): { events: { uid: string }[]; skippedRecords: number } } };
        const s = w.burrow.getState();
        return { uids: s.events.map((e) => e.uid), skipped: s.skippedRecords };
      });
      expect(acked.length).toBeGreaterThan(3);
      const missing = acked.filter((e) => !after.uids.includes(e.uid));
      expect(missing).toEqual([]);
      expect(after.skipped).toBe(0);
    } finally {
      await second.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
