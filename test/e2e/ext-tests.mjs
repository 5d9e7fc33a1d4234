// Runs test/extension/suite (built to out/test/suite.js) inside code-server's extension host through the
// extensionTestsPath payload; the workbench reports the suite's outcome through window.codeAutomationExit (the
// hook @vscode/test-web uses). The browser is still needed: the workbench and the webview live in it.
// Server must run with --vscode-option enable-smoke-test-driver. Env: CS_URL, RUN_DIR, EXT_DIR, TESTS_PATH.
import { chromium } from 'playwright-core';
import { readFileSync, existsSync } from 'node:fs';

const CS_URL = process.env.CS_URL ?? 'http://127.0.0.1:8080';
const RUN = process.env.RUN_DIR;
const authority = new URL(CS_URL).host;
const remote = (p) => `vscode-remote://${authority}${p}`;
const TIMEOUT_MS = Number(process.env.SUITE_TIMEOUT_MS ?? 40 * 60_000);

const t0 = Date.now();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
page.on('console', (m) => {
  const s = m.text();
  if (/\[rnp-suite\]|AssertionError|Error:|EXT-TESTS/.test(s)) console.log('[console]', s.slice(0, 2000));
});
let done;
const exited = new Promise((r) => (done = r));
await page.exposeFunction('codeAutomationExit', (code) => done(code));
const payload = [
  ['extensionDevelopmentPath', remote(process.env.EXT_DIR)],
  ['extensionTestsPath', remote(process.env.TESTS_PATH)],
];
await page.goto(`${CS_URL}/?folder=${encodeURIComponent(`${RUN}/ws`)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), TIMEOUT_MS))]);
console.log(`extension suite exit code: ${code} after ${((Date.now() - t0) / 1000).toFixed(1)}s`);
const diag = `${RUN}/diagnostics.json`;
if (existsSync(diag)) console.log('diagnostics:', readFileSync(diag, 'utf8'));
await page.screenshot({ path: `${process.env.ARTIFACTS ?? '.'}/suite-final.png` }).catch(() => {});
await browser.close();
process.exit(code === 0 ? 0 : 1);
