import { test } from '@playwright/test';
import { createServer, type ViteDevServer } from 'vite';

/**
 * Serves the bench page (bench/page) from source with a Vite dev server of the spec file's own,
 * for the kernel checks: the built app has no test hooks. Returns the page's URL once started.
 */
export function serveBenchPage(): () => string {
  let server: ViteDevServer | undefined;
  let base = '';
  test.beforeAll(async () => {
    server = await createServer({
      root: process.cwd(),
      logLevel: 'warn',
      clearScreen: false,
      server: { port: 0, host: 'localhost', hmr: false, watch: null },
      optimizeDeps: {
        entries: ['bench/page/index.html'],
        include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm'],
      },
    });
    await server.listen();
    base = server.resolvedUrls?.local[0] ?? '';
  });
  test.afterAll(async () => {
    await server?.close();
  });
  return () => `${base}bench/page/index.html`;
}
