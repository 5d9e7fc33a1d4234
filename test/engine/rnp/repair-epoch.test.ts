// The repair's choice of epoch (rnp/repair.ts epochPreference): within the KL and accuracy budget the epoch the
// recovered triggers fail on most, ties (all under the removed level) to the closest to the original; within beats
// outside; with none within, the closest. Histories shaped like the committed BadNets fixture's and a clean zoo model's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epochPreference } from '../../../src/engine/rnp/repair';
import type { RepairEpoch } from '../../../src/engine/result';

const ep = (epoch: number, holdoutAcc: number, holdoutDivergence: number, holdoutTriggerSuccess: number): RepairEpoch => ({ epoch, holdoutAcc, holdoutDivergence, holdoutTriggerSuccess });
function kept(history: RepairEpoch[], better: (a: RepairEpoch, b: RepairEpoch) => boolean): number {
  let best = history[0];
  for (const e of history.slice(1)) if (better(e, best)) best = e;
  return best.epoch;
}

test('backdoored budget: the late epoch near the original with the trigger gone, not the early one that also blocks it', () => {
  const h = [ep(0, 0.87, 0, 1), ep(1, 0.75, 0.63, 0), ep(2, 0.84, 0.196, 0), ep(7, 0.84, 0.054, 0.011), ep(11, 0.83, 0.043, 0.011), ep(15, 0.82, 0.039, 0.011)];
  // KL ≤ 0.1 and accuracy ≥ 0.87 − 0.04: epochs 7 and 11 qualify (15 reads 0.82), both "removed"; the closer is 11.
  assert.equal(kept(h, epochPreference(0.87, { repairAccuracy: 0.04, divergence: 0.1 }, 0.05)), 11);
  // The stricter budget of another verdict: 0.05 KL, accuracy ≥ 0.85: none qualify → the closest, epoch 0.
  assert.equal(kept(h, epochPreference(0.87, { repairAccuracy: 0.02, divergence: 0.05 }, 0.05)), 0);
});

test('within the budget the trigger decides before closeness; outside it only closeness', () => {
  const h = [ep(0, 0.86, 0, 1), ep(1, 0.86, 0.03, 0.4), ep(2, 0.85, 0.045, 0.02), ep(3, 0.86, 0.02, 0.3)];
  assert.equal(kept(h, epochPreference(0.86, { repairAccuracy: 0.02, divergence: 0.05 }, 0.05)), 2);
  // A pruned start (epoch 0 already far) that never comes within: the closest epoch.
  const far = [ep(0, 0.7, 0.5, 0.2), ep(1, 0.8, 0.3, 0), ep(2, 0.82, 0.2, 0.1)];
  assert.equal(kept(far, epochPreference(0.86, { repairAccuracy: 0.02, divergence: 0.05 }, 0.05)), 2);
});

test('the accuracy floor still rejects an epoch close in KL that lost too much', () => {
  const h = [ep(0, 0.9, 0, 1), ep(1, 0.8, 0.04, 0)];
  assert.equal(kept(h, epochPreference(0.9, { repairAccuracy: 0.04, divergence: 0.1 }, 0.05)), 0);
});
