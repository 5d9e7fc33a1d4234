/**
 * Depthwise 2-D convolution (channel multiplier 1, NHWC, filter [kh, kw, C, 1], explicit pads) with its own
 * gradient: tfjs-backend-wasm has DepthwiseConv2dNative but neither of its backprop kernels.
 * Filter gradient: one multiply-and-reduce per filter tap. Input gradient: the transposed convolution written as
 * a stride-1 depthwise convolution of the zero-dilated output gradient with the 180°-rotated filter.
 */
import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom_op';
import { explicitPad, type Pads4 } from './conv2d';
import { dilateSpatial } from './dilate';

export function depthwiseFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number, strides: [number, number], pads: Pads4): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, , , c] = x.shape;
    const [, ho, wo] = dy.shape;
    const [sh, sw] = strides;
    const xp = pads.some((p) => p !== 0) ? tf.pad(x, explicitPad(pads)) : x;
    const taps: tf.Tensor1D[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const end = [n, i + (ho - 1) * sh + 1, j + (wo - 1) * sw + 1, c];
        const patch = tf.stridedSlice(xp, [0, i, j, 0], end, [1, sh, sw, 1]);
        taps.push(tf.sum(tf.mul(patch, dy), [0, 1, 2]));
      }
    }
    return tf.reshape(tf.stack(taps), [kh, kw, c, 1]) as tf.Tensor4D;
  });
}

export function depthwiseInputGrad(xShape: [number, number, number, number], w: tf.Tensor4D, dy: tf.Tensor4D, strides: [number, number], pads: Pads4): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, wd, c] = xShape;
    const [kh, kw] = w.shape;
    const hp = h + pads[0] + pads[1];
    const wp = wd + pads[2] + pads[3];
    const dyd = dilateSpatial(dy, strides[0], strides[1]);
    const rot = tf.reverse(w, [0, 1]) as tf.Tensor4D;
    const padR = hp - dyd.shape[1];
    const padC = wp - dyd.shape[2];
    const dxp = tf.depthwiseConv2d(dyd, rot, [1, 1], [[0, 0], [kh - 1, padR], [kw - 1, padC], [0, 0]]);
    return tf.slice(dxp, [0, pads[0], pads[2], 0], [n, h, wd, c]);
  });
}

export function depthwiseConv2d(x: tf.Tensor4D, w: tf.Tensor4D, strides: [number, number], pads: Pads4): tf.Tensor4D {
  const pad = explicitPad(pads);
  return customOp<tf.Tensor4D>([x, w], ([xi, wi], save) => {
    const xx = xi as tf.Tensor4D;
    const ww = wi as tf.Tensor4D;
    save([xx, ww]);
    return {
      value: tf.depthwiseConv2d(xx, ww, strides, pad),
      gradFunc: (dy, saved) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const dy4 = dy as tf.Tensor4D;
        const [kh, kw] = ws.shape;
        return [depthwiseInputGrad(xs.shape, ws, dy4, strides, pads), depthwiseFilterGrad(xs, dy4, kh, kw, strides, pads)];
      },
    };
  });
}
