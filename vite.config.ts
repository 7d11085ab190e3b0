/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';
import { wasmThreadScripts } from './scripts/vite/wasm-thread-scripts.ts';

/**
 * The production Content-Security-Policy: nothing but our own origin.
 * 'wasm-unsafe-eval' lets the TF.js wasm backend compile its module; it grants no JS eval.
 * No `blob:` for scripts or workers: the wasm backend's thread workers load from same-origin
 * files (scripts/vite/wasm-thread-scripts.ts).
 */
const POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
];
/** A meta tag cannot carry frame-ancestors (browsers ignore it there, with a console error). */
export const CONTENT_SECURITY_POLICY_META = POLICY.join('; ');
export const CONTENT_SECURITY_POLICY = [...POLICY, "frame-ancestors 'none'"].join('; ');

/** Cross-origin isolation lets the wasm backend use threads (SharedArrayBuffer). */
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The built page carries its CSP in a meta tag, so any static host enforces it.
 * Dev mode is left out: React Fast Refresh injects an inline script there.
 */
function cspMetaTag(): Plugin {
  return {
    name: 'burrow-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY_META },
        injectTo: 'head-prepend',
      },
    ],
  };
}

/**
 * Offline and installable: Workbox precaches the whole build (app, catalog, base pack, wasm
 * binaries and thread scripts), so a second visit needs no network. A new build waits until the
 * user accepts the update prompt (registerType 'prompt'); registration is bundled code, no inline
 * script, so the CSP stays strict.
 */
function offline() {
  return VitePWA({
    registerType: 'prompt',
    injectRegister: false,
    manifest: {
      name: 'Burrow: private recommendations',
      short_name: 'Burrow',
      description: 'Recommendations computed and learned entirely in your browser.',
      start_url: './',
      scope: './',
      display: 'standalone',
      background_color: '#faf7f2',
      theme_color: '#6b4f2a',
      icons: [
        { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
        { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
        { src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml' },
      ],
    },
    workbox: {
      globPatterns: ['**/*.{js,css,html,svg,png,json,wasm,burrowpack,webmanifest}'],
      // the engine worker (TF.js and its backends) is about 2.5 MB
      maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
      navigateFallback: 'index.html',
      cleanupOutdatedCaches: true,
      // the first visit's page is taken over at once, so a later deployment can switch it over
      clientsClaim: true,
    },
  });
}

export default defineConfig({
  // Relative URLs: the same build works at a host's root and under any sub-path.
  base: './',
  plugins: [react(), cspMetaTag(), offline()],
  server: { headers: ISOLATION_HEADERS, host: 'localhost' },
  preview: {
    headers: { ...ISOLATION_HEADERS, 'Content-Security-Policy': CONTENT_SECURITY_POLICY },
    host: 'localhost',
  },
  worker: { format: 'es', plugins: () => [wasmThreadScripts()] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts', 'tests/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    pool: 'forks',
  },
});
