// The report panel's repair card and export wording in headless Chromium under the panel's CSP: the repair chart with
// its kept epoch, the export at the scan's own threshold (the repaired model, its `after` metrics) versus any other
// threshold (prune-only, the curve's metrics), and a scan that pruned nothing (threshold -1: no misleading export).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { sampleResult } from './sample-result';
import { panelHarness, posted } from './panel-page';
import type { ScanResult } from '../../src/engine/result';

const h = panelHarness();

/** An adaptive threshold off the curve's 0.05 grid, as the engine picks it (a mask value). */
const ADAPTIVE_TH = 0.3960457742214203;
const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
const text = async (page: Page, selector: string) => (await page.locator(selector).textContent()) ?? '';
const attr = async (page: Page, selector: string, name: string) => page.locator(selector).getAttribute(name);
const prunedAt = (r: ScanResult, th: number) => r.layers.reduce((a, l) => a + l.masks.filter((m) => m <= th).length, 0);

test('repair card: plain-words summary, one point per repair epoch, the kept epoch marked where its values are', async () => {
  const r = sampleResult({ withRepair: true, adaptiveThreshold: ADAPTIVE_TH, withTrigger: true });
  const repair = r.repair!;
  const { page, errors, violations } = await h.open(r);
  const summary = await text(page, '#repair-summary');
  const epochs = Math.max(...repair.epochs.map((e) => e.epoch));
  assert.match(summary, new RegExp(`After pruning ${r.prunedCount} channels the model was fine-tuned for ${epochs} epochs with the recovered trigger of label ${repair.triggerLabel}`));
  assert.match(summary, new RegExp(`, and the trigger of label ${repair.otherLabels![0]}, the next smallest, stamped on half of each batch`));
  assert.match(summary, /The exported model at the scan's threshold \(0\.396\) is this repaired model/);
  const chosen = repair.epochs.find((e) => e.epoch === repair.chosenEpoch)!;
  assert.match(summary, new RegExp(`Epoch ${chosen.epoch} was kept.*held-out accuracy ${pct(chosen.holdoutAcc).replace('.', '\\.')}`));
  assert.equal(await attr(page, '#repair', 'data-chosen-epoch'), String(repair.chosenEpoch));

  // one dot per epoch and series; higher accuracy draws higher (smaller y)
  const accDots = page.locator('#repair-chart circle.point.acc');
  const tsDots = page.locator('#repair-chart circle.point.asr');
  assert.equal(await accDots.count(), repair.epochs.length);
  assert.equal(await tsDots.count(), repair.epochs.length);
  const cys = await accDots.evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('cy'))));
  const cxs = await accDots.evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('cx'))));
  for (let i = 0; i < cys.length; i++)
    for (let j = 0; j < cys.length; j++) if (repair.epochs[i].holdoutAcc > repair.epochs[j].holdoutAcc) assert.ok(cys[i] < cys[j], `epoch ${i} above epoch ${j}`);
  // the marker stands on the kept epoch, its dots on that epoch's two values
  const k = repair.epochs.indexOf(chosen);
  assert.equal(await attr(page, '#repair-chart .marker', 'visibility'), 'visible');
  assert.equal(Number(await attr(page, '#repair-chart .marker', 'x1')), cxs[k]);
  assert.equal(Number(await attr(page, '#repair-chart circle.dot.acc', 'cy')), cys[k]);
  const tsCy = await tsDots.nth(k).getAttribute('cy');
  assert.equal(await attr(page, '#repair-chart circle.dot.asr', 'cy'), tsCy);
  assert.deepEqual(await violations(), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("at the scan's threshold the export is the repaired model with the scan's `after` metrics; elsewhere prune-only with the curve's", async () => {
  const r = sampleResult({ withRepair: true, adaptiveThreshold: ADAPTIVE_TH });
  const { page } = await h.open(r);
  assert.equal(await text(page, '#metrics-after th'), 'pruned at 0.396 and repaired');
  assert.equal(await attr(page, '#export-kind', 'data-kind'), 'repaired');
  assert.match(await text(page, '#export-kind'), /Exports the repaired model: \d+ channels pruned at the scan's threshold 0\.396, then fine-tuned/);
  assert.equal(await text(page, '#export'), 'Export repaired model');
  assert.equal(await attr(page, '#export', 'disabled'), null);
  // the metrics shown are `after` (repaired), not the nearest prune-only curve point
  assert.equal(await attr(page, '#curve-point', 'data-source'), 'after');
  const shown = await text(page, '#curve-point');
  assert.match(shown, /repaired/);
  assert.ok(shown.includes(`ACC ${pct(r.after.acc)}, ASR ${pct(r.after.asr)}`), shown);
  const nearest = r.curve.reduce((b, p) => (Math.abs(p.threshold - ADAPTIVE_TH) < Math.abs(b.threshold - ADAPTIVE_TH) ? p : b));
  // the prune-only reading there is named as such, after the repaired model's (the gap is the repair's)
  const [own, pruneOnly] = shown.split(' Prune-only, ');
  assert.ok(!own.includes(pct(nearest.acc)), `curve ACC ${pct(nearest.acc)} must not be shown as the scan's: ${shown}`);
  assert.ok(pruneOnly?.startsWith(`the curve reads ACC ${pct(nearest.acc)}`), shown);
  assert.equal(await attr(page, '#threshold-reset', 'hidden'), '');
  await page.locator('#export').click();
  assert.deepEqual((await posted(page)).at(-1), { type: 'export', threshold: ADAPTIVE_TH });

  // another threshold: prune-only, the curve's metrics, a way back
  await page.locator('#threshold').fill('0.6');
  assert.equal(await attr(page, '#export-kind', 'data-kind'), 'prune-only');
  const kind = await text(page, '#export-kind');
  assert.match(kind, new RegExp(`Exports a prune-only model: ${prunedAt(r, 0.6)} channels pruned at threshold 0\\.60, no repair`));
  assert.match(kind, /Only the scan's own threshold 0\.396 exports the repaired model/);
  assert.equal(await text(page, '#export'), 'Export pruned model');
  assert.equal(await attr(page, '#curve-point', 'data-source'), 'curve');
  const at06 = r.curve.find((p) => p.threshold === 0.6)!;
  assert.match(await text(page, '#curve-point'), new RegExp(`threshold 0\\.60 \\(prune-only, no repair\\): ACC ${pct(at06.acc).replace('.', '\\.')}`));
  await page.locator('#export').click();
  assert.deepEqual((await posted(page)).at(-1), { type: 'export', threshold: 0.6 });
  assert.equal(await attr(page, '#threshold-reset', 'hidden'), null);
  await page.locator('#threshold-reset').click();
  assert.equal(await attr(page, '#export-kind', 'data-kind'), 'repaired');
  assert.equal(await text(page, '#threshold-value'), '0.396');
  await page.locator('#export').click();
  assert.deepEqual((await posted(page)).at(-1), { type: 'export', threshold: ADAPTIVE_TH }, 'back at the exact threshold the engine compares with');
  // typed into the slider (the range input keeps ~14 digits): still the scan's exact threshold, still the repaired model
  await page.locator('#threshold').fill('0.6');
  await page.locator('#threshold').fill(String(ADAPTIVE_TH));
  assert.notEqual(Number(await page.locator('#threshold').inputValue()), ADAPTIVE_TH, 'Chromium rounds the range value (else this check is moot)');
  assert.equal(await attr(page, '#export-kind', 'data-kind'), 'repaired');
  await page.locator('#export').click();
  assert.deepEqual((await posted(page)).at(-1), { type: 'export', threshold: ADAPTIVE_TH });
  await page.locator('#threshold').fill(String(ADAPTIVE_TH + 0.001));
  assert.equal(await attr(page, '#export-kind', 'data-kind'), 'prune-only');

  // the host says which model it wrote
  await page.evaluate(() => window.postMessage({ type: 'exported', path: '/m/model.pruned.onnx', acc: 0.8937, asr: 0.0123, repaired: true }, '*'));
  await page.locator('#export-status.exported').waitFor();
  assert.equal(await text(page, '#export-status'), 'Exported the repaired model to /m/model.pruned.onnx — ACC 89.4%, ASR 1.2%');
  assert.equal(await attr(page, '#export-status', 'data-kind'), 'repaired');
  await page.evaluate(() => window.postMessage({ type: 'exported', path: '/m/other.onnx', acc: 0.8, asr: 0.1, repaired: false }, '*'));
  await page.waitForFunction(() => document.querySelector('#export-status')?.getAttribute('data-kind') === 'prune-only');
  assert.equal(await text(page, '#export-status'), 'Exported a prune-only model to /m/other.onnx — ACC 80.0%, ASR 10.0%');
  await page.close();
});

test("a scan without repair (paper mode) exports prune-only at its own threshold, with its exact `after`", async () => {
  const r = sampleResult();
  const { page } = await h.open(r);
  assert.equal(await page.locator('#repair').count(), 0);
  assert.equal(await text(page, '#metrics-after th'), 'pruned at 0.20');
  assert.equal(await attr(page, '#export-kind', 'data-kind'), 'prune-only');
  assert.doesNotMatch(await text(page, '#export-kind'), /repaired/);
  assert.equal(await attr(page, '#curve-point', 'data-source'), 'after');
  assert.ok((await text(page, '#curve-point')).includes(`ACC ${pct(r.after.acc)}, ASR ${pct(r.after.asr)}`));
  await page.close();
});

for (const verdict of ['clean', 'inconclusive'] as const) {
  test(`${verdict}, nothing pruned (threshold -1): the panel says so and offers no export identical to the original`, async () => {
    const r = sampleResult({ nothingPruned: verdict });
    const { page, errors } = await h.open(r);
    assert.equal(await page.locator('#repair').count(), 0);
    assert.equal(await text(page, '#threshold-value'), 'none');
    assert.equal(await text(page, '#pruned-total'), `0 of ${r.totalChannels} channels pruned`);
    assert.equal(await page.locator('.cell.pruned').count(), 0);
    assert.match(await text(page, '#threshold-source'), new RegExp(`The scan pruned nothing: the verdict is ${verdict}`));
    assert.doesNotMatch(await text(page, '#threshold-source'), /-1/);
    assert.equal(await text(page, '#metrics-after th'), 'after the scan (nothing pruned)');
    assert.match(await text(page, '#curve-point'), /The scan pruned nothing \(the original model\)/);
    assert.equal(await attr(page, '#threshold-card .marker', 'visibility'), 'hidden');
    // the export is disabled with its reason; even a click that reaches it posts nothing
    assert.equal(await attr(page, '#export', 'disabled'), '');
    assert.equal(await attr(page, '#export-kind', 'data-kind'), 'unchanged');
    assert.match(await text(page, '#export-kind'), new RegExp(`Nothing to export: the verdict is ${verdict}.*identical to the original`));
    await page.locator('#export').dispatchEvent('click');
    assert.deepEqual(await posted(page), [{ type: 'ready' }]);

    // a threshold the user picks exports prune-only; one that prunes nothing stays disabled
    await page.locator('#threshold').fill('0.5');
    assert.equal(await attr(page, '#export', 'disabled'), null);
    assert.equal(await attr(page, '#export-kind', 'data-kind'), 'prune-only');
    assert.doesNotMatch(await text(page, '#export-kind'), /repaired/);
    await page.locator('#export').click();
    assert.deepEqual((await posted(page)).at(-1), { type: 'export', threshold: 0.5 });
    await page.locator('#threshold').fill('0');
    const atZero = prunedAt(r, 0);
    assert.equal(await attr(page, '#export-kind', 'data-kind'), atZero === 0 ? 'unchanged' : 'prune-only');
    assert.equal(await attr(page, '#export', 'disabled'), atZero === 0 ? '' : null);
    // back to the scan's choice
    await page.locator('#threshold-reset').click();
    assert.equal(await text(page, '#threshold-value'), 'none');
    assert.equal(await attr(page, '#export', 'disabled'), '');
    assert.deepEqual(errors, []);
    await page.close();
  });
}

test('a scan since #20 that pruned nothing within the clean-accuracy budget and repaired says so, whatever the verdict', async () => {
  const r: ScanResult = { ...sampleResult({ withRepair: true }), verdict: 'clean', detectedLabel: null, threshold: -1, prunedCount: 0, thresholdSource: 'clean-data', after: { acc: 0.905, asr: 0.02 } };
  const { page, errors } = await h.open(r);
  assert.match(await text(page, '#threshold-source'), /^The scan pruned nothing: no channel could be pruned within the clean-accuracy budget on the hold-out.*the repair fine-tuned the model/);
  assert.doesNotMatch(await text(page, '#threshold-source'), /only a model found backdoored/);
  assert.equal(await text(page, '#repair h2'), 'Repair');
  assert.deepEqual(errors, []);
  await page.close();
});

test('backdoored, nothing pruned, repaired (label from the trigger norms alone): the repair card and its export at the scan\'s own choice', async () => {
  const r: ScanResult = { ...sampleResult({ withRepair: true }), threshold: -1, prunedCount: 0, after: { acc: 0.897, asr: 0.001 } };
  const { page, errors, violations } = await h.open(r);
  assert.equal(await text(page, '#repair h2'), 'Repair');
  assert.match(await text(page, '#repair-summary'), /^With no channel pruned, the model was fine-tuned for \d+ epochs with the recovered trigger of label 3/);
  assert.match(await text(page, '#repair-summary'), /at the scan's own choice \(nothing pruned\) is this repaired model/);
  assert.equal(await text(page, '#threshold-value'), 'none');
  assert.match(await text(page, '#threshold-source'), /The scan pruned nothing: label 3 came from the trigger norms.*the repair removed the backdoor/);
  assert.equal(await text(page, '#metrics-after th'), 'repaired (nothing pruned)');
  assert.equal(await text(page, '#curve-point'), 'The scan pruned nothing and repaired the model: ACC 89.7%, ASR 0.1%.');
  assert.equal(await attr(page, '#export-kind', 'data-kind'), 'repaired');
  assert.equal(await attr(page, '#export', 'disabled'), null);
  await page.locator('#export').click();
  assert.deepEqual((await posted(page)).at(-1), { type: 'export', threshold: -1 });
  // any slider threshold is prune-only, and the way back returns to the repaired model
  await page.locator('#threshold').fill('0.6');
  assert.equal(await attr(page, '#export-kind', 'data-kind'), 'prune-only');
  await page.locator('#threshold-reset').click();
  assert.equal(await attr(page, '#export-kind', 'data-kind'), 'repaired');
  assert.deepEqual(await violations(), []);
  assert.deepEqual(errors, []);
  await page.close();
});
