// MAD anomaly index on hand-made norm vectors (Neural Cleanse's outlier test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anomalyIndices, flaggedLabels, median, MAD_CONSISTENCY } from '../../../src/engine/evidence/mad';

test('median of odd and even lists', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test('a norm far below the others is flagged, one far above is not', () => {
  // Nine labels around 100, label 3 needs a tiny trigger, label 7 a huge one.
  const norms = [100, 104, 96, 8, 102, 98, 101, 400, 99, 103];
  const { median: med, mad, indices } = anomalyIndices(norms);
  assert.equal(med, 100.5);
  // |x − 100.5| sorted: 0.5 0.5 1.5 1.5 2.5 2.5 3.5 4.5 92.5 299.5 → median 2.5
  assert.ok(Math.abs(mad - MAD_CONSISTENCY * 2.5) < 1e-9);
  assert.ok(Math.abs(indices[3] - (100.5 - 8) / (MAD_CONSISTENCY * 2.5)) < 1e-9);
  assert.ok(indices[7] < 0, 'a large norm has a negative index');
  assert.deepEqual(flaggedLabels(indices), [3]);
});

test('similar norms flag nothing', () => {
  const { indices } = anomalyIndices([50, 52, 49, 51, 48, 50, 53, 48, 50, 51]);
  assert.deepEqual(flaggedLabels(indices), []);
});

test('identical norms but one stay finite and flag the small one', () => {
  const { indices } = anomalyIndices([10, 10, 10, 2, 10, 10]);
  assert.ok(indices.every(Number.isFinite));
  assert.deepEqual(flaggedLabels(indices), [3]);
});

test('several small norms are ordered by anomaly', () => {
  const { indices } = anomalyIndices([100, 101, 20, 99, 5, 100, 102, 98, 100, 101]);
  assert.deepEqual(flaggedLabels(indices), [4, 2]);
});
