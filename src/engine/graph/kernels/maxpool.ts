/**
 * Max pooling with non-overlapping windows (kernel == stride, no padding: what CNNs for small images use) with its
 * own gradient: the output gradient goes to the position that holds its window's maximum.
 * Why: wasm's MaxPoolGrad is a scalar loop and was the largest cost of mnist_cnn's backward pass.
 * Ties: only the first maximum of a window in row-major order receives the gradient, as in PyTorch. Ties are common:
 * a conv over a blank image background gives the same positive value everywhere, and sending the gradient to every
 * tied position multiplied it (unlearning then diverged from the PyTorch peer).
 */
import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom_op';
import { simdMaxPoolGrad } from './wasm/simd-kernels';

/**
 * Rows and columns past the last whole window are dropped (floor), as 'valid' pooling does; they get a zero
 * gradient. On wasm the gradient is one pass of the engine's SIMD kernel (wasm/simd-kernels.ts); elsewhere the
 * elementwise form below.
 */
export function maxPoolTiled(x: tf.Tensor4D, kh: number, kw: number): tf.Tensor4D {
  return customOp<tf.Tensor4D>([x], ([xi], save) => {
    const y = tf.maxPool(xi as tf.Tensor4D, [kh, kw], [kh, kw], 'valid');
    save([xi, y]);
    return {
      value: y,
      gradFunc: (dy, saved) => [() => {
        const [xs, ys] = saved as [tf.Tensor4D, tf.Tensor4D];
        return simdMaxPoolGrad(xs, ys, dy, kh, kw) ?? tf.tidy(() => {
          const [n, h, w, c] = xs.shape;
          const hc = h - (h % kh);
          const wc = w - (w % kw);
          const whole = hc === h && wc === w ? xs : tf.slice(xs, [0, 0, 0, 0], [n, hc, wc, c]);
          const g = tiledGrad(whole, ys, dy, kh, kw);
          return whole === xs ? g : tf.pad(g, [[0, 0], [0, h - hc], [0, w - wc], [0, 0]]);
        });
      }],
    };
  });
}

/** The gradient from elementwise ops, x cropped to whole windows. */
function tiledGrad(xs: tf.Tensor4D, ys: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number): tf.Tensor4D {
  const [n, h, w, c] = xs.shape;
  const [, ho, wo] = ys.shape;
  // Windows as axes 2 and 4, so the pooled values broadcast over them without materialising an upsample.
  const x6 = tf.reshape(xs, [n, ho, kh, wo, kw, c]);
  // 1 where x equals its window's max: step(max - x) is 1 exactly where x < max. (Not tf.equal: wasm's
  // broadcasting Equal is a slow generic loop, while Sub/Mul broadcast through XNNPACK.)
  const isMax = tf.sub(1, tf.step(tf.sub(tf.reshape(ys, [n, ho, 1, wo, 1, c]), x6)));
  // Keep only the first maximum (row-major): score each maximum by how early it comes in its window
  // (kh*kw for the first position down to 1), pool the scores, keep the position holding the window's best
  // score. Scores are integers, so "score > best - 0.5" is exact. (Not per-position slices and concats of
  // the 6-D view: on wasm those are generic loops, ~20x slower for the whole training step.)
  const order = Array.from({ length: kh * kw }, (_, k) => kh * kw - k);
  const score = tf.mul(isMax, tf.tensor(order, [1, 1, kh, 1, kw, 1]));
  const best = tf.maxPool(tf.reshape(score, [n, h, w, c]) as tf.Tensor4D, [kh, kw], [kh, kw], 'valid');
  const first = tf.step(tf.add(tf.sub(score, tf.reshape(best, [n, ho, 1, wo, 1, c])), 0.5));
  return tf.reshape(tf.mul(first, tf.reshape(dy, [n, ho, 1, wo, 1, c])), [n, h, w, c]);
}
