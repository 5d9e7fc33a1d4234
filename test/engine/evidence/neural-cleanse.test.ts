// Neural Cleanse on the committed BadNets fixture (3×3 white patch bottom-right → meta.target), and the RNP label
// signal: the unlearned model points at the target where the original does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NC_DEFAULTS, triggerSuccess } from '../../../src/engine/evidence/neural-cleanse';
import { sweepLabels, TRIGGER_DEFAULTS } from '../../../src/engine/evidence/trigger-evidence';
import { flaggedLabels } from '../../../src/engine/evidence/mad';
import { pixelSpaceOf } from '../../../src/engine/evidence/pixel-space';
import { histogram, predict } from '../../../src/engine/rnp/evaluate';
import { unlearnAdaptive } from '../../../src/engine/rnp/unlearn-adaptive';
import { mulberry32 } from '../../../src/engine/rnp/random';
import { resolveOptions } from '../../../src/engine/scan';
import { loadFixture } from './fixture';

/** The scan's own settings (120 steps of 16 per label: ~30 s of CPU for the sweep). */
const TEST_NC = NC_DEFAULTS;

test('NC on the original BadNets model: the target is the most anomalous label, and its trigger sits on the patch', async () => {
  const fx = await loadFixture('mnist_cnn_badnets');
  try {
    const target = fx.meta.target as number;
    const sweep = await sweepLabels(fx.program, fx.defense, { ...TRIGGER_DEFAULTS, nc: TEST_NC });
    assert.deepEqual(flaggedLabels(sweep.mad.indices).slice(0, 1), [target], `anomaly indices ${sweep.mad.indices.map((v) => v.toFixed(2))}`);
    const r = sweep.results[target];
    assert.ok(r.reached, 'the search reached 99% attack success');
    // The real trigger is the bottom-right 3×3 of a 28×28 image: most of the mask lies in the bottom-right 6×6.
    const [, h, w] = fx.defense.shape;
    let corner = 0;
    for (let y = h - 6; y < h; y++) for (let x = w - 6; x < w; x++) corner += r.mask[y * w + x];
    assert.ok(corner / r.maskL1 > 0.5, `corner share of the mask ${(corner / r.maskL1).toFixed(2)}`);
    const asr = triggerSuccess(fx.program, fx.defense, pixelSpaceOf(fx.defense), target, r.mask, r.pattern);
    assert.ok(asr >= 0.9, `recovered trigger's attack success ${asr}`);
  } finally {
    fx.program.dispose();
  }
});

test('swapping the original model for the unlearned one: only the unlearned model names the target', async () => {
  const fx = await loadFixture('mnist_cnn_badnets');
  try {
    const target = fx.meta.target as number;
    const share = () => {
      const hist = histogram(predict(fx.program, fx.defense), fx.program.numClasses);
      return hist[target] / fx.defense.count;
    };
    // The original is a good classifier: the target gets about its 10% of clean inputs.
    const before = share();
    assert.ok(before < 0.2, `original model gives the target ${before}`);
    const o = resolveOptions({ mode: 'adaptive' });
    await unlearnAdaptive(
      fx.program,
      fx.defense,
      { lr: o.unlearnLr, momentum: o.unlearnMomentum, weightDecay: o.unlearnWeightDecay, batchSize: o.batchSize, maxEpochs: o.unlearnEpochs, cleanThreshold: o.cleanThreshold, maxGradNorm: o.maxGradNorm, collapseShare: 0.9, maxBackoffs: 6, monitorSize: 256 },
      { rng: mulberry32(o.seed) },
    );
    const after = share();
    assert.ok(after >= 0.5, `unlearned model gives the target ${after}`);
  } finally {
    fx.program.dispose();
  }
});
