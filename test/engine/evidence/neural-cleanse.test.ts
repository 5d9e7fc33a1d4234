// Neural Cleanse on the committed BadNets fixture (3×3 white patch bottom-right → meta.target), and the RNP label
// signal: the unlearned model points at the target where the original does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NC_DEFAULTS, reverseEngineerTrigger, reverseEngineerTriggers, triggerSuccess, type NcResult } from '../../../src/engine/evidence/neural-cleanse';
import { sweepLabels, TRIGGER_DEFAULTS } from '../../../src/engine/evidence/trigger-evidence';
import { flaggedLabels } from '../../../src/engine/evidence/mad';
import { pixelSpaceOf } from '../../../src/engine/evidence/pixel-space';
import { histogram, predict } from '../../../src/engine/rnp/evaluate';
import { unlearnAdaptive } from '../../../src/engine/rnp/unlearn-adaptive';
import { mulberry32 } from '../../../src/engine/train/random';
import { resolveOptions } from '../../../src/engine/scan';
import { loadFixture } from './fixture';

/** The scan's own settings (120 steps of 16 per label; the labels batched: about 5 s for the sweep). */
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
    const asr = await triggerSuccess(fx.program, fx.defense, pixelSpaceOf(fx.defense), target, r.mask, r.pattern);
    assert.ok(asr >= 0.9, `recovered trigger's attack success ${asr}`);
  } finally {
    fx.program.dispose();
  }
});

test('swapping the original model for the unlearned one: only the unlearned model names the target', async () => {
  const fx = await loadFixture('mnist_cnn_badnets');
  try {
    const target = fx.meta.target as number;
    const share = async () => {
      const hist = histogram(await predict(fx.program, fx.defense), fx.program.numClasses);
      return hist[target] / fx.defense.count;
    };
    // The original is a good classifier: the target gets about its 10% of clean inputs.
    const before = await share();
    assert.ok(before < 0.2, `original model gives the target ${before}`);
    const o = resolveOptions({ mode: 'adaptive' });
    await unlearnAdaptive(
      fx.program,
      fx.defense,
      { lr: o.unlearnLr, momentum: o.unlearnMomentum, weightDecay: o.unlearnWeightDecay, batchSize: o.batchSize, maxEpochs: o.unlearnEpochs, cleanThreshold: o.cleanThreshold, maxGradNorm: o.maxGradNorm, collapseShare: 0.9, maxBackoffs: 6, monitorSize: 256 },
      { rng: mulberry32(o.seed) },
    );
    const after = await share();
    assert.ok(after >= 0.5, `unlearned model gives the target ${after}`);
  } finally {
    fx.program.dispose();
  }
});

test('a search started from a given mask and pattern begins there (the finish on the original model)', async () => {
  const fx = await loadFixture('mnist_cnn_badnets');
  try {
    const target = fx.meta.target as number;
    const space = pixelSpaceOf(fx.defense);
    const [c, h, w] = fx.defense.shape;
    // The real trigger: the bottom-right 3×3 at full brightness, nothing elsewhere.
    const mask = new Float32Array(h * w);
    const pattern = new Float32Array(h * w * c).fill(space.lo[0]);
    for (let y = h - 3; y < h; y++) for (let x = w - 3; x < w; x++) {
      mask[y * w + x] = 1;
      pattern[(y * w + x) * c] = space.hi[0];
    }
    assert.ok((await triggerSuccess(fx.program, fx.defense, space, target, mask, pattern)) >= 0.9, 'the real trigger fires');
    // One epoch with a vanishing step: the mask stays where it started (a blank start would give 0.5 everywhere).
    const r = await reverseEngineerTrigger(fx.program, fx.defense, space, target, { ...NC_DEFAULTS, epochs: 1, lr: 1e-6, attackSuccess: 0 }, undefined, { mask, pattern });
    // The start's L1, with each pixel clamped into [0.01, 0.99] for the tanh parametrisation: 9·0.99 + 775·0.01.
    const startL1 = 9 * 0.99 + (h * w - 9) * 0.01;
    assert.ok(Math.abs(r.maskL1 - startL1) < 0.2, `mask L1 ${r.maskL1} vs the start's ${startL1}`);
    assert.ok(r.mask[0] < 0.02 && r.mask[h * w - 1] > 0.98, `corners ${r.mask[0]} / ${r.mask[h * w - 1]}`);
    assert.ok((await triggerSuccess(fx.program, fx.defense, space, target, r.mask, r.pattern)) >= 0.9, 'and still fires');
  } finally {
    fx.program.dispose();
  }
});

test('the batched sweep is each label searched alone: the same epochs, success and norms, in one forward pass a step', async () => {
  const fx = await loadFixture('mnist_cnn_badnets');
  try {
    const space = pixelSpaceOf(fx.defense);
    // A short schedule that still moves the cost both ways and early-stops some labels (so labels leave the batch).
    const cfg = { ...NC_DEFAULTS, epochs: 14, patience: 2, earlyStopPatience: 3 };
    const labels = [0, 3, 5, 7, 9];
    const together = await reverseEngineerTriggers(fx.program, fx.defense, space, labels, cfg);
    const alone: NcResult[] = [];
    for (const l of labels) alone.push(await reverseEngineerTrigger(fx.program, fx.defense, space, l, cfg));
    assert.deepEqual(together.map((r) => r.label), labels);
    // The same computation with float sums in another order: trajectories agree to rounding, unless a threshold
    // test (success ≥ 99 % of 48, a smaller L1) flips on a rounding difference and another epoch's mask is kept.
    let rounding = 0;
    for (let i = 0; i < labels.length; i++) {
      const a = alone[i];
      const t = together[i];
      assert.equal(t.epochsRun, a.epochsRun, `label ${a.label}: epochs`);
      assert.equal(t.reached, a.reached, `label ${a.label}: reached`);
      assert.ok(Math.abs(t.attackSuccess - a.attackSuccess) <= 1 / 48 + 1e-9, `label ${a.label}: success ${t.attackSuccess} vs ${a.attackSuccess}`);
      assert.ok(Math.abs(t.maskL1 - a.maskL1) <= 0.01 * a.maskL1, `label ${a.label}: L1 ${t.maskL1} vs ${a.maskL1}`);
      let maxDiff = 0;
      for (let k = 0; k < a.mask.length; k++) maxDiff = Math.max(maxDiff, Math.abs(t.mask[k] - a.mask[k]));
      if (maxDiff < 1e-5) rounding++;
    }
    assert.ok(rounding >= labels.length - 1, `${rounding} of ${labels.length} labels agree to rounding`);
    assert.ok(new Set(together.map((r) => r.epochsRun)).size > 1 || together.some((r) => r.epochsRun < cfg.epochs), 'some label stopped early (left the batch)');
    // Groups: with a cap of 32 samples a step, three groups (2, 2, 1 labels), the same searches in label order, and
    // progress in whole epochs over all groups.
    const steps: [number, number][] = [];
    const grouped = await reverseEngineerTriggers(fx.program, fx.defense, space, labels, cfg, { maxBatch: 32, onEpoch: (s, t) => steps.push([s, t]) });
    assert.deepEqual(grouped.map((r) => r.label), labels);
    grouped.forEach((g, i) => {
      assert.equal(g.epochsRun, alone[i].epochsRun);
      assert.ok(Math.abs(g.maskL1 - alone[i].maskL1) <= 0.01 * alone[i].maskL1, `grouped label ${g.label}: L1 ${g.maskL1} vs ${alone[i].maskL1}`);
    });
    assert.ok(steps.length > 0 && steps.every(([s, t], k) => Number.isInteger(s) && t === 3 * cfg.epochs && s <= t && (k === 0 || s > steps[k - 1][0])), JSON.stringify(steps));
  } finally {
    fx.program.dispose();
  }
});
