/**
 * Backdoor-label evidence from the unlearned model's predictions (RNP's Algorithm 1: the majority prediction of the
 * unlearned model on the clean defense data), combined with the trigger-norm anomaly index when trigger recovery ran.
 */
import type { LabelScore, ScanResult } from '../result';

export interface LabelVerdict {
  verdict: ScanResult['verdict'];
  detectedLabel: number | null;
  confidence: number;
  evidence: string[];
}

/** A label the unlearned model predicts for at least this share of clean inputs is a candidate target. */
export const MAJORITY_SHARE = 0.5;
/** Neural Cleanse's flag: anomaly index of a small trigger norm above 2. */
export const ANOMALY_FLAG = 2;

export function decideLabel(histogram: readonly number[], scores: readonly LabelScore[]): LabelVerdict {
  const total = histogram.reduce((a, b) => a + b, 0) || 1;
  let top = 0;
  for (let i = 1; i < histogram.length; i++) if (histogram[i] > histogram[top]) top = i;
  const share = histogram[top] / total;
  const evidence = [`unlearned model predicts label ${top} for ${(share * 100).toFixed(1)}% of the clean data`];
  const withNorms = scores.filter((s) => s.anomalyIndex !== null);
  if (withNorms.length === 0) {
    // Histogram only (paper's Algorithm 1).
    if (share >= MAJORITY_SHARE) return { verdict: 'backdoored', detectedLabel: top, confidence: share, evidence };
    evidence.push(`no label reaches ${MAJORITY_SHARE * 100}% of the unlearned model's predictions`);
    return { verdict: 'clean', detectedLabel: null, confidence: 1 - share, evidence };
  }
  const flagged = withNorms.filter((s) => (s.anomalyIndex as number) > ANOMALY_FLAG).sort((a, b) => (b.anomalyIndex as number) - (a.anomalyIndex as number));
  for (const s of flagged) evidence.push(`trigger for label ${s.label} is anomalously small (anomaly index ${(s.anomalyIndex as number).toFixed(2)} > ${ANOMALY_FLAG})`);
  if (flagged.length === 0) {
    evidence.push(`no label's recovered trigger is anomalously small (all anomaly indices <= ${ANOMALY_FLAG})`);
    return { verdict: 'clean', detectedLabel: null, confidence: 1 - Math.min(1, share), evidence };
  }
  const best = flagged[0];
  if (best.label === top && share >= MAJORITY_SHARE) {
    return { verdict: 'backdoored', detectedLabel: top, confidence: Math.min(1, 0.5 + share / 2), evidence };
  }
  if (share < MAJORITY_SHARE || histogram[best.label] / total >= 0.1) {
    // The trigger signal is clear and the histogram does not contradict it.
    return { verdict: 'backdoored', detectedLabel: best.label, confidence: Math.min(1, (best.anomalyIndex as number) / 4), evidence };
  }
  evidence.push(`the two signals disagree (histogram: ${top}, trigger norms: ${best.label})`);
  return { verdict: 'inconclusive', detectedLabel: null, confidence: 0.5, evidence };
}
