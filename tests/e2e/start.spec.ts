/**
 * The product starts for every visitor: the production build on its DEFAULT URL (no ?backend=),
 * served the way users get it. This file runs in both projects of playwright.config.ts:
 * 'isolated' (vite preview: COOP/COEP + CSP headers, at the root) and 'static' (a plain static
 * server with no isolation headers, under a sub-path).
 */
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { chromium } from '@playwright/test';
import { card, eventCount, goTo, recommendations, search } from './fixtures';

type Compute = {
  backend: string;
  adapter: { isFallbackAdapter: boolean } | null;
  attempts: { backend: string; ok: boolean }[];
  wasm?: { threads: boolean; numThreads?: number };
} | null;

function liveBackend(page: Page): Promise<string | null> {
  return page.evaluate(() => (window as unknown as { burrow: { liveBackend(): Promise<string | null> } }).burrow.liveBackend());
}

function computeState(page: Page): Promise<Compute> {
  return page.evaluate(() => (window as unknown as { burrow: { getState(): { compute: Compute } } }).burrow.getState().compute);
}

const status = (page: Page) => page.getByRole('status', { name: 'Compute backend' });

/** The header names the backend that tf.getBackend() reports inside the worker, and For you ranks. */
async function expectStartedAndRanking(page: Page): Promise<string> {
  await expect(status(page)).toContainText('Computing on', { timeout: 120_000 });
  const live = await liveBackend(page);
  expect(['webgpu', 'webgl', 'wasm', 'cpu']).toContain(live);
  await expect(page.getByTestId('backend')).toHaveText(live!);
  await expect(recommendations(page).getByRole('article').first()).toBeVisible({ timeout: 120_000 });
  expect(await recommendations(page).getByRole('article').count()).toBeGreaterThanOrEqual(10);
  return live!;
}

function launch(extraArgs: string[]): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless=new', '--disable-background-networking', '--disable-component-update', '--no-first-run', ...extraArgs],
  });
}

test('the default URL starts the engine and ranks, on the backend the plan picks for this host', async ({ page, context }, testInfo) => {
  const scripts: { url: string; status: number }[] = [];
  context.on('response', (r) => scripts.push({ url: r.url(), status: r.status() }));
  await page.goto('./');
  const live = await expectStartedAndRanking(page);
  const isolated = await page.evaluate(() => crossOriginIsolated);
  const compute = await computeState(page);
  // started first time: no crashed engine, and no backend failed apart from a WebGPU without an adapter
  await expect(status(page)).not.toHaveAttribute('title', /crashed/);
  expect(compute!.attempts.filter((a) => !a.ok && a.backend !== 'webgpu')).toEqual([]);
  // a software WebGPU adapter (SwiftShader here) means the plan's first choice is wasm
  if (compute!.adapter?.isFallbackAdapter) expect(live).toBe('wasm');
  if (testInfo.project.name === 'isolated') {
    expect(isolated).toBe(true);
    if (live === 'wasm') {
      expect(compute?.wasm?.threads).toBe(true);
      await expect(status(page)).toContainText('SIMD');
      // the thread pool's worker script and the module it imports came from our own origin, not blob:
      const workers = scripts.filter((s) => /tfjs-backend-wasm-threaded-simd\.worker-[\w-]+\.js$/.test(s.url));
      const factory = scripts.filter((s) => /tfjs-backend-wasm-threaded-simd-[\w-]+\.js$/.test(s.url));
      expect(workers.length).toBeGreaterThan(0);
      expect(factory.length).toBeGreaterThan(0);
      for (const s of [...workers, ...factory]) expect(s.status, s.url).toBe(200);
    }
  } else {
    expect(isolated).toBe(false);
    if (live === 'wasm') {
      expect(compute?.wasm?.threads).toBe(false);
      await expect(status(page)).toContainText('one thread');
    }
  }
});

test('a browser without WebGPU starts on another backend and says why', async ({ baseURL }) => {
  // no --enable-unsafe-webgpu: navigator.gpu exists on Linux but requestAdapter() returns null
  const browser = await launch([]);
  try {
    const page = await browser.newPage({ baseURL });
    await page.goto('./');
    const live = await expectStartedAndRanking(page);
    expect(live).not.toBe('webgpu');
    expect(await page.evaluate(async () => (navigator as Navigator & { gpu?: GPU }).gpu?.requestAdapter() ?? null)).toBeNull();
    await expect(status(page)).toHaveAttribute('title', /No WebGPU adapter was found|no WebGPU API/);
  } finally {
    await browser.close();
  }
});

test('with no GPU, no WebGL and no WebAssembly binary the app still starts, on the cpu backend', async ({ baseURL }) => {
  const browser = await launch(['--disable-gpu', '--disable-software-rasterizer']);
  let context: BrowserContext | null = null;
  try {
    context = await browser.newContext({ baseURL, serviceWorkers: 'block' });
    // every wasm binary fails to load, as on a browser without WebAssembly: its init fails, and the chain goes on
    await context.route(/\.wasm$/, (route) => route.fulfill({ status: 404, body: 'no wasm here' }));
    const page = await context.newPage();
    await page.goto('./');
    const live = await expectStartedAndRanking(page);
    expect(live).toBe('cpu');
    await expect(status(page)).toHaveAttribute('title', /wasm failed/);
  } finally {
    await context?.close();
    await browser.close();
  }
});

test.describe('offline', () => {
  test.use({ serviceWorkers: 'allow' });

  test('after a first visit, an offline reload still starts and ranks', async ({ page, context }) => {
    await page.goto('./');
    await expectStartedAndRanking(page);
    // the precache (app, catalog, base pack, wasm binaries) is complete once the worker is active
    await expect(page.getByText('Burrow is ready to work offline.')).toBeVisible({ timeout: 60_000 });
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await goTo(page, 'Browse');
    await search(page, 'Alien');
    await card(page, 'Alien').getByRole('button', { name: 'Like', exact: true }).click();
    await expect.poll(() => eventCount(page)).toBe(1);

    await context.setOffline(true);
    await page.goto('./');
    await expectStartedAndRanking(page);
    // the network really is down (navigator.onLine does not follow Playwright's emulation in every
    // Chromium): a request the service worker does not answer from its precache fails
    const probe = await page.evaluate(() =>
      fetch(`./offline-probe-${Date.now()}.txt`, { cache: 'no-store' }).then(
        () => 'reached the network',
        () => 'failed',
      ),
    );
    expect(probe).toBe('failed');
    expect(await eventCount(page)).toBe(1);
    await expect(page.getByRole('region', { name: 'Up next' })).toBeVisible();
    await context.setOffline(false);
  });
});
