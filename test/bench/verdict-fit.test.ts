// The verdict fit (bench/verdict-fit.ts): the logistic regression finds the direction that separates the classes
// and matches a known solution, the bands keep the false alarms the train split allows, and the label-naming level
// share sits above every train model where naming the smallest trigger's label would be wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseBands, chooseLambda, chooseNameLabelShare, fitLogistic, type FitRow } from '../../bench/verdict-fit';
import { backdoorProbability } from '../../src/engine/evidence/verdict-model';

const row = (logAnomaly: number, y: 0 | 1, candidate = 0, target: number | null = y ? 0 : null, logGap = 0, candidateShare = 0): FitRow => ({
  name: `m${logAnomaly}`,
  features: { logAnomaly, logGap, candidateShare },
  y,
  candidate,
  target,
});

test('fitLogistic: the weight on the separating feature is positive, the others near zero, and it ranks rows by it', () => {
  const rows = [row(0.5, 0), row(1, 0), row(1.5, 0), row(2.2, 1), row(1.8, 0), row(3, 1), row(4, 1), row(2, 1), row(5, 1), row(0.2, 0)];
  const fit = fitLogistic(rows);
  assert.ok(fit.weights.logAnomaly > 0.5, JSON.stringify(fit));
  assert.ok(Math.abs(fit.weights.logGap) < 1e-6 && Math.abs(fit.weights.candidateShare) < 1e-6, JSON.stringify(fit));
  const w = { ...fit, backdoored: 0.5, clean: 0.5, nameLabelShare: 0, fittedOn: '' };
  const p = rows.map((r) => backdoorProbability(r.features, w));
  const order = [...rows.keys()].sort((a, b) => p[a] - p[b]).map((i) => rows[i].features.logAnomaly);
  assert.deepEqual(order, [...order].sort((a, b) => a - b));
});

test('fitLogistic without a penalty matches the closed form on a two-point-per-side symmetric set', () => {
  // Backdoored at x=1 in two rows of three, at x=-1 in one of three: the unpenalised MLE gives p(1) = 2/3, p(-1) = 1/3.
  const rows = [row(1, 1), row(1, 1), row(1, 0), row(-1, 0), row(-1, 0), row(-1, 1)];
  const fit = fitLogistic(rows, 1e-9);
  const w = { ...fit, backdoored: 0.5, clean: 0.5, nameLabelShare: 0, fittedOn: '' };
  assert.ok(Math.abs(backdoorProbability(rows[0].features, w) - 2 / 3) < 1e-6);
  assert.ok(Math.abs(backdoorProbability(rows[3].features, w) - 1 / 3) < 1e-6);
});

test('chooseBands: no clean row at or above the backdoored band when the split allows none; bands ordered', () => {
  const p = [0.1, 0.3, 0.7, 0.2, 0.8, 0.9, 0.95, 0.6];
  const y: (0 | 1)[] = [0, 0, 0, 0, 1, 1, 1, 1];
  const b = chooseBands(p, y);
  assert.ok(p.filter((v, i) => y[i] === 0 && v >= b.backdoored).length === 0, JSON.stringify(b));
  assert.ok(b.clean <= b.backdoored && b.clean <= 0.5 && b.backdoored >= 0.5);
  // No backdoored row is called clean.
  assert.ok(p.filter((v, i) => y[i] === 1 && v <= b.clean).length === 0, JSON.stringify(b));
});

test('chooseNameLabelShare: above every clean row and every wrong-candidate row, never below a majority', () => {
  assert.equal(chooseNameLabelShare([row(3, 1, 1, 1, 0, 0.9), row(1, 0, 2, null, 0, 0.7), row(2, 1, 4, 2, 0, 0.2)]), 0.71);
  assert.equal(chooseNameLabelShare([row(3, 1, 1, 1, 0, 0.9), row(1, 0, 2, null, 0, 0.1)]), 0.5);
});

test('chooseLambda: picks from the grid by leave-one-out, a strong penalty where the rows are noise', () => {
  const noise = [row(1, 0), row(1, 1), row(2, 0), row(2, 1), row(3, 0), row(3, 1), row(0, 1), row(0, 0)];
  assert.equal(chooseLambda(noise).lambda, 3);
  const clear = [row(0, 0), row(0.5, 0), row(1, 0), row(1.6, 1), row(1.4, 0), row(3, 1), row(2.5, 1), row(4, 1)];
  const c = chooseLambda(clear);
  assert.ok(c.lambda < 3 && c.looLogLik.length === 6, JSON.stringify(c));
});
