// The proposed flag count: Otsu's split of log10(KL) over the ranked scores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proposeFlagCount } from '../../../src/engine/evidence/flag-count';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const ranked = (scores: number[]) => [...scores].sort((a, b) => b - a);

test('two well separated groups: the proposal is the size of the near-zero group', () => {
  const rnd = seeded(3);
  for (const poisoned of [5, 37, 100, 400]) {
    const scores = [...Array.from({ length: poisoned }, () => -rnd() * 1e-4), ...Array.from({ length: 1000 - poisoned }, () => -(0.3 + rnd() * 9))];
    assert.equal(proposeFlagCount(ranked(scores)), poisoned, `${poisoned} poisoned`);
  }
});

test('the split follows the scores, not a fixed share', () => {
  const a = ranked([-1e-5, -2e-5, -3e-5, -2, -3, -4, -5, -6, -7, -8]);
  const b = ranked([-1e-5, -2e-5, -3e-5, -2e-5, -1e-5, -2e-5, -4, -5, -6, -7]);
  assert.equal(proposeFlagCount(a), 3);
  assert.equal(proposeFlagCount(b), 6);
});

test('degenerate input proposes nothing; ties are never split; a zero score does not break the log', () => {
  assert.equal(proposeFlagCount([]), 0);
  assert.equal(proposeFlagCount([-1]), 0);
  assert.equal(proposeFlagCount([-1, -1, -1, -1]), 0);
  const withTies = ranked([0, 0, -1e-6, -1e-6, -5, -5, -5]);
  const k: number = proposeFlagCount(withTies);
  assert.equal(k, 4);
  assert.notEqual(withTies[k], withTies[k - 1]);
});
