/**
 * Zero-insertion ("dilation") of tensors, used to express strided/dilated convolutions and their gradients as
 * plain stride-1 convolutions, which every backend runs on its fastest path. Built from pad/reshape/slice only, so
 * it is itself differentiable.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Inserts (s-1) zeros between rows/columns of an NHWC tensor: [N,H,W,C] -> [N,(H-1)*sh+1,(W-1)*sw+1,C].
 * With `keepTrailing` for an axis, the (s-1) zeros after the last row (column) stay: H*sh rows, and no slice. (On
 * wasm a slice copies its whole input first; callers that pad with zeros anyway can take the longer form.)
 */
export function dilateSpatial(x: tf.Tensor4D, sh: number, sw: number, keepTrailing: [boolean, boolean] = [false, false]): tf.Tensor4D {
  return tf.tidy(() => {
    let out = x;
    const [n, h, w, c] = x.shape;
    if (sh > 1) {
      const e = tf.reshape(tf.pad(tf.reshape(out, [n, h, 1, w, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, 0]]), [n, h * sh, w, c]) as tf.Tensor4D;
      out = keepTrailing[0] ? e : tf.slice(e, [0, 0, 0, 0], [n, (h - 1) * sh + 1, w, c]);
    }
    if (sw > 1) {
      const hh = out.shape[1];
      const e = tf.reshape(tf.pad(tf.reshape(out, [n, hh, w, 1, c]), [[0, 0], [0, 0], [0, 0], [0, sw - 1], [0, 0]]), [n, hh, w * sw, c]) as tf.Tensor4D;
      out = keepTrailing[1] ? e : tf.slice(e, [0, 0, 0, 0], [n, hh, (w - 1) * sw + 1, c]);
    }
    return out;
  });
}

/** A dilated HWIO filter as an undilated one (zeros between taps), so the gradient reaches the original variable. */
export function dilateFilter(w: tf.Tensor4D, dh: number, dw: number): tf.Tensor4D {
  // The filter's spatial axes are its first two: view it as a batch-less "image" [1, kh, kw, ci*co].
  return tf.tidy(() => {
    const [kh, kw, ci, co] = w.shape;
    const d = dilateSpatial(tf.reshape(w, [1, kh, kw, ci * co]), dh, dw);
    return tf.reshape(d, [d.shape[1], d.shape[2], ci, co]);
  });
}

/**
 * Pads for computing a transposed (input-gradient) convolution as a stride-1 correlation of the dilated output
 * gradient with the rotated filter, for one spatial axis: returns [left, right, crop] where crop is how many leading
 * outputs to drop (non-zero only when the forward pads exceed k-1).
 */
export function transposedPads(inSize: number, k: number, padBegin: number, dilatedLen: number): [number, number, number] {
  const left = k - 1 - padBegin;
  const right = inSize + padBegin - dilatedLen;
  // A negative right pad only means the correlation yields extra trailing outputs, which the caller's slice drops.
  return [Math.max(0, left), Math.max(0, right), Math.max(0, -left)];
}

/**
 * The input gradient of a strided, padded convolution as a stride-1 forward convolution: dilate `dy` by the stride,
 * pad it so the rotated filter sees every input position, run `convolve`, and crop to the input's size. The dense
 * and the depthwise input gradients differ only in `convolve`.
 */
export function transposedConv(
  xShape: [number, number, number, number],
  kh: number,
  kw: number,
  dy: tf.Tensor4D,
  strides: [number, number],
  pads: [number, number, number, number],
  convolve: (dyd: tf.Tensor4D, pad: [[number, number], [number, number], [number, number], [number, number]]) => tf.Tensor4D,
): tf.Tensor4D {
  const [n, h, wd, c] = xShape;
  // The dilation's trailing zeros can serve as (part of) the end padding when that padding is at least s-1 long.
  const [, ho, wo] = dy.shape;
  const keep: [boolean, boolean] = [h + pads[0] - ho * strides[0] >= 0, wd + pads[2] - wo * strides[1] >= 0];
  const dyd = dilateSpatial(dy, strides[0], strides[1], keep);
  const [top, bottom, cropH] = transposedPads(h, kh, pads[0], dyd.shape[1]);
  const [left, right, cropW] = transposedPads(wd, kw, pads[2], dyd.shape[2]);
  const full = convolve(dyd, [[0, 0], [top, bottom], [left, right], [0, 0]]);
  const exact = full.shape[1] === h && full.shape[2] === wd;
  return exact ? full : tf.slice(full, [0, cropH, cropW, 0], [n, h, wd, c]);
}
