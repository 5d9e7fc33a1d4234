/**
 * What a verdict means for the user and what to do next, and why the signals a clean or inconclusive scan still
 * shows (a bar over the MAD flag line, a recovered trigger that succeeds) did not make it "backdoored" (issue #23
 * item 6). Pure wording over the ScanResult: the panel and the Markdown report say the same.
 */
import type { ScanResult } from '../engine/result';

/** The next step for this verdict, one sentence. */
export function nextStep(r: Pick<ScanResult, 'verdict' | 'repair' | 'prunedCount' | 'data'>): string {
  if (r.verdict === 'backdoored') {
    return r.repair || r.prunedCount > 0
      ? 'Next: export the repaired model below and check it on your own test data; consider also inspecting the training set for poisoned samples (Suspicious samples).'
      : 'Next: inspect the training set for poisoned samples (Suspicious samples) and retrain without them.';
  }
  if (r.verdict === 'clean') return 'Next: nothing to remove. A scan cannot prove a model clean: rescan after any retraining on data you do not control.';
  const tests = r.data.poisonTest ? '' : ' give a poisoned test set if you have one (it measures the attack directly), or';
  return `Next: the evidence is weak either way. Scan again with more clean samples (about 1 % of the training set),${tests} inspect the training set for poisoned samples.`;
}

/**
 * Why the alarming-looking signals were not enough, for a verdict other than backdoored (null for backdoored).
 * `flagged`: labels whose anomaly index is over the flag line.
 */
export function dismissedSignals(r: Pick<ScanResult, 'verdict' | 'trigger'>, flagged: readonly number[]): string | null {
  if (r.verdict === 'backdoored') return null;
  const parts: string[] = [];
  if (flagged.length) {
    parts.push(`label${flagged.length === 1 ? '' : 's'} ${flagged.join(', ')} ${flagged.length === 1 ? 'is' : 'are'} over the MAD flag line, but that line alone flags many clean models; the verdict weighs it with how far the smallest trigger stands apart from the next and what the unlearned model predicts`);
  }
  if (r.trigger && r.trigger.asrOnOriginal >= 0.5) {
    parts.push(`the recovered trigger succeeds (${Math.round(r.trigger.asrOnOriginal * 100)} %), as a small patch in the right colours does for most labels of most models, clean ones too: its size against the other labels' is the evidence, not its success`);
  }
  return parts.length ? `Why not backdoored: ${parts.join('; ')}.` : null;
}
