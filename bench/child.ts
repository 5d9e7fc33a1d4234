/**
 * One timed run of the project's side of the speed benchmark, in its own process (so peak RSS is its own):
 * `tsx bench/child.ts epochs MODEL.onnx BACKEND EPOCHS [THREADS]` → JSON {unlearn_s, recover_s, total_s, peak_rss_mb}
 * `tsx bench/child.ts demo BACKEND [THREADS]`                        → JSON {total_s, peak_rss_mb, result summary}
 * `tsx bench/child.ts sweep alone|batched BACKEND [THREADS]`          → JSON {total_s, peak_rss_mb, norms}: the scan's
 *   Neural Cleanse sweep over every label of the demo model on its defense data, one label at a time (the search
 *   before issue #21) or all labels in one batch (what a scan runs now)
 * THREADS: wasm threads, 0 (default) = one per core.
 * Random data for `epochs` (timing does not depend on values), 500 samples, batch 128, as the peer's --random.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from '../src/engine/backend';
import { adapterText } from '../src/engine/webgpu';
import { readOnnxFile } from '../src/engine/onnx/read';
import { compileProgram } from '../src/engine/graph/compile';
import type { Dataset } from '../src/engine/data/dataset';
import { unlearn } from '../src/engine/rnp/unlearn';
import { recover } from '../src/engine/rnp/recover';
import { mulberry32 } from '../src/engine/train/random';
import { runScan } from '../src/engine/scan';
import type { BackendChoice } from '../src/engine/options';
import { loadDataset } from '../src/engine/data/load';
import { pixelSpaceOf } from '../src/engine/evidence/pixel-space';
import { NC_DEFAULTS, reverseEngineerTrigger, reverseEngineerTriggers } from '../src/engine/evidence/neural-cleanse';

const rssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
/** The thread count wasm ran with (null on other backends). */
const threadsOf = (backend: string) => (backend === 'wasm' ? getThreadsCount() : null);

async function epochs(model: string, backend: BackendChoice, n: number, threads: number) {
  const info = await selectBackend(backend, threads);
  const { graph } = await readOnnxFile(model);
  const program = compileProgram(graph, model);
  const [c, h, w] = program.inputShape;
  const rng = mulberry32(1);
  const count = 500;
  const x = new Float32Array(count * c * h * w).map(() => rng());
  const y = Int32Array.from({ length: count }, () => Math.floor(rng() * program.numClasses));
  const data: Dataset = { source: 'random', count, shape: [c, h, w], x, y, mean: [], std: [], fromUint8: false };
  const t0 = performance.now();
  await unlearn(program, data, { lr: 0.01, momentum: 0.9, weightDecay: 5e-4, batchSize: 128, maxEpochs: n, cleanThreshold: 0.2, fixedEpochs: true }, { rng });
  const t1 = performance.now();
  await recover(program, data, { lr: 0.2, momentum: 0.9, alpha: 0.2, batchSize: 128, epochs: n }, { rng });
  const t2 = performance.now();
  program.dispose();
  return { backend: info.name, adapter: info.adapter ? adapterText(info.adapter) : null, threads: threadsOf(info.name), unlearn_s: (t1 - t0) / 1000, recover_s: (t2 - t1) / 1000, total_s: (t2 - t0) / 1000, peak_rss_mb: rssMb(), tensors: tf.memory().numTensors };
}

async function demo(backend: BackendChoice, threads: number) {
  const t0 = performance.now();
  const { result } = await runScan({
    model: 'demo/model.onnx',
    data: 'demo/defense.npz',
    cleanTest: 'demo/clean_test.npz',
    poisonTest: 'demo/poison_test.npz',
    outDir: 'bench/out/demo',
    options: { backend, threads },
    writePruned: false,
  });
  return { backend: result.backend.name, threads: threadsOf(result.backend.name), total_s: (performance.now() - t0) / 1000, peak_rss_mb: rssMb(), verdict: result.verdict, detectedLabel: result.detectedLabel, before: result.before, after: result.after, mode: result.mode };
}

async function sweep(how: string, backend: BackendChoice, threads: number) {
  const info = await selectBackend(backend, threads);
  const { graph } = await readOnnxFile('demo/model.onnx');
  const program = compileProgram(graph, 'demo/model.onnx');
  const data = await loadDataset('demo/defense.npz', { expectShape: program.inputShape, numClasses: program.numClasses });
  const space = pixelSpaceOf(data);
  const labels = Array.from({ length: program.numClasses }, (_, l) => l);
  const t0 = performance.now();
  const results = [];
  if (how === 'batched') results.push(...(await reverseEngineerTriggers(program, data, space, labels, NC_DEFAULTS)));
  else for (const l of labels) results.push(await reverseEngineerTrigger(program, data, space, l, NC_DEFAULTS));
  const total_s = (performance.now() - t0) / 1000;
  program.dispose();
  return { backend: info.name, threads: threadsOf(info.name), total_s, peak_rss_mb: rssMb(), norms: results.map((r) => Math.round(r.maskL1 * 10) / 10) };
}

(async () => {
  const [kind, ...args] = process.argv.slice(2);
  const out =
    kind === 'demo'
      ? await demo(args[0] as BackendChoice, Number(args[1] ?? 0))
      : kind === 'sweep'
        ? await sweep(args[0], args[1] as BackendChoice, Number(args[2] ?? 0))
        : await epochs(args[0], args[1] as BackendChoice, Number(args[2]), Number(args[3] ?? 0));
  process.stdout.write(JSON.stringify(out) + '\n');
})().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
