/**
 * Whole-tensor ops: Concat, Transpose, Slice, Pad and the Reduce* family. NHWC inputs stay NHWC where the op
 * can work on the storage axes directly (channel Concat, spatial Pad, keepdims reductions); otherwise the value is
 * brought back to ONNX order first.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attrFloat, attrInt, attrInts, attrString, type CompileContext, type NodeFn } from '../context';
import type { IrNode } from '../../onnx/ir';
import { intsOf, intsValue, nhwcAxis, onnxDims, plain, tensorValue, valuesNow, type Value } from '../values';
import { showName } from '../../errors';

/** A scalar input's value, as a float (not truncated like shape integers). */
function scalarOf(v: Value, what: string): number {
  return valuesNow(v, what)[0]!;
}

/**
 * A strided slice built from slice/reshape only (tfjs has no StridedSlice gradient): for a step s along an axis,
 * take a whole number of s-blocks, view them as [n, s] and keep the first of each block.
 */
export function stridedSliceDifferentiable(t: tf.Tensor, begin: number[], end: number[], strides: number[]): tf.Tensor {
  const size = begin.map((b, a) => Math.max(0, end[a] - b));
  let out = tf.slice(t, begin, size);
  strides.forEach((s, axis) => {
    if (s === 1 || out.shape[axis] === 0) return;
    const len = out.shape[axis];
    const n = Math.ceil(len / s);
    const padded = n * s === len ? out : tf.pad(out, out.shape.map((_, a): [number, number] => [0, a === axis ? n * s - len : 0]));
    const shape = padded.shape.slice();
    shape.splice(axis, 1, n, s);
    const blocks = tf.reshape(padded, shape);
    const keep = tf.slice(blocks, shape.map(() => 0), shape.map((d, a) => (a === axis + 1 ? 1 : d)));
    out = tf.reshape(keep, padded.shape.map((d, a) => (a === axis ? n : d)));
  });
  return out;
}

export function compileConcat(node: IrNode, ctx: CompileContext): NodeFn {
  const axisAttr = attrInt(node, 'axis', 0);
  return (inputs) => {
    const vs = inputs.filter((v): v is Value => v !== undefined);
    if (vs.length === 0) throw ctx.invalid(node, 'Concat without inputs');
    if (vs.every((v) => v.kind === 'ints')) {
      const data = vs.flatMap((v) => (v as { data: number[] }).data);
      return [intsValue([data.length], data)];
    }
    const rank = onnxDims(vs[0]).length;
    const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
    if (vs.every((v) => v.kind === 'tensor' && v.nhwc)) {
      return [tensorValue(tf.concat(vs.map((v) => (v as { t: tf.Tensor }).t), nhwcAxis(axis)), true)];
    }
    return [tensorValue(tf.concat(vs.map(plain), axis))];
  };
}

export function compileTranspose(node: IrNode): NodeFn {
  const permAttr = attrInts(node, 'perm');
  return (inputs) => {
    const v = inputs[0]!;
    const rank = onnxDims(v).length;
    const perm = permAttr ?? [...Array(rank).keys()].reverse();
    // NCHW -> NHWC of an NHWC-stored value is its storage as it is.
    if (v.kind === 'tensor' && v.nhwc && perm.join() === '0,2,3,1') return [tensorValue(v.t)];
    // And NHWC -> NCHW of a plain rank-4 value (an NHWC model input's permute) is that value, stored NHWC.
    if (v.kind === 'tensor' && !v.nhwc && rank === 4 && perm.join() === '0,3,1,2') return [tensorValue(v.t, true)];
    return [tensorValue(tf.transpose(plain(v), perm))];
  };
}

function sliceParams(node: IrNode, ctx: CompileContext, inputs: (Value | undefined)[], rank: number, dims: number[]) {
  const legacy = ctx.graph.opset < 10;
  const starts = legacy ? attrInts(node, 'starts')! : intsOf(inputs[1]!, 'Slice starts');
  const ends = legacy ? attrInts(node, 'ends')! : intsOf(inputs[2]!, 'Slice ends');
  const axes = (legacy ? attrInts(node, 'axes') : inputs[3] && intsOf(inputs[3], 'Slice axes')) ?? starts.map((_, i) => i);
  const steps = (!legacy && inputs[4] && intsOf(inputs[4], 'Slice steps')) || starts.map(() => 1);
  const begin = new Array(rank).fill(0);
  const end = dims.slice();
  const stride = new Array(rank).fill(1);
  axes.forEach((a0, i) => {
    const a = a0 < 0 ? a0 + rank : a0;
    const d = dims[a];
    const step = steps[i];
    if (step <= 0) throw ctx.unsupported(node, 'Slice with a non-positive step');
    const clamp = (x: number) => Math.min(d, Math.max(0, x < 0 ? x + d : x));
    begin[a] = clamp(starts[i]);
    end[a] = clamp(ends[i]);
    stride[a] = step;
  });
  return { begin, end, stride };
}

export function compileSlice(node: IrNode, ctx: CompileContext): NodeFn {
  return (inputs) => {
    const v = inputs[0]!;
    const dims = onnxDims(v);
    const { begin, end, stride } = sliceParams(node, ctx, inputs, dims.length, dims);
    if (v.kind === 'ints' && dims.length === 1) {
      const data: number[] = [];
      for (let i = begin[0]; i < end[0]; i += stride[0]) data.push(v.data[i]);
      return [{ ...intsValue([data.length], data), float: v.float }];
    }
    if (v.kind === 'tensor' && v.nhwc) {
      const perm = [0, 2, 3, 1];
      const sb = perm.map((a) => begin[a]);
      const se = perm.map((a) => end[a]);
      const ss = perm.map((a) => stride[a]);
      return [tensorValue(stridedSliceDifferentiable(v.t, sb, se, ss), true)];
    }
    return [tensorValue(stridedSliceDifferentiable(plain(v), begin, end, stride))];
  };
}

/**
 * numpy/ONNX 'reflect' padding from slice/reverse/concat. Not tf.mirrorPad: its gradient only slices the centre
 * and drops what flowed through the reflected borders.
 */
function reflectPad(t: tf.Tensor, spec: [number, number][]): tf.Tensor {
  let out = t;
  spec.forEach(([before, after], axis) => {
    if (before === 0 && after === 0) return;
    const n = out.shape[axis];
    const part = (start: number, len: number) => {
      const begin = out.shape.map((_, a) => (a === axis ? start : 0));
      const size = out.shape.map((d, a) => (a === axis ? len : d));
      return tf.reverse(tf.slice(out, begin, size), axis);
    };
    const pieces = [...(before ? [part(1, before)] : []), out, ...(after ? [part(n - 1 - after, after)] : [])];
    out = tf.concat(pieces, axis);
  });
  return out;
}

export function compilePad(node: IrNode, ctx: CompileContext): NodeFn {
  const mode = attrString(node, 'mode', 'constant');
  if (mode !== 'constant' && mode !== 'reflect') throw ctx.unsupported(node, `Pad mode "${showName(mode)}"`);
  const legacy = ctx.graph.opset < 11;
  return (inputs) => {
    const v = inputs[0]!;
    const dims = onnxDims(v);
    const rank = dims.length;
    const pads = legacy ? attrInts(node, 'pads') : intsOf(inputs[1]!, 'Pad pads');
    if (!legacy && inputs[3]) throw ctx.unsupported(node, 'Pad with axes');
    if (!pads || pads.length !== 2 * rank) throw ctx.invalid(node, `pads of length ${pads?.length ?? 0} for a rank-${rank} input (needs ${2 * rank})`);
    if (pads.some((p) => !Number.isSafeInteger(p))) throw ctx.invalid(node, 'pads that are not integers');
    if (pads.some((p) => p < 0)) throw ctx.unsupported(node, 'negative pads');
    if (mode === 'reflect' && dims.some((d, a) => Math.max(pads[a], pads[a + rank]) > 0 && Math.max(pads[a], pads[a + rank]) >= d)) {
      throw ctx.invalid(node, `reflect pads [${pads.slice(0, 8)}] as large as the input [${dims}] (each must be smaller)`);
    }
    // The output size comes from data: checked before tfjs allocates it (pads of 5e4 on an 8×8 input are 1e10 elements).
    ctx.checkTensor(node, dims.map((d, a) => d + pads[a] + pads[a + rank]));
    const value = legacy ? attrFloat(node, 'value', 0) : inputs[2] ? scalarOf(inputs[2], `Pad ${showName(node.name)}`) : 0;
    const spec: [number, number][] = [...Array(rank).keys()].map((a) => [pads[a], pads[a + rank]]);
    const isNhwc = v.kind === 'tensor' && v.nhwc;
    const t = isNhwc ? (v as { t: tf.Tensor }).t : plain(v);
    const s = isNhwc ? [0, 2, 3, 1].map((a) => spec[a]) : spec;
    const y = mode === 'reflect' ? reflectPad(t, s) : tf.pad(t, s, value);
    return [tensorValue(y, isNhwc)];
  };
}

const REDUCERS: Record<string, (x: tf.Tensor, axes: number[], keep: boolean) => tf.Tensor> = {
  ReduceMean: (x, a, k) => tf.mean(x, a, k),
  ReduceSum: (x, a, k) => tf.sum(x, a, k),
  ReduceMax: (x, a, k) => tf.max(x, a, k),
  ReduceMin: (x, a, k) => tf.min(x, a, k),
};

export const REDUCE_OPS = Object.keys(REDUCERS);

export function compileReduce(node: IrNode): NodeFn {
  const reduce = REDUCERS[node.opType];
  const keep = attrInt(node, 'keepdims', 1) === 1;
  const noopEmpty = attrInt(node, 'noop_with_empty_axes', 0) === 1;
  return (inputs) => {
    const v = inputs[0]!;
    const rank = onnxDims(v).length;
    const given = inputs[1] ? intsOf(inputs[1], `${node.opType} axes`) : attrInts(node, 'axes');
    if ((!given || given.length === 0) && noopEmpty) return [v];
    const axes = (given && given.length ? given : [...Array(rank).keys()]).map((a) => (a < 0 ? a + rank : a));
    if (v.kind === 'tensor' && v.nhwc) {
      const r = reduce(v.t, axes.map(nhwcAxis), true);
      if (keep) return [tensorValue(r, true)];
      const dims = onnxDims(v).filter((_, i) => !axes.includes(i));
      return [tensorValue(tf.reshape(plain(tensorValue(r, true)), dims))];
    }
    return [tensorValue(reduce(plain(v), axes, keep))];
  };
}

export function compileTile(node: IrNode, ctx: CompileContext): NodeFn {
  return (inputs) => {
    const v = inputs[0]!;
    const reps = intsOf(inputs[1]!, 'Tile repeats');
    const dims = onnxDims(v);
    if (reps.length !== dims.length) throw ctx.invalid(node, `${reps.length} repeats for a rank-${dims.length} input`);
    if (reps.some((r) => !Number.isSafeInteger(r) || r < 0)) throw ctx.invalid(node, `repeats [${reps.slice(0, 8)}] that are not non-negative integers`);
    const out = dims.map((d, a) => d * reps[a]);
    if (v.kind === 'ints') {
      if (v.dims.length !== 1) throw ctx.unsupported(node, 'Tile of a multi-dimensional integer tensor');
      ctx.checkInts(node, out);
      const data = Array.from({ length: reps[0] }, () => v.data).flat();
      return [{ ...intsValue([data.length], data), float: v.float }];
    }
    // Checked before tfjs allocates: Tile [1,1,1e5,1e5] is 1e10 elements and would run for minutes, deaf to Ctrl-C.
    ctx.checkTensor(node, out);
    return [tensorValue(tf.tile(plain(v), reps))];
  };
}
