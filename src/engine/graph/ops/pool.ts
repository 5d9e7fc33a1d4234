/**
 * ONNX MaxPool, AveragePool (count_include_pad, ceil_mode), GlobalAveragePool and GlobalMaxPool on NHWC.
 * Padding is made explicit (−∞ for max, 0 for average) so every backend runs plain 'valid' pooling, whose
 * gradients (MaxPoolGrad / AvgPoolGrad) all three backends register. Averages that must not count padding are
 * divided by the pooled 0/1 coverage map.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attrInt, attrInts, type CompileContext, type NodeFn } from '../context';
import type { IrNode } from '../../onnx/ir';
import type { Pads4 } from '../kernels/conv2d';
import { maxPoolTiled } from '../kernels/maxpool';
import { nhwc, tensorValue } from '../values';
import { checkWindow, positivePair, windowPads } from './conv';

/** Extra end padding so ceil_mode windows exist; PyTorch/ORT drop a last window that would start in the end padding. */
function ceilExtra(inSize: number, padBegin: number, padEnd: number, k: number, s: number): number {
  let out = Math.ceil((inSize + padBegin + padEnd - k) / s) + 1;
  if ((out - 1) * s >= inSize + padBegin) out--;
  return Math.max(0, (out - 1) * s + k - (inSize + padBegin + padEnd));
}

function windowGeometry(node: IrNode, ctx: CompileContext) {
  const k = attrInts(node, 'kernel_shape');
  if (!k || k.length !== 2) throw ctx.unsupported(node, 'a pooling window that is not 2-D');
  const d = attrInts(node, 'dilations') ?? [1, 1];
  if (d.some((x) => x !== 1)) throw ctx.unsupported(node, 'dilated pooling');
  const kernel = positivePair(node, ctx, 'kernel_shape', k);
  const strides = positivePair(node, ctx, 'strides', attrInts(node, 'strides') ?? [1, 1]);
  const padsFor = windowPads(node, ctx, kernel, strides);
  const explicit = attrInts(node, 'pads');
  // onnxruntime's rule: a pooling pad must be smaller than the window (a larger one pools nothing but padding).
  if (explicit && explicit.length === 4 && explicit.some((p, i) => p >= kernel[i % 2])) {
    throw ctx.invalid(node, `pads [${explicit}] must each be smaller than the ${kernel[0]}×${kernel[1]} window`);
  }
  const ceil = attrInt(node, 'ceil_mode', 0) === 1;
  return {
    kernel,
    strides,
    /** The real pads, and the real pads plus ceil_mode's extra end pixels; checked against the input (N, H, W, C). */
    pads(h: number, w: number, inShape?: readonly number[]): { real: Pads4; total: Pads4 } {
      const real = padsFor(h, w);
      if (inShape) checkWindow(node, ctx, inShape, real, kernel, strides, inShape[3]);
      if (!ceil) return { real, total: real };
      const eh = ceilExtra(h, real[0], real[1], kernel[0], strides[0]);
      const ew = ceilExtra(w, real[2], real[3], kernel[1], strides[1]);
      return { real, total: [real[0], real[1] + eh, real[2], real[3] + ew] };
    },
  };
}

const padSpec = (p: Pads4): [number, number][] => [[0, 0], [p[0], p[1]], [p[2], p[3]], [0, 0]];

export function compileMaxPool(node: IrNode, ctx: CompileContext): NodeFn {
  if (node.outputs.length > 1 && node.outputs[1] !== '') throw ctx.unsupported(node, 'MaxPool indices output');
  if (attrInt(node, 'storage_order', 0) !== 0) throw ctx.unsupported(node, 'storage_order 1');
  const g = windowGeometry(node, ctx);
  const tiled = g.kernel[0] === g.strides[0] && g.kernel[1] === g.strides[1];
  return (inputs) => {
    let x = nhwc(inputs[0]!);
    const { total } = g.pads(x.shape[1], x.shape[2], x.shape);
    const [kh, kw] = g.kernel;
    if (tiled && total.every((p) => p === 0)) return [tensorValue(maxPoolTiled(x, kh, kw), true)];
    if (total.some((p) => p !== 0)) x = tf.pad(x, padSpec(total), -Infinity);
    return [tensorValue(tf.maxPool(x, g.kernel, g.strides, 'valid'), true)];
  };
}

export function compileAveragePool(node: IrNode, ctx: CompileContext): NodeFn {
  const g = windowGeometry(node, ctx);
  const includePad = attrInt(node, 'count_include_pad', 0) === 1;
  return (inputs) => {
    const x = nhwc(inputs[0]!);
    const [, h, w] = x.shape;
    const { real, total } = g.pads(h, w, x.shape);
    if (total.every((p) => p === 0)) return [tensorValue(tf.avgPool(x, g.kernel, g.strides, 'valid'), true)];
    const summed = tf.avgPool(tf.pad(x, padSpec(total)), g.kernel, g.strides, 'valid');
    // Which padded pixels count toward the divisor: the input always, the real pads only with count_include_pad;
    // ceil_mode's extra pixels never (PyTorch and onnxruntime agree on this).
    const coverage = tf.tidy(() => {
      const ones = tf.ones([1, h, w, 1]);
      const counted = includePad ? tf.pad(ones, padSpec(real), 1) : ones;
      const extra: Pads4 = includePad ? [0, total[1] - real[1], 0, total[3] - real[3]] : total;
      return tf.avgPool(tf.pad(counted, padSpec(extra)) as tf.Tensor4D, g.kernel, g.strides, 'valid');
    });
    return [tensorValue(tf.div(summed, coverage), true)];
  };
}

export function compileGlobalAveragePool(_node: IrNode, _ctx: CompileContext): NodeFn {
  return (inputs) => [tensorValue(tf.mean(nhwc(inputs[0]!), [1, 2], true), true)];
}

export function compileGlobalMaxPool(_node: IrNode, _ctx: CompileContext): NodeFn {
  return (inputs) => [tensorValue(tf.max(nhwc(inputs[0]!), [1, 2], true), true)];
}
