/**
 * The adaptive mode's pruning threshold, from clean data only, whatever the verdict (issue #20: the defense does not
 * wait for it). Channels are pruned in mask order (RNP's ranking: the backdoor's channels recover last):
 *  - when the verdict named a label and the unlearned model still favours it (share above `targetShareLevel`), as
 *    far as where the unlearned model lets go of it: RNP's own measure of where the backdoor's channels end (the
 *    repair that follows wins back the accuracy, and its kept epoch is held to the budget);
 *  - otherwise as far as the *original* model pruned there keeps its clean accuracy on the hold-out (never trained
 *    on, so the masks do not flatter it) within the budget (`defenseBudgetFor`).
 * Both measures fall with the threshold, so each is found by bisection over the candidate thresholds (about 2·log₂ 64
 * forward passes over the defense data instead of 64).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/dataset';
import type { Program } from '../graph/program';
import type { IrTensor } from '../onnx/ir';
import type { ScanOptions } from '../options';
import type { ScanResult } from '../result';
import { checkpoint } from '../train/pass-context';
import { Snapshot } from '../train/snapshot';
import { predict } from './evaluate';
import { candidateThresholds, NOTHING_PRUNED } from './select';

export interface AdaptiveThreshold {
  threshold: number;
  source: ScanResult['thresholdSource'];
  candidates: ScanResult['thresholdCandidates'];
  note: string;
}

/** What the defense may give up against the original model on the hold-out (defenseBudgetFor). */
export interface DefenseBudget {
  /** Accuracy (0.01 = 1 point) that prune-only selection may give up. */
  accuracy: number;
  /** Accuracy the repair's kept epoch may give up: a coarse floor on 100 samples, one sample a point. */
  repairAccuracy: number;
  /** Mean KL from the original model's answers that the repair's kept epoch may reach: the continuous bound. */
  divergence: number;
}

/**
 * The budget by verdict. Backdoored: the user's tolerance for pruning, twice it as the repair's accuracy floor (on the
 * committed BadNets fixture every repaired epoch read 3-5 points under the original on the 100-sample hold-out while
 * the 1000-sample test set said 1.4), KL 0.1. Otherwise half the tolerance for both (a clean model should come back as
 * it was: issue #20 asks ≤ 1 point) and KL 0.05: the committed clean fixture's repair reached KL 0.03 and still lost
 * 2.3 points on its test set (stamping a natural trigger costs that class), and a clean zoo cnn3 kept at KL 0.14 lost 4.
 */
export function defenseBudgetFor(verdict: 'backdoored' | 'clean' | 'inconclusive', tolerance: number): DefenseBudget {
  return verdict === 'backdoored'
    ? { accuracy: tolerance, repairAccuracy: 2 * tolerance, divergence: 0.1 }
    : { accuracy: tolerance / 2, repairAccuracy: tolerance / 2, divergence: 0.05 };
}

/** The share of `data` the program (channel masks applied) predicts as `label`, and its accuracy there. */
async function scoreWith(program: Program, data: Dataset, masks: readonly tf.Tensor1D[], batchStats: boolean, label: number | null, batchSize: number): Promise<{ share: number; acc: number }> {
  const p = await predict(program, data, batchSize, batchStats, masks);
  let hits = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === label) hits++;
    if (p[i] === data.y[i]) right++;
  }
  return { share: hits / data.count, acc: right / data.count };
}

/** The largest index in [−1, n) for which `ok` holds, assuming ok is true up to some index and false after. */
async function lastOk(n: number, ok: (i: number) => Promise<boolean>): Promise<number> {
  let lo = -1;
  let hi = n;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (await ok(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * `program` holds the unlearned weights on entry and on return; `original` is the model being defended. `label` is
 * the label the verdict named (null: none, or unknown).
 */
export async function selectAdaptiveThreshold(
  program: Program,
  original: ReadonlyMap<string, IrTensor>,
  defense: Dataset,
  holdout: Dataset,
  budget: number,
  histogram: readonly number[],
  masks: readonly Float32Array[],
  label: number | null,
  o: ScanOptions,
  signal?: AbortSignal,
): Promise<AdaptiveThreshold> {
  const thresholds = candidateThresholds(masks);
  const prunedAt = (th: number) => masks.reduce((n, m) => n + m.filter((v) => v <= th).length, 0);
  const tried = new Map<number, { threshold: number; pruned: number; acc: number | null; targetShare: number | null }>();
  const measure = async (i: number, batchStats: boolean, which: 'acc' | 'share') => {
    await checkpoint(signal);
    const th = thresholds[i];
    const keep = masks.map((m) => tf.tensor1d(Float32Array.from(m, (v) => (v <= th ? 0 : 1))));
    try {
      const s = await scoreWith(program, which === 'acc' ? holdout : defense, keep, batchStats, label, o.batchSize);
      const row = tried.get(th) ?? { threshold: th, pruned: prunedAt(th), acc: null, targetShare: null };
      if (which === 'acc') row.acc = s.acc;
      else row.targetShare = s.share;
      tried.set(th, row);
      return s;
    } finally {
      keep.forEach((k) => k.dispose());
    }
  };

  const total = histogram.reduce((a, b) => a + b, 0) || 1;
  const share0 = label === null ? 0 : histogram[label] / total;
  // The unlearned model's pull towards the named label (on batch statistics, as it was driven), when it has one.
  let shareLimit = thresholds.length - 1;
  let shareNote = '';
  if (label !== null && share0 > o.targetShareLevel) {
    const stillPulled = await lastOk(thresholds.length, async (i) => (await measure(i, true, 'share')).share > o.targetShareLevel);
    shareLimit = Math.min(stillPulled + 1, thresholds.length - 1);
    shareNote =
      stillPulled + 1 < thresholds.length
        ? ` The unlearned model lets go of label ${label} (share ${(share0 * 100).toFixed(0)}% → ≤ ${(o.targetShareLevel * 100).toFixed(0)}%) at threshold ${thresholds[shareLimit].toFixed(4)}.`
        : ` The unlearned model's share of label ${label} stays above ${(o.targetShareLevel * 100).toFixed(0)}% at every candidate.`;
  }

  // With a named label the unlearned model says where the backdoor's channels end, and the repair that follows wins
  // back the accuracy pruning costs (its kept epoch is held to the budget): prune that far. Otherwise, prune-only and
  // within the budget on the hold-out (eval mode, as the exported model runs), which on a small model often means
  // nothing: its lowest masks carry clean features too.
  const byShare = label !== null && share0 > o.targetShareLevel;
  const unlearned = new Snapshot(program);
  let chosen: number;
  let baseAcc: number;
  try {
    program.assign(original);
    const none = masks.map((m) => tf.ones([m.length]) as tf.Tensor1D);
    baseAcc = (await scoreWith(program, holdout, none, false, null, o.batchSize)).acc;
    none.forEach((t) => t.dispose());
    chosen = byShare ? shareLimit : await lastOk(thresholds.length, async (i) => (await measure(i, false, 'acc')).acc >= baseAcc - budget - 1e-9);
    if (byShare) await measure(chosen, false, 'acc');
  } finally {
    unlearned.restore();
    unlearned.dispose();
  }
  const threshold = chosen < 0 ? NOTHING_PRUNED : thresholds[chosen];
  const pruned = chosen < 0 ? 0 : prunedAt(threshold);
  const accAt = chosen < 0 ? baseAcc : tried.get(threshold)?.acc ?? baseAcc;
  const note =
    (chosen < 0
      ? `No channel can be pruned within ${(budget * 100).toFixed(0)} point(s) of clean accuracy on the hold-out (${holdout.count} samples): nothing is pruned.`
      : `Threshold ${threshold.toFixed(4)} prunes ${pruned} channels in mask order, ` +
        (byShare
          ? `up to where the unlearned model lets go of label ${label}`
          : `as many as keep clean accuracy on the hold-out (${holdout.count} samples) within ${(budget * 100).toFixed(0)} point(s)`) +
        ` (hold-out accuracy ${(baseAcc * 100).toFixed(1)}% → ${(accAt * 100).toFixed(1)}% before the repair).`) + shareNote;
  return { threshold, source: 'clean-data', candidates: [...tried.values()].sort((a, b) => a.threshold - b.threshold), note };
}
