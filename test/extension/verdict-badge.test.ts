// The explorer badge of a scanned model (src/extension/verdict-badge.ts): from its newest report, two characters at
// most, coloured by the verdict, with what the scan found in the tooltip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verdictBadge } from '../../src/extension/verdict-badge';
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
