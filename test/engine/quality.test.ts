// Defense quality with the default (adaptive) settings on every committed trained fixture, so a change that loses
// what the bench measured fails here (issue #7's regression guard, restated for #20). Since #20 the defense runs
// whatever the verdict and the verdict comes from a model fitted on the zoo's train split, of which these fixtures
// are rows (bench/fit-verdict.ts): every fixture is repaired; a clean one must raise no alarm and lose ≤ 1 point; a
// backdoored one must not be called clean, never gets a wrong label, loses ≤ 5 points, and when its label is named
// (the trigger sweep and the unlearned model agree) ends with ASR ≤ 8 %. ACC and ASR come from 1000 test samples
// each, the repair's hold-out is 100 samples. Measured (2026-12-03, bench:zoo with the stage cache, same code):
// badnets 90.1→88.6 / 99.8→2.5 (label 0), blend 90.8→89.3 / 99.8→2.6 (3), sig 92.3→89.9 / 99.7→1.5 (7),
// checkerboard inconclusive, unknown label, 91.0 / 100 unchanged (the smallest trigger is label 8's, not the
// target 5's, and the repair within the budget keeps the original: what still fails, #20), clean inconclusive and
// unchanged, vgg_small_badnets 93.8→91.5 / 99.9→5.0 (label 0, 134 pruned + repair).
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
  test(`default scan of ${name}: no wrong label or false alarm, a named backdoor removed at a bounded cost, clean kept within 1 point`, { timeout: 900_000 }, async () => {
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
      console.log(`# ${name}: ${r.verdict} ${r.detectedLabel ?? '-'}; ACC ${accB}→${accA}, ASR ${r.before.asr}→${r.after.asr}, ${r.prunedCount} pruned, repair kept epoch ${r.repair?.chosenEpoch}`);
      // Since issue #20 the defense runs whatever the verdict: every model comes back pruned within the clean-data
      // budget and repaired; the verdict only decides what the report says.
      assert.ok(r.repair, `every default scan repairs: ${why}`);
      if (meta.target === null) {
        // No false alarm. "Clean" is what #20 asks; the fitted verdict says inconclusive here (p 0.78, between its
        // bands): the trigger of label 8 is 4.3 robust deviations small on this clean model (bench/verdict-fit.md).
        assert.notEqual(r.verdict, 'backdoored', why);
        assert.equal(r.detectedLabel, null, why);
        assert.ok(accB - accA <= 0.01, `a clean model loses at most 1 point: ${why}`);
      } else {
        // The fixtures are train rows of the verdict's fit (bench/fit-verdict.ts), whose bands call no backdoored
        // train row clean.
        assert.notEqual(r.verdict, 'clean', `a backdoored model reported clean: ${why}`);
        // Never a wrong label: "unknown" (null) rather than a guess.
        assert.ok(r.detectedLabel === null || r.detectedLabel === meta.target, `wrong label: ${why}`);
        assert.ok(accB - accA <= MAX_ACC_DROP, `ACC drop: ${why}`);
        // With the label named (the trigger sweep and the unlearned model agree) the backdoor must be gone; with weak
        // evidence the defense still ran within its budget, and whether it removed the backdoor is not promised.
        if (r.detectedLabel !== null) assert.ok((r.after.asr as number) <= MAX_ASR_AFTER, `ASR after: ${why}`);
      }
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
