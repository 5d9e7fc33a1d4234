/**
 * Side by side with the PyTorch peer (../shared/peer/rnp_torch.py, the authors' semantics) on the same trained
 * model, data and batch order (test/peer/peer_same_order.py feeds the peer the project's seeded shuffles):
 * unlearning must stop at the same epoch, masks must agree value by value, and the pruned sets must match.
 * Needs Debian's python3-torch (.ci/run installs it).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runScan } from '../../../src/engine/scan';

const FIX = path.resolve(__dirname, '../../../demo');
const SEED = 98;
// Fewer recovering epochs than the default 20 keep the test short; unlearning runs to its own stop as in a scan.
const RECOVER_EPOCHS = 5;

test('paper mode matches the PyTorch peer on the demo model (same batches)', { timeout: 1_800_000 }, async () => {
  const peerOut = execFileSync('/usr/bin/python3', [
    path.resolve(__dirname, '../../peer/peer_same_order.py'), String(SEED),
    '--arch', 'mnist_cnn', '--weights', path.join(FIX, 'model.pt'), '--data', path.join(FIX, 'defense.npz'),
    '--seed', String(SEED), '--recover-epochs', String(RECOVER_EPOCHS),
  ], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const peer = JSON.parse(peerOut.trim().split('\n').pop()!);
  const { result } = await runScan({
    model: path.join(FIX, 'model.onnx'), data: path.join(FIX, 'defense.npz'),
    outDir: mkdtempSync(path.join(tmpdir(), 'rnp-peer-')), options: { mode: 'paper', seed: SEED, backend: 'wasm', recoverEpochs: RECOVER_EPOCHS }, writePruned: false,
  });
  const peerLayers = Object.values(peer.masks) as number[][];
  assert.equal(result.layers.length, peerLayers.length, 'one mask layer per BatchNorm on both sides');
  assert.equal(result.unlearnHistory.length, peer.unlearn_epochs_run, 'unlearning stops at the same epoch');
  result.unlearnHistory.forEach((h, i) => assert.ok(Math.abs(h.acc - peer.unlearn_acc_history[i]) <= 0.03, `unlearn acc epoch ${i + 1}: ${h.acc} vs ${peer.unlearn_acc_history[i]}`));
  let maxDiff = 0;
  let sumDiff = 0;
  let n = 0;
  let agree = 0;
  result.layers.forEach((l, i) => {
    assert.equal(l.masks.length, peerLayers[i].length);
    l.masks.forEach((m, c) => {
      const d = Math.abs(m - peerLayers[i][c]);
      maxDiff = Math.max(maxDiff, d);
      sumDiff += d;
      n++;
      if ((m <= 0.2) === (peerLayers[i][c] <= 0.2)) agree++;
    });
  });
  const meanDiff = sumDiff / n;
  console.log(`masks: mean |diff| ${meanDiff.toFixed(4)}, max ${maxDiff.toFixed(4)}, pruned-set agreement ${agree}/${n}; pruned ${result.prunedCount} vs peer ${peer.pruned_neurons}; unlearn acc ${JSON.stringify(result.unlearnHistory.map((h) => h.acc))} vs ${JSON.stringify(peer.unlearn_acc_history)}`);
  assert.ok(meanDiff < 0.05, `mean mask difference ${meanDiff}`);
  assert.ok(agree / n >= 0.95, `pruned sets agree on ${agree}/${n} channels`);
  assert.ok(Math.abs(result.prunedCount - peer.pruned_neurons) <= Math.max(2, 0.05 * n));
});
