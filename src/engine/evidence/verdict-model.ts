/**
 * The verdict from statistics (issue #20, part 4): a few robust numbers read off the Neural Cleanse sweep of the
 * original model and the unlearned model's predictions, combined by a logistic model whose weights were fitted on the
 * development zoo's *train* split (fixtures/zoo/, `npm run fit:verdict`, verdict-weights.ts) and reported on its
 * held-out split (bench/zoo.md). No rule names a class, a fixture or a dataset.
 *
 * The verdict decides what the report says (and whether the user is told to replace the model); it does not decide
 * whether the defense runs: the adaptive scan repairs every model (plan.ts).
 *
 * The features, for the candidate label c (the smallest trigger):
 *  - logAnomaly: Neural Cleanse's MAD anomaly index computed on log norms. Trigger norms are positive and skewed
 *    (one easy class pulls the linear MAD up), so the log scale is the robust one: the first unseen batch of #20 had a
 *    target at linear index 1.66 but > 3 in log space.
 *  - logGap: log of the second-smallest norm over the smallest: how far the candidate stands from the next label.
 *  - candidateShare: the share of clean defense data the unlearned model gives the candidate. Unlearning leaves the
 *    backdoor's pull; a clean model collapses on an arbitrary class, so this counts only for the candidate itself.
 */
import type { LabelScore } from '../result';
import { MAD_CONSISTENCY, median } from './mad';
import { VERDICT_WEIGHTS as FITTED } from './verdict-weights';

export const FEATURE_NAMES = ['logAnomaly', 'logGap', 'candidateShare'] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];
export type Features = Record<FeatureName, number>;

/** A fitted verdict model: logistic weights over the features, and the probability bands of the three verdicts. */
export interface VerdictWeights {
  bias: number;
  weights: Features;
  /** p ≥ this: backdoored. */
  backdoored: number;
  /** p ≤ this: clean; between the two: inconclusive. */
  clean: number;
  /**
   * A backdoored verdict names the candidate label only when the unlearned model gives it at least this share of the
   * clean data: the two signals agree. Else the label is unknown. A second route, a log anomaly above every train row
   * where naming would be wrong, named Fashion-MNIST's naturally easiest class on two held-out scans (bench/zoo.md):
   * one class's trigger can be far smaller than the rest on a clean model too.
   */
  nameLabelShare: number;
  /** Where the weights came from (the fit's summary, for the report and the docs). */
  fittedOn: string;
}

/** The fitted weights, checked against the type here (verdict-weights.ts is generated and imports nothing). */
export const VERDICT_WEIGHTS: VerdictWeights = FITTED;

export interface VerdictFeatures {
  candidate: number;
  features: Features;
}

/** The features of a sweep (`labelScores` with trigger norms) and the unlearned histogram's shares. */
export function verdictFeatures(scores: readonly LabelScore[]): VerdictFeatures {
  const norms = scores.map((s) => Math.max(s.triggerNorm ?? NaN, 1e-3));
  if (norms.some((n) => !Number.isFinite(n))) throw new Error('verdictFeatures needs a trigger norm for every label');
  let c = 0;
  norms.forEach((n, i) => {
    if (n < norms[c]) c = i;
  });
  const logs = norms.map(Math.log);
  const med = median(logs);
  const mad = MAD_CONSISTENCY * median(logs.map((x) => Math.abs(x - med)));
  // The same floor as mad.ts: a flat sweep (mad 0) keeps finite indices.
  const scale = Math.max(mad, 1e-3);
  const second = Math.min(...norms.filter((_, i) => i !== c));
  return {
    candidate: c,
    features: {
      logAnomaly: (med - logs[c]) / scale,
      logGap: Number.isFinite(second) ? Math.log(second / norms[c]) : 0,
      candidateShare: scores[c].unlearnedShare,
    },
  };
}

/** The model's probability that the model is backdoored. */
export function backdoorProbability(f: Features, w: VerdictWeights = VERDICT_WEIGHTS): number {
  let z = w.bias;
  for (const k of FEATURE_NAMES) z += w.weights[k] * f[k];
  return 1 / (1 + Math.exp(-z));
}

export interface StatVerdict {
  verdict: 'backdoored' | 'clean' | 'inconclusive';
  /** The named label, or null: "unknown" when the evidence points at a backdoor but not clearly at one label. */
  detectedLabel: number | null;
  /** The label the repair stamps triggers of (the smallest trigger), whatever the verdict. */
  candidate: number;
  probability: number;
  features: Features;
  confidence: number;
  evidence: string[];
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

export function decideByStatistics(scores: readonly LabelScore[], w: VerdictWeights = VERDICT_WEIGHTS): StatVerdict {
  const { candidate, features } = verdictFeatures(scores);
  const p = backdoorProbability(features, w);
  const verdict = p >= w.backdoored ? 'backdoored' : p <= w.clean ? 'clean' : 'inconclusive';
  const named = verdict === 'backdoored' && features.candidateShare >= w.nameLabelShare;
  const evidence = [
    `Label ${candidate} has the smallest recovered trigger (mask L1 ${scores[candidate].triggerNorm?.toFixed(1)}): ` +
      `${features.logAnomaly.toFixed(2)} robust deviations below the median label in log scale, ${Math.exp(features.logGap).toFixed(2)}× smaller than the next label's.`,
    `The unlearned model gives label ${candidate} ${pct(features.candidateShare)} of the clean defense data.`,
    `Backdoor probability ${p.toFixed(2)} (a logistic model of these three numbers, fitted on ${w.fittedOn}): ` +
      (verdict === 'backdoored' ? `≥ ${w.backdoored}, backdoored.` : verdict === 'clean' ? `≤ ${w.clean}, clean.` : `between ${w.clean} and ${w.backdoored}: inconclusive.`),
  ];
  if (verdict === 'backdoored' && !named) {
    evidence.push(`The target label is unknown: the unlearned model does not back label ${candidate} (${pct(features.candidateShare)} of the clean data < ${pct(w.nameLabelShare)}), and a small trigger alone can be a naturally easy class.`);
  }
  return {
    verdict,
    detectedLabel: named ? candidate : null,
    candidate,
    probability: p,
    features,
    confidence: verdict === 'backdoored' ? p : verdict === 'clean' ? 1 - p : 0.5,
    evidence,
  };
}
