/**
 * ONNX Conv (2-D only): dense, depthwise (any channel multiplier) and grouped, with strides, explicit or automatic
 * pads, dilations and an optional bias. Weights become HWIO variables once, at compile time. When the exporter
 * folded BatchNorm away, every Conv is a mask site and its output channels are multiplied by the mask.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attrInts, attrString, attrInt, type CompileContext, type NodeFn } from '../context';
import type { IrNode } from '../../onnx/ir';
import { AS_IS, DEPTHWISE, HWIO } from '../layouts';
import { channelScale } from '../kernels/channel_scale';
import { conv2d, type Pads4 } from '../kernels/conv2d';
import { dilateFilter } from '../kernels/dilate';
import { depthwiseConv2d } from '../kernels/depthwise';
import { nhwc, tensorValue } from '../values';

/** Pads for one spatial axis under auto_pad SAME_*: ONNX puts the odd extra pixel at the end (UPPER) or start (LOWER). */
export function samePads(inSize: number, k: number, s: number, upper: boolean): [number, number] {
  const out = Math.ceil(inSize / s);
  const total = Math.max(0, (out - 1) * s + k - inSize);
  const small = Math.floor(total / 2);
  return upper ? [small, total - small] : [total - small, small];
}

/** Resolves ONNX pads/auto_pad for a 2-D window op into [top, bottom, left, right], given the input's H and W. */
export function windowPads(node: IrNode, ctx: CompileContext, kEff: [number, number], strides: [number, number]): (h: number, w: number) => Pads4 {
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const upper = autoPad === 'SAME_UPPER';
    return (h, w) => {
      const [t, b] = samePads(h, kEff[0], strides[0], upper);
      const [l, r] = samePads(w, kEff[1], strides[1], upper);
      return [t, b, l, r];
    };
  }
  if (autoPad === 'VALID') return () => [0, 0, 0, 0];
  if (autoPad !== 'NOTSET') throw ctx.unsupported(node, `auto_pad "${autoPad}"`);
  const p = attrInts(node, 'pads') ?? [0, 0, 0, 0];
  if (p.length !== 4) throw ctx.unsupported(node, `pads of length ${p.length} (only 2-D windows are supported)`);
  const pads: Pads4 = [p[0], p[2], p[1], p[3]];
  return () => pads;
}

function pair(node: IrNode, ctx: CompileContext, name: string): [number, number] {
  const v = attrInts(node, name) ?? [1, 1];
  if (v.length !== 2) throw ctx.unsupported(node, `${name} of length ${v.length} (only 2-D convolutions are supported)`);
  return [v[0], v[1]];
}


export function compileConv(node: IrNode, ctx: CompileContext): NodeFn {
  const [, wName, bName] = node.inputs;
  const wInit = ctx.constant(wName);
  if (!wInit) throw ctx.unsupported(node, 'a conv weight that is not an initializer');
  if (wInit.dims.length !== 4) throw ctx.unsupported(node, `a ${wInit.dims.length - 2}-D convolution (only 2-D is supported)`);
  const [co, ciPerGroup, kh, kw] = wInit.dims;
  const group = attrInt(node, 'group', 1);
  if (co % group !== 0) throw ctx.invalid(node, `output channels ${co} not divisible by group ${group}`);
  const strides = pair(node, ctx, 'strides');
  const dil = pair(node, ctx, 'dilations');
  const kEff: [number, number] = [(kh - 1) * dil[0] + 1, (kw - 1) * dil[1] + 1];
  const padsFor = windowPads(node, ctx, kEff, strides);
  const depthwise = group > 1 && ciPerGroup === 1;
  const multiplier = co / group;
  // Depthwise output channel c*m+k reads input channel c, which is the [kh, kw, Co, 1] layout with repeated input.
  const w = ctx.weight(node, wName, depthwise ? DEPTHWISE : HWIO);
  const b = bName ? ctx.weight(node, bName, AS_IS) : undefined;
  let site = -1;
  if (ctx.bnFolded) {
    site = ctx.maskSites.length;
    ctx.maskSites.push({ name: node.name, kind: 'conv-output', channels: co, params: bName ? [wName, bName] : [wName] });
  }

  return (inputs, run) => {
    let x = nhwc(inputs[0]!);
    const cin = x.shape[3];
    if (cin !== ciPerGroup * group) throw ctx.invalid(node, `input has ${cin} channels, weight expects ${ciPerGroup * group}`);
    const pads = padsFor(x.shape[1], x.shape[2]);
    const wEff = dil[0] > 1 || dil[1] > 1 ? dilateFilter(w as tf.Tensor4D, dil[0], dil[1]) : (w as tf.Tensor4D);
    let y: tf.Tensor4D;
    if (depthwise) {
      if (multiplier > 1) {
        // Channel c*m+k of the output reads input channel c: repeat each input channel m times, then multiplier 1.
        const [n, h, wd] = x.shape;
        // (A broadcasting multiply, not tf.tile: tile has no rank-5 gradient and is slow on wasm.)
        x = tf.reshape(tf.mul(tf.expandDims(x, 4), tf.ones([1, 1, 1, 1, multiplier])), [n, h, wd, cin * multiplier]);
      }
      y = depthwiseConv2d(x, wEff, strides, pads, b as tf.Tensor1D | undefined);
    } else if (group === 1) {
      y = conv2d(x, wEff, strides, pads, b as tf.Tensor1D | undefined);
    } else {
      const xs = tf.split(x, group, 3) as tf.Tensor4D[];
      const ws = tf.split(wEff, group, 3);
      y = tf.concat(xs.map((xg, g) => conv2d(xg, ws[g] as tf.Tensor4D, strides, pads)), 3);
      if (b) y = tf.add(y, b);
    }
    if (site >= 0 && run.masks) y = channelScale(y, run.masks[site]);
    return [tensorValue(y, true)];
  };
}
