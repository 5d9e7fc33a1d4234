// The repair's trigger adaptation (rnp/adapt-trigger.ts) on the BadNets fixture (a 3×3 white patch in the bottom-right
// corner sends inputs to label 0): a mid-grey pattern under a mask over that corner barely fires the backdoor, and a
// few adaptation steps must find what does (a step with the wrong sign, or one that moves nothing, fails here). The
// mask is never changed, and the pattern stays in the pixel range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { adaptPattern, type StampTensors } from '../../../src/engine/rnp/adapt-trigger';
import { triggerSuccess } from '../../../src/engine/evidence/neural-cleanse';
import { pixelSpaceOf } from '../../../src/engine/evidence/pixel-space';
import { mulberry32 } from '../../../src/engine/train/random';
import { loadFixture } from '../evidence/fixture';

test('adapting a trigger pattern inside a fixed mask makes it fire the backdoor', async () => {
  const f = await loadFixture('mnist_cnn_badnets');
  const [c, h, w] = f.defense.shape;
  const space = pixelSpaceOf(f.defense);
  const mask = new Float32Array(h * w);
  for (let y = h - 4; y < h; y++) for (let x = w - 4; x < w; x++) mask[y * w + x] = 1;
  const t: StampTensors = { mask: tf.tensor4d(mask, [1, h, w, 1]), pattern: tf.fill([1, h, w, c], 0.5) as tf.Tensor4D, space, label: 0 };
  const masks = f.program.maskSites.map((s) => tf.ones([s.channels]) as tf.Tensor1D);
  try {
    const before = await triggerSuccess(f.program, f.defense, space, 0, mask, Float32Array.from(t.pattern.dataSync()));
    adaptPattern(f.program, f.defense, t, masks, 10, 0.05, mulberry32(1));
    const pattern = Float32Array.from(t.pattern.dataSync());
    const after = await triggerSuccess(f.program, f.defense, space, 0, mask, pattern);
    assert.ok(before < 0.3, `a grey patch should not fire the backdoor yet: ${before}`);
    assert.ok(after > 0.8, `adapted: ${before} → ${after}`);
    assert.ok(pattern.every((v) => v >= 0 && v <= 1), 'pattern within the pixel range');
    assert.deepEqual(Array.from(t.mask.dataSync()), Array.from(mask), 'the mask is not changed');
  } finally {
    tf.dispose([t.mask, t.pattern, ...masks]);
    f.program.dispose();
  }
});
