/**
 * Every op family, one small ONNX model each (make_op_models.py): forward equals onnxruntime within 1e-4 relative,
 * and gradients (input, weights, masks) equal central finite differences, on the cpu and wasm backends.
 */
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectBackend } from '../../../src/engine/backend';
import { compileProgram } from '../../../src/engine/graph/compile';
import { readOnnxFile } from '../../../src/engine/onnx/read';
import { checkProgramGradients, prng, randomArray } from './gradcheck';
import { relativeError, runOrt } from './fixtures';
import { opModels } from './op_models';

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`ops on ${backend}`, () => {
    for (const m of opModels()) {
      it(`${m.name}: forward = onnxruntime, gradients = finite differences`, async () => {
        await selectBackend(backend);
        const { graph, bytes } = await readOnnxFile(m.file);
        const program = compileProgram(graph, m.file);
        const [c, h, w] = m.inputShape;
        const xNchw = randomArray(2 * c * h * w, prng(42), 1);
        const ref = await runOrt(bytes, xNchw, [2, c, h, w]);
        const x = tf.tidy(() => tf.transpose(tf.tensor4d(xNchw, [2, c, h, w]), [0, 2, 3, 1]) as tf.Tensor4D);
        try {
          const y = program.forward(x, { training: false });
          const err = relativeError(y.dataSync(), ref);
          y.dispose();
          assert.ok(err <= 1e-4, `relative error ${err} vs onnxruntime`);
          const bad = checkProgramGradients(program, x, { training: false });
          assert.deepEqual(bad, []);
          if (program.maskSites.length > 0) {
            // Training mode (batch statistics) with masks that are not all ones: gradients reach the masks too.
            const rand = prng(3);
            const masks = program.maskSites.map((s) => tf.variable(tf.tensor1d(randomArray(s.channels, rand, 0.5).map((v) => 1 + v)), true));
            const badTrain = checkProgramGradients(program, x, { training: true, masks: masks as unknown as tf.Tensor1D[] });
            masks.forEach((v) => v.dispose());
            assert.deepEqual(badTrain, []);
          }
        } finally {
          x.dispose();
          program.dispose();
        }
      });
    }
  });
}
