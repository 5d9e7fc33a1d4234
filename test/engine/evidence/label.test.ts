// The verdict rules on hand-made histograms and trigger-norm scores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideLabel, decideWithUnlearnedNorms } from '../../../src/engine/evidence/label';
import { anomalyIndices } from '../../../src/engine/evidence/mad';
import type { LabelScore } from '../../../src/engine/result';

/** LabelScores as the scan builds them: shares from the histogram, anomaly indices from the norms. */
function scores(histogram: number[], norms: number[] | null): LabelScore[] {
  const total = histogram.reduce((a, b) => a + b, 0);
  const ai = norms ? anomalyIndices(norms).indices : null;
  return histogram.map((n, label) => ({ label, unlearnedShare: n / total, triggerNorm: norms ? norms[label] : null, anomalyIndex: ai ? ai[label] : null }));
}

const spread = [52, 48, 50, 47, 53, 49, 51, 50, 52, 48];
const smallAt = (t: number) => [60, 58, 62, 55, 61, 59, 57, 63, 60, 56].map((v, i) => (i === t ? 7 : v));
const even = [60, 58, 62, 55, 61, 59, 57, 63, 60, 56];
const collapsedOn = (t: number, share = 0.97) => spread.map((_, i) => (i === t ? Math.round(500 * share) : i === (t + 1) % 10 ? 500 - Math.round(500 * share) : 0));

test('histogram only: a majority label is reported, a spread histogram is clean', () => {
  const h = [20, 10, 400, 10, 10, 10, 10, 10, 10, 10];
  const v = decideLabel(h, scores(h, null));
  assert.equal(v.verdict, 'backdoored');
  assert.equal(v.detectedLabel, 2);
  assert.equal(decideLabel(spread, scores(spread, null)).verdict, 'clean');
});

test('both signals on the same label: backdoored, with more confidence than either alone', () => {
  const h = collapsedOn(4, 0.9);
  const both = decideLabel(h, scores(h, smallAt(4)));
  assert.equal(both.verdict, 'backdoored');
  assert.equal(both.detectedLabel, 4);
  const normsOnly = decideLabel(spread, scores(spread, smallAt(4)));
  assert.equal(normsOnly.detectedLabel, 4);
  assert.ok(both.confidence > normsOnly.confidence);
  assert.ok(both.evidence.some((e) => e.includes('Both signals')));
});

test('a clean model: spread histogram and no small trigger → clean', () => {
  const v = decideLabel(spread, scores(spread, even));
  assert.equal(v.verdict, 'clean');
  assert.equal(v.detectedLabel, null);
});

test('collapsed unlearned model that the trigger norms do not back → inconclusive, never a wrong label', () => {
  // Collapse on 4, the small trigger is at 0, and the unlearned model backs label 0 too (15%): disagreement.
  const h = spread.map((_, i) => (i === 4 ? 400 : i === 0 ? 75 : i === 1 ? 25 : 0));
  const disagree = decideLabel(h, scores(h, smallAt(0)));
  assert.equal(disagree.verdict, 'inconclusive');
  assert.equal(disagree.detectedLabel, null);
  // Collapse with no anomalous norm, the collapse label's trigger a little easier than the median: can't tell.
  const slightlyEasy = even.map((v, i) => (i === 4 ? 56 : v));
  const none = decideLabel(collapsedOn(4), scores(collapsedOn(4), slightlyEasy));
  assert.equal(none.verdict, 'inconclusive');
  assert.equal(none.detectedLabel, null);
});

test('a collapse on an ordinary label, with only an unbacked easy label flagged → clean', () => {
  const h = collapsedOn(4);
  // Label 4's trigger is larger than the median: the collapse says nothing; no label flagged.
  const harder = even.map((v, i) => (i === 4 ? 70 : v));
  assert.equal(decideLabel(h, scores(h, harder)).verdict, 'clean');
  // Label 0 flagged, but the unlearned model gives it 0%: a naturally easy label.
  const v = decideLabel(h, scores(h, smallAt(0).map((x, i) => (i === 4 ? 70 : x))));
  assert.equal(v.verdict, 'clean');
  assert.ok(v.evidence.some((e) => /not backed/.test(e)));
  // The same flag with the collapse label's trigger easier than the median: inconclusive, not clean.
  assert.equal(decideLabel(h, scores(h, smallAt(0).map((x, i) => (i === 4 ? 50 : x)))).verdict, 'inconclusive');
});

test('measured on the fixtures (adaptive unlearning, NC sweep on the original model): clean, checkerboard, badnets', () => {
  const clean = decideLabel([444, 1, 8, 0, 0, 18, 0, 4, 25, 0], scores([444, 1, 8, 0, 0, 18, 0, 4, 25, 0], [60.69, 45.143, 58.633, 61.59, 55.198, 64.83, 43.526, 100.975, 18.726, 94.631]));
  assert.equal(clean.verdict, 'clean');
  // Checkerboard (target 5): the unlearned model collapses on 0, label 0's trigger is a little easier than the median.
  const cb = [432, 0, 0, 0, 0, 46, 8, 0, 14, 0];
  const checker = decideLabel(cb, scores(cb, [47.108, 71.536, 54.768, 62.998, 51.98, 19.904, 39.825, 89.478, 18.927, 66.03]));
  assert.equal(checker.verdict, 'inconclusive');
  const bn = [423, 10, 0, 0, 0, 27, 0, 12, 28, 0];
  const badnets = decideLabel(bn, scores(bn, [8.1, 70.5, 53.3, 65.6, 59.0, 64.6, 41.4, 83.6, 23.2, 84.2]));
  assert.equal(badnets.verdict, 'backdoored');
  assert.equal(badnets.detectedLabel, 0);
});

test('evidence is in words and names the labels', () => {
  const h = collapsedOn(4);
  const v = decideLabel(h, scores(h, smallAt(0)));
  assert.ok(v.evidence.some((e) => /label 4/.test(e) && /97\.0%/.test(e)));
  assert.ok(v.evidence.some((e) => /label 0/i.test(e) && /anomal/.test(e)));
});

test('no flag, but the majority label has the smallest trigger with a raised index → backdoored; otherwise not', () => {
  const h = collapsedOn(3, 0.87);
  // Measured on the Blend fixture: target 3 smallest (10.3), the easy "bag" class 8 next (19.8) keeps index at 1.5.
  const blendLike = [66.9, 44.3, 55.9, 10.3, 70.7, 89.1, 55.2, 120.3, 19.8, 109.1];
  const v = decideLabel(h, scores(h, blendLike));
  assert.equal(v.verdict, 'backdoored');
  assert.equal(v.detectedLabel, 3);
  // Same histogram, but label 3's trigger is ordinary: the signals disagree.
  const ordinary = blendLike.map((x, i) => (i === 3 ? 60 : x));
  assert.equal(decideLabel(h, scores(h, ordinary)).verdict, 'inconclusive');
});

/** The checkerboard fixture's measured numbers (rounded): histogram, original-model and unlearned-model trigger norms. */
const CHECKER = {
  histogram: [432, 0, 0, 0, 0, 46, 8, 0, 14, 0],
  original: [47.1, 71.5, 54.8, 63.0, 52.0, 19.9, 39.8, 89.5, 18.9, 66.0],
  unlearned: [14.6, 506.7, 477.4, 474.3, 591.8, 132.9, 537.1, 438.0, 212.7, 416.3],
};

function withUnlearned(base: LabelScore[], norms: number[]): LabelScore[] {
  const ai = anomalyIndices(norms).indices;
  return base.map((s) => ({ ...s, unlearnedTriggerNorm: norms[s.label], unlearnedAnomalyIndex: ai[s.label] }));
}

test('inconclusive, then the unlearned model\'s trigger norms break the tie (checkerboard, measured)', () => {
  const s = scores(CHECKER.histogram, CHECKER.original);
  const first = decideLabel(CHECKER.histogram, s);
  assert.equal(first.verdict, 'inconclusive', first.evidence.join(' | '));
  const v = decideWithUnlearnedNorms(CHECKER.histogram, withUnlearned(s, CHECKER.unlearned), first);
  assert.equal(v.verdict, 'backdoored');
  assert.equal(v.detectedLabel, 5, v.evidence.join(' | '));
  assert.match(v.evidence.at(-1)!, /Tie broken by the unlearned model's trigger norms: label 5.*ahead of label 8/);
  // Without the original model's support (label 5 no easier than the median there), no label.
  const flat = CHECKER.original.map((v, i) => (i === 5 || i === 8 ? 55 : v));
  const unsupported = decideWithUnlearnedNorms(CHECKER.histogram, withUnlearned(scores(CHECKER.histogram, flat), CHECKER.unlearned), first);
  assert.equal(unsupported.verdict, 'inconclusive');
  // The collapse label's own trivially small trigger on the unlearned model never counts (label 0 here, index 4.5).
  const onlyCollapse = CHECKER.unlearned.map((v, i) => (i === 5 || i === 8 ? 480 : v));
  assert.equal(decideWithUnlearnedNorms(CHECKER.histogram, withUnlearned(s, onlyCollapse), first).verdict, 'inconclusive');
});

test('the tie-break leaves a decided verdict alone and names no label on the clean fixture\'s numbers', () => {
  const h = collapsedOn(4, 0.9);
  const decided = decideLabel(h, scores(h, smallAt(4)));
  assert.equal(decideWithUnlearnedNorms(h, withUnlearned(scores(h, smallAt(4)), smallAt(7)), decided), decided);
  // The clean model (measured): on the unlearned model label 0 (collapse) 18.8, 8: 117.5, 5: 187.6; "bag" (8) is easy
  // on the original (index 2.8) but not anomalous after unlearning.
  const cleanHist = [444, 1, 8, 0, 0, 18, 0, 4, 25, 0];
  const cleanUnlearned = [18.8, 412.6, 320.7, 342.4, 404.4, 187.6, 555.8, 269.4, 117.5, 300.9];
  const inconclusive = { verdict: 'inconclusive' as const, detectedLabel: null, confidence: 0.5, evidence: [] };
  const v = decideWithUnlearnedNorms(cleanHist, withUnlearned(scores(cleanHist, [40, 60, 55, 58, 52, 45, 50, 70, 20, 62]), cleanUnlearned), inconclusive);
  assert.equal(v.verdict, 'inconclusive');
  assert.match(v.evidence.at(-1)!, /On the unlearned model too, no label other than 0/);
});
