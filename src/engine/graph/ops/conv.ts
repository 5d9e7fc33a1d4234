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
import { showName } from '../../errors';

/** Pads for one spatial axis under auto_pad SAME_*: ONNX puts the odd extra pixel at the end (UPPER) or start (LOWER). */
export function samePads(inSize: number, k: number, s: number, upper: boolean): [number, number] {
  const out = Math.ceil(inSize / s);
  const total = Math.max(0, (out - 1) * s + k - inSize);
  const small = Math.floor(total / 2);
  return upper ? [small, total - small] : [total - small, small];
}

/**
 * Largest explicit pad of a Conv or pool window we accept, in pixels: real models pad a few pixels (half a kernel);
 * a crafted pads of 1e6 would make every backend allocate (N, H + 2e6, W + 2e6, C) or overrun the wasm heap.
 * Pads are also checked against the input at run time (checkWindow).
 */
export const MAX_WINDOW_PAD = 4096;

/** A 2-D window attribute (kernel_shape, strides, dilations) of positive integers no larger than `max`. */
export function positivePair(node: IrNode, ctx: CompileContext, name: string, v: number[], max = MAX_WINDOW_PAD): [number, number] {
  if (v.length !== 2) throw ctx.unsupported(node, `${name} of length ${v.length} (only 2-D windows are supported)`);
  if (v.some((x) => !Number.isSafeInteger(x) || x < 1 || x > max)) throw ctx.invalid(node, `${name} [${v}] must be integers from 1 to ${max}`);
  return [v[0], v[1]];
}

/**
 * Run-time check of a window op on an input of H×W (NHWC `inShape`): each explicit pad at most the input's extent
 * plus the window (more only adds outputs that see nothing but padding), the window fits the padded input, and the
 * padded input and the output stay under maxTensorElements. Throws naming the node before anything is allocated.
 */
export function checkWindow(
  node: IrNode,
  ctx: CompileContext,
  inShape: readonly number[],
  pads: Pads4,
  kEff: [number, number],
  strides: [number, number],
  outChannels: number,
): void {
  const [n, h, w, c] = inShape;
  const extent = [h, h, w, w];
  const window = [kEff[0], kEff[0], kEff[1], kEff[1]];
  if (pads.some((p, i) => p > extent[i] + window[i])) {
    throw ctx.invalid(node, `pads [${pads[0]}, ${pads[2]}, ${pads[1]}, ${pads[3]}] are larger than the ${h}×${w} input plus the window`);
  }
  const ph = h + pads[0] + pads[1];
  const pw = w + pads[2] + pads[3];
  if (kEff[0] > ph || kEff[1] > pw) {
    throw ctx.invalid(node, `the ${kEff[0]}×${kEff[1]} window is larger than the padded ${ph}×${pw} input`);
  }
  ctx.checkTensor(node, [n, c, ph, pw], 'padded input');
  ctx.checkTensor(node, [n, outChannels, Math.floor((ph - kEff[0]) / strides[0]) + 1, Math.floor((pw - kEff[1]) / strides[1]) + 1]);
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
  if (autoPad !== 'NOTSET') throw ctx.unsupported(node, `auto_pad "${showName(autoPad)}"`);
  const p = attrInts(node, 'pads') ?? [0, 0, 0, 0];
  if (p.length !== 4) throw ctx.unsupported(node, `pads of length ${p.length} (only 2-D windows are supported)`);
  if (p.some((x) => !Number.isSafeInteger(x) || x < 0)) throw ctx.unsupported(node, `pads [${p}] (negative or not integers)`);
  if (p.some((x) => x > MAX_WINDOW_PAD)) throw ctx.invalid(node, `pads [${p}] exceed ${MAX_WINDOW_PAD} pixels`);
  const pads: Pads4 = [p[0], p[2], p[1], p[3]];
  return () => pads;
}

function pair(node: IrNode, ctx: CompileContext, name: string): [number, number] {
  const v = attrInts(node, name) ?? [1, 1];
  if (v.length !== 2) throw ctx.unsupported(node, `${name} of length ${v.length} (only 2-D convolutions are supported)`);
  return positivePair(node, ctx, name, v);
}


export function compileConv(node: IrNode, ctx: CompileContext): NodeFn {
  const [, wName, bName] = node.inputs;
  const wInit = ctx.constant(wName);
  if (!wInit) throw ctx.unsupported(node, 'a conv weight that is not an initializer');
  if (wInit.dims.length !== 4) throw ctx.unsupported(node, `a ${wInit.dims.length - 2}-D convolution (only 2-D is supported)`);
  const [co, ciPerGroup, kh, kw] = wInit.dims;
  if (!(co > 0 && ciPerGroup > 0 && kh > 0 && kw > 0)) throw ctx.invalid(node, `conv weight of shape [${wInit.dims}] is empty`);
  const kernelShape = attrInts(node, 'kernel_shape');
  if (kernelShape && (kernelShape.length !== 2 || kernelShape[0] !== kh || kernelShape[1] !== kw)) {
    throw ctx.invalid(node, `kernel_shape [${kernelShape}] disagrees with the weight's ${kh}×${kw} kernel (weight [${wInit.dims}])`);
  }
  const group = attrInt(node, 'group', 1);
  if (!Number.isSafeInteger(group) || group < 1) throw ctx.invalid(node, `group ${group} is not a positive integer`);
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
  if (ctx.maskSite === 'conv-output') {
    site = ctx.addMaskSite(node, 'conv-output', co, bName ? [wName, bName] : [wName]);
  }

  return (inputs, run) => {
    let x = nhwc(inputs[0]!);
    const cin = x.shape[3];
    if (cin !== ciPerGroup * group) throw ctx.invalid(node, `input has ${cin} channels, weight expects ${ciPerGroup * group}`);
    const pads = padsFor(x.shape[1], x.shape[2]);
    checkWindow(node, ctx, x.shape, pads, kEff, strides, co);
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
