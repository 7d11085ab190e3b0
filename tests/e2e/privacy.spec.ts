import { expect, test, type Request } from '@playwright/test';
import { card, eventCount, goTo, openApp, recommendedTitles, search } from './fixtures';

const STATIC_ASSET = /\.(html|js|mjs|css|json|wasm|svg|png|ico|woff2?|md|burrowpack|webmanifest)$/;
/** Workbox's precache asks for each build file once, with the build's own content hash. */
const PRECACHE_REVISION = /^\?__WB_REVISION__=[0-9a-f]{32}$/;

// The service worker runs here as it does for users, and its own requests are watched too.
test.use({ serviceWorkers: 'allow' });

test('every request during a whole session is a same-origin GET for a static asset', async ({ page, context, baseURL }) => {
  const requests: Request[] = [];
  context.on('request', (r) => requests.push(r));
  const violations: string[] = [];
  await page.exposeFunction('reportViolation', (v: string) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as unknown as { reportViolation(v: string): void }).reportViolation(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });

  await openApp(page, 'browse');
  await expect(page.getByText('Burrow is ready to work offline.')).toBeVisible({ timeout: 60_000 });
  await search(page, 'alien');
  await card(page, 'Alien').getByRole('button', { name: 'Like', exact: true }).click();
  await card(page, 'Alien').getByRole('button', { name: 'Rate 5 stars' }).click();
  await card(page, 'Alien').getByRole('button', { name: 'Alien: details' }).click();
  await page.keyboard.press('Escape');
  await expect.poll(() => eventCount(page)).toBe(3);
  await goTo(page, 'For you');
  await recommendedTitles(page);
  await goTo(page, 'History');
  await goTo(page, 'Your data');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export my data' }).click();
  await download;
  await page.reload();
  await openApp(page);
  await recommendedTitles(page);

  // The CSP itself forbids third-party connections: a script trying one is blocked and reported.
  const outcome = await page.evaluate(() => fetch('https://tracker.invalid/collect').then(() => 'sent', () => 'blocked'));
  expect(outcome).toBe('blocked');
  await expect.poll(() => violations.some((v) => v.startsWith('connect-src'))).toBe(true);

  const origin = new URL(baseURL!).origin;
  expect(requests.length).toBeGreaterThan(3);
  // the page, the engine worker and the service worker were all watched
  expect(requests.some((r) => r.serviceWorker() !== null)).toBe(true);
  expect(requests.some((r) => /engine\.worker-[\w-]+\.js$/.test(r.url()))).toBe(true);
  for (const r of requests) {
    const url = new URL(r.url());
    if (url.protocol === 'blob:' || url.protocol === 'data:') continue;
    if (url.href === 'https://tracker.invalid/collect') continue; // the blocked probe above
    expect.soft(r.method(), r.url()).toBe('GET');
    expect.soft(url.origin, r.url()).toBe(origin);
    // the only query string is the test's own backend choice: no user data ever rides on a URL
    const search = r.serviceWorker() !== null && PRECACHE_REVISION.test(url.search) ? '' : url.search;
    expect.soft(['', '?backend=webgpu'], r.url()).toContain(search);
    expect.soft(url.pathname === '/' || STATIC_ASSET.test(url.pathname), r.url()).toBe(true);
    expect.soft(r.postData(), r.url()).toBeNull();
  }
});
