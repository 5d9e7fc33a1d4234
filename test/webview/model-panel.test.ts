// The model editor's page (webview/model-view.ts) in headless Chromium under the panel's CSP, from the real summary
// of the demo model (engine/model-summary.ts) and a kept report's history entry: what the model is, its newest
// verdict, Scan / Open report posting messages that name nothing, the states while reading, for a file that is no
// model and for a graph that cannot be scanned, and a 336 px wide editor.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { panelHarness, posted, send } from './panel-page';
import { sampleResult } from './sample-result';
import type { HostToWebview } from '../../src/protocol';
import { summarise } from '../../src/engine/scan-history';
import { selectBackend } from '../../src/engine/backend';
import { summarizeModel, type ModelSummary } from '../../src/engine/model-summary';

const h = panelHarness();
const text = async (page: Page, sel: string) => ((await page.locator(sel).textContent()) ?? '').trim();
const MODEL = path.resolve(__dirname, '../../demo/model.onnx');
let summary: ModelSummary;

before(async () => {
  await selectBackend('cpu');
  summary = await summarizeModel(MODEL);
});

test('what the model is, its newest verdict, and Scan / Open report', async () => {
  const { page, errors, violations } = await h.open();
  await send(page, { type: 'model', model: MODEL, summary: null, error: null, last: null, reports: 0 });
  await page.locator('#model-loading').waitFor();
  const last = summarise(sampleResult(), '/w/.rnp-scan/model.onnx/2026-12-07T10-00-00-000Z/scan.json', { finishedAt: '2026-12-07T10:05:00.000Z', startedAt: '2026-12-07T10:00:00.000Z' }, null);
  await send(page, { type: 'model', model: MODEL, summary, error: null, last, reports: 2 });
  await page.locator('#model-inputs').waitFor();
  assert.equal(await text(page, '#model-title'), 'model.onnx');
  assert.match(await text(page, '#model-meta'), new RegExp(`sha256 ${summary.sha256.slice(0, 12)}…`));
  const rows = await page.locator('#model-inputs tr').allTextContents();
  assert.equal(rows.length, 1 + summary.inputs.length);
  assert.equal(await page.locator('#model-inputs tr:nth-child(2) td').first().textContent(), summary.inputs[0].name);
  assert.equal(await text(page, '#model-classes'), '10 classes; one sample is 1×28×28 (channels × height × width).');
  assert.equal(await text(page, '#model-mask'), 'RNP masks 112 channels in 3 BatchNorm layers.');
  assert.equal(Number(await page.locator('#model-params').getAttribute('data-value')), summary.parameters);
  assert.deepEqual(await page.locator('#model-norm-ops li').allTextContents(), [`BatchNormalization × 3`]);
  assert.equal(await text(page, '#model-verdict'), 'Backdoored — target label 3');
  assert.match(await text(page, '#model-verdict-detail'), /^Newest of 2 kept reports: paper mode, finished 2026-12-07 \d\d:05; ACC 91\.0% → 89\.4%/);
  // With class names in the report, the verdict names the label.
  const named = summarise({ ...sampleResult(), classNames: ['a', 'b', 'c', 'dress', 'e', 'f', 'g', 'h', 'i', 'j'] }, last.resultPath, { finishedAt: last.finishedAt, startedAt: last.startedAt }, null);
  await send(page, { type: 'model', model: MODEL, summary, error: null, last: named, reports: 2 });
  assert.equal(await text(page, '#model-verdict'), 'Backdoored — target label 3 (dress)');
  await page.locator('#model-scan').click();
  await page.locator('#model-open-report').click();
  await page.locator('#model-check-data').click();
  assert.deepEqual((await posted(page)).slice(-3), [{ type: 'scanModel' }, { type: 'openModelReport' }, { type: 'checkModelData' }]);
  assert.deepEqual(errors, []);
  assert.deepEqual(await violations(), []);
  // A narrow editor: no card wider than the page.
  await page.setViewportSize({ width: 336, height: 900 });
  const over = await page.evaluate(() => Array.from(document.querySelectorAll('section')).filter((c) => c.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map((c) => c.id));
  assert.deepEqual(over, []);
  await page.close();
});

test('not scanned yet, no model at all, and a graph that cannot be scanned', async () => {
  const { page } = await h.open();
  await send(page, { type: 'model', model: MODEL, summary, error: null, last: null, reports: 0 });
  await page.locator('#model-verdict-none').waitFor();
  assert.match(await text(page, '#model-verdict-none'), /^model\.onnx has not been scanned yet\./);
  assert.equal(await page.locator('#model-open-report').count(), 0, 'nothing to open');
  assert.equal(await text(page, '#model-scan'), 'Scan for backdoors');

  await send(page, { type: 'model', model: '/w/junk.onnx', summary: null, error: '/w/junk.onnx: not an ONNX model (protobuf: invalid wire type)', last: null, reports: 0 });
  await page.locator('#model-error').waitFor();
  assert.match(await text(page, '#model-error'), /not an ONNX model/);
  assert.equal(await page.locator('#model-inputs').count(), 0);

  const lstm: ModelSummary = { ...summary, scannable: { ok: false, reason: 'unsupported operator LSTM in node "my_lstm"' } };
  await send(page, { type: 'model', model: MODEL, summary: lstm, error: null, last: null, reports: 0 });
  await page.locator('#model-mask.error').waitFor();
  assert.equal(await text(page, '#model-mask'), 'Cannot be scanned: unsupported operator LSTM in node "my_lstm"');
  assert.equal(await text(page, '#model-classes'), 'Classes: unknown (the graph did not compile).');
  await page.close();
});
