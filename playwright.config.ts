import { defineConfig } from '@playwright/test';

const PORT = Number(process.env.BURROW_E2E_PORT ?? 4183);
/** the plain static host listens next to vite preview */
const STATIC_PORT = PORT + 1;
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Requests made by the service worker itself show up in context.on('request') (Chromium only),
// so the privacy test sees every request the page, its workers and its service worker make.
process.env.PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS = '1';

/**
 * E2E runs the production build (`vite build`) in Debian's Chromium, headless, with WebGPU
 * enabled, served two ways:
 *  - 'isolated': `vite preview` with the production headers (COOP/COEP + CSP), at the root;
 *  - 'static': a plain static server with no isolation headers, under a sub-path (/burrow/),
 *    as GitHub Pages or S3 would serve it. It runs the start-up tests (start.spec.ts).
 * On machines without a GPU, WebGPU runs on SwiftShader (software Vulkan): slow but real.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    trace: 'off',
    // The service worker would answer requests that tests route or count; the tests that mean it allow it.
    serviceWorkers: 'block',
    launchOptions: {
      executablePath: chromiumPath,
      args: [
        '--no-sandbox',
        '--headless=new',
        '--enable-unsafe-webgpu',
        '--enable-features=Vulkan',
        '--use-angle=swiftshader',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  projects: [
    { name: 'isolated', use: { baseURL: `http://localhost:${PORT}/` } },
    { name: 'static', use: { baseURL: `http://localhost:${STATIC_PORT}/burrow/` }, testMatch: /start\.spec\.ts$/ },
  ],
  webServer: [
    {
      command: `npx vite preview --port ${PORT} --strictPort`,
      url: `http://localhost:${PORT}`,
      reuseExistingServer: false,
      timeout: 60_000,
    },
    {
      command: `npx tsx scripts/static-server.ts --dir dist --port ${STATIC_PORT} --base /burrow/`,
      url: `http://localhost:${STATIC_PORT}/burrow/`,
      reuseExistingServer: false,
      timeout: 60_000,
    },
  ],
});
