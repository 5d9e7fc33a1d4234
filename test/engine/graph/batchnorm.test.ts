/**
 * BatchNorm in training mode against PyTorch (make_bn_reference.py): the train-mode output (batch statistics,
 * biased variance), every parameter's gradient, and the running-statistics update (momentum, unbiased variance),
 * on the cpu and wasm backends. Also: without updateStats the statistics stay put.
 */
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../../../src/engine/backend';
import { readNpz } from '../../../src/engine/data/npz';
import { compileProgram } from '../../../src/engine/graph/compile';
import { readOnnxFile } from '../../../src/engine/onnx/read';
import { nchwToNhwc, relativeError } from './fixtures';

let dir = '';
let ref: Map<string, Float32Array>;
let xDims: number[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rnp-bn-ref-'));
  const r = spawnSync('/usr/bin/python3', [join(__dirname, 'make_bn_reference.py'), dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make_bn_reference.py failed: ${r.stderr}`);
  const npz = await readNpz(join(dir, 'ref.npz'));
  ref = new Map([...npz.arrays].map(([k, v]) => [k, Float32Array.from(v.data as ArrayLike<number>)]));
  xDims = npz.arrays.get('x')!.shape;
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`BatchNorm training mode on ${backend}`, () => {
    it('output, gradients and running statistics equal PyTorch train mode', async () => {
      await selectBackend(backend);
      const file = join(dir, 'model.onnx');
      const { graph } = await readOnnxFile(file);
      const program = compileProgram(graph, file);
      const x = nchwToNhwc(ref.get('x')!, xDims);
      const r = tf.tensor2d(ref.get('r')!, [xDims[0], 5]);
      try {
        let y: Float32Array = new Float32Array();
        const { value, grads } = tf.variableGrads(() => {
          const out = program.forward(x, { training: true, updateStats: true });
          y = out.dataSync() as Float32Array;
          return tf.sum(tf.mul(out, r)) as tf.Scalar;
        });
        value.dispose();
        assert.ok(relativeError(y, ref.get('y')!) <= 1e-4, `train-mode output: relative error ${relativeError(y, ref.get('y')!)}`);
        const gradScale = Math.max(...[...ref].filter(([k]) => k.startsWith('grad:')).map(([, v]) => Math.max(...v.map(Math.abs))));
        const byVar = new Map([...program.weights].map(([name, v]) => [v.name, name]));
        let checked = 0;
        for (const [varName, g] of Object.entries(grads)) {
          const name = byVar.get(varName)!;
          const expected = ref.get(`grad:${name}`);
          assert.ok(expected, `PyTorch has no parameter ${name}`);
          // The conv bias before a train-mode BN has a zero gradient (both sides are float noise there), so errors
          // are measured against a tenth of the largest gradient anywhere when a tensor's own scale is smaller.
          const err = relativeError(await program.toOnnxLayout(name, g), expected, 0.1 * gradScale);
          assert.ok(err <= 1e-4, `gradient of ${name}: relative error ${err}`);
          checked++;
          g.dispose();
        }
        assert.equal(checked, [...ref.keys()].filter((k) => k.startsWith('grad:')).length);
        const now = await program.readInitializers();
        for (const [k, expected] of ref) {
          if (!k.startsWith('stats:')) continue;
          const name = k.slice('stats:'.length);
          const err = relativeError(now.get(name)!, expected);
          assert.ok(err <= 1e-5, `${name} after one update: relative error ${err}`);
        }
        // Training without updateStats leaves the statistics untouched.
        program.forward(x, { training: true }).dispose();
        const after = await program.readInitializers();
        for (const name of program.stats.keys()) assert.deepEqual(after.get(name), now.get(name));
      } finally {
        x.dispose();
        r.dispose();
        program.dispose();
      }
    });
  });
}
