// The whole scan's share and ETA (engine/overall-progress.ts): weighted by stage, renormalised over the stages a plan
// runs, monotone through a scan's reports, no ETA before a tenth is done; and the shared progress line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OverallProgress, STAGE_WEIGHTS } from '../../src/engine/overall-progress';
import { STAGE_ORDER } from '../../src/engine/plan';
import { durationText, progressLine } from '../../src/report/progress-text';

test('every stage has a weight; an adaptive plan sums to one and evidence is half of it', () => {
  for (const s of STAGE_ORDER) assert.ok(typeof STAGE_WEIGHTS[s] === 'number' && STAGE_WEIGHTS[s] >= 0, s);
  let clock = 0;
  const o = new OverallProgress([...STAGE_ORDER], () => clock);
  o.enter('evidence');
  const start = o.at(0, 10).fraction;
  o.enter('verdict');
  assert.ok(Math.abs(o.at(0, 0).fraction - start - 0.52) < 1e-9);
  o.enter('write');
  clock = 1000;
  assert.ok(Math.abs(o.at(1, 1).fraction - 1) < 1e-9);
  assert.equal(o.at(1, 1).etaSeconds, 0);
});

test('a plan without evidence and repair (paper mode) renormalises; shares only grow; the ETA extrapolates', () => {
  let clock = 0;
  const stages = ['evaluate-before', 'unlearn', 'recover', 'select', 'prune', 'curve', 'evaluate-after', 'write'] as const;
  const o = new OverallProgress([...stages], () => clock);
  let last = 0;
  for (const s of stages) {
    o.enter(s);
    for (let step = 0; step <= 4; step++) {
      clock += 500;
      const { fraction, etaSeconds } = o.at(step, 4);
      assert.ok(fraction >= last - 1e-12, `${s} ${step}: ${fraction} < ${last}`);
      if (fraction < 0.1) assert.equal(etaSeconds, null);
      else if (fraction < 1) assert.ok(Math.abs((etaSeconds as number) - ((clock / 1000) / fraction) * (1 - fraction)) < 1e-9);
      last = fraction;
    }
  }
  assert.ok(Math.abs(last - 1) < 1e-9);
  // Recover is 0.08 of 0.24 here: half-way through it the share is before-stages + half of it.
  const p = new OverallProgress([...stages], () => 0);
  p.enter('recover');
  assert.ok(Math.abs(p.at(2, 4).fraction - (0.04 + 0.03 + 0.04) / 0.24) < 1e-9);
});

test('the progress line: share, step once, accuracy once, ETA in words', () => {
  assert.equal(durationText(45.4), '45 s');
  assert.equal(durationText(130), '2 min 10 s');
  assert.equal(durationText(3725), '1 h 02 min');
  assert.equal(progressLine({ phase: 'evidence', step: 3, total: 10, message: 'recovering a trigger for label 2', overall: { fraction: 0.4, etaSeconds: 61 } }), '40 % · recovering a trigger for label 2 (3/10) · about 1 min 01 s left');
  assert.equal(progressLine({ phase: 'export', step: 0, total: 0, message: 'exporting a.onnx' }), 'exporting a.onnx');
  assert.equal(progressLine({ phase: 'unlearn', step: 2, total: 20, acc: 0.5, message: 'unlearning epoch 2: clean acc 50.0 %' }), 'unlearning epoch 2: clean acc 50.0 % (2/20)');
});
