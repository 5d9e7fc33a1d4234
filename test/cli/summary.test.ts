// The CLI's human-readable summary: what a repaired scan and a scan that pruned nothing say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSummary } from '../../src/cli/summary';
import { sampleResult } from '../webview/sample-result';

test('a repaired scan names the repair and the repaired model; a scan that pruned nothing says the model is unchanged', () => {
  const repaired = { ...sampleResult({ withRepair: true, adaptiveThreshold: 0.4 }), prunedModel: '/m/model.pruned.onnx' };
  const s = formatSummary(repaired, '/m/scan.json');
  assert.match(s, /^repaired: +10 epochs with label 3's recovered triggers \(and label 8's\) stamped; kept epoch \d+$/m);
  assert.match(s, /^repaired model: \/m\/model\.pruned\.onnx$/m);
  assert.match(s, /^pruned: +\d+ of \d+ channels at mask <= 0\.4 \(clean-data\)$/m);

  const none = formatSummary(sampleResult({ nothingPruned: 'clean' }), '/m/scan.json');
  assert.match(none, /^pruned: +nothing \(verdict clean\); the model is unchanged$/m);
  assert.doesNotMatch(none, /^repaired/m);
  assert.match(none, /^verdict: +CLEAN/m);

  // Backdoored, nothing pruned, repaired (the label came from the trigger norms alone): not "unchanged".
  const repairOnly = { ...sampleResult({ withRepair: true }), threshold: -1, prunedCount: 0 };
  const r = formatSummary(repairOnly, '/m/scan.json');
  assert.match(r, /^pruned: +nothing \(label 3 came from the trigger norms alone\); the model was repaired$/m);
  assert.match(r, /^repaired: +10 epochs/m);
});
