/**
 * Headless Chromium with WebGPU, launched the same way by every script that drives a page
 * (`npm run eval`'s browser runtime, `npm run bench`, `npm run screenshot`). On machines without a
 * GPU, WebGPU runs on SwiftShader (software Vulkan).
 *
 * Env: CHROMIUM_PATH (default /usr/bin/chromium).
 */
import { chromium, type Browser, type LaunchOptions } from '@playwright/test';

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--headless=new',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** The Chromium binary: $CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

/** Launches headless Chromium with CHROMIUM_ARGS (plus `extraArgs`); the caller closes it. */
export async function launchChromium(
  options: Omit<LaunchOptions, 'executablePath' | 'args'> & { extraArgs?: string[] } = {},
): Promise<Browser> {
  const { extraArgs = [], ...rest } = options;
  const executablePath = chromiumPath();
  try {
    return await chromium.launch({ timeout: 120_000, ...rest, executablePath, args: [...CHROMIUM_ARGS, ...extraArgs] });
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new Error(`could not launch Chromium at ${executablePath} (set CHROMIUM_PATH to another binary): ${message}`);
  }
}
