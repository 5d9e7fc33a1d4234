/**
 * Mini-batches of a Dataset as tfjs tensors. Samples are gathered on the JS side (one copy per batch) so no
 * full-dataset tensor has to live on the backend.
 * Part of engine/train/, the training toolkit that rnp/ (unlearn, recover, repair) and evidence/ (trigger search,
 * sample scores) both use: kept apart so that evidence/ imports nothing from rnp/ (rnp/ → evidence/ is the one way).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/dataset';

export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
  /** The labels on the JS side, for counting correct predictions without a readback. */
  labels: Int32Array;
}

/** Index lists of consecutive batches over `order` (the last one may be smaller, as PyTorch's DataLoader). */
export function batchIndices(order: Int32Array, batchSize: number): Int32Array[] {
  const out: Int32Array[] = [];
  for (let i = 0; i < order.length; i += batchSize) out.push(order.subarray(i, Math.min(order.length, i + batchSize)));
  return out;
}

/** Gathers the samples `idx` of `data` into NHWC tensors (caller disposes them). */
export function makeBatch(data: Dataset, idx: Int32Array): Batch {
  const [c, h, w] = data.shape;
  const per = c * h * w;
  const xs = new Float32Array(idx.length * per);
  const labels = new Int32Array(idx.length);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    xs.set(data.x.subarray(i * per, (i + 1) * per), k * per);
    labels[k] = data.y[i];
  }
  return { x: tf.tensor4d(xs, [idx.length, h, w, c]), y: tf.tensor1d(labels, 'int32'), labels };
}

export function disposeBatch(b: Batch): void {
  b.x.dispose();
  b.y.dispose();
}

/** Identity order 0..n-1. */
export function sequentialOrder(n: number): Int32Array {
  const o = new Int32Array(n);
  for (let i = 0; i < n; i++) o[i] = i;
  return o;
}
