// The batch size fitted to memory (train/batch-fit.ts, issue #24): the linear model of a training step's peak that
// the fit rests on holds at the batch it picks, a limit that cannot hold one sample says so, eval passes chunked to
// a limit give the same rows, and a scan under a small limit trains at the fitted size and says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readOnnxFile } from '../../../src/engine/onnx/read';
import { compileProgram } from '../../../src/engine/graph/compile';
import { selectBackend } from '../../../src/engine/backend';
import { BATCH_HEADROOM, fitBatchSize, memoryLimitBytes } from '../../../src/engine/train/batch-fit';
import { leanVariableGrads } from '../../../src/engine/graph/backprop';
import { runScan } from '../../../src/engine/scan';

const FIXTURE = path.resolve(__dirname, '../../../fixtures/trained/mnist_cnn_badnets');
const MODEL = path.join(FIXTURE, 'model.onnx');

async function program() {
  await selectBackend('cpu');
  return compileProgram((await readOnnxFile(MODEL)).graph, MODEL);
}

/** Peak tensor bytes of one training step at `n` samples, measured the way a scan's unlearning step runs. */
async function peakAt(p: Awaited<ReturnType<typeof program>>, n: number): Promise<number> {
  const [c, h, w] = p.inputShape;
  const x = tf.randomUniform([n, h, w, c]) as tf.Tensor4D;
  const masks = p.maskSites.map((s) => tf.ones([s.channels]) as tf.Tensor1D);
  const info = await tf.profile(() => {
    const { value, grads } = leanVariableGrads(() => tf.sum(p.forward(x, { training: true, updateStats: false, masks })) as tf.Scalar, [...p.weights.values()]);
    tf.dispose([value, ...Object.values(grads)]);
  });
  tf.dispose([x, ...masks]);
  return info.peakBytes;
}

test('the fitted batch is the largest whose measured training step stays within the limit, never more than asked', async () => {
  const p = await program();
  try {
    const roomy = await fitBatchSize(p, 128, 2 ** 40);
    assert.equal(roomy.batchSize, 128);
    assert.ok(roomy.perSampleBytes > 0 && roomy.fixedBytes > 0, JSON.stringify(roomy));
    // A limit the line through 1 and 2 samples says holds 20: the peak grows faster than that line, so the pick is
    // measured; its real peak is within the limit, and it is not far below what fits.
    const limit = (roomy.fixedBytes + 20.5 * roomy.perSampleBytes) / BATCH_HEADROOM;
    const fit = await fitBatchSize(p, 128, limit);
    const at = await peakAt(p, fit.batchSize);
    assert.ok(at <= limit * BATCH_HEADROOM, `the fitted batch fits: ${at} vs ${limit * BATCH_HEADROOM}, ${JSON.stringify(fit)}`);
    assert.ok(fit.batchSize >= 12 && fit.batchSize <= 20 && fit.largest === fit.batchSize, JSON.stringify(fit));
    assert.equal(fit.boundBy, 'memory');
    assert.ok((await peakAt(p, Math.ceil(fit.batchSize * 1.5))) > limit * BATCH_HEADROOM, 'half as many again do not fit');
    const none = await fitBatchSize(p, 128, roomy.fixedBytes / 2);
    assert.equal(none.batchSize, 0);
  } finally {
    p.dispose();
  }
});

test('memoryLimitBytes: half the machine, and at most the 4 GiB a wasm heap can hold', () => {
  assert.equal(memoryLimitBytes('wasm', 64 * 2 ** 30), 4 * 2 ** 30);
  assert.equal(memoryLimitBytes('wasm', 4 * 2 ** 30), 2 * 2 ** 30);
  assert.equal(memoryLimitBytes('cpu', 64 * 2 ** 30), 32 * 2 ** 30);
});

test('an eval pass over a batch limit runs in chunks that give the same rows; a training pass is not chunked', async () => {
  const p = await program();
  const [c, h, w] = p.inputShape;
  const x = tf.randomUniform([10, h, w, c], 0, 1, 'float32', 3) as tf.Tensor4D;
  try {
    const whole = Array.from(tf.tidy(() => p.forward(x, { training: false }).dataSync()));
    const trainWhole = Array.from(tf.tidy(() => p.forward(x, { training: true }).dataSync()));
    p.limitBatch(3);
    const chunked = Array.from(tf.tidy(() => p.forward(x, { training: false }).dataSync()));
    chunked.forEach((v, i) => assert.ok(Math.abs(v - whole[i]) <= 1e-5 * (1 + Math.abs(whole[i])), `logit ${i}: ${v} vs ${whole[i]}`));
    // Batch statistics over all 10 samples, as before the limit (chunks of 3 would normalise differently).
    assert.deepEqual(Array.from(tf.tidy(() => p.forward(x, { training: true }).dataSync())), trainWhole);
  } finally {
    x.dispose();
    p.dispose();
  }
});

test('a scan under a memory limit that holds a few dozen samples trains at the fitted size, reports it, and finishes', { timeout: 300_000 }, async () => {
  const p = await program();
  const roomy = await fitBatchSize(p, 128, 2 ** 40);
  const limit = (roomy.fixedBytes + 30.5 * roomy.perSampleBytes) / BATCH_HEADROOM;
  const fitted = (await fitBatchSize(p, 128, limit)).batchSize;
  p.dispose();
  assert.ok(fitted > 1 && fitted < 128, `fitted ${fitted}`);
  const out = mkdtempSync(path.join(tmpdir(), 'rnp-batch-fit-'));
  const { result } = await runScan(
    { model: MODEL, data: path.join(FIXTURE, 'defense.npz'), outDir: out, writePruned: false, options: { mode: 'paper', backend: 'cpu', unlearnEpochs: 1, recoverEpochs: 1 } },
    { memoryLimitBytes: limit },
  );
  assert.equal(result.options.batchSize, fitted);
  assert.ok(result.notes.some((n) => n.startsWith(`Batch size ${fitted} instead of 128`)), result.notes.join('\n'));
  assert.equal(result.plan!.stages.find((s) => s.stage === 'unlearn')!.settings!.batchSize, fitted);
});

test('under a tensor limit (WebGPU\'s buffer limit) the batch keeps every tensor of the step within it', async () => {
  const p = await program();
  try {
    const roomy = await fitBatchSize(p, 128, 2 ** 40);
    assert.equal(roomy.largestTensorPerSampleBytes, 0, 'no tensor limit, none measured');
    // A limit that the step's fastest-growing tensor reaches at about 10 samples.
    const probe = await fitBatchSize(p, 128, 2 ** 40, 2 ** 40);
    const limit = probe.largestTensorPerSampleBytes * 10.5;
    const fit = await fitBatchSize(p, 128, 2 ** 40, limit);
    assert.ok(fit.batchSize >= 5 && fit.batchSize <= 10, JSON.stringify(fit));
    assert.equal(fit.boundBy, 'tensor');
    // Measured at the pick: no kernel output is over the limit; at twice the pick one is.
    const outputsAt = async (n: number) => {
      const [c, h, w] = p.inputShape;
      const x = tf.zeros([n, h, w, c]) as tf.Tensor4D;
      const info = await tf.profile(() => {
        const { value, grads } = leanVariableGrads(() => tf.sum(p.forward(x, { training: true, updateStats: false })) as tf.Scalar, [...p.weights.values()]);
        tf.dispose([value, ...Object.values(grads)]);
      });
      x.dispose();
      return Math.max(...info.kernels.flatMap((k) => k.outputShapes.map((s) => 4 * (s ?? []).reduce((a, b) => a * b, 1))));
    };
    assert.ok((await outputsAt(fit.batchSize)) <= limit, 'every tensor within the limit at the pick');
    assert.ok((await outputsAt(fit.batchSize * 2)) > limit, 'not at twice the pick');
    assert.equal((await fitBatchSize(p, 128, 2 ** 40, 16)).batchSize, 0, 'a limit no tensor fits');
  } finally {
    p.dispose();
  }
});
