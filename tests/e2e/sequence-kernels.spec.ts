import { expect, test } from '@playwright/test';
import { serveBenchPage } from './bench-page';

/**
 * The sequence models' WebGPU kernels (src/compute/kernels: the softmax cross-entropy in both forms, the
 * register-blocked products, the dense layer on them, the layer norm and the attention softmax) against
 * the same computation in stock TF.js ops, in real Chromium on WebGPU. They run on the bench page
 * (bench/page), served from source by a Vite dev server of its own: the built app has no test hooks.
 */
const benchPageUrl = serveBenchPage();

test('the sequence models WebGPU kernels agree with stock TF.js ops', async ({ page }) => {
  await page.goto(benchPageUrl());
  await page.waitForFunction('"__burrowBench" in globalThis', undefined, { timeout: 120_000 });
  const backend = await page.evaluate('__burrowBench.init("webgpu").then((r) => r.info.backend)');
  expect(backend).toBe('webgpu');
  const checks = (await page.evaluate('__burrowBench.sequenceKernelChecks()')) as { name: string; ok: boolean; detail: string }[];
  // softmax CE: fused and chunked forms for 4 cases, the blocked form for the 2 whose width is
  // divisible by 4; then the blocked products at 3 block sizes, the dense layer, 2 layer norms,
  // 2 attention softmaxes; then GRU4Rec and SASRec trained on WebGPU through those kernels, each
  // with a tf.memory() leak check over 3 training steps
  expect(checks.length).toBe(22);
  for (const c of checks) expect.soft(c.ok, `${c.name}: ${c.detail}`).toBe(true);
});
