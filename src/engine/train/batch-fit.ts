/**
 * The batch size a scan trains at, fitted to memory (issue #24, "scan at 224×224 with a batch size that fits the
 * memory limit, chosen automatically and reported"). The paper's 128 samples of a VGG at 224×224 need tens of GB of
 * activations for one training step; the wasm heap holds at most 4 GiB. So before any stage, one training step (BN
 * on batch statistics, every weight's gradient: unlearning's step, the heaviest) is profiled at 1 and at 2 samples:
 * the tensors' peak is `fixed + n × perSample` (weights, their gradients and the model's constants are the fixed
 * part), and the batch is the largest n whose peak stays within the limit, never more than asked. Eval-mode passes
 * are chunked to the same size (Program.limitBatch). On WebGPU the batch must also keep every tensor within the
 * device's buffer limit (an over-limit tensor is an asynchronous device error, not an exception). On the models of
 * 28×28 and 32×32 in this repository nothing changes: the fitted size is far above 128.
 */
import { totalmem } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { leanVariableGrads } from '../graph/backprop';
import type { Program } from '../graph/program';
import type { BackendName } from '../result';

/** What the fit found, for the report. */
export interface BatchFit {
  batchSize: number;
  /** The most samples a training step fits in the limit (also the eval-mode chunk size, Program.limitBatch). */
  largest: number;
  /** Tensor bytes of a training step that do not grow with the batch (weights, gradients, constants). */
  fixedBytes: number;
  perSampleBytes: number;
  limitBytes: number;
  /** What stops the batch from growing: the memory limit, or (WebGPU) the largest tensor the device holds. */
  boundBy: 'memory' | 'tensor';
  /** Per sample, the fastest-growing tensor of the step (0 when no tensor limit was given). */
  largestTensorPerSampleBytes: number;
}

/** A wasm32 heap cannot grow past 4 GiB. */
const WASM_HEAP_BYTES = 4 * 2 ** 30;
/** Share of the limit the profiled peak may reach: the heap also holds batches, fragments and what the JS side keeps. */
export const BATCH_HEADROOM = 0.7;

/** The memory a scan's tensors may take on `backend`: half the machine's memory, and for wasm at most its heap. */
export function memoryLimitBytes(backend: BackendName, machineBytes = totalmem()): number {
  const half = machineBytes / 2;
  return backend === 'wasm' ? Math.min(half, WASM_HEAP_BYTES) : half;
}

/**
 * Peak tensor bytes of one training step on `n` zero samples, and its largest single tensor (4 bytes an element: the
 * scan's tensors are float32 and int32); the program's weights and statistics are unchanged.
 */
async function stepBytes(program: Program, n: number): Promise<{ peak: number; outputs: number[] }> {
  const [c, h, w] = program.inputShape;
  const vars = [...program.weights.values()].filter((v) => v.trainable);
  const x = tf.zeros([n, h, w, c]) as tf.Tensor4D;
  const masks = program.maskSites.map((s) => tf.ones([s.channels]) as tf.Tensor1D);
  try {
    const info = await tf.profile(() => {
      const { value, grads } = leanVariableGrads(() => tf.sum(program.forward(x, { training: true, updateStats: false, masks })) as tf.Scalar, vars);
      tf.dispose([value, ...Object.values(grads)]);
    });
    const outputs = info.kernels.flatMap((k) => k.outputShapes.map((sh) => 4 * (sh ?? []).reduce((a, b) => a * b, 1)));
    return { peak: info.peakBytes, outputs };
  } finally {
    tf.dispose([x, ...masks]);
  }
}

/** Rounds of re-measuring at the batch picked (the peak grows a little faster than linearly: a cnn3 at 20 samples
 * peaked 14 % above the line through 1 and 2). */
const CHECKS = 3;

/**
 * The largest batch (≤ `requested`) whose training step fits `limitBytes`, and whose largest tensor fits
 * `maxTensorBytes` when the backend has such a limit; 0 when not even one sample does.
 */
export async function fitBatchSize(program: Program, requested: number, limitBytes: number, maxTensorBytes: number | null = null): Promise<BatchFit> {
  const budget = limitBytes * BATCH_HEADROOM;
  const s1 = await stepBytes(program, 1);
  const s2 = await stepBytes(program, 2);
  const one = s1.peak;
  let perSampleBytes = Math.max(1, s2.peak - one);
  const fixedBytes = Math.max(0, one - perSampleBytes);
  const fitsAt = (per: number) => (budget - fixedBytes < per ? 0 : Math.floor((budget - fixedBytes) / per));
  // Every kernel output as a line too (the same kernels run at 1 and 2 samples, in order): the batch may grow until
  // the first of them outgrows the backend's tensor limit. A weight-sized output does not grow and never binds.
  let tensorFits = Infinity;
  let largestPer = 0;
  if (maxTensorBytes !== null) {
    const paired = s1.outputs.length === s2.outputs.length;
    s1.outputs.forEach((b1, i) => {
      if (b1 > maxTensorBytes) tensorFits = 0;
      const grow = paired ? s2.outputs[i]! - b1 : b1;
      if (grow <= 0) return;
      largestPer = Math.max(largestPer, grow);
      tensorFits = Math.min(tensorFits, Math.floor((maxTensorBytes - (b1 - grow)) / grow));
    });
  }
  let memoryFits = one > budget ? 0 : fitsAt(perSampleBytes);
  let fits = Math.min(memoryFits, tensorFits);
  // Where the limit binds (or nearly), the line's pick is measured and, while over, the slope taken from there.
  for (let k = 0; k < CHECKS && fits > 2 && fits < 1.5 * requested; k++) {
    const n = Math.min(fits, requested);
    const { peak } = await stepBytes(program, n);
    if (peak <= budget) break;
    perSampleBytes = Math.max(perSampleBytes, (peak - fixedBytes) / n);
    memoryFits = Math.min(n - 1, fitsAt(perSampleBytes));
    fits = Math.min(memoryFits, tensorFits);
  }
  const boundBy = memoryFits <= tensorFits ? 'memory' : 'tensor';
  return { batchSize: Math.min(requested, fits), largest: fits, fixedBytes, perSampleBytes, limitBytes, boundBy, largestTensorPerSampleBytes: largestPer };
}
