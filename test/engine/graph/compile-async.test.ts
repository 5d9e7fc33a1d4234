// The scan's compile (compileProgramAsync): it yields to the event loop between nodes, so a cancel is seen while a
// big model's weights upload; a cancelled compile rejects with CancelledError and leaves no tensor behind. And the
// host-side permutation that lays weights out for tfjs (graph/layouts.ts permutedTensor) equals tf.transpose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readOnnxFile } from '../../../src/engine/onnx/read';
import { compileProgram, compileProgramAsync } from '../../../src/engine/graph/compile';
import { permutedTensor } from '../../../src/engine/graph/layouts';
import { selectBackend } from '../../../src/engine/backend';
import { CancelledError } from '../../../src/engine/errors';

const MODEL = path.resolve(__dirname, '../../../fixtures/trained/vgg_small_badnets/model.onnx');

test('compileProgramAsync gives the same program as compileProgram, and reports its progress node by node', async () => {
  await selectBackend('cpu');
  const { graph } = await readOnnxFile(MODEL);
  const seen: number[] = [];
  const a = await compileProgramAsync(graph, MODEL, { yieldMs: 0, onProgress: (p) => (assert.equal(p.total, graph.nodes.length), seen.push(p.done)) });
  const b = compileProgram(graph, MODEL);
  try {
    assert.ok(seen.length >= graph.nodes.length && seen.every((d, i) => i === 0 || d >= seen[i - 1]), `progress ${seen.join()}`);
    assert.equal(seen.at(-1), graph.nodes.length);
    const x = tf.randomUniform([3, a.inputShape[1], a.inputShape[2], a.inputShape[0]]) as tf.Tensor4D;
    const [ya, yb] = [a, b].map((p) => Array.from(tf.tidy(() => p.forward(x, { training: false }).dataSync())));
    x.dispose();
    assert.deepEqual(ya, yb);
  } finally {
    a.dispose();
    b.dispose();
  }
});

test('a compile cancelled between nodes rejects with CancelledError and disposes every weight it uploaded', async () => {
  await selectBackend('cpu');
  const { graph } = await readOnnxFile(MODEL);
  const before = tf.memory().numTensors;
  const ac = new AbortController();
  let reports = 0;
  await assert.rejects(
    compileProgramAsync(graph, MODEL, {
      yieldMs: 0,
      signal: ac.signal,
      onProgress: (p) => {
        // Abort once some weights are up (a Conv's), so there is something to dispose.
        if (++reports === 1 || p.done < 3) return;
        ac.abort();
      },
    }),
    (e) => e instanceof CancelledError,
  );
  assert.ok(reports >= 3, `aborted after ${reports} reports`);
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
});

test('permutedTensor equals tf.transpose: 2-D (tiled, ragged edges) and the 4-D conv layouts', async () => {
  await selectBackend('cpu');
  const cases: [number[], number[]][] = [
    [[130, 67], [1, 0]],
    [[1, 5], [1, 0]],
    [[6, 3, 5, 4], [2, 3, 1, 0]],
    [[6, 1, 3, 3], [2, 3, 0, 1]],
    [[2, 3, 4], [2, 0, 1]],
  ];
  for (const [dims, perm] of cases) {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * 10 + i);
    const got = permutedTensor({ kind: 'float', dims, data }, perm);
    const want = tf.tidy(() => tf.transpose(tf.tensor(data, dims), perm));
    assert.deepEqual(got.shape, want.shape, `${dims} by ${perm}`);
    assert.deepEqual(Array.from(got.dataSync()), Array.from(want.dataSync()), `${dims} by ${perm}`);
    tf.dispose([got, want]);
  }
});
