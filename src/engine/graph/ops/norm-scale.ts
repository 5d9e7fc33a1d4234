/**
 * A normalisation's per-channel weight applied by a Mul of its own, as a mask site. Exporters write some norms out
 * of smaller ops, and the weight then sits in a plain Mul: torch.onnx's GroupNorm (InstanceNormalization between
 * Reshapes, then Mul by a [C, 1, 1] weight; groupnorm.ts) and its LayerNorm below opset 17 (ReduceMean, Sub, Pow,
 * Sqrt, Div, then Mul by a [C] weight; layernorm-decomposed.ts). That Mul runs as x · (W · mask): the mask multiplies
 * the weight as RNP's mask multiplies BatchNorm's scale, W trains with the model, and pruning zeroes W's entries.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CompileContext, NodeFn } from '../context';
import type { IrNode } from '../../onnx/ir';
import { AS_IS } from '../layouts';
import { plain, tensorValue } from '../values';

/** A Mul found to apply a norm's weight: the weight's initializer name and its channel count. */
export interface ScaleMul {
  kind: 'layernorm' | 'groupnorm';
  scale: string;
  channels: number;
}

export function compileScaleMul(node: IrNode, ctx: CompileContext, g: ScaleMul): NodeFn {
  const w = ctx.weight(node, g.scale, AS_IS);
  const site = ctx.addMaskSite(node, g.kind, g.channels, [g.scale]);
  const other = node.inputs[0] === g.scale ? 1 : 0;
  return (inputs, run) => {
    const x = plain(inputs[other]!);
    const m = run.masks ? tf.reshape(run.masks[site]!, w.shape) : null;
    return [tensorValue(tf.mul(x, m ? tf.mul(w, m) : w))];
  };
}
