/**
 * Multi-threaded WebAssembly (src/engine/wasm-threads.ts): the threaded build really runs with the threads asked for,
 * trains to the same numbers as one thread, and lets the process end by itself. Each run is its own process, since
 * the thread count is fixed when wasm first starts.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { findThreadedScripts, THREADED_MAIN } from '../../src/engine/wasm-threads';
import { findWasmDir, wasmThreadCount } from '../../src/engine/backend';

interface ChildOut { reason: string; threads: number; masks: number[][]; weights: number[][]; tensors: number }

function run(threads: number): ChildOut {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'wasm-threads-child.ts'), String(threads)], { encoding: 'utf8', timeout: 240_000, maxBuffer: 1 << 26 });
  assert.equal(r.signal, null, `the ${threads}-thread child did not end by itself (killed by ${r.signal}); stderr: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

test('wasm with 2 threads runs 2 threads and trains to the same masks and weights as 1 thread', { timeout: 600_000 }, () => {
  const one = run(1);
  const two = run(2);
  assert.equal(one.threads, 1);
  assert.equal(two.threads, 2, `threaded wasm did not start: ${two.reason}`);
  assert.match(two.reason, /WebAssembly SIMD, 2 threads/);
  assert.equal(two.masks.length, one.masks.length);
  let maxDiff = 0;
  for (const [a, b] of [...one.masks.map((m, i) => [m, two.masks[i]]), ...one.weights.map((w, i) => [w, two.weights[i]])]) {
    assert.equal(a.length, b.length);
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  }
  // One unlearning + one recovering epoch; XNNPACK splits work across threads by output tiles, so sums keep their
  // order. Allow float noise, not a different training run.
  assert.ok(maxDiff <= 1e-4, `1 vs 2 threads differ by ${maxDiff}`);
  // The masks moved (a test that trained nothing would compare equal trivially).
  assert.ok(one.masks.flat().some((m) => m < 0.99), 'recovering changed no mask');
});

test('thread count: 0 means one per core (at most 8); the threaded scripts are found in the package', () => {
  assert.equal(wasmThreadCount(3), 3);
  const auto = wasmThreadCount(0);
  assert.ok(auto >= 1 && auto <= 8);
  const dir = findWasmDir();
  assert.ok(dir);
  assert.ok(findThreadedScripts(dir!), 'threaded main and worker scripts next to the wasm binaries or in wasm-out/');
  const empty = mkdtempSync(path.join(tmpdir(), 'rnp-threads-'));
  try {
    writeFileSync(path.join(empty, THREADED_MAIN), '');
    assert.equal(findThreadedScripts(empty), null, 'a folder with only the main script is not enough');
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
