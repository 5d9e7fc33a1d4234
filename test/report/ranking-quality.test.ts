// Precision and recall of a sample ranking at a count, against the file's is_poison flags (src/report/ranking-quality.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rankingQuality } from '../../src/report/ranking-quality';

test('precision and recall at a count, clamped to the ranking', () => {
  const ranked = [1, 1, 0, 1, 0, 0, 0, 1, 0, 0];
  assert.deepEqual(rankingQuality(ranked, 2), { poisoned: 4, total: 10, flagged: 2, precision: 1, recall: 0.5 });
  assert.deepEqual(rankingQuality(ranked, 4), { poisoned: 4, total: 10, flagged: 4, precision: 0.75, recall: 0.75 });
  assert.deepEqual(rankingQuality(ranked, 99), { poisoned: 4, total: 10, flagged: 10, precision: 0.4, recall: 1 });
  assert.deepEqual(rankingQuality(ranked, 0), { poisoned: 4, total: 10, flagged: 0, precision: 0, recall: 0 });
  assert.deepEqual(rankingQuality([0, 0], 1), { poisoned: 0, total: 2, flagged: 1, precision: 0, recall: 0 });
});
