/**
 * ONNX LayerNormalization (opset 17; what torch.onnx exports nn.LayerNorm as from opset 17): normalise over the axes
 * from `axis` to the last, then scale and shift. Scale and bias are trainable variables. In a model without
 * BatchNorm, a LayerNorm whose scale is one value per channel of the last axis (ConvNeXt's channels-last blocks,
 * a transformer's features) is a mask site: the mask multiplies that scale, as RNP's mask multiplies BatchNorm's
 * (issue #24, "RNP for normalisation layers other than BatchNorm"), and pruning zeroes those scale entries.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attrFloat, attrInt, type CompileContext, type NodeFn } from '../context';
import type { IrNode } from '../../onnx/ir';
import { AS_IS } from '../layouts';
import { plain, tensorValue } from '../values';

/** Whether the node's scale is an initializer with one value per channel of the last axis (where a mask can sit). */
export function layerNormMaskable(node: IrNode, ctx: CompileContext): boolean {
  const scale = node.inputs[1] ? ctx.graph.initializers.get(node.inputs[1]) : undefined;
  return scale !== undefined && scale.kind === 'float' && scale.dims.length === 1;
}

export function compileLayerNorm(node: IrNode, ctx: CompileContext): NodeFn {
  const [, sName, bName] = node.inputs;
  if (!sName) throw ctx.invalid(node, 'missing LayerNormalization scale');
  if (node.outputs.slice(1).some((o) => o !== '')) throw ctx.unsupported(node, 'LayerNormalization mean / inverse standard deviation outputs');
  const axisAttr = attrInt(node, 'axis', -1);
  const eps = attrFloat(node, 'epsilon', 1e-5);
  const gamma = ctx.weight(node, sName, AS_IS);
  const beta = bName ? ctx.weight(node, bName, AS_IS) : undefined;
  let site = -1;
  if (ctx.maskSite === 'layernorm' && layerNormMaskable(node, ctx)) {
    site = ctx.addMaskSite(node, 'layernorm', gamma.shape[0]!, [sName]);
  }
  return (inputs, run) => {
    // ONNX layout: the normalised axes are the file's (an NHWC-stored activation is read back as NCHW first).
    const x = plain(inputs[0]!);
    const axis = axisAttr < 0 ? axisAttr + x.rank : axisAttr;
    if (axis < 0 || axis >= x.rank) throw ctx.invalid(node, `axis ${axisAttr} is outside a rank-${x.rank} input`);
    const axes = Array.from({ length: x.rank - axis }, (_, i) => axis + i);
    const { mean, variance } = tf.moments(x, axes, true);
    const g = site >= 0 && run.masks ? tf.mul(gamma, run.masks[site]!) : gamma;
    const y = tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), g);
    return [tensorValue(beta ? tf.add(y, beta) : y)];
  };
}
