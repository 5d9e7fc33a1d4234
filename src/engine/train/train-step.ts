/**
 * One SGD step on one batch, shared by unlearning and recovering: forward (BatchNorm on batch statistics), loss,
 * gradients of `vars` only, update. Returns what the epoch statistics need from the same forward pass.
 * Part of engine/train/, the training toolkit that rnp/ (unlearn, recover, repair) and evidence/ (trigger search,
 * sample scores) both use: kept apart so that evidence/ imports nothing from rnp/ (rnp/ → evidence/ is the one way).
 */
import * as tf from '@tensorflow/tfjs-core';
import { leanVariableGrads } from '../graph/backprop';
import type { ForwardOptions, Program } from '../graph/program';
import type { Batch } from './batches';
import { countCorrect } from './loss';
import type { Sgd } from './sgd';

export async function trainStep(
  program: Program,
  b: Batch,
  vars: readonly tf.Variable[],
  forward: ForwardOptions,
  loss: (logits: tf.Tensor2D) => tf.Scalar,
  sgd: Sgd,
): Promise<{ correct: number; loss: number }> {
  let logits: tf.Tensor2D | undefined;
  const { value, grads } = leanVariableGrads(() => {
    const out = program.forward(b.x, forward);
    logits = tf.keep(out);
    return loss(out);
  }, vars);
  // Both read back asynchronously: WebGPU in Node has no synchronous read.
  const [correct, lossData] = await Promise.all([countCorrect(logits!, b.labels), value.data()]);
  const lossValue = lossData[0]!;
  logits!.dispose();
  value.dispose();
  sgd.step(vars, vars.map((v) => grads[v.name]));
  return { correct, loss: lossValue };
}
