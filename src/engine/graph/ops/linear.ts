/**
 * ONNX Gemm and MatMul. A weight that is an initializer becomes a [K, N] variable (Gemm's transB is applied once,
 * at compile time) so the forward and both backward products use non-transposed matMuls (see kernels/matmul.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { attrFloat, attrInt, type CompileContext, type NodeFn } from '../context';
import type { IrNode } from '../../onnx/ir';
import { AS_IS, TRANSPOSED } from '../layouts';
import { matMulNN } from '../kernels/matmul';
import { plain, tensorValue, type Value } from '../values';


/** A constant input as a trainable variable, or the run-time value when it is computed. */
function operand(node: IrNode, ctx: CompileContext, name: string, layout: 'kn' | 'nk' | 'as-is'): tf.Variable | undefined {
  const init = ctx.graph.initializers.get(name);
  if (!init || init.kind !== 'float') return undefined;
  if (layout === 'as-is') return ctx.weight(node, name, AS_IS);
  if (init.dims.length !== 2) throw ctx.unsupported(node, `a ${init.dims.length}-D weight`);
  return ctx.weight(node, name, layout === 'kn' ? AS_IS : TRANSPOSED);
}

export function compileGemm(node: IrNode, ctx: CompileContext): NodeFn {
  const [, bName, cName] = node.inputs;
  const alpha = attrFloat(node, 'alpha', 1);
  const beta = attrFloat(node, 'beta', 1);
  const transA = attrInt(node, 'transA', 0) === 1;
  const transB = attrInt(node, 'transB', 0) === 1;
  const bVar = operand(node, ctx, bName, transB ? 'nk' : 'kn');
  const cVar = cName ? operand(node, ctx, cName, 'as-is') : undefined;
  return (inputs) => {
    let a = plain(inputs[0]!);
    if (a.rank !== 2) throw ctx.invalid(node, `Gemm input of rank ${a.rank}`);
    if (transA) a = tf.transpose(a);
    let b: tf.Tensor2D;
    if (bVar) b = bVar as tf.Tensor2D;
    else {
      b = plain(inputs[1]!) as tf.Tensor2D;
      if (transB) b = tf.transpose(b);
    }
    if (a.shape[1] !== b.shape[0]) throw ctx.invalid(node, `Gemm shapes [${a.shape}] x [${b.shape}] do not match`);
    ctx.checkTensor(node, [a.shape[0], b.shape[1]]);
    const cVal: tf.Tensor | undefined = cVar ?? (cName && inputs[2] ? plain(inputs[2]) : undefined);
    // The usual Linear layer (alpha = beta = 1, bias [N]) fuses its bias into the product.
    const fusedBias = alpha === 1 && beta === 1 && cVal?.rank === 1 && cVal.shape[0] === b.shape[1] ? (cVal as tf.Tensor1D) : undefined;
    let y: tf.Tensor = matMulNN(a as tf.Tensor2D, b, fusedBias);
    if (alpha !== 1) y = tf.mul(y, alpha);
    if (cVal && !fusedBias) y = tf.add(y, beta === 1 ? cVal : tf.mul(cVal, beta));
    return [tensorValue(y)];
  };
}

export function compileMatMul(node: IrNode, ctx: CompileContext): NodeFn {
  const [, bName] = node.inputs;
  const init = ctx.graph.initializers.get(bName);
  const bVar = init && init.kind === 'float' && init.dims.length === 2 ? operand(node, ctx, bName, 'kn') : undefined;
  return (inputs) => {
    const a = plain(inputs[0]!);
    if (bVar) {
      const k = bVar.shape[0];
      if (a.shape[a.rank - 1] !== k) throw ctx.invalid(node, `MatMul shapes [${a.shape}] x [${bVar.shape}] do not match`);
      ctx.checkTensor(node, [...a.shape.slice(0, -1), bVar.shape[1] as number]);
      const a2 = a.rank === 2 ? (a as tf.Tensor2D) : (tf.reshape(a, [-1, k]) as tf.Tensor2D);
      const y = matMulNN(a2, bVar as tf.Tensor2D);
      return [tensorValue(a.rank === 2 ? y : tf.reshape(y, [...a.shape.slice(0, -1), bVar.shape[1] as number]))];
    }
    const b = plain(inputs[1] as Value);
    if (a.rank >= 2 && b.rank >= 2) {
      if (a.shape[a.rank - 1] !== b.shape[b.rank - 2]) throw ctx.invalid(node, `MatMul shapes [${a.shape}] x [${b.shape}] do not match`);
      const batch = (t: tf.Tensor) => t.shape.slice(0, -2);
      const [ba, bb] = [batch(a), batch(b)];
      const rank = Math.max(ba.length, bb.length);
      const pa = [...Array(rank - ba.length).fill(1), ...ba];
      const pb = [...Array(rank - bb.length).fill(1), ...bb];
      ctx.checkTensor(node, [...pa.map((d, i) => Math.max(d, pb[i])), a.shape[a.rank - 2], b.shape[b.rank - 1]]);
    }
    return [tensorValue(tf.matMul(a, b))];
  };
}
