/**
 * Dense 2-D convolution (NHWC activations, HWIO filter, explicit pads, dilation 1, optional bias) with its own
 * gradient. Both gradients are convolutions too:
 *  - input gradient: stride-1 correlation of the zero-dilated output gradient with the rotated, in/out-swapped
 *    filter;
 *  - filter gradient: Σ over samples and positions of input patch × output gradient.
 * On wasm, with channel counts the engine's kernels take (in a multiple of 4, out of 8), all three run on its own
 * SIMD kernels over both cores (wasm/simd-kernels.ts): tfjs-backend-wasm registers no Conv2DBackpropFilter, and its
 * XNNPACK forward ran at ~50 GFLOP/s on two threads here where the engine's kernel runs ~70. Otherwise the forward is
 * tfjs's conv2d (XNNPACK) and the filter gradient the correlation of the input (channels as batch, batch as
 * channels) with the output gradient as the filter, dilated by the stride.
 * A one-channel input runs forward as a depthwise convolution with channel multiplier Co (same filter layout),
 * which XNNPACK does ~8x faster than a 1-channel dense convolution. The bias is fused into the convolution.
 * Dilated convolutions are run by expanding the filter with zeros first (dilate.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { channelSum } from './channel_sum';
import { customOp, wantsGradient } from './custom_op';
import { transposedConv } from './dilate';
import { simdConv2d, simdConvFilterGrad, simdRotatedSwapped, simdSwapEnds, simdSwapOuter } from './wasm/simd-kernels';

/** [top, bottom, left, right] */
export type Pads4 = [number, number, number, number];

export function explicitPad(p: Pads4): [[number, number], [number, number], [number, number], [number, number]] {
  return [[0, 0], [p[0], p[1]], [p[2], p[3]], [0, 0]];
}

/** The filter rotated 180° with input/output channels swapped: [kh, kw, ci, co] -> [kh, kw, co, ci]. */
export function rotatedSwapped(w: tf.Tensor4D): tf.Tensor4D {
  const simd = simdRotatedSwapped(w);
  if (simd) return simd;
  return tf.tidy(() => {
    const [kh, kw, ci, co] = w.shape;
    const rotated = tf.reverse(tf.reshape(w, [kh * kw, ci, co]), 0); // the taps in reverse order
    return tf.reshape(ci === 1 || co === 1 ? rotated : tf.transpose(rotated, [0, 2, 1]), [kh, kw, co, ci]) as tf.Tensor4D;
  });
}

/** dL/dx for y = conv(x, w, strides, pads). */
export function conv2dInputGrad(xShape: [number, number, number, number], w: tf.Tensor4D, dy: tf.Tensor4D, strides: [number, number], pads: Pads4): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw] = w.shape;
    const wT = rotatedSwapped(w);
    return transposedConv(xShape, kh, kw, dy, strides, pads, (dyd, pad) => simdConv2d(dyd, wT, [1, 1], [pad[1][0], pad[1][1], pad[2][0], pad[2][1]]) ?? tf.conv2d(dyd, wT, [1, 1], pad));
  });
}

/** Padded input, windows' top-left taps as strided slices: the (i, j) tap of every output position, [N, Ho, Wo, C]. */
export function tapOf(xp: tf.Tensor4D, i: number, j: number, ho: number, wo: number, strides: [number, number]): tf.Tensor4D {
  const [n, , , c] = xp.shape;
  const [sh, sw] = strides;
  if (sh === 1 && sw === 1) return tf.slice(xp, [0, i, j, 0], [n, ho, wo, c]);
  return tf.stridedSlice(xp, [0, i, j, 0], [n, i + (ho - 1) * sh + 1, j + (wo - 1) * sw + 1, c], [1, sh, sw, 1]) as tf.Tensor4D;
}

/**
 * dL/dw for a one-channel input (a network's first conv on grey images): the patch matrix is small (kh*kw values
 * per pixel), so im2col + one GEMM. The patches come from a depthwise convolution with one-hot filters (XNNPACK;
 * it applies the strides and pads), then [kh*kw, N*Ho*Wo] · [N*Ho*Wo, Co]. Why: the correlation form below is a
 * GEMM with kh*kw rows and a huge reduction, ~8x slower here.
 */
function oneChannelFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number, strides: [number, number], pads: Pads4): tf.Tensor4D {
  return tf.tidy(() => {
    const taps = kh * kw;
    const [n, ho, wo, co] = dy.shape;
    // Built in JS: wasm's OneHot writes integer bits into a float32 output.
    const eye = new Float32Array(taps * taps);
    for (let t = 0; t < taps; t++) eye[t * taps + t] = 1;
    const oneHot = tf.tensor4d(eye, [kh, kw, 1, taps]);
    const patches = tf.depthwiseConv2d(x, oneHot, strides, explicitPad(pads)); // [N, Ho, Wo, taps]
    const cols = tf.transpose(tf.reshape(patches, [n * ho * wo, taps])); // [taps, N*Ho*Wo]
    return tf.reshape(tf.matMul(cols as tf.Tensor2D, tf.reshape(dy, [n * ho * wo, co]) as tf.Tensor2D), [kh, kw, 1, co]) as tf.Tensor4D;
  });
}

/** dL/dw for y = conv(x, w, strides, pads) (see the header). */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number, strides: [number, number], pads: Pads4): tf.Tensor4D {
  if (x.shape[3] === 1) return oneChannelFilterGrad(x, dy, kh, kw, strides, pads);
  const simd = simdConvFilterGrad(x, dy, kh, kw, strides, pads);
  if (simd) return simd;
  return tf.tidy(() => {
    const ci = x.shape[3];
    const co = dy.shape[3];
    const [n, h, w] = x.shape;
    // [Ci, H, W, N]: input channels become the batch (a 3-D transpose, H and W merged: faster on wasm)
    const xT = tf.reshape(simdSwapEnds(x, n, h * w, ci) ?? tf.transpose(tf.reshape(x, [n, h * w, ci]), [2, 1, 0]), [ci, h, w, n]);
    // [Ho, Wo, N, Co]: a filter over N "channels" (as a 3-D transpose with H and W merged: wasm's transpose is
    // faster with fewer axes)
    const [, ho, wo] = dy.shape;
    const dyT = tf.reshape(simdSwapOuter(dy, n, ho * wo) ?? tf.transpose(tf.reshape(dy, [n, ho * wo, co]), [1, 0, 2]), [ho, wo, n, co]);
    const dil: [number, number] = [strides[0], strides[1]];
    const out = tf.conv2d(xT as tf.Tensor4D, dyT as tf.Tensor4D, [1, 1], explicitPad(pads), 'NHWC', dil); // [Ci, >=kh, >=kw, Co]
    const cropped = out.shape[1] === kh && out.shape[2] === kw ? out : tf.slice(out, [0, 0, 0, 0], [ci, kh, kw, co]);
    return tf.reshape(simdSwapOuter(cropped, ci, kh * kw) ?? tf.transpose(cropped, [1, 2, 0, 3]), [kh, kw, ci, co]) as tf.Tensor4D;
  });
}

function convForward(x: tf.Tensor4D, w: tf.Tensor4D, strides: [number, number], pads: Pads4, bias?: tf.Tensor1D): tf.Tensor4D {
  const simd = simdConv2d(x, w, strides, pads, bias);
  if (simd) return simd;
  const pad = explicitPad(pads);
  if (w.shape[2] === 1) {
    // [kh, kw, 1, Co] is also the depthwise layout [kh, kw, C=1, multiplier=Co].
    return bias ? tf.fused.depthwiseConv2d({ x, filter: w, strides, pad: pad as never, bias }) : tf.depthwiseConv2d(x, w, strides, pad);
  }
  return bias ? tf.fused.conv2d({ x, filter: w, strides, pad: pad as never, bias }) : tf.conv2d(x, w, strides, pad);
}

/** y = conv(x, w) (+ bias) with explicit pads; differentiable on every backend. */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, strides: [number, number], pads: Pads4, bias?: tf.Tensor1D): tf.Tensor4D {
  const inputs = bias ? [x, w, bias] : [x, w];
  const filterGrad = wantsGradient(w);
  return customOp<tf.Tensor4D>(inputs, ([xi, wi, bi], save) => {
    const xx = xi as tf.Tensor4D;
    const ww = wi as tf.Tensor4D;
    save([xx, ww]);
    return {
      value: convForward(xx, ww, strides, pads, bi as tf.Tensor1D | undefined),
      gradFunc: (dy, saved) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const [kh, kw] = ws.shape;
        // Thunks: the tape asks only for the gradients it needs (not the first conv's input gradient, not frozen
        // weights' gradients).
        const dx = () => conv2dInputGrad(xs.shape, ws, dy, strides, pads);
        const dw = () => (filterGrad ? conv2dFilterGrad(xs, dy, kh, kw, strides, pads) : tf.zerosLike(ws));
        return bi ? [dx, dw, () => channelSum(dy)] : [dx, dw];
      },
    };
  });
}
