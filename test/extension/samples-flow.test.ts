// The "Inspect Dataset for Poisoned Samples" flow from the host's side, against the real bundled worker
// (dist/worker.js, built by `npm run build`) on the committed BadNets fixture: the worker ranks poison_mixed.npz
// (10 % poisoned, flagged by is_poison) with thumbnails for the grid, the host turns that into the panel's report
// and writes the flagged indices atomically; cancel and bad input behave as for scans.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { liveWorkerPids, startSamples, type JobOptions, type SamplesDone } from '../../src/extension/worker-client';
import { defaultFlaggedPath, flaggedSamples, GRID_CAP, samplesReport, writeFlaggedSamples, type FlaggedSamplesFile } from '../../src/extension/samples-report';
import { readNpz } from '../../src/engine/data/npz';
import { auroc } from '../../src/engine/evidence/auroc';
import { alive } from './process-alive';
import { failure } from './worker-failure';
import type { SamplesRequest } from '../../src/protocol';

const WORKER = path.resolve('dist/worker.js');
const FIXTURE = path.resolve('fixtures/trained/mnist_cnn_badnets');

function opts(extra: Partial<JobOptions> = {}): JobOptions {
  assert.ok(fs.existsSync(WORKER), `${WORKER} missing: run npm run build first`);
  return { workerPath: WORKER, memoryMb: 2048, timeoutMs: 10 * 60_000, ...extra };
}

const made: string[] = [];
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** The fixture's model and data in a fresh folder, so we can check what the flow leaves behind. */
function fixtureCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rnp-samples-test-'));
  made.push(dir);
  for (const f of ['model.onnx', 'defense.npz', 'poison_mixed.npz']) fs.copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
  return dir;
}

function request(dir: string, extra: Partial<SamplesRequest> = {}): SamplesRequest {
  return { model: path.join(dir, 'model.onnx'), data: path.join(dir, 'defense.npz'), inspect: path.join(dir, 'poison_mixed.npz'), options: {}, previews: GRID_CAP, ...extra };
}


test('ranking through the worker: poisoned samples first, thumbnails for the grid only, flagged indices written atomically', async () => {
  const dir = fixtureCopy();
  const req = request(dir);
  const phases: string[] = [];
  const job = startSamples(req, opts({ onProgress: (p) => phases.push(p.phase) }));
  const done: SamplesDone = await job.done;
  assert.ok(!alive(job.pid!), 'worker exits after the job');
  assert.ok(phases.includes('unlearn') && phases.includes('evidence'), phases.join(','));
  const { output } = done;
  const npz = await readNpz(req.inspect, {}, { only: ['is_poison', 'y'] });
  const isPoison = npz.arrays.get('is_poison')!.data as Uint8Array;
  const labels = npz.arrays.get('y')!.data as BigInt64Array;
  assert.equal(output.samples.length, isPoison.length);
  assert.deepEqual([...output.samples.map((s) => s.index)].sort((a, b) => a - b), Array.from({ length: isPoison.length }, (_, i) => i), 'every sample ranked once');

  // the signal: scores rank the poisoned tenth first
  const score = new Float64Array(isPoison.length);
  for (const s of output.samples) score[s.index] = s.score;
  const area = auroc(score, isPoison);
  assert.ok(area >= 0.95, `AUROC ${area}`);

  // thumbnails: the first GRID_CAP samples only, in rank order, real 28×28 PNGs of the right sample, file labels kept
  assert.equal(output.previews?.length, GRID_CAP);
  output.previews!.forEach((p, i) => {
    assert.equal(p.index, output.samples[i].index);
    assert.equal(p.label, Number(labels[p.index]));
  });
  const png = PNG.sync.read(Buffer.from(output.previews![0].png.split(',')[1], 'base64'));
  assert.equal(png.width, 28);
  assert.equal(png.height, 28);

  // the panel's report: tiles in rank order, every score for the count picker, a proposal that catches the poison
  const run = { model: req.model, data: req.data, output };
  const report = samplesReport(run);
  assert.equal(report.tiles.length, GRID_CAP);
  assert.deepEqual(report.tiles.map((t) => t.index), output.samples.slice(0, GRID_CAP).map((s) => s.index));
  assert.equal(report.rankedScores.length, isPoison.length);
  const poisoned = isPoison.reduce((a, b) => a + b, 0);
  const k = report.proposedCount;
  const caught = output.samples.slice(0, k).filter((s) => isPoison[s.index]).length;
  assert.ok(k >= poisoned * 0.8 && k <= poisoned * 1.3, `proposed ${k} for ${poisoned} poisoned`);
  assert.ok(caught / k >= 0.85, `precision of the proposal ${caught}/${k}`);
  // a message of sane size: pictures only for the tiles
  const bytes = JSON.stringify(report).length;
  assert.ok(bytes < 400_000, `report is ${bytes} bytes`);

  // export: beside the dataset by default, atomically, the top-k in rank order
  const dest = defaultFlaggedPath(req.inspect);
  assert.equal(dest, path.join(dir, 'poison_mixed.flagged.json'));
  await writeFlaggedSamples(dest, flaggedSamples(run, k));
  const file = JSON.parse(fs.readFileSync(dest, 'utf8')) as FlaggedSamplesFile;
  assert.equal(file.model, req.model);
  assert.equal(file.inspect, req.inspect);
  assert.equal(file.data, req.data);
  assert.equal(file.total, isPoison.length);
  assert.deepEqual(file.indices, output.samples.slice(0, k).map((s) => s.index));
  assert.deepEqual(file.scores, output.samples.slice(0, k).map((s) => s.score));
  assert.match(file.score, /KL/);
  // a count beyond the data is clamped; overwriting the inspected data (or the model) is refused
  assert.equal(flaggedSamples(run, 10_000).indices.length, isPoison.length);
  const inspectBefore = fs.readFileSync(req.inspect);
  await assert.rejects(writeFlaggedSamples(req.inspect, flaggedSamples(run, 3)), /refusing to overwrite/);
  await assert.rejects(writeFlaggedSamples(req.model, flaggedSamples(run, 3)), /refusing to overwrite/);
  assert.deepEqual(fs.readFileSync(req.inspect), inspectBefore);
  // nothing else left behind: no temp files
  assert.deepEqual(fs.readdirSync(dir).sort(), ['defense.npz', 'model.onnx', 'poison_mixed.flagged.json', 'poison_mixed.npz']);
});

test('cancel while ranking: the worker is gone and nothing is written', async () => {
  const dir = fixtureCopy();
  const before = fs.readdirSync(dir).sort();
  let sawUnlearn = false;
  const job = startSamples(request(dir), opts({ onProgress: (p) => void (p.phase === 'unlearn' && (sawUnlearn = true)) }));
  while (!sawUnlearn) await new Promise((r) => setTimeout(r, 10));
  job.cancel();
  const e = await failure(job.done);
  assert.equal(e.kind, 'cancelled');
  assert.ok(!alive(job.pid!));
  assert.deepEqual(fs.readdirSync(dir).sort(), before);
  assert.deepEqual(liveWorkerPids(), []);
});

test('a bad inspected file comes back as an engine error naming it', async () => {
  const dir = fixtureCopy();
  const bad = path.join(dir, 'incoming.npz');
  fs.writeFileSync(bad, 'not a zip archive');
  const e = await failure(startSamples(request(dir, { inspect: bad }), opts()).done);
  assert.equal(e.kind, 'engine');
  assert.equal(e.workerError?.file, bad);
  assert.ok(e.message.startsWith(`${bad}: `), e.message);
});
