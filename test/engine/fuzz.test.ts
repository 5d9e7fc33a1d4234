// A 300-case seeded slice of `npm run fuzz`: every mutated ONNX / .npz file and every generated bomb must end in success or
// an InputError (a bomb over the caps in an InputError).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runFuzz } from '../../scripts/fuzz/harness';

test('300 seeded fuzz cases over real ONNX and .npz fixtures: no crash, hang, worker death or writer mismatch', async () => {
  const report = await runFuzz({ cases: 300, seed: 20231, timeoutMs: 30_000 });
  const summary = report.failures.map((f) => `${f.outcome} case ${f.index} (${f.target}, ${f.ops.join(', ')}): ${f.detail.split('\n')[0]}`);
  assert.deepEqual(summary, []);
  const total = Object.values(report.counts).reduce((a, b) => a + b, 0);
  assert.equal(total, 300, 'every case was counted once');
  // The mutations reach both ends: some files still decode, many are rejected, on both readers.
  assert.ok((report.byTarget.onnx.ok ?? 0) > 0, 'some mutated ONNX files still decode (and pass the writer round trip)');
  assert.ok(Object.keys(report.byTarget.onnx).some((k) => k.startsWith('InputError:')), 'some ONNX cases are rejected');
  // Every fifth case is a generated bomb (ONNX, .npz, image folder); one over the caps that loads is an 'accepted' failure above.
  for (const target of ['onnx-bomb', 'npz-bomb', 'images'] as const) {
    assert.ok(Object.keys(report.byTarget[target]).some((k) => k.startsWith('InputError:')), `some ${target} cases are rejected`);
  }
  if (report.corpus.npz.length > 0) {
    assert.ok(Object.keys(report.byTarget.npz).some((k) => k.startsWith('InputError:')), 'some npz cases are rejected');
  }
});

test('the harness attributes a reported crash, a hang (killed on timeout) and a worker death to their cases and goes on', async () => {
  const report = await runFuzz({ cases: 10, seed: 1, timeoutMs: 3000, worker: join(__dirname, 'fuzz-faulty-worker.ts') });
  assert.deepEqual(report.failures.map((f) => [f.index, f.outcome]), [[3, 'crash'], [5, 'timeout'], [7, 'died']]);
  assert.match(report.failures[2].detail, /worker exited \(code 3/);
  assert.equal(report.counts.ok, 7);
  assert.equal(report.workersStarted, 3, 'a fresh worker after the hang and after the death');
});
