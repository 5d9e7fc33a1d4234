/**
 * How a trainable initializer is stored in its tf.Variable relative to ONNX's layout, both ways: `toTf` when the
 * program is compiled or `assign`ed, `toOnnx` when weights are read back (e.g. to export a pruned model or compare
 * gradients with PyTorch).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { IrTensor } from '../onnx/ir';

export interface Layout {
  key: string;
  toTf(t: IrTensor): tf.Tensor;
  toOnnx(t: tf.Tensor): tf.Tensor;
}

const asTensor = (t: IrTensor) => tf.tensor(t.data as Float32Array, t.dims, 'float32');

export const AS_IS: Layout = { key: 'as-is', toTf: asTensor, toOnnx: (t) => t.clone() };

/** Conv weight [Co, Ci/g, kh, kw] -> HWIO [kh, kw, Ci/g, Co]. */
export const HWIO: Layout = {
  key: 'hwio',
  toTf: (t) => tf.transpose(asTensor(t), [2, 3, 1, 0]),
  toOnnx: (t) => tf.transpose(t, [3, 2, 0, 1]),
};

/** Depthwise weight [Co, 1, kh, kw] -> [kh, kw, Co, 1] (a self-inverse permutation). */
export const DEPTHWISE: Layout = {
  key: 'depthwise',
  toTf: (t) => tf.transpose(asTensor(t), [2, 3, 0, 1]),
  toOnnx: (t) => tf.transpose(t, [2, 3, 0, 1]),
};

/** A 2-D matrix stored transposed (Gemm's transB=1 weight as [K, N]). */
export const TRANSPOSED: Layout = {
  key: 'transposed',
  toTf: (t) => tf.transpose(asTensor(t)),
  toOnnx: (t) => tf.transpose(t),
};
