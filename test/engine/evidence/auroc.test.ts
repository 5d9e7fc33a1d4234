// AUROC against hand-computed cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auroc } from '../../../src/engine/evidence/auroc';

test('perfect, inverted and chance rankings', () => {
  assert.equal(auroc([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0]), 1);
  assert.equal(auroc([0.1, 0.2, 0.9, 0.8], [1, 1, 0, 0]), 0);
  assert.equal(auroc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]), 0.5);
});

test('one misordered pair out of six', () => {
  // positives 0.9, 0.4; negatives 0.5, 0.1, 0.2: pairs (0.4 < 0.5) wrong → 5/6.
  assert.ok(Math.abs(auroc([0.9, 0.4, 0.5, 0.1, 0.2], [1, 1, 0, 0, 0]) - 5 / 6) < 1e-12);
});

test('ties between a positive and a negative count one half', () => {
  assert.equal(auroc([0.5, 0.5], [true, false]), 0.5);
});

test('needs both classes', () => {
  assert.throws(() => auroc([1, 2], [1, 1]));
});
