/** Browser-side checks of the panel's pure modules (pruned counts, colour scale, chart geometry, formatting). */
import { equal, ok, runSpecs, spec } from './harness';
import { isPruned, prunedCounts } from '../../../src/report/pruning';
import { maskColour, maskShare } from '../../../webview/colour-scale';
import { barGeometry, linePath, linearScale, madDomain, nearestIndex, niceTicks, signedBarGeometry } from '../../../webview/curve-geometry';
import { clampCount, flagSummary, scoreBins, tileCaption } from '../../../webview/samples-format';
import { atScanThreshold, exportChoice, scanPrunedNothing, sliderThreshold } from '../../../src/report/export-choice';
import { shownMetrics } from '../../../webview/shown-metrics';
import { repairEpochCount } from '../../../webview/repair-view';
import { cellTitle, percent, prunedSummary, verdictText } from '../../../webview/format';
import { thresholdText } from '../../../src/report/threshold-text';

spec('isPruned: mask at the threshold is pruned (<=), above is kept', () => {
  ok(isPruned(0.2, 0.2), '0.2 <= 0.2');
  ok(!isPruned(0.2000001, 0.2), 'just above');
  ok(isPruned(0, 0), 'zero at zero');
});

spec('prunedCounts: per layer and total, and monotone in the threshold', () => {
  const layers = [
    { name: 'a', masks: [0, 0.1, 0.5, 1] },
    { name: 'b', masks: [0.3, 0.05] },
    { name: 'empty', masks: [] },
  ];
  equal(prunedCounts(layers, 0.1), { perLayer: [2, 1, 0], total: 3, totalChannels: 6 });
  equal(prunedCounts(layers, 0), { perLayer: [1, 0, 0], total: 1, totalChannels: 6 });
  equal(prunedCounts(layers, 1).total, 6);
  let last = -1;
  for (let t = 0; t <= 1.0001; t += 0.01) {
    const n = prunedCounts(layers, t).total;
    ok(n >= last, `not monotone at ${t}`);
    last = n;
  }
});

spec('maskShare: clamps, and a lower mask is stronger', () => {
  equal(maskShare(-1), maskShare(0));
  equal(maskShare(0), 100);
  equal(maskShare(2), maskShare(1));
  equal(maskShare(Number.NaN), maskShare(0));
  ok(maskShare(1) > 0, 'a full mask is still visible');
  ok(maskShare(0.3) > maskShare(0.7), 'decreasing');
});

spec('maskColour: the browser resolves it; low masks strong and red, high masks faint and blue', () => {
  const host = document.createElement('div');
  host.style.setProperty('--vscode-charts-blue', 'rgb(0, 0, 255)');
  host.style.setProperty('--vscode-charts-red', 'rgb(255, 0, 0)');
  host.style.setProperty('--vscode-editor-background', 'rgb(255, 255, 255)');
  document.body.append(host);
  const rgb = (v: number) => {
    const c = document.createElement('div');
    c.style.backgroundColor = maskColour(v);
    host.append(c);
    const css = getComputedStyle(c).backgroundColor;
    // rgb(r, g, b) in 0..255, or color(srgb r g b) in 0..1 (how Chromium writes a nested color-mix).
    const m = css.replace(/^color\(srgb/, '').match(/[\d.]+/g)!.map(Number).slice(0, 3);
    ok(m.length === 3, `computed colour ${css}`);
    return css.startsWith('color(') ? m.map((x) => x * 255) : m;
  };
  // Strength: distance from the white background (green falls from 255 as the colour's share grows).
  const [c0, c5, c1] = [rgb(0), rgb(0.5), rgb(1)];
  ok(255 - c0[1] > 255 - c5[1] && 255 - c5[1] > 255 - c1[1], `not decreasing: ${c0} ${c5} ${c1}`);
  ok(c0[0] > 250 && c0[2] < 5, `mask 0 is the chart red (${c0})`);
  ok(c1[2] > c1[0], `mask 1 leans blue (${c1})`);
  ok(255 - c1[1] > 20, `mask 1 is still visible (${c1})`);
  host.remove();
});

spec('niceTicks: round steps inside the domain, the ends kept unless a tick is close', () => {
  equal(niceTicks([0, 0.9], 6), [0, 0.2, 0.4, 0.6, 0.8, 0.9]);
  equal(niceTicks([1, 31], 5), [1, 10, 20, 30]);
  equal(niceTicks([0, 10], 6), [0, 2, 4, 6, 8, 10]);
  equal(niceTicks([3, 3]), [3]);
  // 0.85 is within 0.4 steps of the tick 0.8, so it gets no tick of its own; 0.05 is not, so it does.
  equal(niceTicks([0.05, 0.85], 5), [0.05, 0.2, 0.4, 0.6, 0.8]);
});

spec('scoreBins: -KL scores on a log scale rising with suspicion; other scores linear; every score counted', () => {
  const kl = [-1e-12, -1e-11, -0.5, -0.2, -0.3];
  const b = scoreBins(kl, 10);
  equal(b.scale, 'log-magnitude');
  equal(b.counts.reduce((x, y) => x + y, 0), 5);
  ok(b.at(-1e-12) === 1 && b.at(-0.5) === 0, `ends ${b.at(-1e-12)} ${b.at(-0.5)}`);
  ok(b.at(-1e-11) > b.at(-0.2), 'nearer 0 is further right');
  // -1e-12 and -1e-11 share the top bin; the three clean-looking scores the bottom one.
  equal([b.counts[0], b.counts[9]], [3, 2]);
  const lin = scoreBins([1, 2, 3, 4], 4);
  equal(lin.scale, 'linear');
  equal(lin.counts, [1, 1, 1, 1]);
  equal(scoreBins([], 3).counts, [0, 0, 0]);
});

spec('linearScale maps ends, inverts for SVG y, and survives a degenerate domain', () => {
  const sx = linearScale([0, 1], [40, 400]);
  equal([sx(0), sx(1), sx(0.5)], [40, 400, 220]);
  const sy = linearScale([0, 1], [150, 10]);
  equal([sy(0), sy(1)], [150, 10]);
  equal(linearScale([3, 3], [0, 10])(3), 5);
});

spec('linePath breaks at null values', () => {
  const s = linearScale([0, 1], [0, 100]);
  equal(
    linePath(
      [
        { x: 0, y: 0 },
        { x: 0.5, y: null },
        { x: 0.75, y: 1 },
        { x: 1, y: 0.5 },
      ],
      s,
      s,
    ),
    'M0 0 M75 100 L100 50',
  );
  equal(linePath([], s, s), '');
});

spec('nearestIndex picks the closest threshold (first on ties)', () => {
  const xs = [0, 0.05, 0.1, 0.15];
  equal(nearestIndex(xs, 0.07), 1);
  equal(nearestIndex(xs, 0.075), 1);
  equal(nearestIndex(xs, 0.9), 3);
  equal(nearestIndex([], 0.5), -1);
});

spec('barGeometry: tallest bar fills the box, bars do not overlap', () => {
  const box = { x: 0, y: 0, width: 100, height: 50 };
  const bars = barGeometry([1, 4, 0, 2], box, 2);
  equal(bars.length, 4);
  equal(bars[1].height, 50);
  equal(bars[1].y, 0);
  equal(bars[2].height, 0);
  for (let i = 1; i < bars.length; i++) ok(bars[i].x >= bars[i - 1].x + bars[i - 1].width, 'overlap');
  ok(bars[3].x + bars[3].width <= 100.01, 'inside the box');
});

spec('format: percent, threshold, titles, verdicts', () => {
  equal(percent(0.9123), '91.2%');
  equal(percent(null), '—');
  equal(thresholdText(0.2), '0.20');
  equal(thresholdText(0.3960457742214203), '0.396');
  equal(thresholdText(0.15000000001), '0.15');
  equal(cellTitle('bn1', 3, 0.12345), 'bn1 / channel 3 / 0.1235');
  equal(verdictText('backdoored', 0), 'Backdoored — target label 0');
  equal(verdictText('clean', null), 'No backdoor found');
  equal(prunedSummary(1, 1), '1 of 1 channel pruned');
});

spec('signedBarGeometry: positive bars rise from the zero line, negative ones hang below it', () => {
  const box = { x: 0, y: 0, width: 100, height: 60 };
  const sy = linearScale([-1, 5], [60, 0]);
  const bars = signedBarGeometry([4, -1, 0, 2], box, sy, 2);
  const zero = sy(0);
  equal(bars[0].y, sy(4));
  equal(bars[0].y + bars[0].height, zero);
  equal(bars[1].y, zero);
  equal(bars[1].height, 10);
  equal(bars[2].height, 0);
  ok(bars[0].height === 2 * bars[3].height, 'heights proportional to the values');
  equal(signedBarGeometry([], box, sy), []);
});

spec('madDomain: shows zero, the flag line with headroom, and every value', () => {
  equal(madDomain([0.5, 1, -0.3], 2), [-0.3, 2.5]);
  equal(madDomain([9.7, -2], 2), [-2, 9.7]);
  equal(madDomain([Number.NaN, 1], 2), [0, 2.5]);
});

spec('samples format: clamped counts, the score at the cut, tile captions', () => {
  equal(clampCount(12, 300), 12);
  equal(clampCount(0, 300), 1);
  equal(clampCount(5000, 300), 300);
  equal(clampCount(2.6, 300), 3);
  equal(clampCount(Number.NaN, 300), 1);
  equal(flagSummary(3, [0, -2e-5, -3.2e-4, -1.5, -2], 3), '3 of 5 flagged (score ≥ -3.2e-4); proposed 3');
  equal(flagSummary(4, [0, -2e-5, -3.2e-4, -1.5, -2], 3), '4 of 5 flagged (score ≥ -1.500); proposed 3');
  equal(flagSummary(1, [0, -1], 1), '1 of 2 flagged (score ≥ 0); proposed 1');
  equal(tileCaption({ index: 17, score: -1e-5, predicted: 0, label: 3 }), ['#17 · -1.0e-5', 'pred 0 · label 3']);
  equal(tileCaption({ index: 2, score: -2.25, predicted: 4, label: 4 }), ['#2 · -2.250', 'pred 4 · label 4']);
  equal(tileCaption({ index: 2, score: -2.25, predicted: 4, label: null }), ['#2 · -2.250', 'pred 4']);
});

const REPAIR = { triggerLabel: 0, triggerSources: ['unlearned' as const, 'original' as const], epochs: [0, 1, 2, 3].map((epoch) => ({ epoch, holdoutAcc: 0.8 + epoch / 100, holdoutTriggerSuccess: 0.3 / (epoch + 1), holdoutDivergence: 0.1 })) , chosenEpoch: 2, model: '/r.onnx', modelSha256: 'x' };

spec("exportChoice: repaired only at the scan's exact threshold after a repair; prune-only elsewhere; disabled when nothing would be pruned", () => {
  const th = 0.3960457742214203;
  const repaired = { threshold: th, repair: REPAIR, verdict: 'backdoored' as const };
  equal(exportChoice(repaired, th, 12).kind, 'repaired');
  ok(exportChoice(repaired, th, 12).enabled, 'repaired export enabled');
  // a repaired model differs from the original even where the threshold pruned nothing
  equal(exportChoice(repaired, th, 0).kind, 'repaired');
  equal(exportChoice(repaired, 0.396, 12).kind, 'prune-only');
  equal(exportChoice(repaired, 0.6, 30).kind, 'prune-only');
  ok(exportChoice(repaired, 0.6, 30).description.includes("Only the scan's own threshold 0.396 exports the repaired model"), 'points back to the repaired threshold');
  equal(exportChoice({ ...repaired, repair: null }, th, 12).kind, 'prune-only');
  equal(exportChoice({ ...repaired, repair: null }, 0.1, 0), { kind: 'unchanged', enabled: false, button: 'Export pruned model', description: 'At threshold 0.10 no channel is pruned: the exported model would be identical to the original. Move the slider higher to prune.' });
  const clean = { threshold: -1, repair: null, verdict: 'clean' as const };
  equal(exportChoice(clean, -1, 0).enabled, false);
  ok(exportChoice(clean, -1, 0).description.startsWith('Nothing to export: the verdict is clean'), 'says why');
  equal(exportChoice(clean, 0.5, 7).kind, 'prune-only');
  // Repaired without pruning (the label came from the trigger norms alone): the scan's own -1 exports the repair.
  const repairOnly = { threshold: -1, repair: REPAIR, verdict: 'backdoored' as const };
  equal(exportChoice(repairOnly, -1, 0).kind, 'repaired');
  ok(exportChoice(repairOnly, -1, 0).enabled, 'a repair without pruning is exportable');
  ok(exportChoice(repairOnly, -1, 0).description.startsWith('Exports the repaired model: no channel pruned, then fine-tuned'), exportChoice(repairOnly, -1, 0).description);
  equal(exportChoice(repairOnly, 0.5, 7).kind, 'prune-only');
  ok(exportChoice(repairOnly, 0.5, 7).description.includes("Only the scan's own choice (nothing pruned; Back to the scan) exports the repaired model"), 'points back to the repair');
});

spec('sliderThreshold: a range round trip (about 14 digits) snaps back to the exact scan threshold, nothing farther', () => {
  const r = { threshold: 0.3960457742214203 };
  equal(sliderThreshold(r, 0.39604577422142), r.threshold);
  equal(sliderThreshold(r, 0.397), 0.397);
  equal(sliderThreshold({ threshold: -1 }, 0), 0);
  ok(atScanThreshold(r, sliderThreshold(r, Number(String(r.threshold).slice(0, 16)))), 'a truncated reading is the scan threshold');
  ok(scanPrunedNothing({ threshold: -1 }) && !scanPrunedNothing({ threshold: 0 }), 'threshold -1 means nothing pruned');
});

spec("shownMetrics: the scan's `after` at its own threshold (repaired), the nearest curve point elsewhere", () => {
  const curve = [
    { threshold: 0, pruned: 0, acc: 0.9, asr: 0.9 },
    { threshold: 0.2, pruned: 5, acc: 0.8, asr: 0.5 },
    { threshold: 0.4, pruned: 10, acc: 0.7, asr: 0.1 },
  ];
  const r = { threshold: 0.38, repair: REPAIR, after: { acc: 0.87, asr: 0.01 }, prunedCount: 9, curve };
  const own = shownMetrics(r, 0.38)!;
  equal([own.source, own.markAt, own.metrics], ['after', 0.38, { acc: 0.87, asr: 0.01 }]);
  equal(own.text, "At the scan's threshold 0.38, 9 channels pruned and repaired: ACC 87.0%, ASR 1.0%. Prune-only, the curve reads ACC 70.0%, ASR 10.0% at 0.40: the dots are the repaired model, off the curve.");
  // without a repair the scan's point is on the curve: nothing to explain
  equal(shownMetrics({ ...r, repair: null }, 0.38)!.text, "At the scan's threshold 0.38, 9 channels pruned: ACC 87.0%, ASR 1.0%.");
  const other = shownMetrics(r, 0.33)!;
  equal([other.source, other.markAt, other.metrics], ['curve', 0.4, { acc: 0.7, asr: 0.1 }]);
  ok(other.text.includes('(prune-only, no repair)'), other.text);
  const none = shownMetrics({ ...r, threshold: -1, repair: null, after: { acc: 0.9, asr: 0.9 }, prunedCount: 0 }, -1)!;
  equal([none.source, none.markAt], ['after', null]);
  equal(none.text, 'The scan pruned nothing (the original model): ACC 90.0%, ASR 90.0%.');
  const repairOnly = shownMetrics({ ...r, threshold: -1, after: { acc: 0.89, asr: 0.001 }, prunedCount: 0 }, -1)!;
  equal(repairOnly.text, 'The scan pruned nothing and repaired the model: ACC 89.0%, ASR 0.1%.');
  equal(shownMetrics({ ...r, curve: [], after: { acc: null, asr: null } }, 0.38), null);
});

spec('repairEpochCount: the fine-tuning epochs (epoch 0 is the pruned model)', () => {
  equal(repairEpochCount(REPAIR), 3);
  equal(repairEpochCount({ ...REPAIR, epochs: [{ epoch: 0, holdoutAcc: 0.8, holdoutTriggerSuccess: 0.1, holdoutDivergence: 0.1 }] }), 0);
});

(globalThis as unknown as { runSpecs: typeof runSpecs }).runSpecs = runSpecs;
