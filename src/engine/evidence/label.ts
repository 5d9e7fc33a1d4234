/**
 * The verdict from the unlearned model alone: RNP's Algorithm 1, the label the *unlearned* model predicts for most
 * clean defense inputs (the backdoor survives unlearning, the clean features do not). Used when no trigger search ran
 * (paper mode, or --no-trigger); with the search, the verdict comes from the fitted statistics (verdict-model.ts).
 */
import type { ScanResult } from '../result';

export interface LabelVerdict {
  verdict: ScanResult['verdict'];
  detectedLabel: number | null;
  confidence: number;
  evidence: string[];
  /** The backdoor probability of the fitted verdict model (null: the histogram alone decided). */
  probability?: number | null;
  /** The label the repair stamps triggers of (the smallest trigger), whatever the verdict; null without a sweep. */
  candidate?: number | null;
}

/** A label the unlearned model predicts for at least this share of clean inputs is a candidate target. */
export const MAJORITY_SHARE = 0.5;
/** At or above this share the unlearned model has collapsed to one class: alone, that is weak evidence. */
export const COLLAPSE_SHARE = 0.95;

/** The label the unlearned model predicts most often (the first of equal counts). */
export function majorityLabel(histogram: readonly number[]): number {
  let top = 0;
  for (let i = 1; i < histogram.length; i++) if (histogram[i] > histogram[top]) top = i;
  return top;
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

export function decideLabel(histogram: readonly number[]): LabelVerdict {
  const total = histogram.reduce((a, b) => a + b, 0) || 1;
  const top = majorityLabel(histogram);
  const share = histogram[top] / total;
  const collapsed = share >= COLLAPSE_SHARE;
  const evidence = [`The unlearned model predicts label ${top} for ${pct(share)} of the clean defense data${collapsed ? ' (it collapsed to one class)' : ''}.`];
  if (share >= MAJORITY_SHARE) {
    if (collapsed) evidence.push('A collapse to one class can also happen to a clean model; turn on trigger recovery for a second opinion.');
    return { verdict: 'backdoored', detectedLabel: top, confidence: collapsed ? 0.6 : share, evidence, probability: null, candidate: null };
  }
  evidence.push(`No label reaches ${pct(MAJORITY_SHARE)} of the unlearned model's predictions.`);
  return { verdict: 'clean', detectedLabel: null, confidence: 1 - share, evidence, probability: null, candidate: null };
}
