/**
 * BN kept vs BN folded: the same trained network exported both ways (the peer's exporter; folded is PyTorch's default
 * eval export) scans on both. Folded: masks sit on conv output channels, the result says so, and the model is the same
 * function (same clean accuracy before). Kept: masks on every BatchNorm.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runScan } from '../../src/engine/scan';

const ROOT = path.resolve(__dirname, '../..');
const DEMO = path.join(ROOT, 'demo');
const PEER = path.resolve(ROOT, '..', 'shared', 'peer', 'rnp_torch.py');

test('a BN-folded export scans with masks on conv outputs and the same accuracy as the BN-kept export', { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rnp-folded-'));
  const folded = path.join(dir, 'folded.onnx');
  execFileSync('/usr/bin/python3', [PEER, '--arch', 'mnist_cnn', '--weights', path.join(DEMO, 'model.pt'), '--export-onnx', folded, '--no-run']);
  const common = {
    data: path.join(DEMO, 'defense.npz'),
    cleanTest: path.join(DEMO, 'clean_test.npz'),
    outDir: dir,
    options: { mode: 'paper' as const, unlearnEpochs: 2, recoverEpochs: 2, backend: 'wasm' as const },
    writePruned: true,
    prunedDir: dir,
  };
  const f = (await runScan({ ...common, model: folded })).result;
  const k = (await runScan({ ...common, model: path.join(DEMO, 'model.onnx') })).result;
  assert.equal(f.maskSite, 'conv-output');
  assert.equal(k.maskSite, 'batchnorm');
  assert.ok(f.notes.some((n) => /folded/i.test(n)), 'the result says BN was folded');
  assert.ok(!k.notes.some((n) => /folded/i.test(n)));
  assert.deepEqual(f.layers.map((l) => l.masks.length), [16, 32, 64]);
  assert.deepEqual(k.layers.map((l) => l.masks.length), [16, 32, 64]);
  assert.ok(f.layers.every((l) => l.kind === 'conv-output'));
  assert.ok(k.layers.every((l) => l.kind === 'batchnorm'));
  assert.ok(Math.abs((f.before.acc as number) - (k.before.acc as number)) <= 0.002, `same function: ${f.before.acc} vs ${k.before.acc}`);
  // Unlearning without batch statistics behaves differently from BN train mode: the histories must not be identical.
  assert.notDeepEqual(f.unlearnHistory.map((h) => h.acc), k.unlearnHistory.map((h) => h.acc));
  assert.ok(f.prunedModel && f.prunedModel.endsWith('folded.pruned.onnx'));
});
