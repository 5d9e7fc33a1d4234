/**
 * The dataset's pixel space: triggers are stamped on pixels (before mean/std), as an attacker stamps them on images,
 * so the search and the pictures work there and map back to the model's input with the dataset's own mean/std.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/dataset';

export interface PixelSpace {
  channels: number;
  /** Per channel: model input = (pixel − mean) / std. */
  mean: Float32Array;
  std: Float32Array;
  /** Per channel pixel range the pattern may take: [0, 1] for uint8 data, otherwise the data's own min/max. */
  lo: Float32Array;
  hi: Float32Array;
}

export function pixelSpaceOf(data: Dataset): PixelSpace {
  const c = data.shape[0];
  const pick = (v: number[], fallback: number) => Float32Array.from({ length: c }, (_, i) => (v.length === 0 ? fallback : v.length === 1 ? v[0] : v[i]));
  const mean = pick(data.mean, 0);
  const std = pick(data.std, 1);
  const lo = new Float32Array(c);
  const hi = new Float32Array(c);
  if (data.fromUint8) {
    hi.fill(1);
  } else {
    // Float data: the range its pixels actually span (a pattern outside it would be an impossible image).
    lo.fill(Infinity);
    hi.fill(-Infinity);
    for (let i = 0; i < data.x.length; i++) {
      const ch = i % c;
      const p = data.x[i] * std[ch] + mean[ch];
      if (p < lo[ch]) lo[ch] = p;
      if (p > hi[ch]) hi[ch] = p;
    }
    for (let ch = 0; ch < c; ch++) if (!(hi[ch] > lo[ch])) hi[ch] = lo[ch] + 1;
  }
  return { channels: c, mean, std, lo, hi };
}

/** NHWC model input → pixels. */
export function toPixels(x: tf.Tensor4D, s: PixelSpace): tf.Tensor4D {
  return tf.tidy(() => tf.add(tf.mul(x, tf.tensor1d(s.std)), tf.tensor1d(s.mean)) as tf.Tensor4D);
}

/** NHWC pixels → model input. */
export function toModelInput(x: tf.Tensor4D, s: PixelSpace): tf.Tensor4D {
  return tf.tidy(() => tf.div(tf.sub(x, tf.tensor1d(s.mean)), tf.tensor1d(s.std)) as tf.Tensor4D);
}

/** x' = (1 − m)·x + m·p, all in pixels; mask [1,H,W,1] or [H,W] broadcast, pattern [1,H,W,C]. */
export function stamp(xPixels: tf.Tensor4D, mask: tf.Tensor, pattern: tf.Tensor): tf.Tensor4D {
  return tf.tidy(() => tf.add(tf.mul(tf.sub(1, mask), xPixels), tf.mul(mask, pattern)) as tf.Tensor4D);
}
