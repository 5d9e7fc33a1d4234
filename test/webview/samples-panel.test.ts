// The report panel's evidence views in headless Chromium under the panel's CSP: the MAD chart beside the label
// histogram, the unlearned and original triggers side by side, and the suspicious-sample grid with its export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { sampleResult, sampleLabelScores } from './sample-result';
import { sampleSamplesReport } from './sample-samples';
import { panelHarness, posted, send } from './panel-page';
import type { HostToWebview, SamplesReport } from '../../src/protocol';

const h = panelHarness();

const num = async (page: Page, selector: string, attr: string) => Number(await page.locator(selector).getAttribute(attr));

test('MAD chart: one bar per label, taller for a larger index, the flag line at 2 above zero, the detected label highlighted', async () => {
  const r = sampleResult({ withMad: true });
  const { page, errors, violations } = await h.open(r);
  const bars = page.locator('#mad rect.bar');
  assert.equal(await bars.count(), r.labelScores.length);
  const heights: number[] = [];
  for (let i = 0; i < r.labelScores.length; i++) {
    assert.equal(Number(await bars.nth(i).getAttribute('data-value')), r.labelScores[i].anomalyIndex);
    heights.push(Number(await bars.nth(i).getAttribute('height')));
  }
  // the geometry follows the values: the target's bar (index ≫ 2) is the tallest, and crosses the flag line
  const indices = r.labelScores.map((s) => s.anomalyIndex as number);
  assert.equal(heights.indexOf(Math.max(...heights)), indices.indexOf(Math.max(...indices)));
  assert.equal(await page.locator('#mad rect.bar-highlight').getAttribute('data-label'), '3');
  assert.deepEqual(await page.locator('#mad rect.bar-flagged').evaluateAll((rs) => rs.map((x) => x.getAttribute('data-label'))), indices.flatMap((a, i) => (a > 2 ? [String(i)] : [])));
  const flagY = await num(page, '#mad .flag-line', 'y1');
  assert.equal(await page.locator('#mad .flag-line').getAttribute('data-value'), '2');
  const target = page.locator('#mad rect.bar-highlight');
  assert.ok((await num(page, '#mad rect.bar-highlight', 'y')) < flagY, 'the target bar rises above the flag line');
  // a label below the median hangs under the zero line: its top is at zero, the flag line above it
  const below = indices.findIndex((a) => a < 0);
  assert.ok(below >= 0);
  assert.ok(Number(await bars.nth(below).getAttribute('y')) > flagY);
  assert.ok(await target.isVisible());
  // next to the label histogram, in the same row
  assert.equal(await page.locator('.columns:has(#histogram) #mad').count(), 1);
  assert.deepEqual(await violations(), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('no MAD chart when the scan did not recover triggers (no anomaly indices)', async () => {
  const { page } = await h.open(sampleResult());
  assert.equal(await page.locator('#mad').count(), 0);
  await page.close();
  const partial = sampleResult({ withMad: true });
  partial.labelScores = sampleLabelScores(3).map((s) => ({ ...s, triggerNorm: null, anomalyIndex: null }));
  const second = await h.open(partial);
  assert.equal(await second.page.locator('#mad').count(), 0);
  await second.page.close();
});

test('trigger: the unlearned and the original model side by side with mask L1 and attack success each', async () => {
  const r = sampleResult({ withTrigger: true, withOriginalTrigger: true });
  const { page, violations } = await h.open(r);
  const t = r.trigger!;
  assert.equal(Number(await page.locator('#trigger-unlearned .trigger-l1').getAttribute('data-value')), t.maskL1);
  assert.equal(Number(await page.locator('#trigger-unlearned .trigger-asr').getAttribute('data-value')), t.asrOnOriginal);
  assert.equal(Number(await page.locator('#trigger-original .trigger-l1').getAttribute('data-value')), t.fromOriginal!.maskL1);
  assert.equal(Number(await page.locator('#trigger-original .trigger-asr').getAttribute('data-value')), t.fromOriginal!.asrOnOriginal);
  assert.equal(await page.locator('#trigger-unlearned .trigger-asr').textContent(), '97.0%');
  assert.equal(await page.locator('#trigger-original .trigger-asr').textContent(), '91.2%');
  assert.match((await page.locator('#trigger-comparison').textContent()) ?? '', /0\.40×/);
  // the unlearned model's own search, before it was finished on the original
  assert.match((await page.locator('#trigger-unlearned-search').textContent()) ?? '', /mask L1 9\.8, attack success on the original model 72\.0%/);
  // three pictures from the unlearned model (mask, pattern, stamped), two from the original (mask, pattern): all decoded
  assert.equal(await page.locator('#trigger-unlearned img').count(), 4);
  // Without the all-labels search there is no second L1 to explain; with it, the card names both.
  assert.equal(await page.locator('#trigger-l1-sources').count(), 0);
  const withSweep = await h.open({ ...r, labelScores: sampleLabelScores(3) });
  assert.match((await withSweep.page.locator('#trigger-l1-sources').textContent()) ?? '', /^Mask L1 12\.5 is this trigger's\. The label chart's 4\.0 comes from the search over all labels/);
  await withSweep.page.close();
  const widths = await page.locator('#trigger-original img').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
  assert.deepEqual(widths, [2, 2]);
  assert.deepEqual(await violations(), []);
  await page.close();
});

async function showSamples(page: Page, report: SamplesReport): Promise<void> {
  await send(page, { type: 'inspecting', model: report.model, inspect: report.inspect.path });
  assert.match((await page.locator('#samples-status').textContent()) ?? '', /Ranking the samples of train\.npz with model\.onnx/);
  await send(page, { type: 'progress', progress: { phase: 'unlearn', step: 2, total: 20, acc: 0.4, message: 'unlearning epoch 2' } });
  assert.match((await page.locator('#samples-status').textContent()) ?? '', /unlearning epoch 2 \(2\/20\) · clean accuracy 40\.0 %/);
  await send(page, { type: 'samples', report });
  await page.locator('#sample-grid').waitFor();
}

test('sample grid: tiles in rank order with score and prediction, real thumbnails, capped, proposed count flagged', async () => {
  const report = sampleSamplesReport(300);
  const { page, errors, violations } = await h.open(sampleResult());
  await showSamples(page, report);
  const tiles = page.locator('#sample-grid .tile');
  assert.equal(await tiles.count(), 200, 'the grid is capped at 200 of 300');
  const shown = await tiles.evaluateAll((ts) => ts.map((t) => ({ index: Number(t.getAttribute('data-index')), score: Number(t.getAttribute('data-score')) })));
  assert.deepEqual(shown.map((s) => s.index), report.tiles.map((t) => t.index));
  for (let i = 1; i < shown.length; i++) assert.ok(shown[i - 1].score >= shown[i].score, `rank ${i} out of order`);
  // the poisoned tenth (index ≡ 3 mod 10, scores near 0) comes first
  assert.ok(shown.slice(0, 30).every((s) => s.index % 10 === 3));
  assert.match((await tiles.first().locator('figcaption').textContent()) ?? '', new RegExp(`#${report.tiles[0].index} .*pred 0 · label 3`));
  const widths = await tiles.locator('img').evaluateAll((imgs) => imgs.slice(0, 5).map((i) => (i as HTMLImageElement).naturalWidth));
  assert.deepEqual(widths, [28, 28, 28, 28, 28]);
  // the proposal (the host's, from the scores) is preset, and that many tiles are marked
  assert.ok(report.proposedCount > 0 && report.proposedCount < 200);
  assert.equal(await page.locator('#flag-count').inputValue(), String(report.proposedCount));
  assert.equal(await page.locator('#sample-grid .tile.flagged').count(), report.proposedCount);
  assert.match((await page.locator('#samples-meta').textContent()) ?? '', /Showing the 200 most suspicious of 300/);
  assert.deepEqual(await violations(), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the score histogram holds every ranked score with the cut at the chosen count; order, filter and enlarge the grid', async () => {
  const report = sampleSamplesReport(300);
  const { page, errors, violations } = await h.open(sampleResult());
  await showSamples(page, report);
  const counts = await page.locator('#score-histogram rect.bar').evaluateAll((bs) => bs.map((b) => Number(b.getAttribute('data-count'))));
  assert.equal(counts.reduce((a, b) => a + b, 0), report.rankedScores.length, 'every score, not just the grid');
  // The cut line sits where the chosen count's score falls on the axis (rising with suspicion).
  await page.locator('#flag-count').fill('30');
  const at30 = Number(await page.locator('#score-histogram .cut-line').getAttribute('data-at'));
  await page.locator('#flag-count').fill('250');
  const at250 = Number(await page.locator('#score-histogram .cut-line').getAttribute('data-at'));
  assert.ok(at30 > at250 && at30 <= 1 && at250 >= 0, `flagging fewer moves the cut towards the suspicious end: ${at30} vs ${at250}`);
  // Order by data set index, then flagged only.
  await page.locator('#flag-count').fill('12');
  await page.locator('#sample-order').selectOption('index');
  const idx = await page.locator('#sample-grid .tile').evaluateAll((ts) => ts.map((t) => Number(t.getAttribute('data-index'))));
  assert.deepEqual(idx, [...idx].sort((a, b) => a - b));
  await page.locator('#sample-only-flagged').check();
  assert.equal(await page.locator('#sample-grid .tile:visible').count(), 12);
  assert.deepEqual((await page.locator('#sample-grid .tile:visible').evaluateAll((ts) => ts.map((t) => Number(t.getAttribute('data-index'))))).sort((a, b) => a - b), report.tiles.slice(0, 12).map((t) => t.index).sort((a, b) => a - b));
  await page.locator('#sample-order').selectOption('rank');
  assert.deepEqual(await page.locator('#sample-grid .tile:visible').evaluateAll((ts) => ts.map((t) => Number(t.getAttribute('data-index')))), report.tiles.slice(0, 12).map((t) => t.index));
  // Enlarge: a click (or Enter) makes the tile bigger, again shrinks it.
  const first = page.locator('#sample-grid .tile').first();
  const small = (await first.boundingBox())!.width;
  await first.click();
  assert.ok((await first.boundingBox())!.width > small * 2, 'enlarged');
  await first.press('Enter');
  assert.ok(Math.abs((await first.boundingBox())!.width - small) < 1, 'back to its size');
  assert.deepEqual(await violations(), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('export flagged: the chosen count is posted (clamped), the host answer and errors are shown', async () => {
  const report = sampleSamplesReport(300);
  const { page } = await h.open(sampleResult());
  await showSamples(page, report);
  await page.locator('#flag-count').fill('12');
  assert.equal(await page.locator('#sample-grid .tile.flagged').count(), 12);
  assert.match((await page.locator('#flag-summary').textContent()) ?? '', /^12 of 300 flagged/);
  await page.locator('#export-flagged').click();
  await page.locator('#flag-count').fill('5000');
  await page.locator('#export-flagged').click();
  assert.deepEqual((await posted(page)).slice(1), [
    { type: 'exportSamples', count: 12 },
    { type: 'exportSamples', count: 300 },
  ]);
  await send(page, { type: 'samplesExported', path: '/data/train.flagged.json', count: 300 });
  assert.equal(await page.locator('#flagged-status.exported').textContent(), 'Exported 300 flagged indices to /data/train.flagged.json');
  await send(page, { type: 'error', message: '/data/x.json: permission denied', context: 'samples' });
  assert.equal(await page.locator('#flagged-status.error').textContent(), '/data/x.json: permission denied');
  // the report is still there: a samples error does not replace it
  assert.equal(await page.locator('#verdict-title').count(), 1);
  await page.close();
});

test('inspect button posts inspectSamples; a ranking without a report renders alone', async () => {
  const { page } = await h.open(sampleResult());
  await page.locator('#inspect-samples').click();
  assert.deepEqual((await posted(page)).slice(1), [{ type: 'inspectSamples' }]);
  await page.close();
  const alone = await h.open();
  const report = sampleSamplesReport(40);
  await showSamples(alone.page, report);
  assert.equal(await alone.page.locator('#verdict-title').count(), 0);
  assert.equal(await alone.page.locator('#sample-grid .tile').count(), 40);
  assert.match((await alone.page.locator('#samples-meta').textContent()) ?? '', /Showing all 40/);
  await send(alone.page, { type: 'samplesExported', path: '/data/a.json', count: 3 });
  // a second ranking while the grid is shown: its progress and its cancel show in the card, the grid stays
  await send(alone.page, { type: 'inspecting', model: report.model, inspect: '/data/incoming.npz' });
  assert.ok(await alone.page.locator('#samples-status').isVisible());
  assert.match((await alone.page.locator('#samples-status').textContent()) ?? '', /incoming\.npz/);
  await send(alone.page, { type: 'error', message: 'Sample ranking cancelled.', context: 'samples' });
  assert.equal(await alone.page.locator('#samples-status.error').textContent(), 'Sample ranking cancelled.');
  assert.equal(await alone.page.locator('#flagged-status').textContent(), 'Exported 3 flagged indices to /data/a.json');
  assert.equal(await alone.page.locator('#sample-grid .tile').count(), 40);
  await alone.page.close();
});

test('with the file\'s is_poison flags the card measures the ranking at the chosen count: precision, recall, AUROC', async () => {
  const report = sampleSamplesReport(300, true);
  assert.ok(report.rankedPoison && report.rankedPoison.length === 300);
  const { page } = await h.open(sampleResult());
  await showSamples(page, report);
  const expect = (k: number) => {
    const hits = report.rankedPoison!.slice(0, k).reduce((a, b) => a + b, 0);
    const pos = report.rankedPoison!.reduce((a, b) => a + b, 0);
    return `Against the file's is_poison flags (${pos} of 300 poisoned): precision ${((hits / k) * 100).toFixed(1)}% and recall ${((hits / pos) * 100).toFixed(1)}% at ${k} flagged; AUROC 0.988 over the whole ranking.`;
  };
  assert.equal(await page.locator('#flag-quality').textContent(), expect(Math.max(1, report.proposedCount)));
  await page.locator('#flag-count').fill('45');
  assert.equal(await page.locator('#flag-quality').textContent(), expect(45));
  await page.close();
  // without flags: no such line
  const plain = await h.open(sampleResult());
  await showSamples(plain.page, sampleSamplesReport(300));
  assert.equal(await plain.page.locator('#flag-quality').count(), 0);
  await plain.page.close();
});
