// The verdicts on hand-made histograms and trigger-norm scores: RNP's Algorithm 1 (label.ts) and the fitted
// statistics (verdict-model.ts), whose features are checked against values worked out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideLabel } from '../../../src/engine/evidence/label';
import { anomalyIndices } from '../../../src/engine/evidence/mad';
import { backdoorProbability, decideByStatistics, verdictFeatures, type VerdictWeights } from '../../../src/engine/evidence/verdict-model';
import type { LabelScore } from '../../../src/engine/result';

/** LabelScores as the scan builds them: shares from the histogram, anomaly indices from the norms. */
function scores(histogram: number[], norms: number[]): LabelScore[] {
  const total = histogram.reduce((a, b) => a + b, 0);
  const ai = anomalyIndices(norms).indices;
  return histogram.map((n, label) => ({ label, unlearnedShare: n / total, triggerNorm: norms[label], anomalyIndex: ai[label] }));
}

const spread = [52, 48, 50, 47, 53, 49, 51, 50, 52, 48];
const even = [60, 58, 62, 55, 61, 59, 57, 63, 60, 56];
const smallAt = (t: number, v = 7) => even.map((x, i) => (i === t ? v : x));

test('histogram only: a majority label is reported, a spread histogram is clean', () => {
  const h = [20, 10, 400, 10, 10, 10, 10, 10, 10, 10];
  const v = decideLabel(h);
  assert.equal(v.verdict, 'backdoored');
  assert.equal(v.detectedLabel, 2);
  assert.equal(decideLabel(spread).verdict, 'clean');
  const collapsed = decideLabel([0, 0, 0, 495, 5, 0, 0, 0, 0, 0]);
  assert.equal(collapsed.confidence, 0.6);
  assert.match(collapsed.evidence.join(' '), /collapsed/);
});

test('features: log-scale MAD index, the gap to the next label and the candidate share, by hand', () => {
  const norms = [8, 16, 16, 32, 32, 32, 32, 64, 64, 64];
  const h = [100, 0, 0, 400, 0, 0, 0, 0, 0, 0];
  const { candidate, features } = verdictFeatures(scores(h, norms));
  assert.equal(candidate, 0);
  // log2 scale: median 5 (32), |deviations| [2,1,1,0,0,0,0,1,1,1] → median 1 → MAD 1.4826·ln 2.
  assert.ok(Math.abs(features.logAnomaly - (2 * Math.LN2) / (1.4826 * Math.LN2)) < 1e-9, String(features.logAnomaly));
  assert.ok(Math.abs(features.logGap - Math.LN2) < 1e-12);
  assert.equal(features.candidateShare, 0.2);
});

test('the statistics decide by the fitted bands, name the label only when the unlearned model backs it, and say why', () => {
  const w: VerdictWeights = { bias: -3, weights: { logAnomaly: 1, logGap: 1, candidateShare: 0 }, backdoored: 0.6, clean: 0.4, nameLabelShare: 0.5, fittedOn: 'a test' };
  const backed = [20, 10, 10, 10, 400, 10, 10, 10, 10, 10];
  const strong = decideByStatistics(scores(backed, smallAt(4)), w);
  assert.equal(strong.verdict, 'backdoored');
  assert.equal(strong.detectedLabel, 4);
  assert.equal(strong.candidate, 4);
  assert.ok(strong.probability > 0.99);
  // The same tiny trigger without the unlearned model behind it (a naturally easy class looks like this): unknown.
  const alone = decideByStatistics(scores(spread, smallAt(4)), w);
  assert.equal(alone.verdict, 'backdoored');
  assert.equal(alone.detectedLabel, null);
  assert.match(alone.evidence.join(' '), /unknown/);
  const flat = decideByStatistics(scores(spread, even), w);
  assert.equal(flat.verdict, 'clean');
  assert.equal(flat.detectedLabel, null);
  assert.equal(flat.candidate, 3, 'the smallest norm (55) is still the candidate the repair uses');
  const modest = scores(spread, smallAt(6, 40));
  const f = verdictFeatures(modest).features;
  // Between the bands: inconclusive.
  const wBand: VerdictWeights = { ...w, bias: -f.logAnomaly - f.logGap };
  assert.ok(Math.abs(backdoorProbability(f, wBand) - 0.5) < 1e-12);
  assert.equal(decideByStatistics(modest, wBand).verdict, 'inconclusive');
});

test('a label no other sample exists for does not break the features (its norm is the full image)', () => {
  const norms = [...even.slice(0, 9), 28 * 28];
  const { candidate, features } = verdictFeatures(scores(spread, norms));
  assert.equal(candidate, 3);
  assert.ok(Number.isFinite(features.logAnomaly) && Number.isFinite(features.logGap));
});
