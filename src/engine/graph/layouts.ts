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

/** Square tiles of the 2-D transpose: both the rows read and the rows written stay in cache. */
const TILE = 64;

/**
 * The tensor with its axes permuted, done on the host before one upload. Why not tf.transpose: on wasm the backend
 * transposed vgg11_bn's first classifier weight (4096 × 25088, 100 M elements) in 3.1 s, and the temporary grew the
 * heap by 785 MB for a 392 MB tensor; this loop writes the final layout into one array that the upload copies.
 */
export function permutedTensor(t: IrTensor, perm: readonly number[]): tf.Tensor {
  const src = t.data as Float32Array;
  const dims = t.dims;
  const outDims = perm.map((p) => dims[p]!);
  const out = new Float32Array(src.length);
  if (dims.length === 2 && perm[0] === 1) {
    const [rows, cols] = dims as [number, number];
    for (let r0 = 0; r0 < rows; r0 += TILE) {
      const r1 = Math.min(rows, r0 + TILE);
      for (let c0 = 0; c0 < cols; c0 += TILE) {
        const c1 = Math.min(cols, c0 + TILE);
        for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[c * rows + r] = src[r * cols + c];
      }
    }
  } else {
    // Walk the output in order; `at` follows the source offset through the source strides of the permuted axes.
    const rank = dims.length;
    const srcStrides = new Array<number>(rank);
    for (let i = rank - 1, s = 1; i >= 0; i--) {
      srcStrides[i] = s;
      s *= dims[i]!;
    }
    const step = perm.map((p) => srcStrides[p]!);
    const idx = new Array<number>(rank).fill(0);
    let at = 0;
    for (let o = 0; o < out.length; o++) {
      out[o] = src[at];
      for (let a = rank - 1; a >= 0; a--) {
        idx[a]++;
        at += step[a]!;
        if (idx[a]! < outDims[a]!) break;
        at -= step[a]! * outDims[a]!;
        idx[a] = 0;
      }
    }
  }
  return tf.tensor(out, outDims, 'float32');
}

export const AS_IS: Layout = { key: 'as-is', toTf: asTensor, toOnnx: (t) => t.clone() };

/** Conv weight [Co, Ci/g, kh, kw] -> HWIO [kh, kw, Ci/g, Co]. */
export const HWIO: Layout = {
  key: 'hwio',
  toTf: (t) => permutedTensor(t, [2, 3, 1, 0]),
  toOnnx: (t) => tf.transpose(t, [3, 2, 0, 1]),
};

/** Depthwise weight [Co, 1, kh, kw] -> [kh, kw, Co, 1] (a self-inverse permutation). */
export const DEPTHWISE: Layout = {
  key: 'depthwise',
  toTf: (t) => permutedTensor(t, [2, 3, 0, 1]),
  toOnnx: (t) => tf.transpose(t, [2, 3, 0, 1]),
};

/** A 2-D matrix stored transposed (Gemm's transB=1 weight as [K, N]). */
export const TRANSPOSED: Layout = {
  key: 'transposed',
  toTf: (t) => permutedTensor(t, [1, 0]),
  toOnnx: (t) => tf.transpose(t),
};
