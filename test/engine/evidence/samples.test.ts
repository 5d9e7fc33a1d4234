// Poisoned-sample detection end to end (runSamples): on the BadNets fixture's poison_mixed (10% triggered training
// samples, flagged by is_poison) the unlearned-vs-original score must rank the poisoned ones first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readNpz } from '../../../src/engine/data/npz';
import { auroc } from '../../../src/engine/evidence/auroc';
import { runSamples } from '../../../src/engine/samples';
import { groupScaledScores } from '../../../src/engine/evidence/sample-score';
import { TRAINED } from './fixture';

// Checkerboard is the hardest (−KL alone: 0.948; with the label-group scaling: 0.968).
for (const name of ['mnist_cnn_badnets', 'mnist_cnn_checkerboard']) test(`runSamples ranks the poisoned samples of ${name}'s poison_mixed first (AUROC >= 0.95)`, async () => {
  const dir = path.join(TRAINED, name);
  const inspect = path.join(dir, 'poison_mixed.npz');
  const out = await runSamples(
    { model: path.join(dir, 'model.onnx'), data: path.join(dir, 'defense.npz'), outDir: '', options: { mode: 'adaptive' }, writePruned: false },
    inspect,
  );
  const isPoison = (await readNpz(inspect, {}, { only: ['is_poison'] })).arrays.get('is_poison')!.data as Uint8Array;
  assert.equal(out.samples.length, isPoison.length);
  for (let i = 1; i < out.samples.length; i++) assert.ok(out.samples[i - 1].score >= out.samples[i].score, 'sorted, most suspicious first');
  const scores = new Float64Array(isPoison.length);
  for (const s of out.samples) scores[s.index] = s.score;
  const a = auroc(scores, isPoison);
  assert.ok(a >= 0.95, `AUROC ${a.toFixed(4)}`);
  // The file's own flags come back with the ranking (ground truth for the panel's precision / recall), never used to score.
  assert.ok(out.samples.every((s) => s.poisoned === (isPoison[s.index] === 1)));
  assert.deepEqual(out.poisonFlags, { poisoned: isPoison.reduce((x, y) => x + y, 0), auroc: Math.round(a * 1e4) / 1e4 });
});

test('label-group scaling lifts a group that keeps its output together above a lone kept sample', () => {
  // Label 1: three poisoned-like samples (KL 1e-4..1e-3); label 0: one clean sample the unlearned model kept
  // (KL 1e-4) among clean ones (KL ~5). Alone, the clean kept sample ties the best poisoned one.
  const raw = Float64Array.from([-1e-4, -5, -6, -4, -1e-4, -1e-3, -5e-4]);
  const pred = Int32Array.from([0, 0, 0, 0, 1, 1, 1]);
  const s = groupScaledScores(raw, pred, 2);
  assert.ok(s.every((v) => v <= 0));
  assert.ok(s[4] > s[0] && s[5] > s[0] && s[6] > s[0], `group-scaled ${Array.from(s)}`);
  // Within a group the order is kept.
  assert.ok(s[4] > s[6] && s[6] > s[5]);
});
