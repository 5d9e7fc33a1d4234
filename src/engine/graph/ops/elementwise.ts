/**
 * ONNX binary arithmetic with numpy broadcasting: Add, Sub, Mul, Div, Pow, Max, Min (two inputs) and comparisons
 * used by shape chains (Equal). NHWC operands stay NHWC; a plain operand of rank <= 4 is re-laid-out to broadcast
 * against it (a [C,1,1] constant becomes [1,1,1,C]). Integer operands (shape arithmetic) are computed in JS.
 * A float initializer added to a MatMul output is that layer's bias and becomes a trainable variable.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CompileContext, NodeFn } from '../context';
import type { IrNode } from '../../onnx/ir';
import { addSameShape } from '../kernels/add_same_shape';
import { AS_IS } from '../layouts';
import { broadcastToNhwc, intsValue, onnxDims, plain, tensorValue, type IntsValue, type Value } from '../values';

type TfBinary = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
type JsBinary = (a: number, b: number, float: boolean) => number;

const BINARY: Record<string, [TfBinary, JsBinary]> = {
  Add: [tf.add, (a, b) => a + b],
  Sub: [tf.sub, (a, b) => a - b],
  Mul: [tf.mul, (a, b) => a * b],
  Div: [tf.div, (a, b, float) => (float ? a / b : Math.trunc(a / b))],
  Pow: [tf.pow, (a, b) => a ** b],
  Max: [tf.maximum, (a, b) => Math.max(a, b)],
  Min: [tf.minimum, (a, b) => Math.min(a, b)],
  Equal: [(a, b) => equalOf(a, b), (a, b) => (a === b ? 1 : 0)],
};

/**
 * Equal as 0/1 floats, with a zero gradient: a comparison is flat almost everywhere, and tfjs has no gradient for
 * it, so a Where whose condition depends on the input would otherwise stop backprop with an error.
 */
const equalOf = tf.customGrad(((a: tf.Tensor, b: tf.Tensor) => ({
  value: tf.cast(tf.equal(a, b), 'float32'),
  gradFunc: () => [tf.zerosLike(a), tf.zerosLike(b)],
})) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

export const BINARY_OPS = Object.keys(BINARY);

/** Numpy-style broadcast of two small JS arrays. */
function broadcastInts(a: IntsValue, b: IntsValue, f: JsBinary): IntsValue {
  const float = !!(a.float || b.float);
  return broadcastIntsN([a, b], ([x, y]) => f(x!, y!, float), float);
}

/** Numpy-style broadcast of any number of small JS arrays, `f` applied to each output element's operands. */
function broadcastIntsN(vals: readonly IntsValue[], f: (xs: number[]) => number, float: boolean): IntsValue {
  const rank = Math.max(...vals.map((v) => v.dims.length));
  const ds = vals.map((v) => [...Array(rank - v.dims.length).fill(1), ...v.dims] as number[]);
  const dims = Array.from({ length: rank }, (_, i) => Math.max(...ds.map((d) => d[i]!)));
  const size = dims.reduce((p, q) => p * q, 1);
  const data: number[] = [];
  for (let flat = 0; flat < size; flat++) {
    const idx = vals.map(() => 0);
    const strides = vals.map(() => 1);
    let rem = flat;
    for (let ax = rank - 1; ax >= 0; ax--) {
      const i = rem % dims[ax]!;
      rem = Math.floor(rem / dims[ax]!);
      ds.forEach((d, k) => {
        idx[k] += (d[ax] === 1 ? 0 : i) * strides[k]!;
        strides[k] *= d[ax]!;
      });
    }
    data.push(f(idx.map((i, k) => vals[k]!.data[i]!)));
  }
  return { ...intsValue(dims, data), float };
}

/**
 * Where(condition, X, Y), numpy-broadcast. All-integer operands (the shape chains of torch's expand(-1) and
 * view(-1)) are computed in JS, so the shapes stay known; otherwise on tensors in ONNX layout.
 */
export function compileWhere(node: IrNode, ctx: CompileContext): NodeFn {
  return (inputs) => {
    const [c, x, y] = inputs;
    if (!c || !x || !y) throw ctx.invalid(node, 'Where needs a condition and two operands');
    if (c.kind === 'ints' && x.kind === 'ints' && y.kind === 'ints') {
      return [broadcastIntsN([c, x, y], ([cv, xv, yv]) => (cv ? xv! : yv!), !!(x.float || y.float))];
    }
    return [tensorValue(tf.where(tf.cast(plain(c), 'bool'), plain(x), plain(y)))];
  };
}

/**
 * The numpy broadcast of two operands' ONNX dims, checked before anything is computed: incompatible dims are
 * MODEL_INVALID, and an output over the cap (a [2e4, 1] + [1, 2e4] outer sum) LIMIT_EXCEEDED, naming the node.
 */
function checkBroadcast(node: IrNode, ctx: CompileContext, a: Value, b: Value): void {
  const x = onnxDims(a);
  const y = onnxDims(b);
  const rank = Math.max(x.length, y.length);
  const dx = [...Array(rank - x.length).fill(1), ...x];
  const dy = [...Array(rank - y.length).fill(1), ...y];
  if (dx.some((d, i) => d !== dy[i] && d !== 1 && dy[i] !== 1)) throw ctx.invalid(node, `operands [${x}] and [${y}] do not broadcast`);
  const out = dx.map((d, i) => (d === 1 ? dy[i] : d));
  if (a.kind === 'ints' && b.kind === 'ints') ctx.checkInts(node, out);
  else ctx.checkTensor(node, out);
}

/** Applies a float binary op honouring layouts. */
export function applyBinary(a: Value, b: Value, f: TfBinary): Value {
  const aN = a.kind === 'tensor' && a.nhwc;
  const bN = b.kind === 'tensor' && b.nhwc;
  if (aN && bN) return tensorValue(f(a.t, b.t), true);
  if (aN || bN) {
    const other = aN ? b : a;
    const ot = plain(other);
    if (ot.rank <= 4) {
      const ob = broadcastToNhwc(ot);
      return tensorValue(aN ? f((a as { t: tf.Tensor }).t, ob) : f(ob, (b as { t: tf.Tensor }).t), true);
    }
  }
  return tensorValue(f(plain(a), plain(b)));
}


export function compileBinary(node: IrNode, ctx: CompileContext): NodeFn {
  const [tfOp, jsOp] = BINARY[node.opType];
  // MatMul + Add(initializer): the Linear layer's bias, trainable like Gemm's C.
  let biasSlot = -1;
  if (node.opType === 'Add') {
    node.inputs.forEach((name, i) => {
      const init = ctx.graph.initializers.get(name);
      const other = node.inputs[1 - i];
      if (init?.kind === 'float' && ctx.producer(other)?.opType === 'MatMul') biasSlot = i;
    });
  }
  const bias = biasSlot >= 0 ? ctx.weight(node, node.inputs[biasSlot], AS_IS) : undefined;
  return (inputs) => {
    const a = biasSlot === 0 ? tensorValue(bias!) : inputs[0]!;
    const b = biasSlot === 1 ? tensorValue(bias!) : inputs[1]!;
    if (!a || !b) throw ctx.invalid(node, 'missing operand');
    checkBroadcast(node, ctx, a, b);
    if (a.kind === 'ints' && b.kind === 'ints') return [broadcastInts(a, b, jsOp)];
    // A residual connection: an Add that keeps no activations for the backward pass (kernels/add_same_shape.ts).
    if (node.opType === 'Add' && a.kind === 'tensor' && b.kind === 'tensor' && a.nhwc === b.nhwc && tf.util.arraysEqual(a.t.shape, b.t.shape) && a.t.dtype === 'float32' && b.t.dtype === 'float32') {
      return [tensorValue(addSameShape(a.t, b.t), a.nhwc)];
    }
    return [applyBinary(a, b, tfOp)];
  };
}

/** Variadic Sum / Mean (and Max / Min with more than two inputs): folded pairwise with the binary rules. */
export function compileVariadic(node: IrNode, ctx: CompileContext): NodeFn {
  const op = node.opType === 'Mean' ? 'Add' : node.opType === 'Sum' ? 'Add' : node.opType;
  const [tfOp, jsOp] = BINARY[op];
  return (inputs) => {
    const vs = inputs.filter((v): v is Value => v !== undefined);
    if (vs.length === 0) throw ctx.invalid(node, 'no inputs');
    let acc = vs[0];
    for (const v of vs.slice(1)) {
      checkBroadcast(node, ctx, acc, v);
      acc = acc.kind === 'ints' && v.kind === 'ints' ? broadcastInts(acc, v, jsOp) : applyBinary(acc, v, tfOp);
    }
    if (node.opType === 'Mean' && vs.length > 1) acc = applyBinary(acc, tensorValue(tf.scalar(vs.length)), tf.div);
    return [acc];
  };
}

/** PRelu: slope broadcast like any binary operand (a [C,1,1] slope follows NHWC). */
export function compilePRelu(_node: IrNode, _ctx: CompileContext): NodeFn {
  // relu(x) - slope * relu(-x): tfjs's prelu wants a slope shaped like x's trailing dims; this form broadcasts.
  return (inputs) => {
    const x = inputs[0]!;
    const negPart = applyBinary(inputs[1]!, applyBinary(x, tensorValue(tf.scalar(0)), (a, b) => tf.relu(tf.sub(b, a))), tf.mul);
    return [applyBinary(applyBinary(x, tensorValue(tf.scalar(0)), (a) => tf.relu(a)), negPart, tf.sub)];
  };
}
