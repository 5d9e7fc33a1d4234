// The report panel under later jobs (issue #23 item 1), in headless Chromium under the panel's CSP: a re-scan keeps
// the report on screen, dimmed and marked out of date, with progress and Cancel; a failed scan of another model
// leaves it, with the failure above; the history card opens a scan and compares two by index; the comparison table
// shows the rows compare.ts computed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { sampleResult } from './sample-result';
import { panelHarness, posted, send } from './panel-page';
import { pageServing, ORIGIN } from './chromium';
import type { HostToWebview } from '../../src/protocol';
import type { ScanHistory } from '../../src/engine/scan-history';
import { summarise } from '../../src/engine/scan-history';
import { compareScans } from '../../src/report/compare';

const h = panelHarness();
const text = async (page: Page, sel: string) => ((await page.locator(sel).textContent()) ?? '').trim();

test('a re-scan dims the report and marks it out of date, with progress and Cancel; cancelled, it is as it was', async () => {
  const r = sampleResult();
  const { page, errors, violations } = await h.open(r);
  assert.equal(await page.locator('#job-banner').isHidden(), true);
  await send(page, { type: 'scanning', model: r.model });
  assert.equal(await text(page, '#job-title'), 'Scanning model.onnx…');
  assert.match(await text(page, '#job-about'), /previous scan: out of date/);
  assert.equal(await page.locator('main.report.stale').count(), 1, 'the report is dimmed');
  assert.equal(await page.locator('#verdict-title').count(), 1, 'the report is still there');
  await send(page, { type: 'progress', progress: { phase: 'recover', step: 6, total: 20, acc: 0.788, message: 'recovering epoch 6', overall: { fraction: 0.374, etaSeconds: 130 } } });
  assert.equal(await text(page, '#job-detail'), '37 % · recovering epoch 6 (6/20) · clean accuracy 78.8 % · about 2 min 10 s left');
  await page.locator('#job-cancel').click();
  assert.deepEqual((await posted(page)).slice(-1), [{ type: 'cancel' }]);
  await send(page, { type: 'cancelled' });
  assert.equal(await page.locator('#job-banner').isHidden(), true);
  assert.equal(await page.locator('main.report.stale').count(), 0);
  assert.deepEqual(errors, []);
  assert.deepEqual(await violations(), []);
  await page.close();
});

test('a failed scan of another model leaves the report, names both, and can be dismissed; export errors stay beside export', async () => {
  const r = sampleResult();
  const { page } = await h.open(r);
  await send(page, { type: 'scanning', model: '/elsewhere/other.onnx' });
  assert.match(await text(page, '#job-about'), /\(of model\.onnx\)/);
  await send(page, { type: 'error', message: '/elsewhere/defense.npz: missing array y', context: 'scan' });
  assert.equal(await text(page, '#job-title'), 'The scan of other.onnx failed');
  assert.equal(await text(page, '#job-detail'), '/elsewhere/defense.npz: missing array y');
  assert.match(await text(page, '#job-about'), /unchanged: the previous scan, of model\.onnx/);
  assert.equal(await page.locator('#verdict-title').count(), 1);
  assert.equal(await page.locator('main.report.stale').count(), 0, 'not dimmed: it is the last good report');
  await page.locator('#job-dismiss').click();
  assert.equal(await page.locator('#job-banner').isHidden(), true);
  await send(page, { type: 'error', message: 'm.onnx: refusing' });
  assert.equal(await text(page, '#export-status.error'), 'm.onnx: refusing');
  assert.equal(await page.locator('#job-banner').isHidden(), true);
  await page.close();
});

test('without a report: the status page has Cancel, and a cancel says so (not "failed")', async () => {
  const { page } = await pageServing(h.browser, h.files);
  await page.goto(`${ORIGIN}/`);
  await send(page, { type: 'scanning', model: '/m/model.onnx' });
  await page.locator('#status-cancel').click();
  assert.deepEqual((await posted(page)).slice(-1), [{ type: 'cancel' }]);
  await send(page, { type: 'cancelled' });
  assert.equal(await text(page, '#status-title'), 'Scan cancelled');
  await send(page, { type: 'scanning', model: '/m/model.onnx' });
  await send(page, { type: 'error', message: '/m/defense.npz: missing array y', context: 'scan' });
  assert.equal(await text(page, '#status-title'), 'Scan failed');
  await page.close();
});

test('history: one row per scan, the shown one marked; Open and Compare post indices; the comparison renders compare.ts rows', async () => {
  const a = sampleResult({ withRepair: true });
  const b = { ...sampleResult({ nothingPruned: 'clean' }), options: { ...a.options, holdoutFraction: 0.3 } };
  const c = sampleResult();
  const entries = [
    summarise(a, '/w/.rnp-scan/model.onnx/2026-12-03T11-00-00-000Z/scan.json', { finishedAt: '2026-12-03T11:02:00.000Z', startedAt: '2026-12-03T11:00:00.000Z' }, a.modelSha256),
    summarise(b, '/w/.rnp-scan/model.onnx/2026-12-02T10-00-00-000Z/scan.json', { finishedAt: '2026-12-02T10:01:00.000Z', startedAt: '2026-12-02T10:00:00.000Z' }, a.modelSha256),
    summarise(c, '/w/.rnp-scan/model.onnx/scan.json', { finishedAt: '2026-12-01T08:00:00.000Z', startedAt: null }, 'f'.repeat(64)),
  ];
  const history: ScanHistory = { model: a.model, entries, unreadable: [{ resultPath: '/w/.rnp-scan/model.onnx/x/scan.json', reason: 'not JSON' }] };
  const { page, errors, violations } = await h.open(a);
  await send(page, { type: 'history', history, shown: entries[0].resultPath });
  const rows = page.locator('#history tr.history-row');
  assert.equal(await rows.count(), 3);
  assert.deepEqual(await rows.evaluateAll((rs) => rs.map((x) => x.getAttribute('data-verdict'))), ['backdoored', 'clean', 'backdoored']);
  assert.equal(await rows.nth(0).locator('.history-open').textContent(), 'Shown');
  assert.match(await text(page, '#history tr.history-row:nth-child(3) .history-note'), /earlier version of the model file/);
  assert.equal(await page.locator('#history tr.history-row:nth-child(2) .history-note').count(), 0);
  assert.match(await text(page, '#history-unreadable'), /not JSON/);
  // ACC / ASR before → after, as the entry says
  assert.equal(await text(page, '#history tr.history-row:nth-child(1) .history-acc'), `${(a.before.acc! * 100).toFixed(1)}% → ${(a.after.acc! * 100).toFixed(1)}%`);
  await rows.nth(1).locator('.history-open').click();
  assert.deepEqual((await posted(page)).slice(-1), [{ type: 'openHistory', index: 1 }]);
  // Compare: only with exactly two ticked
  assert.equal(await page.locator('#history-compare').getAttribute('disabled'), '');
  const before = (await posted(page)).length;
  await page.locator('#history-compare').dispatchEvent('click'); // a disabled vscode-button can still get a click
  await rows.nth(0).locator('.history-tick').check();
  await page.locator('#history-compare').dispatchEvent('click');
  assert.equal((await posted(page)).length, before, 'nothing posted with fewer than two ticked');
  await rows.nth(0).locator('.history-tick').uncheck();
  await rows.nth(0).locator('.history-tick').check();
  await rows.nth(2).locator('.history-tick').check();
  await page.locator('#history-compare').click();
  assert.deepEqual((await posted(page)).slice(-1), [{ type: 'compareHistory', a: 0, b: 2 }]);
  const cmp = compareScans(a, b);
  await send(page, { type: 'comparison', a: entries[0], b: entries[1], rows: cmp });
  // window.postMessage is delivered asynchronously: wait for the card before counting its rows.
  await page.locator('#comparison tr.compare-row').first().waitFor();
  assert.equal(await page.locator('#comparison tr.compare-row').count(), cmp.length);
  assert.equal(await page.locator('#comparison tr.compare-row.differs').count(), cmp.filter((x) => x.differs).length);
  assert.equal(await text(page, '#compare-summary'), `${cmp.filter((x) => x.differs).length} of ${cmp.length} rows differ (marked ≠).`);
  const hold = page.locator('#comparison tr.compare-row', { hasText: 'Option holdoutFraction' });
  assert.deepEqual(await hold.locator('td').allTextContents(), [String(a.options.holdoutFraction), '0.3']);
  // the comparison sits above the report; Close removes it, the report stays
  assert.ok(await page.evaluate(() => !!(document.getElementById('comparison')!.compareDocumentPosition(document.querySelector('main.report')!) & Node.DOCUMENT_POSITION_FOLLOWING)));
  await page.locator('#compare-close').click();
  assert.equal(await page.locator('#comparison').count(), 0);
  assert.equal(await page.locator('#verdict-title').count(), 1);
  assert.deepEqual(errors, []);
  assert.deepEqual(await violations(), []);
  await page.close();
});

test('live curves: the running scan\'s training accuracy is drawn as progress comes, on the status page and under the banner', async () => {
  const { page, errors } = await h.open();
  await send(page, { type: 'scanning', model: '/m/model.onnx' });
  const overall = { fraction: 0.1, etaSeconds: 60 };
  const unlearn = [0.62, 0.41, 0.19];
  for (const [i, acc] of unlearn.entries()) await send(page, { type: 'progress', progress: { phase: 'unlearn', step: i + 1, total: 20, acc, message: `unlearning step ${i + 1}`, overall } });
  await send(page, { type: 'progress', progress: { phase: 'recover', step: 1, total: 20, acc: 0.5, message: 'recovering epoch 1', overall } });
  // A message without an accuracy (loading, evidence) adds nothing.
  await send(page, { type: 'progress', progress: { phase: 'evidence', step: 1, total: 10, message: 'trigger for label 0', overall } });
  assert.equal(await page.locator('#scan-status #live-curve').isVisible(), true);
  assert.equal(await page.locator('#live-curve circle.point.unlearn').count(), unlearn.length);
  assert.equal(await page.locator('#live-curve circle.point.recover').count(), 1);
  // The y of each point is its accuracy on the chart's 0..100 % scale (plot from y 150 down to 10).
  const ys = await page.locator('#live-curve circle.point.unlearn').evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('cy'))));
  assert.deepEqual(ys.map((y) => Math.round(((150 - y) / 140) * 100) / 100), unlearn);
  // The report arrives: the live curve goes.
  const r = sampleResult();
  await send(page, { type: 'result', result: r });
  assert.equal(await page.locator('#live-curve').count(), 0);
  // A re-scan over the report: the curve is drawn under the banner.
  await send(page, { type: 'scanning', model: r.model });
  await send(page, { type: 'progress', progress: { phase: 'unlearn', step: 1, total: 20, acc: 0.7, message: 'unlearning step 1', overall } });
  assert.equal(await page.locator('#job-banner #live-curve circle.point.unlearn').count(), 1);
  await send(page, { type: 'cancelled' });
  assert.equal(await page.locator('#live-curve circle').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});
