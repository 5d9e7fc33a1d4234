// Two scans side by side (src/report/compare.ts): a scan against itself differs nowhere; a re-scan with other
// options differs exactly in those options and in what they changed, per-layer counts computed from the masks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareScans } from '../../src/report/compare';
import { prunedCounts } from '../../src/report/pruning';
import { sampleResult } from '../webview/sample-result';

test('a scan compared with itself differs in no row', () => {
  const r = sampleResult({ withRepair: true, withTrigger: true });
  const rows = compareScans(r, r);
  assert.ok(rows.length > 10);
  assert.deepEqual(rows.filter((x) => x.differs), []);
  assert.ok(!rows.some((x) => x.label.startsWith('Option ')), 'equal options are not listed');
  assert.deepEqual(new Set(rows.map((x) => x.group)), new Set(['scan', 'finding', 'effect', 'layers']));
});

test('differences: options, verdict, threshold, accuracies and per-layer pruned counts', () => {
  const a = sampleResult({ withRepair: true });
  const b = { ...sampleResult({ nothingPruned: 'clean' }), options: { ...a.options, holdoutFraction: 0.3 }, after: { acc: 0.7, asr: 0.02 } };
  const rows = compareScans(a, b);
  const by = (l: string) => rows.find((x) => x.label === l)!;
  assert.deepEqual(by('Option holdoutFraction'), { group: 'scan', label: 'Option holdoutFraction', a: String(a.options.holdoutFraction), b: '0.3', differs: true });
  assert.equal(by('Verdict').differs, true);
  assert.equal(by('Verdict').b, 'clean');
  assert.equal(by('Pruning threshold').b, 'nothing pruned');
  assert.equal(by('Clean accuracy after').b, '70.0 %');
  assert.equal(by('Model file').differs, false);
  const ca = prunedCounts(a.layers, a.threshold).perLayer;
  a.layers.forEach((l, i) => {
    const r = by(`Pruned in ${l.name}`);
    assert.equal(r.a, `${ca[i]} of ${l.masks.length}`);
    assert.equal(r.b, `0 of ${l.masks.length}`);
    assert.equal(r.differs, ca[i] !== 0);
  });
});

test('layers only one scan has are said, not dropped', () => {
  const a = sampleResult();
  const b = { ...a, layers: a.layers.slice(1) };
  const rows = compareScans(a, b);
  const missing = rows.find((x) => x.label === `Pruned in ${a.layers[0].name}`)!;
  assert.equal(missing.b, 'no such layer');
  assert.equal(missing.differs, true);
});
