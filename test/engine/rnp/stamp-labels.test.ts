// Which labels' triggers the repair stamps (rnp/stamp-labels.ts): the candidate first, then the next smallest within
// the ratio, at most `count` of them; a label without a search never counts. Norms shaped like the zoo's held-out
// blend VGG (bag 25.7, target 29.0, the rest ≥ 50) and its BadNets VGG (target 8, the rest ≥ 43).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stampLabels } from '../../../src/engine/rnp/stamp-labels';

const sweep = (norms: number[], unsearched: number[] = []) => norms.map((maskL1, label) => ({ label, maskL1, epochsRun: unsearched.includes(label) ? 0 : 7 }));
const OTHER = { count: 2, maxRatio: 2.5 };

test('a natural small trigger ahead of the backdoor: the next smallest is stamped too', () => {
  const blend = sweep([70, 90, 29, 95, 71, 88, 50, 99, 25.7, 92]);
  assert.deepEqual(stampLabels(blend, 8, OTHER), [8, 2, 6]);
  assert.deepEqual(stampLabels(blend, 8, { count: 1, maxRatio: 2.5 }), [8, 2]);
  // Only those within the ratio: 50 / 25.7 = 1.95.
  assert.deepEqual(stampLabels(blend, 8, { count: 2, maxRatio: 1.5 }), [8, 2]);
  assert.deepEqual(stampLabels(blend, 8, { count: 0, maxRatio: 2.5 }), [8]);
});

test('one trigger far below the rest: only the candidate', () => {
  const badnets = sweep([72, 8, 60, 90, 95, 88, 60, 99, 43, 92]);
  assert.deepEqual(stampLabels(badnets, 1, OTHER), [1]);
});

test('equal norms go by label; a label with no search is never stamped; an unknown candidate is an error', () => {
  assert.deepEqual(stampLabels(sweep([10, 12, 12, 12]), 0, OTHER), [0, 1, 2]);
  assert.deepEqual(stampLabels(sweep([10, 12, 12, 12], [1]), 0, OTHER), [0, 2, 3]);
  assert.throws(() => stampLabels(sweep([10, 12]), 5, OTHER), /label 5 is not in the trigger sweep/);
});
