/**
 * Depthwise 2-D convolution (channel multiplier 1, NHWC, filter [kh, kw, C, 1], explicit pads, optional bias) with
 * its own gradient: tfjs-backend-wasm has DepthwiseConv2dNative but neither of its backprop kernels.
 * Filter gradient: one multiply-and-reduce per filter tap. Input gradient: the transposed convolution written as
 * a stride-1 depthwise convolution of the zero-dilated output gradient with the 180°-rotated filter.
 */
import * as tf from '@tensorflow/tfjs-core';
import { channelSum } from './channel_sum';
import { explicitPad, rotatedSwapped, tapOf, type Pads4 } from './conv2d';
import { customOp, wantsGradient } from './custom_op';
import { transposedConv } from './dilate';

export function depthwiseFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number, strides: [number, number], pads: Pads4): tf.Tensor4D {
  return tf.tidy(() => {
    const c = x.shape[3];
    const [, ho, wo] = dy.shape;
    const xp = pads.some((p) => p !== 0) ? tf.pad(x, explicitPad(pads)) : x;
    const taps: tf.Tensor1D[] = [];
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) taps.push(channelSum(tf.mul(tapOf(xp, i, j, ho, wo, strides), dy)));
    return tf.reshape(tf.stack(taps), [kh, kw, c, 1]) as tf.Tensor4D;
  });
}

export function depthwiseInputGrad(xShape: [number, number, number, number], w: tf.Tensor4D, dy: tf.Tensor4D, strides: [number, number], pads: Pads4): tf.Tensor4D {
  return tf.tidy(() => {
    const c = xShape[3];
    const [kh, kw] = w.shape;
    const rot = rotatedSwapped(w); // [kh, kw, C, 1] -> rotated [kh, kw, 1, C]
    const rotDw = tf.reshape(rot, [kh, kw, c, 1]) as tf.Tensor4D;
    return transposedConv(xShape, kh, kw, dy, strides, pads, (dyd, pad) => tf.depthwiseConv2d(dyd, rotDw, [1, 1], pad));
  });
}

export function depthwiseConv2d(x: tf.Tensor4D, w: tf.Tensor4D, strides: [number, number], pads: Pads4, bias?: tf.Tensor1D): tf.Tensor4D {
  const pad = explicitPad(pads);
  const inputs = bias ? [x, w, bias] : [x, w];
  const filterGrad = wantsGradient(w);
  return customOp<tf.Tensor4D>(inputs, ([xi, wi, bi], save) => {
    const xx = xi as tf.Tensor4D;
    const ww = wi as tf.Tensor4D;
    save([xx, ww]);
    return {
      value: bi ? tf.fused.depthwiseConv2d({ x: xx, filter: ww, strides, pad: pad as never, bias: bi }) : tf.depthwiseConv2d(xx, ww, strides, pad),
      gradFunc: (dy, saved) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const [kh, kw] = ws.shape;
        const dx = () => depthwiseInputGrad(xs.shape, ws, dy, strides, pads);
        const dw = () => (filterGrad ? depthwiseFilterGrad(xs, dy, kh, kw, strides, pads) : tf.zerosLike(ws));
        return bi ? [dx, dw, () => channelSum(dy)] : [dx, dw];
      },
    };
  });
}
