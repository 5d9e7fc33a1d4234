// The explorer badge of a scanned model (src/extension/verdict-badge.ts): from its newest report, two characters at
// most, coloured by the verdict, with what the scan found in the tooltip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verdictBadge, verdictStatus } from '../../src/extension/verdict-badge';
import { scanDiagnostic } from '../../src/extension/batch-findings';
import { summarise } from '../../src/engine/scan-history';
import { sampleResult } from '../webview/sample-result';

const at = { finishedAt: '2026-12-03T13:05:42.000Z', startedAt: null };

test('backdoored, inconclusive and clean badges; none without a report', () => {
  const bd = verdictBadge(summarise({ ...sampleResult(), detectedLabel: 3 }, '/w/scan.json', at, null))!;
  assert.deepEqual(bd, { badge: 'BD', tooltip: 'RNP: backdoor found, target label 3 (scan of 2026-12-03 13:05 UTC · ACC 91.0 %)', color: 'errorForeground' });
  const inc = verdictBadge(summarise(sampleResult({ nothingPruned: 'inconclusive' }), '/w/scan.json', at, null))!;
  assert.equal(inc.badge, '?');
  assert.equal(inc.color, 'editorWarning.foreground');
  const clean = verdictBadge(summarise(sampleResult({ nothingPruned: 'clean' }), '/w/scan.json', at, null))!;
  assert.equal(clean.badge, '✓');
  assert.equal(clean.color, null);
  for (const b of [bd, inc, clean]) assert.ok([...b.badge].length <= 2, 'VS Code shows at most two characters');
  assert.equal(verdictBadge(null), null);
});

test('the status bar: the active model\'s newest verdict, hidden without a report', () => {
  const r = sampleResult();
  const e = summarise(r, '/w/.rnp-scan/model.onnx/x/scan.json', { finishedAt: '2026-12-03T13:05:00.000Z', startedAt: null }, null);
  assert.deepEqual(verdictStatus(e, '/w/model.onnx'), { text: '$(error) RNP: backdoor (label 3)', tooltip: 'model.onnx: backdoor found, target label 3 (scan of 2026-12-03 13:05 UTC · ACC 91.0 %). Click to open the report.' });
  assert.equal(verdictStatus({ ...e, verdict: 'clean', detectedLabel: null }, '/w/model.onnx')?.text, '$(pass) RNP: no backdoor found');
  assert.equal(verdictStatus({ ...e, verdict: 'inconclusive' }, '/w/model.onnx')?.text, '$(question) RNP: inconclusive');
  assert.equal(verdictStatus(null, '/w/model.onnx'), null);
});

test("a single scan's Problems entry: an error for a backdoor (the label named), a warning when inconclusive, none when clean", () => {
  const r = { ...sampleResult(), classNames: ['a', 'b', 'c', 'dress', 'e', 'f', 'g', 'h', 'i', 'j'] };
  const d = scanDiagnostic(r)!;
  assert.deepEqual([d.file, d.severity, d.code], [r.model, 'error', 'RNP001']);
  assert.ok(d.message.startsWith(`Backdoor found: target label 3 (dress) (confidence ${Math.round(r.confidence * 100)}%). ${r.evidence[0]}`), d.message);
  const w = scanDiagnostic({ ...r, verdict: 'inconclusive', detectedLabel: null })!;
  assert.deepEqual([w.severity, w.code], ['warning', 'RNP002']);
  assert.match(w.message, /^Backdoor scan inconclusive: review the report\./);
  assert.equal(scanDiagnostic({ ...r, verdict: 'clean', detectedLabel: null }), null);
});
