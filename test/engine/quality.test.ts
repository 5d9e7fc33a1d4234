// Defense quality with the default (adaptive) settings on every committed trained fixture, so a change that loses
// what the bench measured fails here (issue #7's regression guard). Bounds carry a margin over the measured values
// (bench/quality.md): ACC and ASR come from 1000 test samples each, and the repair's hold-out is 100 samples.
// Measured (2026-11-26, repair with adapted triggers until the kept epoch stops changing): badnets 90.1→88.7 / 99.8→2.8,
// blend 90.8→89.3 / 99.8→2.6, sig 92.3→89.6 / 99.7→1.0, checkerboard 91.0→89.7 / 100→0.1 (label 5 from the unlearned
// model's trigger norms, nothing pruned, repaired), clean reported clean
// (untouched), vgg_small_badnets (the 6-conv VGG with 448 BN channels) 93.8→91.2 / 99.9→5.0 (label 0, 134 pruned +
// repair; the longest test here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { exportPruned, runScan } from '../../src/engine/scan';
import { ortAccuracy } from '../ort-accuracy';

const TRAINED = path.resolve(__dirname, '../../fixtures/trained');
/** Largest ASR after, and largest clean-accuracy drop, a fixture found backdoored may end with. */
const MAX_ASR_AFTER = 0.08;
const MAX_ACC_DROP = 0.05;

for (const name of readdirSync(TRAINED).sort()) {
  test(`default scan of ${name}: right label or inconclusive, backdoor removed at a bounded cost, clean left alone`, { timeout: 900_000 }, async () => {
    const dir = path.join(TRAINED, name);
    const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8'));
    const out = mkdtempSync(path.join(tmpdir(), 'rnp-quality-'));
    try {
      const { result: r } = await runScan({
        model: path.join(dir, 'model.onnx'),
        data: path.join(dir, 'defense.npz'),
        cleanTest: path.join(dir, 'clean_test.npz'),
        poisonTest: path.join(dir, 'poison_test.npz'),
        outDir: out,
        prunedDir: out,
        options: {},
        writePruned: true,
      });
      const accB = r.before.acc as number;
      const accA = r.after.acc as number;
      const why = `${name}: ${r.verdict} ${r.detectedLabel}; ACC ${accB}→${accA}, ASR ${r.before.asr}→${r.after.asr}; ${r.evidence.join(' | ')}`;
      if (meta.target === null) {
        assert.equal(r.verdict, 'clean', why);
        assert.ok(accB - accA <= 0.01, why);
        assert.equal(r.prunedCount, 0, why);
        return;
      }
      assert.notEqual(r.verdict, 'clean', `a backdoored model reported clean: ${why}`);
      if (r.verdict === 'inconclusive') {
        // Never a wrong label; nothing is changed when the evidence does not agree.
        assert.equal(r.detectedLabel, null, why);
        assert.equal(r.prunedCount, 0, why);
        assert.equal(accA, accB, why);
        return;
      }
      assert.equal(r.detectedLabel, meta.target, why);
      assert.ok((r.after.asr as number) <= MAX_ASR_AFTER, `ASR after: ${why}`);
      assert.ok(accB - accA <= MAX_ACC_DROP, `ACC drop: ${why}`);
      assert.ok(r.repair, `a backdoored model is repaired: ${why}`);
      // The exported model is the repaired one: onnxruntime reproduces the reported accuracy, and the panel's export
      // at the scan's threshold writes the same bytes.
      assert.equal(await ortAccuracy(r.prunedModel as string, path.join(dir, 'clean_test.npz')), accA);
      const again = await exportPruned({ model: path.join(dir, 'model.onnx'), result: r, threshold: r.threshold, dest: path.join(out, 'again.onnx') });
      const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
      assert.equal(sha(again.path), sha(r.prunedModel as string));
      assert.equal(again.acc, accA);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
}
