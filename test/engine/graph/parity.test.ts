/**
 * Real PyTorch exports (fixtures/parity.py: mnist_cnn, vgg_small, resnet18, MobileNetV2-style, PreAct-ResNet-18,
 * each with BatchNorm kept and folded) against onnxruntime-node:
 *  - eval-mode forward within 1e-4 relative, on cpu and wasm;
 *  - masks: a zero (or fractional) mask on a BN channel equals that gamma scaled in the ONNX; on folded models, a
 *    conv-output mask equals that conv's weight and bias scaled;
 *  - gradients (weights and masks, training mode) agree between wasm and cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectBackend } from '../../../src/engine/backend';
import { compileProgram } from '../../../src/engine/graph/compile';
import type { Program } from '../../../src/engine/graph/program';
import { readOnnxFile } from '../../../src/engine/onnx/read';
import { encodeOnnxWithInitializers } from '../../../src/engine/onnx/write';
import { fixtureIo, nchwToNhwc, parityFixtures, relativeError, runOrt, type ParityFixture } from './fixtures';
import { prng } from './gradcheck';

const fixtures = parityFixtures();
const byName = (name: string): ParityFixture => {
  const f = fixtures.find((x) => x.name === name);
  assert.ok(f, `parity fixture ${name} missing from the manifest`);
  return f;
};

describe('parity fixtures', () => {
  it('cover the architectures the brief names, BN kept and folded', () => {
    for (const arch of ['mnist_cnn', 'vgg_small', 'resnet18', 'mobilenetv2_small', 'preact_resnet18']) {
      byName(`${arch}_bnkept`);
      byName(`${arch}_folded`);
    }
  });
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`onnxruntime parity on ${backend}`, () => {
    for (const f of fixtures) {
      it(`${f.name}: eval forward within 1e-4 of onnxruntime`, async () => {
        await selectBackend(backend);
        const { graph, bytes } = await readOnnxFile(f.file);
        const program = compileProgram(graph, f.file);
        const io = await fixtureIo(f);
        const ref = await runOrt(bytes, io.x, io.dims);
        const x = nchwToNhwc(io.x, io.dims);
        try {
          assert.deepEqual(program.inputShape, f.inputShape);
          assert.equal(program.bnFolded, !f.ops.includes('BatchNormalization'));
          const y = program.forward(x, { training: false });
          const err = relativeError(y.dataSync(), ref);
          y.dispose();
          assert.ok(err <= 1e-4, `relative error ${err}`);
        } finally {
          x.dispose();
          program.dispose();
        }
      });
    }
  });
}

/** Random masks: mostly ones, a few zeros and a few fractions, at every site. */
function someMasks(program: Program, seed: number): number[][] {
  const rand = prng(seed);
  return program.maskSites.map((s) =>
    Array.from({ length: s.channels }, () => {
      const u = rand();
      return u < 0.15 ? 0 : u < 0.25 ? 0.5 : 1;
    }),
  );
}

/** The ONNX initializers a mask stands for, scaled: BN gamma per channel, or conv W (and B) per output channel. */
function maskedInitializers(program: Program, masks: number[][], graphInits: Map<string, { dims: number[]; data: Float32Array | number[] }>): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  program.maskSites.forEach((site, i) => {
    for (const name of site.params) {
      const init = graphInits.get(name)!;
      const data = Float32Array.from(init.data as ArrayLike<number>);
      const per = data.length / site.channels;
      for (let c = 0; c < site.channels; c++) for (let k = 0; k < per; k++) data[c * per + k] *= masks[i][c];
      out.set(name, data);
    }
  });
  return out;
}

describe('masks equal scaled initializers in onnxruntime', () => {
  for (const name of ['mnist_cnn_bnkept', 'mobilenetv2_small_bnkept', 'preact_resnet18_folded', 'mnist_cnn_folded', 'mobilenetv2_small_folded']) {
    it(`${name} (wasm)`, async () => {
      await selectBackend('wasm');
      const f = byName(name);
      const { graph, bytes } = await readOnnxFile(f.file);
      const program = compileProgram(graph, f.file);
      const io = await fixtureIo(f);
      const x = nchwToNhwc(io.x, io.dims);
      const masks = someMasks(program, 11);
      const maskTensors = masks.map((m) => tf.tensor1d(m));
      try {
        assert.ok(program.maskSites.length > 0);
        for (const s of program.maskSites) assert.equal(s.kind, f.ops.includes('BatchNormalization') ? 'batchnorm' : 'conv-output');
        const edited = encodeOnnxWithInitializers(bytes, maskedInitializers(program, masks, graph.initializers as never), f.file).model;
        const ref = await runOrt(edited, io.x, io.dims);
        const y = program.forward(x, { training: false, masks: maskTensors });
        const err = relativeError(y.dataSync(), ref);
        y.dispose();
        assert.ok(err <= 1e-4, `relative error ${err}`);
        // And the masks matter: the unmasked output is different.
        const plainOut = await runOrt(bytes, io.x, io.dims);
        assert.ok(relativeError(plainOut, ref) > 1e-3, 'masks had no visible effect; the test would prove nothing');
      } finally {
        x.dispose();
        maskTensors.forEach((t) => t.dispose());
        program.dispose();
      }
    });
  }
});

/** Gradients of a cross-entropy-like loss w.r.t. every weight and mask, training mode, on one backend. */
async function trainingGradients(backend: 'cpu' | 'wasm', f: ParityFixture): Promise<Map<string, Float32Array>> {
  await selectBackend(backend);
  const { graph } = await readOnnxFile(f.file);
  const program = compileProgram(graph, f.file);
  const io = await fixtureIo(f);
  const x = nchwToNhwc(io.x, io.dims);
  const masks = someMasks(program, 5).map((m) => tf.variable(tf.tensor1d(m.map((v) => 0.5 + v / 2)), true));
  try {
    const labels = tf.oneHot(tf.tensor1d([1, 3, 5, 7].slice(0, io.dims[0]), 'int32'), program.numClasses);
    const { value, grads } = tf.variableGrads(() => {
      const logits = program.forward(x, { training: true, masks: masks as unknown as tf.Tensor1D[] });
      return tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1))) as tf.Scalar;
    });
    value.dispose();
    labels.dispose();
    const byVar = new Map<string, string>([...program.weights].map(([n, v]) => [v.name, n]));
    masks.forEach((m, i) => byVar.set(m.name, `mask${i}`));
    const out = new Map<string, Float32Array>();
    for (const [k, g] of Object.entries(grads)) {
      out.set(byVar.get(k)!, g.dataSync() as Float32Array);
      g.dispose();
    }
    return out;
  } finally {
    x.dispose();
    masks.forEach((m) => m.dispose());
    program.dispose();
  }
}

describe('training gradients agree between wasm and cpu', () => {
  for (const name of ['mnist_cnn_bnkept', 'mobilenetv2_small_bnkept', 'mnist_cnn_folded']) {
    it(name, async () => {
      const f = byName(name);
      const cpu = await trainingGradients('cpu', f);
      const wasm = await trainingGradients('wasm', f);
      assert.deepEqual([...wasm.keys()].sort(), [...cpu.keys()].sort());
      const scale = Math.max(...[...cpu.values()].map((g) => Math.max(...g.map(Math.abs))));
      assert.ok(scale > 0);
      for (const [k, g] of cpu) {
        const err = relativeError(wasm.get(k)!, g, 0.01 * scale);
        assert.ok(err <= 1e-3, `${k}: relative error ${err}`);
      }
    });
  }
});
