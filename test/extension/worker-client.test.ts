// The worker client against the real bundled worker (dist/worker.js, built by `npm test`/`npm run build`) on the
// demo model: engine errors come back as "FILE: message", a crash carries stderr, cancel kills the worker and
// leaves no file, the watchdog stops a job that runs too long.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { liveWorkerPids, startDataCheck, startScan, startSummary, type JobOptions } from '../../src/extension/worker-client';
import { writeNpz } from '../../src/engine/data/npz';
import { alive } from './process-alive';
import { failure } from './worker-failure';
import type { ScanRequest } from '../../src/protocol';

const WORKER = path.resolve('dist/worker.js');
const DEMO = path.resolve('demo');

function opts(extra: Partial<JobOptions> = {}): JobOptions {
  assert.ok(fs.existsSync(WORKER), `${WORKER} missing: run npm run build first`);
  return { workerPath: WORKER, memoryMb: 2048, timeoutMs: 10 * 60_000, ...extra };
}

/** A copy of the demo in a fresh folder, so we can check what a job leaves behind. */
function demoCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rnp-worker-test-'));
  for (const f of ['model.onnx', 'defense.npz', 'clean_test.npz']) fs.copyFileSync(path.join(DEMO, f), path.join(dir, f));
  return dir;
}

function request(dir: string, extra: Partial<ScanRequest> = {}): ScanRequest {
  return { model: path.join(dir, 'model.onnx'), data: path.join(dir, 'defense.npz'), outDir: '', options: {}, writePruned: false, ...extra };
}


test('an engine error comes back typed, naming the file, and the worker exits', async () => {
  const dir = demoCopy();
  const bad = path.join(dir, 'bad.npz');
  fs.writeFileSync(bad, 'this is not a zip archive');
  const job = startScan(request(dir, { data: bad }), opts());
  const e = await failure(job.done);
  assert.equal(e.kind, 'engine');
  assert.equal(e.workerError?.file, bad);
  assert.ok(e.message.startsWith(`${bad}: `), e.message);
  assert.ok(!alive(job.pid!), 'worker exited');
  assert.deepEqual(liveWorkerPids(), []);
});

test('a worker that dies before answering is a crash with its stderr', async () => {
  const missing = path.join(os.tmpdir(), 'rnp-no-such-worker.js');
  const e = await failure(startScan(request(DEMO), opts({ workerPath: missing })).done);
  assert.equal(e.kind, 'crash');
  assert.notEqual(e.exitCode, 0);
  assert.match(e.stderr, /Cannot find module/);
});

test('a worker killed from outside is a crash naming the signal', async () => {
  const job = startScan(request(demoCopy()), opts());
  setTimeout(() => process.kill(job.pid!, 'SIGKILL'), 500);
  const e = await failure(job.done);
  assert.equal(e.kind, 'crash');
  assert.equal(e.signal, 'SIGKILL');
  assert.match(e.message, /SIGKILL/);
});

test('cancel during training: the worker is gone when done settles, and nothing is written', async () => {
  const dir = demoCopy();
  const before = fs.readdirSync(dir).sort();
  let sawTraining = false;
  const job = startScan(request(dir, { cleanTest: path.join(dir, 'clean_test.npz') }), opts({
    onProgress: (p) => {
      if (p.phase === 'unlearn' || p.phase === 'recover') sawTraining = true;
    },
  }));
  const pid = job.pid!;
  while (!sawTraining) await new Promise((r) => setTimeout(r, 20));
  const t = performance.now();
  job.cancel();
  const e = await failure(job.done);
  const ms = performance.now() - t;
  assert.equal(e.kind, 'cancelled');
  assert.ok(!alive(pid), 'worker process gone');
  assert.deepEqual(fs.readdirSync(dir).sort(), before, 'no file left behind');
  console.log(`# cancel: worker ${pid} gone ${ms.toFixed(0)} ms after cancel()`);
});

test('the watchdog stops a job that runs past the timeout', async () => {
  const job = startScan(request(demoCopy()), opts({ timeoutMs: 1500 }));
  const e = await failure(job.done);
  assert.equal(e.kind, 'timeout');
  assert.ok(!alive(job.pid!));
});

test('a scan through the worker returns the result and writes scan.json', async () => {
  const dir = demoCopy();
  const progress: string[] = [];
  const job = startScan(request(dir, { options: { unlearnEpochs: 2, recoverEpochs: 2 } }), opts({ onProgress: (p) => progress.push(p.phase) }));
  const done = await job.done;
  assert.ok(fs.existsSync(done.resultPath));
  const saved = JSON.parse(fs.readFileSync(done.resultPath, 'utf8'));
  assert.deepEqual(saved.layers.map((l: { name: string }) => l.name), done.result.layers.map((l) => l.name));
  assert.ok(progress.includes('unlearn') && progress.includes('recover'), progress.join(','));
  assert.ok(!alive(job.pid!), 'worker exits after the job');
});

test('a worker over its heap limit is reported as out of memory with V8 stderr', async () => {
  // 8 MB cannot even hold the engine bundle: V8 aborts with "heap out of memory".
  const e = await failure(startScan(request(demoCopy()), opts({ memoryMb: 8 })).done);
  assert.equal(e.kind, 'crash');
  assert.match(e.message, /ran out of memory \(limit 8 MB/);
  assert.match(e.stderr, /heap/i);
});

test('worker errors shown to the user escape control and bidi characters of the file name and message', async () => {
  const { describeWorkerError } = await import('../../src/extension/worker-client');
  const line = describeWorkerError({ code: 'MODEL_INVALID', file: '/m/evil\u202egnp.onnx', message: 'bad\u0007 node "x\u2066y"' });
  assert.equal(line, '/m/evil\\u202egnp.onnx: bad\\u0007 node "x\\u2066y"');
  assert.ok(!/[\u0000-\u001f\u202a-\u202e\u2066-\u2069]/.test(line));
});

test("the model editor's summary runs in the worker: the demo's classes and masks, and a corrupt file's error naming it", async () => {
  const dir = demoCopy();
  const s = await startSummary(path.join(dir, 'model.onnx'), opts()).done;
  assert.equal(s.model, path.join(dir, 'model.onnx'));
  assert.ok(s.scannable.ok && s.scannable.numClasses === 10 && s.scannable.maskChannels === 112, JSON.stringify(s.scannable));
  const junk = path.join(dir, 'junk.onnx');
  fs.writeFileSync(junk, 'not a model '.repeat(40));
  const e = await failure(startSummary(junk, opts()).done);
  assert.equal(e.kind, 'engine');
  assert.ok(e.message.startsWith(`${junk}: `), e.message);
  assert.deepEqual(liveWorkerPids(), []);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the defense-data check runs in the worker: the demo fits, data of another shape is an error naming the file', async () => {
  const dir = demoCopy();
  const model = path.join(dir, 'model.onnx');
  const c = await startDataCheck({ model, data: path.join(dir, 'defense.npz'), options: { backend: 'cpu' } }, opts()).done;
  assert.equal(c.count, 500);
  assert.deepEqual(c.classCounts, new Array(10).fill(50));
  assert.ok(c.preprocessing.accuracy > 0.5 && c.findings.every((f) => f.level === 'info'), JSON.stringify(c.findings));
  const colour = path.join(dir, 'colour.npz');
  await writeNpz(colour, { x: { dtype: 'uint8', shape: [2, 3, 32, 32], data: new Uint8Array(2 * 3 * 32 * 32) }, y: { dtype: 'int64', shape: [2], data: new BigInt64Array(2) } });
  const e = await failure(startDataCheck({ model, data: colour, options: { backend: 'cpu' } }, opts()).done);
  assert.equal(e.kind, 'engine');
  assert.ok(e.message.startsWith(`${colour}: `), e.message);
  assert.deepEqual(liveWorkerPids(), []);
  fs.rmSync(dir, { recursive: true, force: true });
});
