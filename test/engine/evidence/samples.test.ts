// Poisoned-sample detection end to end (runSamples): on the BadNets fixture's poison_mixed (10% triggered training
// samples, flagged by is_poison) the unlearned-vs-original score must rank the poisoned ones first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readNpz } from '../../../src/engine/data/npz';
import { auroc } from '../../../src/engine/evidence/auroc';
import { runSamples } from '../../../src/engine/samples';
import { TRAINED } from './fixture';

test('runSamples ranks the poisoned samples of poison_mixed first (AUROC >= 0.95)', async () => {
  const dir = path.join(TRAINED, 'mnist_cnn_badnets');
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
});
