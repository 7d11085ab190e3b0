/**
 * Takes the README's screenshot: serves `dist/` with `vite preview`, likes a few films on the
 * WebGPU path, trains the personal model and captures "For you". Run after `npm run build`: `npm run screenshot`.
 */
import { preview } from 'vite';
import { launchChromium } from './lib/chromium';

const server = await preview({ preview: { port: 4190, strictPort: true } });
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1500 } });
  await page.goto('http://localhost:4190/?backend=webgpu#browse');
  await page.getByTestId('backend').getByText('webgpu').waitFor({ timeout: 60_000 });
  await page.getByLabel('Genre').selectOption('Horror');
  for (const title of ['Alien', 'The Shining', 'Jaws']) {
    await page.getByRole('article', { name: title, exact: true }).getByRole('button', { name: 'Like', exact: true }).click();
  }
  await page.getByRole('article', { name: 'Saw', exact: true }).getByRole('button', { name: 'Rate 4 stars' }).click();
  await page.getByRole('link', { name: 'For you' }).click();
  await page.getByRole('button', { name: 'Train now' }).click();
  await page.getByTestId('model-status').getByText('Model trained at').waitFor({ timeout: 300_000 });
  await page.getByText('Your personal model').first().waitFor();
  await page.screenshot({ path: process.argv[2] ?? 'docs/screenshot.png' });
} finally {
  await browser.close();
  server.httpServer.close();
}
