/**
 * GroupNorm as torch.onnx exports nn.GroupNorm (opsets 11–17): Reshape to [N, G, -1], InstanceNormalization with
 * unit scale and zero bias, Reshape back, then a per-channel Mul by the weight ([C, 1, 1]) and Add of the bias. This
 * file runs InstanceNormalization (ONNX semantics on any rank ≥ 3) and, in a model without BatchNorm or a maskable
 * LayerNorm, makes that Mul's weight the mask site (issue #24: "a mask per channel on LayerNorm's / GroupNorm's
 * scale"): the mask multiplies the weight, pruning zeroes its entries, and the weight trains with the model.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attrFloat, type CompileContext, type NodeFn } from '../context';
import type { IrNode } from '../../onnx/ir';
import { AS_IS } from '../layouts';
import { plain, tensorValue } from '../values';

export function compileInstanceNorm(node: IrNode, ctx: CompileContext): NodeFn {
  const eps = attrFloat(node, 'epsilon', 1e-5);
  return (inputs) => {
    const x = plain(inputs[0]!);
    const scale = inputs[1];
    const bias = inputs[2];
    if (!scale || !bias) throw ctx.invalid(node, 'InstanceNormalization needs a scale and a bias');
    if (x.rank < 3) throw ctx.invalid(node, `InstanceNormalization on a rank-${x.rank} input`);
    const c = x.shape[1]!;
    // Scale and bias per channel (axis 1), broadcast over the spatial axes.
    const perChannel = (v: typeof scale) => tf.reshape(plain(v), [c, ...new Array<number>(x.rank - 2).fill(1)]);
    const axes = Array.from({ length: x.rank - 2 }, (_, i) => i + 2);
    const { mean, variance } = tf.moments(x, axes, true);
    const y = tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), perChannel(scale));
    return [tensorValue(tf.add(y, perChannel(bias)))];
  };
}

/**
 * The GroupNorm weight Muls of a graph: Mul(Reshape(InstanceNormalization(…)), W) with W a float initializer of
 * [C, 1, 1] (or [1, C, 1, 1]). Node name → the weight's initializer name and C.
 */
export function groupNormScales(ctx: CompileContext): Map<string, { scale: string; channels: number }> {
  const graph = ctx.graph;
  const out = new Map<string, { scale: string; channels: number }>();
  for (const n of graph.nodes) {
    if (n.opType !== 'Mul' || n.inputs.length !== 2) continue;
    n.inputs.forEach((name, i) => {
      const w = graph.initializers.get(name);
      const reshape = ctx.producer(n.inputs[1 - i]!);
      if (!w || w.kind !== 'float' || reshape?.opType !== 'Reshape') return;
      if (ctx.producer(reshape.inputs[0]!)?.opType !== 'InstanceNormalization') return;
      const dims = w.dims[0] === 1 && w.dims.length === 4 ? w.dims.slice(1) : w.dims;
      if (dims.length === 3 && dims[1] === 1 && dims[2] === 1) out.set(n.name, { scale: name, channels: dims[0]! });
    });
  }
  return out;
}

/** The GroupNorm weight Mul as a mask site: x · (W · mask), W trainable. */
export function compileGroupNormScale(node: IrNode, ctx: CompileContext, g: { scale: string; channels: number }): NodeFn {
  const w = ctx.weight(node, g.scale, AS_IS);
  const site = ctx.maskSites.length;
  ctx.maskSites.push({ name: node.name, kind: 'groupnorm', channels: g.channels, params: [g.scale] });
  const other = node.inputs[0] === g.scale ? 1 : 0;
  return (inputs, run) => {
    const x = plain(inputs[other]!);
    const m = run.masks ? tf.reshape(run.masks[site]!, w.shape) : null;
    return [tensorValue(tf.mul(x, m ? tf.mul(w, m) : w))];
  };
}
