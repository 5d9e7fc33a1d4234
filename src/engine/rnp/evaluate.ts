/**
 * Inference over a dataset in eval mode (BatchNorm running statistics): predictions and accuracy.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/dataset';
import type { Program } from '../graph/program';
import { batchIndices, disposeBatch, makeBatch, sequentialOrder } from '../train/batches';

/**
 * Predicted labels. `batchStats` runs BatchNorm on batch statistics (train mode, no running-stat update): that is how
 * the unlearned model was driven, and its running statistics lag behind its weights. `masks`: per-channel masks at
 * the program's mask sites (a pruning candidate tried without rewriting weights).
 */
export async function predict(program: Program, data: Dataset, batchSize = 250, batchStats = false, masks?: readonly tf.Tensor1D[]): Promise<Int32Array> {
  const out = new Int32Array(data.count);
  let k = 0;
  for (const idx of batchIndices(sequentialOrder(data.count), batchSize)) {
    const b = makeBatch(data, idx);
    const p = tf.tidy(() => tf.argMax(program.forward(b.x, { training: batchStats, masks }), 1));
    out.set((await p.data()) as Int32Array, k);
    k += idx.length;
    p.dispose();
    disposeBatch(b);
  }
  return out;
}

export async function accuracy(program: Program, data: Dataset | null): Promise<number | null> {
  if (!data) return null;
  const p = await predict(program, data);
  let c = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === data.y[i]) c++;
  return c / data.count;
}

/** Counts of predicted labels. */
export function histogram(pred: Int32Array, numClasses: number): number[] {
  const h = new Array<number>(numClasses).fill(0);
  for (const p of pred) if (p >= 0 && p < numClasses) h[p]++;
  return h;
}
