// The real report panel bundle (webview/main.ts) rendered in headless Chromium under the panel's own CSP, fed a
// constructed ScanResult: heatmap rows and cells, slider → pruned counts, curve marker, export message, themes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ORIGIN, pageServing } from './chromium';
import { sampleResult } from './sample-result';
import { panelHarness } from './panel-page';

const h = panelHarness();


test('ready is posted first; result renders verdict, one heatmap row per layer with one cell per channel', async () => {
  const r = sampleResult();
  const { page, errors, violations } = await h.open(r);
  assert.deepEqual(await page.evaluate(() => (globalThis as Record<string, unknown>).__posted), [{ type: 'ready' }]);
  assert.deepEqual(await page.evaluate(() => (globalThis as unknown as { __state: () => unknown }).__state()), { resultPath: '/tmp/x/scan.json' });
  assert.equal(await page.locator('#verdict-title').textContent(), 'Backdoored — target label 3');
  const rows = page.locator('.heatmap-row');
  assert.equal(await rows.count(), r.layers.length);
  for (let i = 0; i < r.layers.length; i++) {
    assert.equal(await rows.nth(i).getAttribute('data-layer'), r.layers[i].name);
    assert.equal(await rows.nth(i).locator('.cell').count(), r.layers[i].masks.length);
  }
  const title = await rows.nth(1).locator('.cell').nth(5).getAttribute('title');
  assert.equal(title, `${r.layers[1].name} / channel 5 / ${r.layers[1].masks[5].toFixed(4)}`);
  // the bar chart highlights the detected label
  assert.equal(await page.locator('#histogram rect.bar-highlight').getAttribute('data-label'), '3');
  // vscode-elements upgraded (custom element defined, shadow root rendered) under the strict CSP
  assert.ok(await page.evaluate(() => !!customElements.get('vscode-button') && !!document.querySelector('#export')?.shadowRoot));
  assert.deepEqual(await violations(), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('moving the slider updates pruned cells, per-layer and total counts, and the curve point', async () => {
  const r = sampleResult();
  const { page } = await h.open(r);
  for (const th of [0, 0.35, 0.3960457742214203, 0.8, 1]) {
    await page.locator('#threshold').fill(String(th));
    const expected = r.layers.map((l) => l.masks.filter((m) => m <= th).length);
    const total = expected.reduce((a, b) => a + b, 0);
    assert.equal(await page.locator('#pruned-total').textContent(), `${total} of ${r.totalChannels} channels pruned`);
    assert.equal(await page.locator('.cell.pruned').count(), total);
    for (let i = 0; i < r.layers.length; i++) {
      assert.equal(await page.locator('.heatmap-row').nth(i).locator('.layer-count').textContent(), `${expected[i]} / ${r.layers[i].masks.length} pruned`);
    }
    const nearest = r.curve.reduce((b, p) => (Math.abs(p.threshold - th) < Math.abs(b.threshold - th) ? p : b));
    assert.match((await page.locator('#curve-point').textContent()) ?? '', new RegExp(`threshold ${nearest.threshold.toFixed(2)}:`));
  }
  assert.equal(await page.locator('#threshold-card .marker').getAttribute('visibility'), 'visible');
  // the original model's ACC and ASR as reference lines, at their values, named with them
  const base = await page.locator('#threshold-card line.baseline').evaluateAll((ls) => ls.map((l) => [l.getAttribute('data-baseline'), Number(l.getAttribute('data-value'))]));
  assert.deepEqual(base, [
    [`original ACC ${(r.before.acc! * 100).toFixed(1)}%`, r.before.acc],
    [`original ASR ${(r.before.asr! * 100).toFixed(1)}%`, r.before.asr],
  ]);
  await page.close();
});

test('export button posts the chosen threshold; exported and error messages are shown', async () => {
  const { page } = await h.open(sampleResult());
  await page.locator('#threshold').fill('0.45');
  await page.locator('#export').click();
  const posted = await page.evaluate(() => (globalThis as Record<string, unknown>).__posted);
  assert.deepEqual(posted, [{ type: 'ready' }, { type: 'export', threshold: 0.45 }]);
  await page.evaluate(() => window.postMessage({ type: 'exported', path: '/m/model.pruned.onnx', acc: 0.885, asr: 0.031 }, '*'));
  await page.locator('#export-status.exported').waitFor();
  assert.equal(await page.locator('#export-status').textContent(), 'Exported /m/model.pruned.onnx — ACC 88.5%, ASR 3.1%');
  await page.evaluate(() => window.postMessage({ type: 'error', message: 'm.onnx: refusing' }, '*'));
  assert.equal(await page.locator('#export-status.error').textContent(), 'm.onnx: refusing');
  await page.close();
});

test('heatmaps: module-path names, a colour bar with the threshold on it, pruned cells keep their colour, sort by mask', async () => {
  const r = sampleResult();
  r.layers[1] = { ...r.layers[1], name: '/layer1/layer1.0/bn1/BatchNormalization' };
  const { page, violations } = await h.open(r);
  assert.equal(await page.locator('.heatmap-row').nth(1).locator('.layer-name').textContent(), 'layer1.0.bn1');
  assert.match((await page.locator('.heatmap-row').nth(1).locator('.layer-name').getAttribute('title')) ?? '', /^\/layer1\/layer1\.0\/bn1\/BatchNormalization/);
  // The colour bar's marker sits at the threshold along the bar.
  await page.locator('#threshold').fill('0.25');
  const at = await page.evaluate(() => {
    const bar = document.querySelector('.legend-bar')!.getBoundingClientRect();
    const m = document.getElementById('legend-threshold')!.getBoundingClientRect();
    return (m.left + m.width / 2 - bar.left) / bar.width;
  });
  assert.ok(Math.abs(at - 0.25) < 0.02, `marker at ${at}`);
  assert.match((await page.locator('#legend-text').textContent()) ?? '', /threshold 0\.25/);
  // A pruned cell keeps its fill (the mask's colour); the mark is a dot inside it.
  const cell = page.locator('.cell.pruned').first();
  const ch = Number(await cell.getAttribute('data-channel'));
  const layer = await cell.evaluate((c) => c.closest('.heatmap-row')!.getAttribute('data-layer'));
  const fill = await cell.evaluate((c) => getComputedStyle(c).backgroundColor);
  const unpruned = await page.evaluate(() => getComputedStyle(document.querySelector('.cell:not(.pruned)')!).borderTopWidth);
  assert.equal(await cell.evaluate((c) => getComputedStyle(c).borderTopWidth), unpruned, 'no border over the colour');
  assert.equal(await cell.evaluate((c) => getComputedStyle(c, '::after').width), '4px');
  assert.match(await cell.evaluate((c) => (c as HTMLElement).style.backgroundColor), /color-mix/, `its own colour (computed ${fill})`);
  assert.ok(r.layers.find((l) => l.name === layer)!.masks[ch] <= 0.25);
  // Sorting orders each row by mask, lowest first, and the pruned marks stay on the same channels.
  const prunedBefore = await page.locator('.cell.pruned').evaluateAll((cs) => cs.map((c) => `${c.closest('.heatmap-row')!.getAttribute('data-layer')}:${c.getAttribute('data-channel')}`).sort());
  await page.locator('#heatmap-sort').check();
  for (let i = 0; i < r.layers.length; i++) {
    const order = (await page.locator('.heatmap-row').nth(i).locator('.cell').evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('data-channel')))));
    const masks = r.layers[i].masks;
    assert.deepEqual(order, masks.map((_, k) => k).sort((a, b) => masks[a] - masks[b] || a - b));
  }
  const prunedAfter = await page.locator('.cell.pruned').evaluateAll((cs) => cs.map((c) => `${c.closest('.heatmap-row')!.getAttribute('data-layer')}:${c.getAttribute('data-channel')}`).sort());
  assert.deepEqual(prunedAfter, prunedBefore);
  await page.locator('#heatmap-sort').uncheck();
  assert.deepEqual(await page.locator('.heatmap-row').first().locator('.cell').evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('data-channel')))), r.layers[0].masks.map((_, k) => k));
  assert.deepEqual(await violations(), []);
  await page.close();
});

test('heatmaps: a channel-index axis; each line starts at its first index, the ruler gives the offset, both follow the width', async () => {
  const r = sampleResult();
  const { page, violations } = await h.open(r);
  await page.setViewportSize({ width: 1200, height: 900 });
  /** Per row: [line label, channels of that line] as laid out on screen (by their top edge), and the ruler. */
  const read = () =>
    page.evaluate(() => {
      const rows = Array.from(document.querySelectorAll('.heatmap-row')).map((row) => {
        const out: { label: string; channels: number[]; top: number }[] = [];
        for (const c of Array.from(row.querySelectorAll('.cells > *'))) {
          const top = Math.round(c.getBoundingClientRect().top);
          if (c.classList.contains('cell-index')) out.push({ label: c.textContent ?? '', channels: [], top });
          else {
            const last = out[out.length - 1]!;
            if (top !== last.top) throw new Error(`channel ${c.getAttribute('data-channel')} is not on the line of its label ${last.label}`);
            last.channels.push(Number(c.getAttribute('data-channel')));
          }
        }
        return out.map(({ label, channels }) => ({ label, channels }));
      });
      const ruler = Array.from(document.querySelectorAll('.heatmap-axis .ruler-tick')).map((t) => [t.textContent, Math.round(t.getBoundingClientRect().left)]);
      const firstCells = Array.from(document.querySelectorAll('.heatmap-row')[0]!.querySelectorAll('.cell')).map((c) => Math.round(c.getBoundingClientRect().left));
      return { perLine: Number((document.querySelector('.heatmap') as HTMLElement).dataset.perLine), rows, ruler, firstCells, axis: document.querySelector('.heatmap-axis .axis-name')!.textContent };
    });
  const check = (v: Awaited<ReturnType<typeof read>>, order: (i: number) => number[]) => {
    for (let i = 0; i < r.layers.length; i++) {
      const want = order(i);
      const lines = v.rows[i];
      assert.equal(lines.length, Math.ceil(want.length / v.perLine));
      lines.forEach((l, k) => {
        assert.equal(l.label, String(k * v.perLine));
        assert.deepEqual(l.channels, want.slice(k * v.perLine, (k + 1) * v.perLine));
      });
    }
    // Each ruler tick sits over the cell at its offset.
    v.ruler.forEach(([text, left], k) => {
      assert.equal(text, `+${k * 8}`);
      if (k * 8 < v.firstCells.length) assert.ok(Math.abs((left as number) - v.firstCells[k * 8]) <= 1, `tick ${text} at ${left}, cell at ${v.firstCells[k * 8]}`);
    });
  };
  const wide = await read();
  assert.equal(wide.perLine, 64, 'a wide panel holds 64 per line');
  assert.equal(wide.axis, 'channel');
  check(wide, (i) => r.layers[i].masks.map((_, k) => k));
  await page.setViewportSize({ width: 500, height: 900 });
  await page.waitForFunction(() => (document.querySelector('.heatmap') as HTMLElement).dataset.perLine !== '64');
  const mid = await read();
  assert.ok(mid.perLine < 64 && mid.perLine >= 8, `at 500 px: ${mid.perLine}`);
  check(mid, (i) => r.layers[i].masks.map((_, k) => k));
  await page.locator('#heatmap-sort').check();
  const sorted = await read();
  assert.equal(sorted.axis, 'rank (lowest mask first)');
  check(sorted, (i) => r.layers[i].masks.map((_, k) => k).sort((a, b) => r.layers[i].masks[a] - r.layers[i].masks[b] || a - b));
  assert.deepEqual(await violations(), []);
  await page.close();
});

test('the ACC/ASR chart: ticks inside its domain, hover and arrow keys read the values of scan.json, and a data table', async () => {
  const r = sampleResult();
  const { page } = await h.open(r);
  const xs = r.curve.map((c) => c.threshold);
  const ticks = (await page.locator('#threshold-card .x-tick').evaluateAll((ts) => ts.map((t) => Number(t.getAttribute('data-value')))));
  assert.ok(ticks.length >= 4 && ticks[0] === Math.min(...xs) && ticks[ticks.length - 1] === Math.max(...xs), `${ticks}`);
  assert.deepEqual(await page.locator('#threshold-card .y-tick').allTextContents(), ['0%', '25%', '50%', '75%', '100%']);
  const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
  const line = (c: (typeof r.curve)[number]) => `pruning threshold ${Math.round(c.threshold * 1000) / 1000}: ACC ${pct(c.acc)} · ASR ${pct(c.asr)}`;
  // Hover over the point of the 4th threshold: the readout gives its values.
  const svg = page.locator('#threshold-card svg.chart');
  const box = (await svg.boundingBox())!;
  const k = 3;
  const vx = 40 + ((xs[k] - Math.min(...xs)) / (Math.max(...xs) - Math.min(...xs))) * (420 - 52);
  await page.mouse.move(box.x + (vx / 420) * box.width, box.y + box.height / 2);
  await page.waitForFunction((t) => document.querySelector('#threshold-card .chart-readout')?.textContent?.startsWith(t), `pruning threshold ${Math.round(xs[k] * 1000) / 1000}:`);
  assert.equal(await page.locator('#threshold-card .chart-readout').textContent(), line(r.curve[k]));
  // Keyboard: End goes to the last point, ArrowLeft one back.
  await svg.focus();
  await page.keyboard.press('End');
  assert.equal(await page.locator('#threshold-card .chart-readout').textContent(), line(r.curve[r.curve.length - 1]));
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.locator('#threshold-card .chart-readout').textContent(), line(r.curve[r.curve.length - 2]));
  // The data table: one row per curve point, the values of scan.json.
  const rows = await page.locator('#threshold-card .chart-table tr').evaluateAll((trs) => trs.slice(1).map((tr) => Array.from(tr.children).map((td) => td.textContent)));
  assert.deepEqual(rows, r.curve.map((c) => [String(Math.round(c.threshold * 1000) / 1000), pct(c.acc), pct(c.asr)]));
  await page.close();
});

test('class names: the verdict, the trigger card and the chart tooltips name the label', async () => {
  const names = ['tee', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'];
  const { page } = await h.open({ ...sampleResult({ withTrigger: true }), classNames: names, classNamesSource: '/m/labels.txt' });
  assert.equal(await page.locator('#verdict-title').textContent(), 'Backdoored — target label 3 (dress)');
  assert.match((await page.locator('#trigger-label').textContent()) ?? '', /^Label 3 \(dress\): /);
  assert.equal(await page.locator('#histogram rect[data-label="3"] title').textContent(), 'label 3 (dress): 81');
  await page.close();
  // Without names, the index alone (reports from before names were read, or no labels file).
  const plain = await h.open(sampleResult());
  assert.equal(await plain.page.locator('#verdict-title').textContent(), 'Backdoored — target label 3');
  await plain.page.close();
});

test('Save report posts saveReport (no path: the host asks) and shows where it was saved', async () => {
  const { page } = await h.open(sampleResult());
  await page.locator('#export-report').click();
  const posted = await page.evaluate(() => (globalThis as Record<string, unknown>).__posted);
  assert.deepEqual(posted, [{ type: 'ready' }, { type: 'saveReport' }]);
  await page.evaluate(() => window.postMessage({ type: 'reportSaved', path: '/m/model.scan-report.html' }, '*'));
  await page.waitForFunction(() => document.getElementById('report-status')?.textContent !== '');
  assert.equal(await page.locator('#report-status').textContent(), 'Report saved to /m/model.scan-report.html');
  assert.equal(await page.locator('#export-card').isVisible(), true, 'in VS Code the export card is there');
  await page.close();
});

test('without curve or trigger the panel says what is missing and how to get it; with a trigger it shows the images', async () => {
  const { page } = await h.open(sampleResult({ withCurve: false }));
  assert.match((await page.locator('#no-curve').textContent()) ?? '', /rnp\.cleanTest/);
  assert.match((await page.locator('#trigger-empty').textContent()) ?? '', /rnp\.trigger/);
  assert.ok(((await page.locator('#samples-empty').textContent()) ?? '').length > 20);
  await page.close();
  const withTrigger = await h.open(sampleResult({ withTrigger: true }));
  // The clean and stamped pair of one sample comes first, then the mask and the pattern.
  assert.deepEqual(await withTrigger.page.locator('#trigger figcaption').allTextContents(), ['clean sample', 'stamped', 'mask', 'pattern']);
  // The trigger is the third card, right after the verdict and its numbers (it was the 8th of 9).
  assert.equal(await withTrigger.page.evaluate(() => Array.from(document.querySelector('main.report')!.children).findIndex((c) => c.id === 'trigger')), 2);
  // data: images are allowed by img-src
  assert.ok(await withTrigger.page.evaluate(() => Array.from(document.querySelectorAll('#trigger img')).every((i) => (i as HTMLImageElement).naturalWidth === 1)));
  assert.deepEqual(await withTrigger.violations(), []);
  await withTrigger.page.close();
});

test('the CSP blocks inline script (nonce required)', async () => {
  const { page, violations } = await h.open(sampleResult());
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = '(globalThis).__inlineRan = true';
    document.body.append(s);
  });
  assert.equal(await page.evaluate(() => (globalThis as Record<string, unknown>).__inlineRan === true), false);
  assert.ok((await violations()).some((v) => v.startsWith('script-src')));
  await page.close();
});

test('progress before a result shows the whole scan\'s share, the step and the ETA; an error without a result replaces the status', async () => {
  const { page } = await pageServing(h.browser, h.files);
  await page.goto(`${ORIGIN}/`);
  await page.evaluate(() => window.postMessage({ type: 'scanning', model: '/m/model.onnx' }, '*'));
  assert.equal(await page.locator('#status-title').textContent(), 'Scanning model.onnx…');
  await page.evaluate(() => window.postMessage({ type: 'progress', progress: { phase: 'unlearn', step: 2, total: 20, acc: 0.5, message: 'unlearning epoch 2', overall: { fraction: 0.05, etaSeconds: null } } }, '*'));
  assert.equal(await page.locator('#status-detail').textContent(), '5 % · unlearning epoch 2 (2/20) · clean accuracy 50.0 %');
  // The whole scan's share and its ETA, once there is one; a message that states the accuracy does not get it twice.
  await page.evaluate(() => window.postMessage({ type: 'progress', progress: { phase: 'recover', step: 6, total: 20, acc: 0.788, message: 'recovering epoch 6: clean acc 78.8 %', overall: { fraction: 0.374, etaSeconds: 130 } } }, '*'));
  assert.equal(await page.locator('#status-detail').textContent(), '37 % · recovering epoch 6: clean acc 78.8 % (6/20) · about 2 min 10 s left');
  await page.evaluate(() => window.postMessage({ type: 'error', message: '/m/defense.npz: missing array y' }, '*'));
  assert.equal(await page.locator('#status-title').textContent(), 'Scan failed');
  assert.equal(await page.locator('#status-detail').textContent(), '/m/defense.npz: missing array y');
  await page.close();
});

test('the plan card lists every planned stage with what became of it', async () => {
  for (const r of [sampleResult(), sampleResult({ withRepair: true })]) {
    const { page } = await h.open(r);
    const items = page.locator('#plan .plan-stage');
    assert.equal(await items.count(), r.plan!.stages.length);
    for (let i = 0; i < r.plan!.stages.length; i++) {
      const s = r.plan!.stages[i];
      assert.equal(await items.nth(i).getAttribute('data-stage'), s.stage);
      const want = s.when === 'always' ? 'ran' : s.when === 'never' ? 'skipped' : s.stage === 'repair' ? (r.repair ? 'ran' : 'skipped') : r.verdict === 'backdoored' ? 'ran' : 'skipped';
      assert.equal(await items.nth(i).getAttribute('data-status'), want, s.stage);
      assert.ok(((await items.nth(i).textContent()) ?? '').includes(s.why), `${s.stage} says why`);
    }
    await page.close();
  }
  // A report from before the plan existed renders without the card.
  const old = sampleResult();
  delete old.plan;
  const { page } = await h.open(old);
  assert.equal(await page.locator('#plan').count(), 0);
  await page.close();
});

test('export status: a closed save dialog clears "Exporting…", and a stale "Exported" line goes when the slider moves', async () => {
  const { page } = await h.open(sampleResult());
  await page.locator('#threshold').fill('0.45');
  await page.locator('#export').click();
  assert.match((await page.locator('#export-status').textContent()) ?? '', /^Exporting at threshold 0\.45/);
  // window.postMessage is delivered asynchronously: wait for the panel to have handled it before reading.
  await page.evaluate(() => window.postMessage({ type: 'exportCancelled' }, '*'));
  await page.waitForFunction(() => document.getElementById('export-status')?.textContent === '');
  assert.equal(await page.locator('#export-status').textContent(), '');
  await page.locator('#export').click();
  await page.evaluate(() => window.postMessage({ type: 'exported', path: '/m/model.pruned.onnx', acc: 0.885, asr: 0.031 }, '*'));
  await page.locator('#export-status.exported').waitFor();
  assert.match((await page.locator('#export-status').textContent()) ?? '', /^Exported .*model\.pruned\.onnx/);
  await page.locator('#threshold').fill('0.45');
  assert.match((await page.locator('#export-status').textContent()) ?? '', /^Exported/, 'same threshold: the line stays');
  await page.locator('#threshold').fill('0.6');
  assert.equal(await page.locator('#export-status').textContent(), '', 'another threshold: the line is gone');
  await page.close();
});

test('the slider says what it prunes to assistive technology, and shows a visible focus ring', async () => {
  const r = sampleResult();
  const { page } = await h.open(r);
  await page.locator('#threshold').fill('0.35');
  const total = r.layers.reduce((n, l) => n + l.masks.filter((m) => m <= 0.35).length, 0);
  assert.equal(await page.locator('#threshold').getAttribute('aria-valuetext'), `threshold 0.35: ${total} of ${r.totalChannels} channels pruned`);
  await page.locator('#threshold').focus();
  await page.keyboard.press('ArrowRight');
  const outline = await page.locator('#threshold').evaluate((e) => {
    const s = getComputedStyle(e);
    return { width: parseFloat(s.outlineWidth), style: s.outlineStyle };
  });
  assert.ok(outline.width >= 2 && outline.style === 'solid', JSON.stringify(outline));
  // The track follows the theme: the browser's bright native track is switched off (appearance none) and the
  // slider takes the theme's focus colour.
  const look = await page.evaluate(() => {
    document.body.style.setProperty('--vscode-focusBorder', 'rgb(0, 120, 212)');
    const st = getComputedStyle(document.getElementById('threshold')!);
    return { appearance: st.appearance, accent: st.accentColor };
  });
  assert.deepEqual(look, { appearance: 'none', accent: 'rgb(0, 120, 212)' });
  await page.close();
});

test('at a narrow width (336 px) no card is wider than the page', async () => {
  const { page } = await h.open(sampleResult({ withRepair: true }));
  await page.setViewportSize({ width: 336, height: 900 });
  const over = await page.evaluate(() =>
    Array.from(document.querySelectorAll("section.card")).filter((c) => c.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map((c) => c.id),
  );
  assert.deepEqual(over, []);
  await page.close();
});

test('the verdict block: a probability only where one was fitted, notes folded, accuracies named with their set and n', async () => {
  const plain = sampleResult();
  const { page } = await h.open({ ...plain, verdictScore: null, notes: ['Unlearning stopped after 9 steps.', 'Threshold 0.38 prunes 29 channels.'] });
  assert.equal(await page.locator('#confidence').textContent(), `verdict score ${Math.round(plain.confidence * 100)}%`);
  assert.equal(await page.locator('#notes summary').textContent(), 'How the scan ran (2 notes)');
  assert.equal(await page.locator('#notes').getAttribute('open'), null, 'folded by default');
  assert.equal(await page.locator('#notes p.note').count(), 2);
  assert.equal(await page.locator('#metrics tr:first-child th:nth-child(2)').textContent(), 'clean accuracy (ACC)');
  await page.close();
  const scored = {
    ...plain,
    notes: [],
    verdictScore: { probability: 0.973, candidate: 0, features: { logAnomaly: 1.8, logGap: 1.05, candidateShare: 0.85 } },
    data: { ...plain.data, cleanTest: { path: '/w/clean_test.npz', count: 1000, shape: [1, 28, 28] }, poisonTest: { path: '/w/poison_test.npz', count: 900, shape: [1, 28, 28] } },
  };
  const second = await h.open(scored);
  assert.equal(await second.page.locator('#confidence').textContent(), 'backdoor probability 0.97');
  assert.equal(await second.page.locator('#notes').count(), 0, 'no notes, no fold');
  assert.equal(await second.page.locator('#metrics tr:first-child th:nth-child(2)').textContent(), 'clean accuracy (ACC) on clean_test.npz, n = 1000');
  assert.equal(await second.page.locator('#metrics tr:first-child th:nth-child(3)').textContent(), 'attack success (ASR) on poison_test.npz, n = 900');
  await second.page.close();
});

test('a clean verdict says why its alarming signals were dismissed, and every verdict says what to do next', async () => {
  const base = sampleResult({ withMad: true, withTrigger: true });
  const flagged = base.labelScores.filter((s) => (s.anomalyIndex ?? 0) > 2).map((s) => s.label);
  assert.ok(flagged.length > 0, 'the sample has a label over the flag line');
  const { page } = await h.open({ ...base, verdict: 'clean', detectedLabel: null, trigger: { ...base.trigger!, asrOnOriginal: 0.99 } });
  const why = (await page.locator('#verdict-dismissed').textContent()) ?? '';
  assert.match(why, new RegExp(`^Why not backdoored: label${flagged.length === 1 ? '' : 's'} ${flagged.join(', ')} (is|are) over the MAD flag line`));
  assert.match(why, /the recovered trigger succeeds \(99 %\)/);
  assert.match((await page.locator('#verdict-next').textContent()) ?? '', /^Next: nothing to remove/);
  await page.close();
  const bd = await h.open({ ...base, verdict: 'backdoored' });
  assert.equal(await bd.page.locator('#verdict-dismissed').count(), 0);
  assert.match((await bd.page.locator('#verdict-next').textContent()) ?? '', /export the repaired model/);
  await bd.page.close();
  const inc = await h.open({ ...base, verdict: 'inconclusive', detectedLabel: null, trigger: null });
  assert.match((await inc.page.locator('#verdict-next').textContent()) ?? '', /more clean samples .* give a poisoned test set/);
  await inc.page.close();
});
