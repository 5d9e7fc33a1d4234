/**
 * GroupNorm as torch.onnx exports nn.GroupNorm (opsets 11–17): Reshape to [N, G, -1], InstanceNormalization with
 * unit scale and zero bias, Reshape back, then a per-channel Mul by the weight ([C, 1, 1]) and Add of the bias. This
 * file runs InstanceNormalization (ONNX semantics on any rank ≥ 3) and, in a model without BatchNorm or a maskable
 * LayerNorm, finds that Mul, whose weight is then the mask site (norm-scale.ts; issue #24: "a mask per channel on
 * LayerNorm's / GroupNorm's scale"). It also runs ONNX's own GroupNormalization (opset 18+), whose scale is one value
 * per channel from opset 21 on (then the mask site) and one per group at opset 18 (no channel to mask there).
 */
import * as tf from '@tensorflow/tfjs-core';
import { attrFloat, attrInt, type CompileContext, type NodeFn } from '../context';
import type { IrNode } from '../../onnx/ir';
import { AS_IS } from '../layouts';
import type { ScaleMul } from './norm-scale';
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
 * [C, 1, 1] (or [1, C, 1, 1]), by node.
 */
export function groupNormScales(ctx: CompileContext): Map<IrNode, ScaleMul> {
  const graph = ctx.graph;
  const out = new Map<IrNode, ScaleMul>();
  for (const n of graph.nodes) {
    if (n.opType !== 'Mul' || n.inputs.length !== 2) continue;
    n.inputs.forEach((name, i) => {
      const w = graph.initializers.get(name);
      const reshape = ctx.producer(n.inputs[1 - i]!);
      if (!w || w.kind !== 'float' || reshape?.opType !== 'Reshape') return;
      if (ctx.producer(reshape.inputs[0]!)?.opType !== 'InstanceNormalization') return;
      const dims = w.dims[0] === 1 && w.dims.length === 4 ? w.dims.slice(1) : w.dims;
      if (dims.length === 3 && dims[1] === 1 && dims[2] === 1) out.set(n, { kind: 'groupnorm', scale: name, channels: dims[0]! });
    });
  }
  return out;
}

/**
 * Whether a graph's GroupNormalization scales are per channel: opset 21 made them [C]; opset 18 had them per group
 * ([num_groups]), which a channel mask cannot sit on.
 */
export function groupNormalizationPerChannel(opset: number): boolean {
  return opset >= 21;
}

/** ONNX GroupNormalization: normalise each of `num_groups` channel groups over its channels and spatial axes. */
export function compileGroupNormalization(node: IrNode, ctx: CompileContext): NodeFn {
  const groups = attrInt(node, 'num_groups', 0);
  const eps = attrFloat(node, 'epsilon', 1e-5);
  const [, sName, bName] = node.inputs;
  if (!sName || !bName) throw ctx.invalid(node, 'GroupNormalization needs a scale and a bias');
  if (!Number.isSafeInteger(groups) || groups <= 0) throw ctx.invalid(node, `num_groups ${groups}`);
  const perChannel = groupNormalizationPerChannel(ctx.graph.opset);
  // Trainable, as BatchNorm's scale and shift are while unlearning.
  const gamma = ctx.weight(node, sName, AS_IS);
  const beta = ctx.weight(node, bName, AS_IS);
  let site = -1;
  if (ctx.maskSite === 'groupnorm' && perChannel) {
    site = ctx.addMaskSite(node, 'groupnorm', gamma.shape[0]!, [sName]);
  }
  return (inputs, run) => {
    const x = plain(inputs[0]!);
    if (x.rank < 3) throw ctx.invalid(node, `GroupNormalization on a rank-${x.rank} input`);
    const c = x.shape[1]!;
    if (c % groups !== 0) throw ctx.invalid(node, `${c} channels do not split into ${groups} groups`);
    const want = perChannel ? c : groups;
    if (gamma.size !== want || beta.size !== want) throw ctx.invalid(node, `scale and bias must have ${want} values (opset ${ctx.graph.opset}, ${perChannel ? 'one per channel' : 'one per group'}), got ${gamma.size} and ${beta.size}`);
    const grouped = tf.reshape(x, [x.shape[0]!, groups, -1]);
    const { mean, variance } = tf.moments(grouped, [2], true);
    const y = tf.reshape(tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, eps))), x.shape);
    // Per group (opset 18): each group's value repeated over its channels.
    const toChannels = (v: tf.Tensor) => (perChannel ? v : tf.reshape(tf.tile(tf.reshape(v, [groups, 1]), [1, c / groups]), [c]));
    const g = site >= 0 && run.masks ? tf.mul(gamma, run.masks[site]!) : toChannels(gamma);
    const perAxis = [c, ...new Array<number>(x.rank - 2).fill(1)];
    return [tensorValue(tf.add(tf.mul(y, tf.reshape(g, perAxis)), tf.reshape(toChannels(beta), perAxis)))];
  };
}
