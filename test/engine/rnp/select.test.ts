import test from 'node:test';
import assert from 'node:assert/strict';
import { candidateThresholds, chooseThreshold } from '../../../src/engine/rnp/select';

test('candidate thresholds are the distinct masks below 1, thinned by rank', () => {
  assert.deepEqual(candidateThresholds([Float32Array.from([1, 0.5, 0.125]), [0.5, 0.25, 1]]), [0.125, 0.25, 0.5]);
  const many = [Array.from({ length: 1000 }, (_, i) => i / 1000)];
  const c = candidateThresholds(many, 10);
  assert.equal(c.length, 10);
  assert.ok(c.every((v, i) => i === 0 || v > c[i - 1]));
  assert.equal(c[c.length - 1], 0.999);
});

test('keeps the largest pruning before clean accuracy first leaves the tolerance', async () => {
  // Accuracy by threshold: flat, then a dip beyond tolerance at 0.4, then (noise) back up at 0.5.
  const acc: Record<string, number> = { '-1': 0.9, '0.1': 0.9, '0.2': 0.895, '0.3': 0.885, '0.4': 0.8, '0.5': 0.9 };
  const r = await chooseThreshold([0.1, 0.2, 0.3, 0.4, 0.5], (t) => ({ pruned: Math.max(0, Math.round(t * 10)), acc: acc[String(t)] }), 0.02);
  assert.equal(r.threshold, 0.3);
  assert.equal(r.pruned, 3);
  assert.equal(r.baseAcc, 0.9);
  assert.equal(r.candidates.length, 4, 'stops at the first violation');
});

test('prunes nothing when even the first candidate costs too much', async () => {
  const r = await chooseThreshold([0.1, 0.2], (t) => ({ pruned: t < 0 ? 0 : 5, acc: t < 0 ? 0.9 : 0.5 }), 0.02);
  assert.equal(r.pruned, 0);
  assert.equal(r.threshold, -1);
  assert.equal(r.acc, 0.9);
});
