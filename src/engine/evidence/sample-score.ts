/**
 * Poisoned-sample suspicion from the two models. Unlearning erases the clean features but leaves the backdoor
 * (RNP §3): a triggered input keeps its (target) prediction with confidence on the unlearned model, while a clean
 * input loses its. So the unlearned model's probability of the original model's prediction is high for poisoned
 * samples and low for clean ones. Higher score = more suspicious.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/dataset';
import type { Program } from '../graph/program';
import { batchIndices, disposeBatch, makeBatch, sequentialOrder } from '../rnp/batches';

/** Logits of `program` (eval mode) over every sample, row-major [count, numClasses]. */
export function logitsOf(program: Program, data: Dataset, batchSize = 250): Float32Array {
  const k = program.numClasses;
  const out = new Float32Array(data.count * k);
  let row = 0;
  for (const idx of batchIndices(sequentialOrder(data.count), batchSize)) {
    const b = makeBatch(data, idx);
    const l = tf.tidy(() => program.forward(b.x, { training: false }));
    out.set(l.dataSync(), row * k);
    row += idx.length;
    l.dispose();
    disposeBatch(b);
  }
  return out;
}

function softmaxRow(logits: Float32Array, row: number, k: number): Float64Array {
  const p = new Float64Array(k);
  let max = -Infinity;
  for (let j = 0; j < k; j++) max = Math.max(max, logits[row * k + j]);
  let sum = 0;
  for (let j = 0; j < k; j++) sum += p[j] = Math.exp(logits[row * k + j] - max);
  for (let j = 0; j < k; j++) p[j] /= sum;
  return p;
}

function argmaxRow(logits: Float32Array, row: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (logits[row * k + j] > logits[row * k + best]) best = j;
  return best;
}

/** p_unlearned(argmax of the original) per sample. */
export function suspicionScores(original: Float32Array, unlearned: Float32Array, k: number): Float64Array {
  const n = original.length / k;
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = softmaxRow(unlearned, i, k)[argmaxRow(original, i, k)];
  return s;
}

export { argmaxRow, softmaxRow };
