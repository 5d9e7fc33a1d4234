// The torchvision export matrix (issue #24, item 4): twelve torchvision classifiers (fixtures/torchvision_matrix.py,
// with Debian's python3-torchvision) × {eval, batch1, training, fresh, opset17} at 64×64. For each export: the
// project's forward on 3 samples equals onnxruntime's (logits within 1e-4 relative; labels identical wherever
// onnxruntime's top two logits are not a near tie). onnxruntime is the oracle; for the variants it runs differently
// from the scan (a TRAINING-mode file uses batch statistics, a batch-1 file takes one sample) it runs the `eval` file
// of the same weights. A one-epoch paper-mode scan then runs on every export, and onnxruntime runs the pruned model
// it wrote. The exports are cached by the generator's hash (.cache/torchvision-matrix/HASH), made once per machine in
// about 30 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { readOnnxFile } from '../../../src/engine/onnx/read';
import { compileProgram } from '../../../src/engine/graph/compile';
import { selectBackend } from '../../../src/engine/backend';
import { writeNpz } from '../../../src/engine/data/npz';
import { runScan } from '../../../src/engine/scan';
import { assertLogitsClose } from '../../logits-close';

const ROOT = path.resolve(__dirname, '../../..');
const GENERATOR = path.join(ROOT, 'fixtures', 'torchvision_matrix.py');
const MODELS = ['resnet18', 'mobilenet_v2', 'mobilenet_v3_small', 'densenet121', 'efficientnet_b0', 'regnet_x_400mf', 'regnet_y_400mf', 'mnasnet0_5', 'googlenet', 'squeezenet1_1', 'shufflenet_v2_x0_5', 'convnext_tiny'];
const VARIANTS = ['eval', 'batch1', 'training', 'fresh', 'opset17'] as const;
const N = 3;
const SAMPLE = 3 * 64 * 64;

/** The generator's exports, made once per generator version into the cache (renamed into place when complete). */
function matrixDir(): string {
  const hash = createHash('sha256').update(readFileSync(GENERATOR)).digest('hex').slice(0, 16);
  const dir = path.join(ROOT, '.cache', 'torchvision-matrix', hash);
  if (existsSync(path.join(dir, 'DONE'))) return dir;
  const work = `${dir}.tmp-${process.pid}`;
  mkdirSync(work, { recursive: true });
  const r = spawnSync('/usr/bin/python3', [GENERATOR, work], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`torchvision_matrix.py failed (python3-torchvision installed?): ${r.stderr.slice(-2000)}`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(work, dir);
  return dir;
}

let dir = '';
const fixtures = () => (dir ||= matrixDir());
const sessions = new Map<string, Promise<ort.InferenceSession>>();
const session = (file: string) => {
  if (!sessions.has(file)) sessions.set(file, ort.InferenceSession.create(file));
  return sessions.get(file)!;
};

/** onnxruntime's logits for the batch `x` [n, 3, 64, 64] on `file`. */
async function ortLogits(file: string, x: Float32Array, n: number): Promise<Float32Array> {
  const out = await (await session(file)).run({ x: new ort.Tensor('float32', x, [n, 3, 64, 64]) });
  return out.logits.data as Float32Array;
}

for (const model of MODELS) {
  for (const variant of VARIANTS) {
    test(`torchvision ${model}, ${variant} export: the forward equals onnxruntime's`, { timeout: 300_000 }, async () => {
      const d = fixtures();
      const file = path.join(d, `${model}.${variant}.onnx`);
      const oracle = path.join(d, `${model}.${variant === 'training' || variant === 'batch1' ? 'eval' : variant}.onnx`);
      const xb = readFileSync(path.join(d, `${model}.x.f32`));
      const x = new Float32Array(xb.buffer.slice(xb.byteOffset, xb.byteOffset + xb.length));
      assert.equal(x.length, N * SAMPLE);
      await selectBackend('wasm');
      const { graph } = await readOnnxFile(file);
      const program = compileProgram(graph, file);
      try {
        assert.deepEqual(program.inputShape, [3, 64, 64]);
        assert.equal(program.numClasses, 10);
        const ours = tf.tidy(() => program.forward(tf.transpose(tf.tensor4d(x, [N, 3, 64, 64]), [0, 2, 3, 1]) as tf.Tensor4D, { training: false }).dataSync() as Float32Array);
        const want = await ortLogits(oracle, x, N);
        assertLogitsClose(ours, want, 'ours vs onnxruntime');
        for (let r = 0; r < N; r++) {
          const row = Array.from(want.subarray(r * 10, r * 10 + 10));
          const mine = Array.from(ours.subarray(r * 10, r * 10 + 10));
          const sorted = [...row].sort((a, b) => b - a);
          if (sorted[0] - sorted[1] <= 1e-3 * (1 + Math.abs(sorted[0]))) continue; // a near tie: either label is right
          assert.equal(mine.indexOf(Math.max(...mine)), row.indexOf(sorted[0]), `sample ${r}: label`);
        }
        if (variant === 'fresh') assert.ok((graph.notes ?? []).length > 0 || graph.nodes.every((n) => n.opType !== 'Identity'), 'shared parameters were folded');
        // A TRAINING-mode file with BatchNorm or Dropout is said to be one (ConvNeXt has neither: nothing to say).
        if (variant === 'training' && graph.nodes.some((n) => n.opType === 'BatchNormalization' || n.opType === 'Dropout')) {
          assert.ok((graph.notes ?? []).some((n) => n.includes('TRAINING-mode export')), (graph.notes ?? []).join('\n'));
        }
      } finally {
        program.dispose();
      }
    });
  }
}

const SCANNED = MODELS.flatMap((m) => VARIANTS.map((v) => [m, v] as const));
const work = mkdtempSync(path.join(tmpdir(), 'rnp-tv-matrix-'));
const defense = path.join(work, 'defense.npz');

for (const [model, variant] of SCANNED) {
  test(`torchvision ${model}, ${variant} export: a one-epoch paper-mode scan runs, and onnxruntime runs its pruned model`, { timeout: 600_000 }, async () => {
    const d = fixtures();
    const file = path.join(d, `${model}.${variant}.onnx`);
    if (!existsSync(defense)) {
      let seed = 11;
      const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
      await writeNpz(defense, { x: { dtype: 'uint8', shape: [20, 3, 64, 64], data: Uint8Array.from({ length: 20 * SAMPLE }, () => Math.floor(rnd() * 256)) }, y: { dtype: 'int64', shape: [20], data: BigInt64Array.from({ length: 20 }, (_, i) => BigInt(i % 10)) } });
    }
    const out = path.join(work, `${model}.${variant}`);
    const { result } = await runScan({ model: file, data: defense, outDir: out, writePruned: true, prunedDir: out, options: { mode: 'paper', backend: 'wasm', unlearnEpochs: 1, recoverEpochs: 1, batchSize: 20 } });
    assert.ok(result.layers.length > 0 && result.prunedModel, 'masks were learned and a pruned model written');
    const n = variant === 'batch1' ? 1 : 2;
    const y = (await (await ort.InferenceSession.create(result.prunedModel!)).run({ x: new ort.Tensor('float32', new Float32Array(n * SAMPLE).fill(0.5), [n, 3, 64, 64]) })).logits;
    assert.deepEqual(y.dims, [n, 10]);
    assert.ok((y.data as Float32Array).every(Number.isFinite), 'finite logits');
  });
}
