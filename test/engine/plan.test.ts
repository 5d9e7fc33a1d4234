// The scan plan (src/engine/plan.ts): one pure decision of what a scan runs, per mode and per option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planScan, plannedStage, STAGE_ORDER, type ScanFacts, type StageWhen } from '../../src/engine/plan';
import { resolveOptions } from '../../src/engine/options';
import { STAGES } from '../../src/engine/stages';

const facts: ScanFacts = { numClasses: 10, maskLayers: 3, maskChannels: 112, maskSite: 'batchnorm', defenseCount: 500, hasCleanTest: true, hasPoisonTest: true, writePruned: true };
const whens = (o: Parameters<typeof resolveOptions>[0], f: ScanFacts = facts) => {
  const plan = planScan(resolveOptions(o), f);
  return Object.fromEntries(plan.stages.map((s) => [s.stage, s.when])) as Record<string, StageWhen>;
};

test('every stage of the order has an implementation, and the plan lists them in that order', () => {
  const plan = planScan(resolveOptions({}), facts);
  assert.deepEqual(plan.stages.map((s) => s.stage), [...STAGE_ORDER]);
  for (const name of STAGE_ORDER) assert.equal(STAGES[name].name, name);
});

test("paper mode: the authors' pipeline, nothing more", () => {
  const plan = planScan(resolveOptions({ mode: 'paper' }), facts);
  assert.equal(plan.holdout, null);
  assert.equal(plan.unlearning, 'paper');
  assert.deepEqual(plan.threshold, { kind: 'fixed', value: 0.2, prunesWhatever: 'verdict' });
  const w = whens({ mode: 'paper' });
  assert.equal(w.evidence, 'never');
  assert.equal(w.repair, 'never');
  assert.equal(w.select, 'always');
  // Asking paper mode for a repair does not make it adaptive: the plan says why not.
  const asked = planScan(resolveOptions({ mode: 'paper', repair: true, trigger: true }), facts);
  assert.equal(plannedStage(asked, 'evidence').when, 'always');
  assert.equal(plannedStage(asked, 'repair').when, 'never');
  assert.match(plannedStage(asked, 'repair').why, /paper mode/);
});

test('adaptive mode: hold-out, and a selection and a repair that do not wait for the verdict', () => {
  const plan = planScan(resolveOptions({}), facts);
  assert.deepEqual(plan.holdout, { fraction: 0.2, samples: 100 });
  assert.deepEqual(plan.threshold, { kind: 'clean-data', accuracyBudget: 0.02, targetShare: 0.2 });
  const w = whens({});
  assert.deepEqual([w.evidence, w.verdict, w.select, w.repair, w.curve], ['always', 'always', 'always', 'always', 'always']);
  assert.deepEqual(plannedStage(plan, 'unlearn').settings, { lr: 0.01, momentum: 0.9, weightDecay: 5e-4, batchSize: 128, maxEpochs: 20, cleanThreshold: 0.2, maxGradNorm: 5 });
});

test('adaptive mode with a threshold keeps its hold-out and its repair (it used to lose both silently)', () => {
  const plan = planScan(resolveOptions({ pruneThreshold: 0.3 }), facts);
  assert.ok(plan.holdout);
  assert.deepEqual(plan.threshold, { kind: 'fixed', value: 0.3, prunesWhatever: 'verdict' });
  assert.equal(plannedStage(plan, 'select').when, 'always');
  assert.equal(plannedStage(plan, 'repair').when, 'always');
});

test('the options that switch stages off say so in the plan', () => {
  const noTrigger = planScan(resolveOptions({ trigger: false }), facts);
  assert.equal(plannedStage(noTrigger, 'evidence').when, 'never');
  assert.equal(plannedStage(noTrigger, 'repair').when, 'never');
  assert.match(plannedStage(noTrigger, 'repair').why, /trigger/);
  assert.equal(plannedStage(planScan(resolveOptions({ repair: false }), facts), 'repair').when, 'never');
  assert.equal(whens({}, { ...facts, hasCleanTest: false, hasPoisonTest: false }).curve, 'never');
  assert.match(plannedStage(planScan(resolveOptions({}), { ...facts, maskSite: 'conv-output' }), 'unlearn').why, /folded/);
});

test('the plan is a pure function of options and facts', () => {
  const o = resolveOptions({ seed: 3 });
  assert.deepEqual(planScan(o, facts), planScan(structuredClone(o), { ...facts }));
  assert.deepEqual(JSON.parse(JSON.stringify(planScan(o, facts))), planScan(o, facts), 'JSON-safe (it goes into scan.json)');
});
