/**
 * Elementwise unary ops (ReLU family, Clip/ReLU6, Sigmoid, Tanh, hard-sigmoid/swish, ...) and Softmax/LogSoftmax.
 * Unary ops keep the input's layout; Softmax works on the plain (ONNX-order) tensor.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attrFloat, attrInt, type CompileContext, type NodeFn } from '../context';
import type { IrNode } from '../../onnx/ir';
import { reluKeepingOutput } from '../kernels/relu';
import { showName } from '../../errors';
import { plain, tensorValue, valuesNow, type Value } from '../values';

type Unary = (x: tf.Tensor) => tf.Tensor;

function unaryFor(node: IrNode, ctx: CompileContext): Unary | undefined {
  switch (node.opType) {
    case 'Relu': return reluKeepingOutput;
    case 'LeakyRelu': {
      const alpha = attrFloat(node, 'alpha', 0.01);
      return (x) => tf.leakyRelu(x, alpha);
    }
    case 'Sigmoid': return tf.sigmoid;
    case 'Tanh': return tf.tanh;
    case 'Elu': {
      const alpha = attrFloat(node, 'alpha', 1);
      if (alpha !== 1) throw ctx.unsupported(node, `Elu alpha ${alpha}`);
      return tf.elu;
    }
    case 'Softplus': return tf.softplus;
    case 'HardSigmoid': {
      const alpha = attrFloat(node, 'alpha', 0.2);
      const beta = attrFloat(node, 'beta', 0.5);
      return (x) => tf.clipByValue(tf.add(tf.mul(x, alpha), beta), 0, 1);
    }
    case 'HardSwish': return (x) => tf.mul(x, tf.clipByValue(tf.add(tf.mul(x, 1 / 6), 0.5), 0, 1));
    case 'Neg': return tf.neg;
    case 'Abs': return tf.abs;
    case 'Sqrt': return tf.sqrt;
    case 'Exp': return tf.exp;
    case 'Log': return tf.log;
    case 'Reciprocal': return tf.reciprocal;
    case 'Erf': return tf.erf;
    default: return undefined;
  }
}

export const UNARY_OPS = ['Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Elu', 'Softplus', 'HardSigmoid', 'HardSwish', 'Neg', 'Abs', 'Sqrt', 'Exp', 'Log', 'Reciprocal', 'Erf'];

export function compileUnary(node: IrNode, ctx: CompileContext): NodeFn {
  // The BatchNormalization before this Relu already applied it (fusion.ts).
  if (node.opType === 'Relu' && ctx.bnReluFused.has(node.inputs[0])) return (inputs) => [inputs[0]!];
  const f = unaryFor(node, ctx)!;
  return (inputs) => {
    const v = inputs[0]!;
    if (v.kind === 'ints') return [tensorValue(f(plain(v)))];
    return [tensorValue(f(v.t), v.nhwc)];
  };
}

/** A scalar bound from an optional input (opset >= 11) or attribute; run-time inputs are read back once per call. */
function bound(ctx: CompileContext, node: IrNode, index: number, attr: string, dflt: number): (inputs: (Value | undefined)[]) => number {
  if (ctx.graph.opset < 11) {
    const v = attrFloat(node, attr, dflt);
    return () => v;
  }
  const name = node.inputs[index];
  if (!name) return () => dflt;
  const c = ctx.constant(name);
  if (c) {
    const v = Number(c.data[0]);
    return () => v;
  }
  return (inputs) => {
    const v = inputs[index];
    if (!v) return dflt;
    return valuesNow(v, `${node.opType} ${showName(node.name)}`)[0]!;
  };
}

export function compileClip(node: IrNode, ctx: CompileContext): NodeFn {
  const lo = bound(ctx, node, 1, 'min', -Infinity);
  const hi = bound(ctx, node, 2, 'max', Infinity);
  return (inputs) => {
    const v = inputs[0]!;
    const min = lo(inputs);
    const max = hi(inputs);
    const x = plainOrStorage(v);
    const y = min === 0 && max === Infinity ? reluKeepingOutput(x) : min === 0 && max === 6 ? tf.relu6(x) : tf.clipByValue(x, min, max);
    return [tensorValue(y, v.kind === 'tensor' && v.nhwc)];
  };
}

function plainOrStorage(v: Value): tf.Tensor {
  return v.kind === 'tensor' ? v.t : plain(v);
}

/** Softmax over `axis` of the plain tensor (opset < 13: over the flattened trailing dims from `axis`). */
function softmaxLike(node: IrNode, ctx: CompileContext, f: (x: tf.Tensor) => tf.Tensor): NodeFn {
  const legacy = ctx.graph.opset < 13;
  const axisAttr = attrInt(node, 'axis', legacy ? 1 : -1);
  return (inputs) => {
    const x = plain(inputs[0]!);
    const axis = axisAttr < 0 ? axisAttr + x.rank : axisAttr;
    if (legacy) {
      const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
      return [tensorValue(tf.reshape(f(tf.reshape(x, [outer, -1])), x.shape))];
    }
    if (axis === x.rank - 1) return [tensorValue(f(x))];
    const perm = x.shape.map((_, i) => i);
    perm[axis] = x.rank - 1;
    perm[x.rank - 1] = axis;
    return [tensorValue(tf.transpose(f(tf.transpose(x, perm)), perm))];
  };
}

export function compileSoftmax(node: IrNode, ctx: CompileContext): NodeFn {
  return softmaxLike(node, ctx, (x) => tf.softmax(x));
}

export function compileLogSoftmax(node: IrNode, ctx: CompileContext): NodeFn {
  return softmaxLike(node, ctx, (x) => tf.logSoftmax(x));
}
