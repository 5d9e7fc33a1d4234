/**
 * Child process of wasm-threads.test.ts (the thread count is fixed per process): one unlearning and one recovering
 * epoch of the demo model on its defense data with THREADS wasm threads; prints the thread count the backend runs
 * with, the recovered masks and a sample of the unlearned weights as one JSON line, then returns without
 * process.exit, so a pool thread that kept the process alive would show as a time-out.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from '../../src/engine/backend';
import { readOnnxFile } from '../../src/engine/onnx/read';
import { compileProgram } from '../../src/engine/graph/compile';
import { loadDataset } from '../../src/engine/data/load';
import { unlearn } from '../../src/engine/rnp/unlearn';
import { recover } from '../../src/engine/rnp/recover';
import { mulberry32 } from '../../src/engine/train/random';

const ROOT = path.resolve(__dirname, '../..');

(async () => {
  const threads = Number(process.argv[2]);
  const info = await selectBackend('wasm', threads);
  const { graph } = await readOnnxFile(path.join(ROOT, 'demo/model.onnx'));
  const program = compileProgram(graph);
  const data = await loadDataset(path.join(ROOT, 'demo/defense.npz'), { expectShape: program.inputShape, numClasses: 10 });
  const rng = mulberry32(98);
  await unlearn(program, data, { lr: 0.01, momentum: 0.9, weightDecay: 5e-4, batchSize: 128, maxEpochs: 1, cleanThreshold: 0.2, fixedEpochs: true }, { rng });
  const rec = await recover(program, data, { lr: 0.2, momentum: 0.9, alpha: 0.2, batchSize: 128, epochs: 1 }, { rng });
  const weights = [...program.weights.values()].map((w) => Array.from(w.dataSync().subarray(0, 64)));
  process.stdout.write(JSON.stringify({ reason: info.reason, threads: getThreadsCount(), masks: rec.masks.map((m) => Array.from(m)), weights, tensors: tf.memory().numTensors }) + '\n');
})().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exitCode = 1;
});
