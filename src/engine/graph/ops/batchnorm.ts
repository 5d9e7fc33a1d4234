/**
 * ONNX BatchNormalization over NHWC activations (or [N, C] features). Scale and bias are trainable variables,
 * running mean/var are stats. Every BN is a mask site: the mask multiplies the scale (gamma) only, as RNP's
 * MaskBatchNorm does. Training mode normalises with batch statistics and, when asked, updates running statistics
 * with PyTorch's rule (ONNX momentum m: running = running*m + batch*(1-m), unbiased batch variance).
 */
import * as tf from '@tensorflow/tfjs-core';
import { attrFloat, type CompileContext, type NodeFn } from '../context';
import type { IrNode } from '../../onnx/ir';
import { AS_IS } from '../layouts';
import { batchNormReluTrain, batchNormTrain } from '../kernels/batchnorm_train';
import { reluKeepingOutput } from '../kernels/relu';
import { nhwc, tensorValue, type Value } from '../values';


export function compileBatchNorm(node: IrNode, ctx: CompileContext): NodeFn {
  const [, sName, bName, mName, vName] = node.inputs;
  if (!sName || !bName || !mName || !vName) throw ctx.invalid(node, 'missing BatchNormalization inputs');
  if (node.outputs.length > 1 && node.outputs.slice(1).some((o) => o !== '')) throw ctx.unsupported(node, 'training-mode BatchNormalization outputs');
  const eps = attrFloat(node, 'epsilon', 1e-5);
  const momentum = attrFloat(node, 'momentum', 0.9);
  const gamma = ctx.weight(node, sName, AS_IS) as tf.Variable<tf.Rank.R1>;
  const beta = ctx.weight(node, bName, AS_IS) as tf.Variable<tf.Rank.R1>;
  const runMean = ctx.weight(node, mName, AS_IS, 'stats') as tf.Variable<tf.Rank.R1>;
  const runVar = ctx.weight(node, vName, AS_IS, 'stats') as tf.Variable<tf.Rank.R1>;
  const channels = gamma.shape[0];
  // The Relu that reads this output runs here (see fusion.ts) and passes its input through.
  const withRelu = ctx.bnReluFused.has(node.outputs[0]);
  const site = ctx.addMaskSite(node, 'batchnorm', channels, [sName]);

  return (inputs, run) => {
    const input = inputs[0]!;
    // [N, C] features (BatchNorm1d) run as [N, 1, 1, C]; ranks other than 2 and 4 are not supported.
    const t2 = input.kind === 'tensor' && !input.nhwc && input.t.rank === 2 ? (input.t as tf.Tensor2D) : undefined;
    const rank2 = t2 !== undefined;
    const x: tf.Tensor4D = t2 ? tf.reshape(t2, [t2.shape[0], 1, 1, t2.shape[1]]) : nhwcChecked(input);
    if (x.shape[3] !== channels) throw ctx.invalid(node, `input has ${x.shape[3]} channels, BatchNormalization has ${channels}`);
    const g = run.masks ? tf.mul(gamma, run.masks[site]) : gamma;
    let y: tf.Tensor4D;
    if (run.opts.training) {
      const r = (withRelu ? batchNormReluTrain : batchNormTrain)(x, g as tf.Tensor1D, beta, eps);
      y = r.y;
      if (run.opts.updateStats) {
        const count = x.size / channels;
        tf.tidy(() => {
          const unbiased = tf.mul(r.variance, count / Math.max(1, count - 1));
          runMean.assign(tf.add(tf.mul(runMean, momentum), tf.mul(r.mean, 1 - momentum)));
          runVar.assign(tf.add(tf.mul(runVar, momentum), tf.mul(unbiased, 1 - momentum)));
        });
      }
      r.mean.dispose();
      r.variance.dispose();
    } else {
      const scale = tf.mul(g, tf.rsqrt(tf.add(runVar, eps)));
      const shift = tf.sub(beta, tf.mul(runMean, scale));
      y = tf.add(tf.mul(x, scale), shift);
      if (withRelu) y = reluKeepingOutput(y);
    }
    return [rank2 ? tensorValue(tf.reshape(y, [y.shape[0], channels])) : tensorValue(y, true)];

    function nhwcChecked(v: Value): tf.Tensor4D {
      try {
        return nhwc(v);
      } catch {
        throw ctx.unsupported(node, 'BatchNormalization on a tensor that is neither [N,C] nor [N,C,H,W]');
      }
    }
  };
}
