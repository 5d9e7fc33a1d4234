// The self-contained HTML report (src/report/html-report.ts through src/report-files.ts, with the built panel
// bundle) opened from a file:// URL in real Chromium with the network cut off: it renders the scan as the panel
// does, with the images, the slider working offline, the host-only controls hidden, no CSP violation and no request
// for anything but the file itself; hostile text in the report stays text.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { launch, bundle } from './chromium';
import { sampleResult } from './sample-result';
import { htmlReport } from '../../src/report/html-report';
import { writeReport } from '../../src/report-files';
import { prunedCounts } from '../../src/report/pruning';

let browser: Browser;
let dir: string;
let script: string;
before(async () => {
  browser = await launch();
  dir = mkdtempSync(path.join(tmpdir(), 'rnp-html-report-'));
  script = await bundle('webview/main.ts');
});
after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(file: string) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(() => {
    const v: string[] = [];
    (globalThis as Record<string, unknown>).__violations = v;
    document.addEventListener('securitypolicyviolation', (e) => v.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(pathToFileURL(file).href);
  await page.locator('#verdict-title').waitFor();
  return { page, requests, errors, violations: () => page.evaluate(() => (globalThis as Record<string, unknown>).__violations as string[]) };
}

test('the report renders offline as the panel does, host-only controls hidden', async () => {
  const r = sampleResult({ withTrigger: true, withMad: true, withRepair: true });
  const file = path.join(dir, 'report.html');
  // Through the same writer the CLI and the extension use, with the bundle the build ships.
  await writeReport(file, 'html', r, { root: path.resolve(__dirname, '../..') });
  const { page, requests, errors, violations } = await open(file);
  assert.equal(await page.locator('#verdict-title').textContent(), 'Backdoored — target label 3');
  assert.equal(await page.title(), 'Backdoor scan: model.onnx (backdoored)');
  // The trigger images are data: URLs inside the file, and they decode.
  assert.equal(await page.locator('#trigger img').count(), 4);
  assert.ok(await page.evaluate(() => Array.from(document.querySelectorAll('#trigger img')).every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0)));
  // Export, data-set inspection and history need the extension: not offered.
  for (const id of ['#export-card', '#inspect-samples', '#history']) assert.equal(await page.locator(id).isVisible(), false, id);
  // The slider still answers: the pruned total is recomputed in the page.
  await page.locator('#threshold').fill('0.5');
  const total = prunedCounts(r.layers, 0.5).total;
  assert.equal(await page.locator('#threshold').getAttribute('aria-valuetext'), `threshold 0.50: ${total} of ${r.totalChannels} channels pruned`);
  assert.deepEqual(requests, [pathToFileURL(file).href], 'the file and nothing else');
  assert.deepEqual(await violations(), []);
  assert.deepEqual(errors, []);
  // The theme stands in for VS Code's: text is not left in the browser's default black on a dark scheme.
  await page.emulateMedia({ colorScheme: 'dark' });
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(31, 31, 31)');
  await page.close();
});

test('text from the report cannot end the data block or run as script', async () => {
  const r = sampleResult();
  r.evidence = ['</script><script>globalThis.__pwned = 1</script><!-- <img src=x onerror="globalThis.__pwned = 2">'];
  r.model = '/m/</title><script>globalThis.__pwned = 3</script>.onnx';
  const file = path.join(dir, 'hostile.html');
  const html = htmlReport({ result: r, script, css: readFileSync('media/report.css', 'utf8'), nonce: 'n0nce' });
  // One data block and exactly the two nonce'd scripts; the hostile strings are inside the JSON, escaped.
  assert.equal((html.match(/<script/g) ?? []).length, 3);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, html);
  const { page, errors, violations } = await open(file);
  assert.equal(await page.evaluate(() => (globalThis as Record<string, unknown>).__pwned ?? null), null);
  assert.equal(await page.locator('#evidence li').first().textContent(), r.evidence[0]);
  assert.deepEqual(errors, []);
  assert.deepEqual(await violations(), []);
  await page.close();
});
