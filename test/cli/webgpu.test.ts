/**
 * `--backend webgpu` from the command line, on this machine's adapter (llvmpipe on CI): a short paper-mode scan
 * agrees with the same scan on wasm and names the adapter in scan.json; with the `webgpu` package hidden, the scan
 * ends at once with exit 2 and a message that says what is missing (no hang, no abort from Dawn at exit).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ScanResult } from '../../src/engine/result';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const DEMO = path.join(ROOT, 'demo');

function scan(backend: string, out: string, env: NodeJS.ProcessEnv = process.env) {
  const args = [CLI, path.join(DEMO, 'model.onnx'), '--data', path.join(DEMO, 'defense.npz'), '--clean-test', path.join(DEMO, 'clean_test.npz'), '--out', out];
  args.push('--mode', 'paper', '--unlearn-epochs', '1', '--recover-epochs', '2', '--no-export', '--fail-on', 'never', '--backend', backend);
  return spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 540_000, env });
}

test('a paper-mode scan on webgpu agrees with wasm and names the adapter', { timeout: 600_000 }, () => {
  const results: ScanResult[] = [];
  for (const backend of ['wasm', 'webgpu']) {
    const out = mkdtempSync(path.join(tmpdir(), `rnp-${backend}-`));
    const r = scan(backend, out);
    assert.equal(r.status, 0, `${backend}: ${r.stderr.slice(-800)}`);
    results.push(JSON.parse(readFileSync(path.join(out, 'scan.json'), 'utf8')) as ScanResult);
  }
  const [cpu, gpu] = results as [ScanResult, ScanResult];
  assert.equal(gpu.backend.name, 'webgpu');
  assert.ok(gpu.backend.adapter && gpu.backend.reason.includes(gpu.backend.adapter.api), JSON.stringify(gpu.backend));
  assert.equal(gpu.verdict, cpu.verdict);
  assert.equal(gpu.detectedLabel, cpu.detectedLabel);
  // Gradient ascent amplifies float32 summation-order differences, so masks are compared loosely, accuracy tightly.
  let worst = 0;
  cpu.layers.forEach((l, s) => l.masks.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - gpu.layers[s]!.masks[i]!)))));
  assert.ok(worst < 0.05, `largest mask difference ${worst}`);
  assert.ok(Math.abs(gpu.before.acc! - cpu.before.acc!) <= 0.002, `clean accuracy before ${gpu.before.acc} vs ${cpu.before.acc}`);
  console.log(`largest mask difference wasm vs webgpu after unlearn 1 + recover 2 epochs: ${worst.toExponential(2)}`);
});

// A model whose Clip bound is computed from the input while it runs: the one value WebGPU cannot read back in Node.
const CLIP_BOUND_MODEL = `
import sys, numpy as np, onnx
from onnx import helper as h, TensorProto as T, numpy_helper as nh
out = sys.argv[1]
rng = np.random.default_rng(0)
inits = [nh.from_array(rng.normal(0, 0.5, (4, 1, 3, 3)).astype(np.float32), 'w'), nh.from_array(np.zeros(4, np.float32), 'b'),
         nh.from_array(np.ones(4, np.float32), 'g'), nh.from_array(np.zeros(4, np.float32), 'beta'),
         nh.from_array(np.zeros(4, np.float32), 'mean'), nh.from_array(np.ones(4, np.float32), 'var'),
         nh.from_array(np.array(0, np.float32), 'lo'), nh.from_array(np.array(0.5, np.float32), 'half'),
         nh.from_array(rng.normal(0, 0.5, (3, 4)).astype(np.float32), 'fw'), nh.from_array(np.zeros(3, np.float32), 'fb')]
nodes = [h.make_node('Conv', ['x', 'w', 'b'], ['c'], pads=[1, 1, 1, 1]),
         h.make_node('BatchNormalization', ['c', 'g', 'beta', 'mean', 'var'], ['n']),
         h.make_node('Relu', ['n'], ['r']),
         # The clip bound is computed from the input while the model runs: not a constant.
         h.make_node('ReduceMax', ['r'], ['m'], keepdims=0),
         h.make_node('Mul', ['m', 'half'], ['hi']),
         h.make_node('Clip', ['r', 'lo', 'hi'], ['k']),
         h.make_node('GlobalAveragePool', ['k'], ['p']),
         h.make_node('Flatten', ['p'], ['f']),
         h.make_node('Gemm', ['f', 'fw', 'fb'], ['y'], transB=1)]
g = h.make_graph(nodes, 'clip_bound', [h.make_tensor_value_info('x', T.FLOAT, ['N', 1, 8, 8])], [h.make_tensor_value_info('y', T.FLOAT, ['N', 3])], inits)
onnx.save(h.make_model(g, opset_imports=[h.make_opsetid('', 13)]), f'{out}/model.onnx')
x = rng.random((150, 1, 8, 8)).astype(np.float32)
np.savez(f'{out}/defense.npz', x=x, y=(np.arange(150) % 3).astype(np.int64))
`;

test('a model WebGPU cannot run falls back to wasm: the scan finishes and says why', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rnp-fallback-'));
  execFileSync('/usr/bin/python3', ['-c', CLIP_BOUND_MODEL, dir]);
  const args = [CLI, path.join(dir, 'model.onnx'), '--data', path.join(dir, 'defense.npz'), '--out', path.join(dir, 'out'), '--mode', 'paper'];
  args.push('--unlearn-epochs', '1', '--recover-epochs', '1', '--no-export', '--fail-on', 'never', '--backend', 'webgpu');
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 240_000 });
  assert.equal(r.status, 0, r.stderr.slice(-800));
  const result = JSON.parse(readFileSync(path.join(dir, 'out', 'scan.json'), 'utf8')) as ScanResult;
  assert.equal(result.backend.name, 'wasm');
  assert.match(result.backend.reason, /^WebGPU \(requested; WebGPU on .+\) failed during the scan: Clip \S+ needs a value the model computes while it runs.*; ran again on WebAssembly/);
  assert.ok(result.notes.some((n) => /fell back from WebGPU to WebAssembly/.test(n)), 'a note says so');
});

test('with the webgpu package missing, --backend webgpu exits 2 at once saying so', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rnp-nogpu-'));
  const hide = path.join(dir, 'hide-webgpu.cjs');
  // Resolution of 'webgpu' fails as it does where the optional package was not installed.
  writeFileSync(hide, `const M = require('module'); const r = M._resolveFilename; M._resolveFilename = function (req, ...a) { if (req === 'webgpu') { const e = new Error("Cannot find module 'webgpu'"); e.code = 'MODULE_NOT_FOUND'; throw e; } return r.call(this, req, ...a); };`);
  const r = scan('webgpu', dir, { ...process.env, NODE_OPTIONS: `--require ${hide}` });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /backend "webgpu" is not available: WebGPU not available: the optional package "webgpu" is not installed/);
});
