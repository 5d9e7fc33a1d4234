/**
 * Cross-entropy as PyTorch's F.cross_entropy (mean over the batch, from logits), and a correct-count helper.
 * Part of engine/train/, the training toolkit that rnp/ (unlearn, recover, repair) and evidence/ (trigger search,
 * sample scores) both use: kept apart so that evidence/ imports nothing from rnp/ (rnp/ → evidence/ is the one way).
 */
import * as tf from '@tensorflow/tfjs-core';

export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    const onehot = tf.oneHot(labels, logits.shape[1]);
    return tf.neg(tf.mean(tf.sum(tf.mul(logp, onehot), 1))) as tf.Scalar;
  });
}

/** Number of rows whose argmax equals the label (reads back only the argmax). */
export async function countCorrect(logits: tf.Tensor2D, labels: Int32Array): Promise<number> {
  const pred = tf.tidy(() => tf.argMax(logits, 1));
  const p = await pred.data();
  pred.dispose();
  let c = 0;
  for (let i = 0; i < labels.length; i++) if (p[i] === labels[i]) c++;
  return c;
}
