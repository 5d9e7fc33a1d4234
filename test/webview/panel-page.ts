/**
 * The real report panel (webview/main.ts bundled, media/report.css, the panel's HTML and CSP from panel-html.ts)
 * served to headless Chromium with the VS Code API stub, for the panel tests.
 */
import { readFileSync } from 'node:fs';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { bundle, launch, ORIGIN, pageServing } from './chromium';
import { panelHtml } from '../../src/extension/panel-html';
import type { ScanResult } from '../../src/engine/result';
import type { HostToWebview } from '../../src/protocol';

export type PanelFiles = Parameters<typeof pageServing>[1];

export async function panelFiles(): Promise<PanelFiles> {
  const nonce = 'testnonce123';
  const html = panelHtml({ cspSource: ORIGIN, scriptUri: `${ORIGIN}/webview.js`, styleUri: `${ORIGIN}/report.css`, nonce })
    // The stub must run before the panel script; it carries the same nonce, like any script VS Code would allow.
    .replace('<script nonce', `<script nonce="${nonce}" src="${ORIGIN}/stub.js"></script>\n<script nonce`);
  return {
    '/': { contentType: 'text/html', body: html },
    '/webview.js': { contentType: 'text/javascript', body: await bundle('webview/main.ts') },
    '/stub.js': { contentType: 'text/javascript', body: await bundle('test/webview/browser/vscode-api-stub.ts') },
    '/report.css': { contentType: 'text/css', body: readFileSync('media/report.css', 'utf8') },
  };
}

export interface OpenPanel {
  page: Page;
  errors: string[];
  violations: () => Promise<string[]>;
}

/** A loaded panel that has posted 'ready', showing `result` when given. */
export async function openPanel(browser: Browser, files: PanelFiles, result?: ScanResult): Promise<OpenPanel> {
  const { page, errors } = await pageServing(browser, files);
  await page.addInitScript(() => {
    const v: string[] = [];
    (globalThis as Record<string, unknown>).__violations = v;
    document.addEventListener('securitypolicyviolation', (e) => v.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(`${ORIGIN}/`);
  await page.waitForFunction(() => ((globalThis as Record<string, unknown>).__posted as unknown[]).length > 0);
  if (result) {
    await page.evaluate((r) => window.postMessage({ type: 'result', result: r, resultPath: '/tmp/x/scan.json' }, '*'), result as unknown as Record<string, unknown>);
    await page.locator('#verdict-title').waitFor();
  }
  return { page, errors, violations: () => page.evaluate(() => (globalThis as Record<string, unknown>).__violations as string[]) };
}

/**
 * Posts a host message to the panel and resolves once the panel has handled it: window.postMessage is delivered as a
 * later task, and this listener, added after the panel's, runs after it.
 */
export function send(page: Page, m: HostToWebview): Promise<void> {
  return page.evaluate(
    (msg) =>
      new Promise<void>((done) => {
        window.addEventListener('message', () => done(), { once: true });
        window.postMessage(msg, '*');
      }),
    m as unknown as Record<string, unknown>,
  );
}

/** What the panel posted to the host so far. */
export function posted(page: Page): Promise<unknown[]> {
  return page.evaluate(() => (globalThis as Record<string, unknown>).__posted as unknown[]);
}

/**
 * One Chromium and the panel's files per test file, through node:test's before/after hooks; `open(result)` renders
 * the panel in a fresh page. The fields are set once `before` has run (inside tests).
 */
export function panelHarness(): { browser: Browser; files: PanelFiles; open: (result?: ScanResult) => Promise<OpenPanel> } {
  const h = {
    browser: undefined as unknown as Browser,
    files: undefined as unknown as PanelFiles,
    open: (result?: ScanResult) => openPanel(h.browser, h.files, result),
  };
  before(async () => {
    h.browser = await launch();
    h.files = await panelFiles();
  });
  after(() => h.browser?.close());
  return h;
}
