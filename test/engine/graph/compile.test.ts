/**
 * The compiler's contract beyond numerics: clear MODEL_UNSUPPORTED errors at compile time, the Softmax head,
 * assign/readInitializers round trips, and no leaked tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectBackend } from '../../../src/engine/backend';
import { InputError } from '../../../src/engine/errors';
import { compileProgram } from '../../../src/engine/graph/compile';
import type { IrGraph, IrNode, IrTensor } from '../../../src/engine/onnx/ir';
import { readOnnxFile } from '../../../src/engine/onnx/read';
import { fixtureIo, nchwToNhwc, parityFixtures } from './fixtures';
import { prng, randomArray } from './gradcheck';
import { opModels } from './op_models';

/** A hand-built graph: x [N,2,4,4] -> Conv(3x3, 3 out) -> extra nodes. */
function graphWith(extra: IrNode[], output: string, opset = 13): IrGraph {
  const rand = prng(1);
  const w: IrTensor = { kind: 'float', dims: [3, 2, 3, 3], data: randomArray(54, rand) };
  return {
    name: 'hand-built',
    irVersion: 7,
    opset,
    producer: 'test',
    inputs: [{ name: 'x', elemType: 1, shape: ['N', 2, 4, 4] }],
    outputs: [{ name: output, elemType: 1, shape: ['N', 48] }],
    initializers: new Map([['w', w]]),
    nodes: [{ name: 'conv0', opType: 'Conv', domain: '', inputs: ['x', 'w'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } }, ...extra],
  };
}

function expectUnsupported(graph: IrGraph, pattern: RegExp): void {
  assert.throws(
    () => compileProgram(graph, '/models/m.onnx'),
    (e: unknown) => e instanceof InputError && e.code === 'MODEL_UNSUPPORTED' && e.file === '/models/m.onnx' && pattern.test(e.message),
  );
}

describe('compile errors', () => {
  it('an unknown operator names the operator and the node', async () => {
    await selectBackend('cpu');
    const before = tf.memory().numTensors;
    expectUnsupported(
      graphWith([{ name: 'my_lstm', opType: 'LSTM', domain: '', inputs: ['c'], outputs: ['y'], attrs: {} }], 'y'),
      /^unsupported operator LSTM in node "my_lstm"$/,
    );
    assert.equal(tf.memory().numTensors, before, 'variables created before the error were not disposed');
  });

  it('an operator from a custom domain is unsupported', () => {
    expectUnsupported(graphWith([{ name: 'q', opType: 'Foo', domain: 'com.example', inputs: ['c'], outputs: ['y'], attrs: {} }], 'y'), /com\.example\.Foo in node "q"/);
  });

  it('a 1-D convolution, Pad edge mode and MaxPool indices are unsupported, not crashes', () => {
    const g1 = graphWith([], 'c');
    g1.initializers.set('w', { kind: 'float', dims: [3, 2, 3], data: new Float32Array(18) });
    expectUnsupported(g1, /1-D convolution/);
    expectUnsupported(graphWith([{ name: 'p', opType: 'Pad', domain: '', inputs: ['c', 'pads'], outputs: ['y'], attrs: { mode: 'edge' } }], 'y'), /Pad mode "edge"/);
    expectUnsupported(
      graphWith([{ name: 'mp', opType: 'MaxPool', domain: '', inputs: ['c'], outputs: ['y', 'idx'], attrs: { kernel_shape: [2, 2] } }], 'y'),
      /MaxPool indices/,
    );
  });

  it('a model input that is not [N, C, H, W] is unsupported', () => {
    const g = graphWith([], 'c');
    g.inputs = [{ name: 'x', elemType: 1, shape: ['N', 32] }];
    expectUnsupported(g, /must be \[N, C, H, W\]/);
  });
});

describe('program contract', () => {
  it('a Softmax head is reported and beforeSoftmax returns its logits', async () => {
    await selectBackend('wasm');
    const m = opModels().find((o) => o.name === 'softmax_head')!;
    const { graph } = await readOnnxFile(m.file);
    const program = compileProgram(graph, m.file);
    const x = tf.randomNormal([3, m.inputShape[1], m.inputShape[2], m.inputShape[0]], 0, 1, 'float32', 5) as tf.Tensor4D;
    try {
      assert.equal(program.endsInSoftmax, true);
      const probs = program.forward(x, { training: false });
      const logits = program.forward(x, { training: false, beforeSoftmax: true });
      const again = tf.softmax(logits);
      assert.ok(tf.max(tf.abs(tf.sub(again, probs))).dataSync()[0] < 1e-6);
      assert.ok(tf.max(tf.abs(tf.sub(logits, probs))).dataSync()[0] > 1e-2, 'beforeSoftmax returned probabilities');
      tf.dispose([probs, logits, again]);
    } finally {
      x.dispose();
      program.dispose();
    }
    const plain = opModels().find((o) => o.name === 'gemm_transa')!;
    const p2 = compileProgram((await readOnnxFile(plain.file)).graph, plain.file);
    assert.equal(p2.endsInSoftmax, false);
    p2.dispose();
  });

  it('assign restores the original after training-like changes; readInitializers returns ONNX layout; nothing leaks', async () => {
    await selectBackend('wasm');
    const f = parityFixtures().find((p) => p.name === 'mobilenetv2_small_bnkept')!;
    const { graph } = await readOnnxFile(f.file);
    const before = tf.memory().numTensors;
    const program = compileProgram(graph, f.file);
    const io = await fixtureIo(f);
    const x = nchwToNhwc(io.x, io.dims);
    const y0 = program.forward(x, { training: false });
    const original = y0.dataSync().slice();
    y0.dispose();
    // Original values read back in ONNX layout equal the file's initializers.
    for (const [name, data] of await program.readInitializers()) {
      assert.deepEqual(data, (graph.initializers.get(name) as { data: Float32Array }).data, name);
    }
    // Perturb weights and statistics (as training would), then assign the originals back.
    for (const v of [...program.weights.values()]) tf.tidy(() => v.assign(tf.mul(v, 0.9)));
    program.forward(x, { training: true, updateStats: true }).dispose();
    const y1 = program.forward(x, { training: false });
    assert.notDeepEqual(y1.dataSync(), original);
    y1.dispose();
    program.assign(graph.initializers);
    const y2 = program.forward(x, { training: false });
    assert.deepEqual(y2.dataSync(), original);
    y2.dispose();
    x.dispose();
    program.dispose();
    assert.equal(tf.memory().numTensors, before, 'tensors leaked by compile/forward/assign/dispose');
  });
});

describe('several programs', () => {
  it('two programs compiled from one file live side by side with separate weights', async () => {
    await selectBackend('cpu');
    const f = parityFixtures().find((p) => p.name === 'mnist_cnn_bnkept')!;
    const { graph } = await readOnnxFile(f.file);
    const a = compileProgram(graph, f.file);
    const b = compileProgram(graph, f.file);
    try {
      const [name, va] = [...a.weights][0];
      tf.tidy(() => va.assign(tf.zerosLike(va)));
      assert.ok((await b.readInitializers()).get(name)!.some((v) => v !== 0), 'programs share weights');
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});

describe('frozen weights', () => {
  for (const name of ['mnist_cnn_bnkept', 'mnist_cnn_folded', 'mobilenetv2_small_bnkept']) {
    it(`${name}: mask gradients are the same with weights frozen (trainable = false)`, async () => {
      await selectBackend('wasm');
      const f = parityFixtures().find((p) => p.name === name)!;
      const { graph } = await readOnnxFile(f.file);
      const program = compileProgram(graph, f.file);
      const io = await fixtureIo(f);
      const x = nchwToNhwc(io.x, io.dims);
      const rand = prng(8);
      const masks = program.maskSites.map((s) => tf.variable(tf.tensor1d(randomArray(s.channels, rand, 0.4).map((v) => 0.6 + v)), true));
      const maskGrads = () => {
        const { value, grads } = tf.variableGrads(
          () => tf.sum(tf.square(program.forward(x, { training: true, masks: masks as unknown as tf.Tensor1D[] }))) as tf.Scalar,
          masks,
        );
        value.dispose();
        const out = masks.map((m) => grads[m.name].dataSync().slice());
        tf.dispose(Object.values(grads));
        return out;
      };
      try {
        const live = maskGrads();
        for (const v of program.weights.values()) v.trainable = false;
        const frozen = maskGrads();
        assert.ok(live.some((g) => g.some((v) => v !== 0)), 'mask gradients are all zero; the test would prove nothing');
        assert.deepEqual(frozen, live);
      } finally {
        x.dispose();
        masks.forEach((m) => m.dispose());
        program.dispose();
      }
    });
  }
});
