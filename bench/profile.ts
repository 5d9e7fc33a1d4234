/**
 * `tsx bench/profile.ts MODEL.onnx [unlearn|recover] [BATCH] [BACKEND]`: where one training step's time and memory go.
 * Runs one warm-up step, then one step under tf.profile, and prints per-kernel time (summed by kernel name and input
 * shapes), the backend's peak bytes during the step, the tensors kept alive, and the process's peak RSS. Random data,
 * as the speed bench (timing does not depend on values). A development tool: it guided the wasm path's work (issue 8).
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/engine/backend';
import { readOnnxFile } from '../src/engine/onnx/read';
import { compileProgram } from '../src/engine/graph/compile';
import { makeBatch } from '../src/engine/train/batches';
import { crossEntropy } from '../src/engine/train/loss';
import { mulberry32 } from '../src/engine/train/random';
import { Sgd } from '../src/engine/train/sgd';
import { trainStep } from '../src/engine/train/train-step';
import type { BackendChoice } from '../src/engine/options';

(async () => {
  const [model, mode = 'unlearn', batchArg = '128', backend = 'wasm'] = process.argv.slice(2);
  // Per-kernel timing only: the NaN check would read back every kernel's output.
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  await selectBackend(backend as BackendChoice);
  const { graph } = await readOnnxFile(model);
  const program = compileProgram(graph, model);
  const [c, h, w] = program.inputShape;
  const n = Number(batchArg);
  const rng = mulberry32(1);
  const x = new Float32Array(n * c * h * w).map(() => rng());
  const y = Int32Array.from({ length: n }, () => Math.floor(rng() * program.numClasses));
  const data = { source: 'random', count: n, shape: [c, h, w] as [number, number, number], x, y, mean: [], std: [], fromUint8: false };
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  const recover = mode === 'recover';
  const masks = recover ? program.maskSites.map((s) => tf.variable(tf.ones([s.channels]), true) as tf.Variable<tf.Rank.R1>) : undefined;
  const weights = [...program.weights.values()];
  if (recover) weights.forEach((v) => (v.trainable = false));
  const vars = recover ? masks! : weights;
  const sgd = new Sgd(0.01, 0.9, recover ? 0 : 5e-4);
  const step = () => {
    const b = makeBatch(data, idx);
    trainStep(program, b, vars, { training: true, updateStats: !recover, masks }, (out) => (recover ? crossEntropy(out, b.y) : tf.neg(crossEntropy(out, b.y))), sgd);
    b.x.dispose();
    b.y.dispose();
  };
  let t = performance.now();
  step();
  console.log(`warm-up step: ${((performance.now() - t) / 1000).toFixed(2)} s, rss peak ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
  t = performance.now();
  step();
  console.log(`second step: ${((performance.now() - t) / 1000).toFixed(2)} s`);
  const info = await tf.profile(step);
  const byKernel = new Map<string, { ms: number; calls: number }>();
  let total = 0;
  for (const k of info.kernels) {
    const ms = k.kernelTimeMs as number;
    total += ms;
    const key = `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join('')}`;
    const e = byKernel.get(key) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls++;
    byKernel.set(key, e);
  }
  const byName = new Map<string, number>();
  for (const k of info.kernels) byName.set(k.name, (byName.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  console.log(`profiled step: kernels ${total.toFixed(0)} ms in ${info.kernels.length} calls; peak ${(info.peakBytes / 2 ** 20).toFixed(0)} MB, new ${(info.newBytes / 2 ** 20).toFixed(1)} MB, backend now ${(tf.memory().numBytes / 2 ** 20).toFixed(0)} MB in ${tf.memory().numTensors} tensors`);
  console.log('by kernel:');
  for (const [name, ms] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`  ${ms.toFixed(1).padStart(9)} ms  ${name}`);
  console.log('by kernel and shapes:');
  for (const [key, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 40)) console.log(`  ${e.ms.toFixed(1).padStart(9)} ms ${String(e.calls).padStart(4)}x  ${key}`);
  // Where the live bytes peak: the kernel after which the most bytes were live, and the live bytes along the step.
  const snaps = info.kernels.map((k) => k.totalBytesSnapshot);
  const at = snaps.indexOf(Math.max(...snaps));
  console.log(`most live bytes after kernel ${at}/${snaps.length} (${info.kernels[at].name} [${info.kernels[at].inputShapes.map((s) => `[${s}]`).join('')}]): ${(snaps[at] / 2 ** 20).toFixed(0)} MB`);
  const marks = Array.from({ length: 21 }, (_, i) => Math.min(snaps.length - 1, Math.round((i * (snaps.length - 1)) / 20)));
  console.log(`live MB along the step: ${marks.map((i) => (snaps[i] / 2 ** 20).toFixed(0)).join(' ')}`);
  console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
  sgd.dispose();
  masks?.forEach((m) => m.dispose());
  program.dispose();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
