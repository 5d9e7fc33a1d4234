/**
 * Shape-manipulating ops. PyTorch's exporter builds reshape targets from chains like
 * Shape -> Gather -> Unsqueeze -> Concat -> Reshape; those integer values are computed here in JS from the
 * actual run-time shapes (so any batch size works). Reshape/Flatten/Squeeze/Unsqueeze of an NHWC activation first
 * restore ONNX's NCHW element order, so the result is exactly what onnxruntime would produce.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attrInt, attrInts, type CompileContext, type NodeFn } from '../context';
import type { IrNode, IrTensor } from '../../onnx/ir';
import { intsOf, intsValue, onnxDims, plain, tensorValue, type Value } from '../values';

const FLOAT_TYPES = new Set([1, 10, 11, 16]);

/** Reads an int list either from an input (newer opsets) or an attribute (older ones). */
function intsInputOrAttr(node: IrNode, inputs: (Value | undefined)[], index: number, attr: string): number[] | undefined {
  const v = inputs[index];
  if (v) return intsOf(v, `${node.opType} ${attr}`);
  return attrInts(node, attr);
}

export function compileShape(node: IrNode): NodeFn {
  const start = attrInt(node, 'start', 0);
  const end = node.attrs.end === undefined ? undefined : attrInt(node, 'end', 0);
  return (inputs) => {
    const dims = onnxDims(inputs[0]!).slice(start, end);
    return [intsValue([dims.length], dims)];
  };
}

export function compileGather(node: IrNode): NodeFn {
  const axisAttr = attrInt(node, 'axis', 0);
  return (inputs) => {
    const data = inputs[0]!;
    const idx = inputs[1]!;
    if (data.kind === 'ints' && data.dims.length <= 1 && (axisAttr === 0 || axisAttr === -1)) {
      const ids = intsOf(idx, 'Gather indices');
      const n = data.data.length;
      const picked = ids.map((i) => data.data[i < 0 ? i + n : i]);
      const dims = idx.kind === 'ints' ? idx.dims : [ids.length];
      return [{ ...intsValue(dims, picked), float: data.float }];
    }
    const t = plain(data);
    const axis = axisAttr < 0 ? axisAttr + t.rank : axisAttr;
    const ids = intsOf(idx, 'Gather indices').map((i) => (i < 0 ? i + t.shape[axis] : i));
    const idxDims = idx.kind === 'ints' ? idx.dims : idx.t.shape;
    const g = tf.gather(t, tf.tensor1d(ids, 'int32'), axis);
    const outDims = [...t.shape.slice(0, axis), ...idxDims, ...t.shape.slice(axis + 1)];
    return [tensorValue(tf.reshape(g, outDims))];
  };
}

function withDims(v: Value, dims: number[]): Value {
  if (v.kind === 'ints') return { ...v, dims };
  return tensorValue(tf.reshape(plain(v), dims));
}

export function compileUnsqueeze(node: IrNode): NodeFn {
  return (inputs) => {
    const v = inputs[0]!;
    const axes = intsInputOrAttr(node, inputs, 1, 'axes') ?? [];
    const dims = onnxDims(v).slice();
    const rank = dims.length + axes.length;
    for (const a of axes.map((x) => (x < 0 ? x + rank : x)).sort((p, q) => p - q)) dims.splice(a, 0, 1);
    return [withDims(v, dims)];
  };
}

export function compileSqueeze(node: IrNode): NodeFn {
  return (inputs) => {
    const v = inputs[0]!;
    const dims = onnxDims(v);
    const axes = (intsInputOrAttr(node, inputs, 1, 'axes') ?? dims.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)).map((a) =>
      a < 0 ? a + dims.length : a,
    );
    return [withDims(v, dims.filter((_, i) => !axes.includes(i)))];
  };
}

export function compileCast(node: IrNode): NodeFn {
  const to = attrInt(node, 'to', 1);
  const toFloat = FLOAT_TYPES.has(to);
  return (inputs) => {
    const v = inputs[0]!;
    if (v.kind === 'ints') return [{ ...v, float: toFloat, data: toFloat ? v.data : v.data.map(Math.trunc) }];
    if (toFloat) return [v];
    // Float tensor cast to an integer type: truncate, keep float storage (tfjs ops here are float).
    return [tensorValue(tf.cast(tf.cast(v.t, 'int32'), 'float32'), v.nhwc)];
  };
}

export function compileReshape(node: IrNode, ctx: CompileContext): NodeFn {
  const allowZero = attrInt(node, 'allowzero', 0) === 1;
  // A batch-1 export's leading 1 is the batch (onnx/normalize.ts batchBakedReshapes).
  const batchBaked = ctx.graph.batchBakedReshapes?.includes(node.name) ?? false;
  return (inputs) => {
    const v = inputs[0]!;
    const inDims = onnxDims(v);
    const target = intsOf(inputs[1]!, 'Reshape shape').map((d, i) => ((d === 0 && !allowZero) || (batchBaked && i === 0 && d === 1) ? inDims[i] : d));
    const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const total = inDims.reduce((a, b) => a * b, 1);
    const dims = target.map((d) => (d === -1 ? total / known : d));
    if (dims.reduce((a, b) => a * b, 1) !== total || dims.some((d) => !Number.isInteger(d))) {
      throw ctx.invalid(node, `cannot reshape [${inDims}] to [${target}]`);
    }
    return [withDims(v, dims)];
  };
}

export function compileFlatten(node: IrNode): NodeFn {
  const axisAttr = attrInt(node, 'axis', 1);
  return (inputs) => {
    const v = inputs[0]!;
    const dims = onnxDims(v);
    const axis = axisAttr < 0 ? axisAttr + dims.length : axisAttr;
    const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = dims.slice(axis).reduce((a, b) => a * b, 1);
    return [withDims(v, [outer, inner])];
  };
}

/** Constant: the value is known at compile time; the compiler hands it out from its constant table. */
export function constantFromNode(node: IrNode, ctx: CompileContext): IrTensor {
  const a = node.attrs;
  if (a.value && typeof a.value === 'object' && !Array.isArray(a.value)) return a.value as IrTensor;
  if (typeof a.value_float === 'number') return { kind: 'float', dims: [], data: new Float32Array([a.value_float]) };
  if (Array.isArray(a.value_floats)) return { kind: 'float', dims: [a.value_floats.length], data: new Float32Array(a.value_floats as number[]) };
  if (typeof a.value_int === 'number') return { kind: 'int', dims: [], data: [a.value_int] };
  if (Array.isArray(a.value_ints)) return { kind: 'int', dims: [a.value_ints.length], data: (a.value_ints as number[]).slice() };
  throw ctx.unsupported(node, 'a Constant without a tensor, float or int value');
}

export function compileConstantOfShape(node: IrNode, ctx: CompileContext): NodeFn {
  const value = node.attrs.value as IrTensor | undefined;
  const fill = value ? Number(value.data[0]) : 0;
  const isInt = value?.kind === 'int';
  return (inputs) => {
    const dims = intsOf(inputs[0]!, 'ConstantOfShape shape');
    // The size comes from data: checked before anything is allocated (an int64 [1e9] must not reach new Array).
    const size = isInt ? ctx.checkInts(node, dims) : ctx.checkTensor(node, dims);
    if (isInt) return [intsValue(dims, new Array(size).fill(fill))];
    return [tensorValue(tf.fill(dims, fill))];
  };
}

export function compileIdentity(node: IrNode, ctx: CompileContext): NodeFn {
  if (node.opType === 'Dropout' && node.outputs.length > 1 && node.outputs[1] !== '') throw ctx.unsupported(node, 'Dropout mask output');
  return (inputs) => [inputs[0]!];
}

export function compileExpand(node: IrNode, ctx: CompileContext): NodeFn {
  // A batch-1 export's parameter expanded to its traced batch (onnx/normalize.ts batchBakedExpands).
  const batchBaked = ctx.graph.batchBakedExpands?.includes(node.name) ?? false;
  return (inputs, run) => {
    const v = inputs[0]!;
    const given = intsOf(inputs[1]!, 'Expand shape');
    const shape = batchBaked && given.length > 1 && given[0] === 1 ? [run.batch, ...given.slice(1)] : given;
    const inDims = onnxDims(v);
    const rank = Math.max(inDims.length, shape.length);
    const tDims = [...Array(rank - inDims.length).fill(1), ...inDims];
    const sDims = [...Array(rank - shape.length).fill(1), ...shape];
    if (sDims.some((d, i) => !Number.isSafeInteger(d) || d < 0 || (d !== 1 && tDims[i] !== 1 && d !== tDims[i]))) {
      throw ctx.invalid(node, `cannot expand [${inDims}] to [${shape.slice(0, 8)}${shape.length > 8 ? ', …' : ''}]`);
    }
    const out = tDims.map((d, i) => (d === 1 ? sDims[i] : d));
    ctx.checkTensor(node, out);
    return [tensorValue(tf.broadcastTo(tf.reshape(plain(v), tDims), out))];
  };
}

export function compileRange(node: IrNode, ctx: CompileContext): NodeFn {
  return (inputs) => {
    const [start, limit, delta] = inputs.map((v) => intsOf(v!, 'Range')[0]);
    if (![start, limit, delta].every(Number.isFinite) || delta === 0) {
      throw ctx.invalid(node, `Range(${start}, ${limit}, ${delta}) has no finite length`);
    }
    // ONNX's count, checked before the loop: Range(0, 3e9) must not push 3e9 numbers.
    const count = ctx.checkInts(node, Math.max(Math.ceil((limit - start) / delta), 0));
    const data = new Array<number>(count);
    for (let i = 0; i < count; i++) data[i] = start + i * delta;
    return [intsValue([count], data)];
  };
}
