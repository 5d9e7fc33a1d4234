/**
 * The WebGPU backend (engine/webgpu.ts) on whatever adapter this machine has: on CI that is Mesa's llvmpipe through
 * OpenGL ES (the Mesa packages .ci/run installs), a real adapter, not a mock. It starts and names its adapter, auto
 * passes a software adapter by, an RNP recover pass gives wasm's masks, and no tensor is left behind per epoch.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/engine/backend';
import { readOnnxFile } from '../../src/engine/onnx/read';
import { compileProgram } from '../../src/engine/graph/compile';
import { loadDataset } from '../../src/engine/data/load';
import { subset } from '../../src/engine/data/subset';
import { recover } from '../../src/engine/rnp/recover';
import { mulberry32 } from '../../src/engine/train/random';
import { adapterText, takeGpuError } from '../../src/engine/webgpu';

const ROOT = path.resolve(__dirname, '../..');
const DEMO = path.join(ROOT, 'demo');

/** Three recover epochs on 256 demo samples: the masks, and the live tensor count after each epoch. */
async function recoverOn(backend: 'wasm' | 'webgpu'): Promise<{ masks: Float32Array[]; tensorsPerEpoch: number[]; acc: number[] }> {
  await selectBackend(backend);
  const { graph } = await readOnnxFile(path.join(DEMO, 'model.onnx'));
  const program = compileProgram(graph);
  try {
    const all = await loadDataset(path.join(DEMO, 'defense.npz'), { expectShape: program.inputShape, numClasses: 10 });
    const data = subset(all, Int32Array.from({ length: 256 }, (_, i) => i));
    const tensorsPerEpoch: number[] = [];
    const r = await recover(program, data, { lr: 0.2, momentum: 0.9, alpha: 0.2, batchSize: 128, epochs: 3 }, { rng: mulberry32(7), onEpoch: () => tensorsPerEpoch.push(tf.memory().numTensors) });
    return { masks: r.masks, tensorsPerEpoch, acc: r.history.map((h) => h.acc) };
  } finally {
    program.dispose();
  }
}

test('webgpu starts on an adapter it names, with the reason it ran', async () => {
  const info = await selectBackend('webgpu');
  assert.equal(info.name, 'webgpu');
  assert.equal(tf.getBackend(), 'webgpu');
  const a = info.adapter!;
  assert.ok(a && /^(vulkan|opengles|metal|d3d12)$/.test(a.api), `adapter ${JSON.stringify(a)}`);
  assert.ok(info.reason.includes(adapterText(a)), info.reason);
  assert.ok(`${a.vendor}${a.architecture}${a.device}${a.description}`.length > 0, 'the adapter has a name');
  // Reads go through await data(): a sum and a convolution's gradient come back right.
  const xs = Array.from({ length: 2 * 5 * 5 * 3 }, (_, i) => (i % 7) - 3);
  const x = tf.tensor4d(xs, [2, 5, 5, 3]);
  const w = tf.variable(tf.ones([3, 3, 3, 4]));
  const g = tf.grad((v: tf.Tensor) => tf.sum(tf.conv2d(x, v as tf.Tensor4D, 1, 'same')))(w);
  // The gradient of Σ conv wrt the centre tap of input channel 0 is the sum of that channel over every position.
  const want = xs.filter((_, i) => i % 3 === 0).reduce((a, b) => a + b, 0);
  assert.equal((await g.data())[1 * 3 * 3 * 4 + 1 * 3 * 4 + 0 * 4 + 0], want);
  // A synchronous read of a GPU-resident tensor cannot work in Node: the engine never makes one (valuesNow names it).
  assert.throws(() => tf.sum(g).dataSync());
  [x, w, g].forEach((t) => t.dispose());
});

test('an error the GPU reports asynchronously is caught, not left as a wrong number', async () => {
  await selectBackend('webgpu');
  takeGpuError();
  // 1.3× the device's buffer limit (2 GB on llvmpipe, so 2.8 GB): an allocation WebGPU must refuse.
  const limit = (tf.backend() as unknown as { device: { limits: { maxBufferSize: number } } }).device.limits.maxBufferSize;
  const a = tf.fill([Math.ceil((limit * 1.3) / 4)], 1);
  const s = tf.sum(a);
  await s.data();
  [a, s].forEach((t) => t.dispose());
  await new Promise((r) => setTimeout(r, 50));
  const err = takeGpuError();
  assert.match(err ?? 'none', /exceeds the max buffer size limit/, 'the scan would see this and fall back to wasm');
  assert.equal(takeGpuError(), null, 'taken once');
});

test('auto takes WebGPU only on a hardware adapter, and says why not otherwise', async () => {
  const gpu = (await selectBackend('webgpu')).adapter!;
  const info = await selectBackend('auto');
  let native = false;
  for (const pkg of ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) {
    try {
      require.resolve(pkg);
      native = true;
    } catch {
      // not installed
    }
  }
  if (native) assert.equal(info.name, 'tensorflow');
  else if (gpu.software) {
    assert.equal(info.name, 'wasm');
    assert.match(info.reason, /WebGPU not available: the adapter is software \(.+\), slower than the wasm kernels/);
  } else assert.equal(info.name, 'webgpu');
});

test('recover on webgpu gives the masks wasm gives, and holds no more tensors after each epoch', { timeout: 600_000 }, async () => {
  const cpu = await recoverOn('wasm');
  const gpu = await recoverOn('webgpu');
  assert.deepEqual(gpu.tensorsPerEpoch, Array(3).fill(gpu.tensorsPerEpoch[0]), `live tensors per epoch ${gpu.tensorsPerEpoch}`);
  let worst = 0;
  cpu.masks.forEach((m, s) => m.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - gpu.masks[s]![i]!)))));
  // Float32 summation order differs between the backends; three epochs of SGD at lr 0.2 keep that to ~1e-4.
  assert.ok(worst < 1e-2, `largest mask difference ${worst}`);
  gpu.acc.forEach((a, e) => assert.ok(Math.abs(a - cpu.acc[e]!) <= 2 / 256, `epoch ${e + 1} accuracy ${a} vs wasm ${cpu.acc[e]}`));
  console.log(`largest mask difference wasm vs webgpu: ${worst.toExponential(2)}`);
});
