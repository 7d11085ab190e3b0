/**
 * A new deployment is offered, not forced: after a first visit, a changed build on the host
 * installs a new service worker, the app shows an update prompt, and "Reload to update" switches
 * to it with the history intact. The build is copied to a folder of this test's own and served by
 * the plain static server, so the test can "deploy" a new build without touching dist/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { card, eventCount, goTo, recommendations, search } from './fixtures';

const PORT = Number(process.env.BURROW_E2E_PORT ?? 4183) + 2;
let site: string;
let server: ChildProcess;

test.beforeAll(async () => {
  site = mkdtempSync(join(tmpdir(), 'burrow-site-'));
  cpSync('dist', site, { recursive: true });
  // one process (no npx wrapper), so killing it really stops the server
  server = spawn(process.execPath, ['--import', 'tsx', 'scripts/static-server.ts', '--dir', site, '--port', String(PORT), '--base', '/'], {
    stdio: 'ignore',
  });
  await expect
    .poll(() => fetch(`http://localhost:${PORT}/`).then((r) => r.status, () => 0), { timeout: 30_000 })
    .toBe(200);
});

test.afterAll(() => {
  server?.kill();
  if (site) rmSync(site, { recursive: true, force: true });
});

test.use({ serviceWorkers: 'allow' });

test('a new deployment shows an update prompt, and reloading onto it keeps the history', async ({ page }) => {
  const url = `http://localhost:${PORT}/`;
  await page.goto(url);
  await expect(page.getByText('Burrow is ready to work offline.')).toBeVisible({ timeout: 120_000 });
  await goTo(page, 'Browse');
  await search(page, 'Jaws');
  await card(page, 'Jaws').getByRole('button', { name: 'Like', exact: true }).click();
  await expect.poll(() => eventCount(page)).toBe(1);
  await expect(page.getByRole('alertdialog', { name: 'Update available' })).toHaveCount(0);

  // "deploy" a new build: the service worker script changes, as it does whenever a file changes
  appendFileSync(join(site, 'sw.js'), '\n// build 2\n');
  await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r?.update()));
  const prompt = page.getByRole('alertdialog', { name: 'Update available' });
  await expect(prompt).toBeVisible({ timeout: 60_000 });
  const reloaded = page.waitForEvent('load');
  await prompt.getByRole('button', { name: 'Reload to update' }).click();
  await reloaded;

  await expect(page.getByRole('status', { name: 'Compute backend' })).toContainText('Computing on', { timeout: 120_000 });
  await expect(prompt).toHaveCount(0);
  expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${url}sw.js`);
  await expect.poll(() => eventCount(page)).toBe(1);
  await goTo(page, 'For you');
  await expect(recommendations(page).getByRole('article').first()).toBeVisible({ timeout: 120_000 });
});
