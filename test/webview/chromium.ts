/**
 * Runs webview code in real headless Chromium (Debian's /usr/bin/chromium driven by playwright-core): bundles a
 * TypeScript entry with esbuild in memory and serves it, with any other files, from a fake origin through request
 * interception, so pages load with a real Content-Security-Policy and no network.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'esbuild';
import * as path from 'node:path';

export const ORIGIN = 'http://rnp-webview.test';
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export async function bundle(entry: string, globalName?: string): Promise<string> {
  const r = await build({
    entryPoints: [path.resolve(entry)],
    bundle: true,
    write: false,
    format: 'iife',
    globalName,
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  });
  return r.outputFiles[0].text;
}

export interface Served {
  body: string;
  contentType: string;
}

/** A page whose requests to ORIGIN are answered from `files` (path → body); everything else is refused. */
export async function pageServing(browser: Browser, files: Record<string, Served>): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    const f = url.origin === ORIGIN ? files[url.pathname] : undefined;
    if (!f) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({ status: 200, contentType: f.contentType, body: f.body });
  });
  return { page, errors };
}
