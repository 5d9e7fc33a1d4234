// The host's pure side of the sample grid: report tiles from the worker's previews, the flagged-indices file and
// its default place, without a worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultFlaggedPath, flaggedSamples, GRID_CAP, samplesReport, writeFlaggedSamples } from '../../src/extension/samples-report';
import { sampleSamplesRun } from '../webview/sample-samples';

test('default export path: DATASET.flagged.json beside a .npz or an image folder', () => {
  assert.equal(defaultFlaggedPath('/d/train.npz'), path.join('/d', 'train.flagged.json'));
  assert.equal(defaultFlaggedPath('/d/TRAIN.NPZ'), path.join('/d', 'TRAIN.flagged.json'));
  assert.equal(defaultFlaggedPath('/d/images/'), path.join('/d', 'images.flagged.json'));
});

test('report: tiles are the ranking prefix with pictures, capped; a preview out of rank order is refused', () => {
  const run = sampleSamplesRun(300);
  const r = samplesReport(run);
  assert.equal(r.tiles.length, GRID_CAP);
  assert.deepEqual(r.tiles.map((t) => t.index), run.output.samples.slice(0, GRID_CAP).map((s) => s.index));
  assert.deepEqual(r.rankedScores, run.output.samples.map((s) => s.score));
  // 30 poisoned of 300 in the constructed ranking (index ≡ 3 mod 10, scores near 0)
  assert.equal(r.proposedCount, 30);
  const noPictures = samplesReport({ ...run, output: { ...run.output, previews: undefined } });
  assert.equal(noPictures.tiles.length, 0);
  const swapped = [...run.output.previews!];
  [swapped[0], swapped[1]] = [swapped[1], swapped[0]];
  assert.throws(() => samplesReport({ ...run, output: { ...run.output, previews: swapped } }), /preview 0 is of sample/);
});

test('flagged file: top-k in rank order, clamped, written atomically and readable', async () => {
  const run = sampleSamplesRun(50);
  assert.deepEqual(flaggedSamples(run, 3).indices, run.output.samples.slice(0, 3).map((s) => s.index));
  assert.equal(flaggedSamples(run, 500).indices.length, 50);
  assert.equal(flaggedSamples(run, -2).indices.length, 0);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rnp-flagged-'));
  try {
    const dest = path.join(dir, 'f.json');
    fs.writeFileSync(dest, 'old');
    await writeFlaggedSamples(dest, flaggedSamples(run, 4));
    const back = JSON.parse(fs.readFileSync(dest, 'utf8'));
    assert.deepEqual(Object.keys(back), ['model', 'inspect', 'data', 'score', 'total', 'indices', 'scores']);
    assert.deepEqual(back.scores, run.output.samples.slice(0, 4).map((s) => s.score));
    assert.deepEqual(fs.readdirSync(dir), ['f.json'], 'no temp file left');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
