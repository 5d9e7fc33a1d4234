/**
 * Run-time values flowing between compiled nodes, and the layout rules between ONNX's NCHW and tfjs's NHWC.
 * A 4-D activation produced by a spatial op (Conv, BN, pools, ...) stays NHWC; everything else is "plain"
 * (ONNX's own element order). Integer shape arithmetic (Shape/Gather/Concat/... chains PyTorch emits) runs in
 * plain JS numbers so it never touches the accelerator and never enters a gradient tape.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tensorSize } from '../onnx/ir';

/** A float tensor; `nhwc` means a 4-D value whose ONNX dims are [N,C,H,W] but whose storage is [N,H,W,C]. */
export interface TensorValue {
  kind: 'tensor';
  t: tf.Tensor;
  nhwc: boolean;
}

/** An integer (or bool) tensor held in JS: shapes, indices, axes. */
export interface IntsValue {
  kind: 'ints';
  dims: number[];
  data: number[];
  /** Holds floats (after a Cast to float): Div is then true division. */
  float?: boolean;
}

export type Value = TensorValue | IntsValue;

export function tensorValue(t: tf.Tensor, nhwc = false): TensorValue {
  return { kind: 'tensor', t, nhwc };
}

export function intsValue(dims: number[], data: number[]): IntsValue {
  return { kind: 'ints', dims, data };
}

/** The value's dims as ONNX sees them (NCHW for NHWC storage). */
export function onnxDims(v: Value): number[] {
  if (v.kind === 'ints') return v.dims;
  const s = v.t.shape;
  return v.nhwc ? [s[0], s[3], s[1], s[2]] as number[] : s.slice();
}

export const NHWC_TO_NCHW = [0, 3, 1, 2];
export const NCHW_TO_NHWC = [0, 2, 3, 1];

/** The tensor in ONNX element order. Integer values become float32 tensors. */
export function plain(v: Value): tf.Tensor {
  if (v.kind === 'ints') return tf.tensor(v.data, v.dims.length ? v.dims : [], 'float32');
  if (!v.nhwc) return v.t;
  const [n, h, w, c] = v.t.shape;
  // With one pixel (after global pooling) or one channel, both layouts hold the same element order.
  if (h * w === 1 || c === 1) return tf.reshape(v.t, [n, c, h, w]);
  return tf.transpose(v.t, NHWC_TO_NCHW);
}

/** The tensor as NHWC storage; a plain 4-D value is transposed, other ranks are an error of the caller. */
export function nhwc(v: Value): tf.Tensor4D {
  if (v.kind === 'tensor' && v.nhwc) return v.t as tf.Tensor4D;
  const t = plain(v);
  if (t.rank !== 4) throw new Error(`expected a 4-D tensor, got shape [${t.shape}]`);
  const [n, c, h, w] = t.shape;
  if (h * w === 1 || c === 1) return tf.reshape(t, [n, h, w, c]);
  return tf.transpose(t, NCHW_TO_NHWC) as tf.Tensor4D;
}

/** Maps an ONNX axis of a rank-4 NCHW value to the NHWC storage axis. */
export function nhwcAxis(axis: number): number {
  const a = axis < 0 ? axis + 4 : axis;
  return [0, 3, 1, 2][a];
}

/**
 * A plain tensor (rank <= 4) reshaped for broadcasting against an NHWC value: ONNX broadcasting aligns trailing
 * dims against [N,C,H,W], so pad to rank 4 with leading 1s and move C last. Scalars pass through.
 */
export function broadcastToNhwc(t: tf.Tensor): tf.Tensor {
  if (t.size === 1) return t.rank === 0 ? t : tf.reshape(t, []);
  const [n, c, h, w] = [...Array(4 - t.rank).fill(1), ...t.shape] as number[];
  return nhwc(tensorValue(tf.reshape(t, [n, c, h, w])));
}

/**
 * The elements of a value computed while the model runs that the program needs as plain numbers (a shape, a clip
 * bound), read synchronously because the forward pass is synchronous. WebGPU in Node cannot read a GPU-resident tensor
 * synchronously (tfjs falls back to an OffscreenCanvas, which Node lacks): say which node needs it rather than fail
 * with a ReferenceError. Models whose shapes come from constants (nearly all exports) never get here.
 */
export function valuesNow(v: Value, what: string): ArrayLike<number> {
  if (v.kind === 'ints') return v.data;
  try {
    return plain(v).dataSync() as ArrayLike<number>;
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    throw new Error(`${what} needs a value the model computes while it runs, which the ${tf.getBackend()} backend cannot read back synchronously; scan this model with --backend wasm`);
  }
}

/** Ints helpers. */
export function intsOf(v: Value, what: string): number[] {
  if (v.kind === 'ints') return v.data;
  if (v.t.dtype === 'float32' && v.t.size > 4096) throw new Error(`${what}: expected a small integer tensor`);
  return Array.from(valuesNow(v, what), (x) => Math.trunc(x));
}

export function sizeOf(dims: readonly number[]): number {
  return tensorSize(dims);
}
