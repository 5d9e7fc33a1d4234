/**
 * The adaptive mode's pruning threshold, from clean data only (see select.ts `chooseByTargetShare`): walk the
 * candidate thresholds and stop where the unlearned model no longer prefers the detected target label. The scan only
 * calls it for a model found backdoored (scan.ts); anything else is not pruned (`nothingPruned`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/dataset';
import type { Program } from '../graph/program';
import type { ScanOptions } from '../options';
import type { ScanResult } from '../result';
import { batchIndices, disposeBatch, makeBatch, sequentialOrder } from '../train/batches';
import { checkpoint } from '../train/pass-context';
import { candidateThresholds, chooseByTargetShare, NOTHING_PRUNED } from './select';

export interface AdaptiveThreshold {
  threshold: number;
  source: ScanResult['thresholdSource'];
  candidates: ScanResult['thresholdCandidates'];
  note: string;
}

/** Share of `data` the program (with channel masks) predicts as `label`, BatchNorm on batch statistics (see scan.ts). */
function labelShare(program: Program, data: Dataset, masks: readonly tf.Tensor1D[], label: number, batchSize: number): number {
  let hits = 0;
  for (const idx of batchIndices(sequentialOrder(data.count), batchSize)) {
    const b = makeBatch(data, idx);
    const p = tf.tidy(() => tf.argMax(program.forward(b.x, { training: true, masks }), 1));
    for (const v of p.dataSync()) if (v === label) hits++;
    p.dispose();
    disposeBatch(b);
  }
  return hits / data.count;
}

/** No pruning, with the reason in words. */
export function nothingPruned(note: string): AdaptiveThreshold {
  return { threshold: NOTHING_PRUNED, source: 'target-share', candidates: [], note };
}

/** `program` must hold the unlearned weights; `target` is the detected backdoor label. */
export async function selectAdaptiveThreshold(
  program: Program,
  defense: Dataset,
  histogram: readonly number[],
  masks: readonly Float32Array[],
  target: number,
  o: ScanOptions,
  signal?: AbortSignal,
): Promise<AdaptiveThreshold> {
  const total = histogram.reduce((a, b) => a + b, 0) || 1;
  const share0 = histogram[target] / total;
  // The label came from the trigger norms, not from the unlearned model's predictions: its share gives pruning no
  // measure of the backdoor to go by, so nothing is pruned and the repair (scan.ts) removes the backdoor alone.
  if (share0 <= o.targetShareLevel) {
    return nothingPruned(
      `The unlearned model gives label ${target} only ${(share0 * 100).toFixed(0)}% of the clean data before any pruning (≤ ${(o.targetShareLevel * 100).toFixed(0)}%): ` +
        `no channel stands out by that measure, so nothing is pruned; ${o.repair ? 'the repair removes the backdoor' : 'with the repair off, the model is left unchanged'}.`,
    );
  }
  const sel = await chooseByTargetShare(
    candidateThresholds(masks),
    async (th) => {
      await checkpoint(signal);
      const keep = masks.map((m) => tf.tensor1d(Float32Array.from(m, (v) => (v <= th ? 0 : 1))));
      try {
        const pruned = masks.reduce((n, m) => n + m.filter((v) => v <= th).length, 0);
        return { pruned, share: labelShare(program, defense, keep, target, o.batchSize) };
      } finally {
        keep.forEach((k) => k.dispose());
      }
    },
    o.targetShareLevel,
  );
  return {
    threshold: sel.threshold,
    source: 'target-share',
    candidates: sel.candidates.map((c) => ({ threshold: c.threshold, pruned: c.pruned, targetShare: c.share })),
    note: sel.reached
      ? `Threshold ${sel.threshold.toFixed(4)} (${sel.pruned} channels) is where the unlearned model's share of label ${target} on the clean data falls from ${(share0 * 100).toFixed(0)}% to ${(sel.share * 100).toFixed(0)}% (≤ ${(o.targetShareLevel * 100).toFixed(0)}%).`
      : `No candidate threshold brought the unlearned model's share of label ${target} down to ${(o.targetShareLevel * 100).toFixed(0)}% (it ends at ${(sel.share * 100).toFixed(0)}%); pruning up to the last candidate.`,
  };
}
