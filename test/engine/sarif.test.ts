// SARIF 2.1.0 output (issue #22): valid against the official schema, one result per backdoored or inconclusive
// model with a stable rule id and level, a message naming the label and the evidence, the model's location relative
// to the SARIF file's folder, and scan failures as tool execution notifications.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildSarif, writeSarif, RULES, type SarifModel } from '../../src/engine/sarif';
import { sarifErrors } from '../sarif-schema';

const finding = (verdict: 'backdoored' | 'clean' | 'inconclusive', detectedLabel: number | null): SarifModel['finding'] => ({
  verdict,
  detectedLabel,
  confidence: 0.875,
  evidence: [`The unlearned model predicts label ${detectedLabel ?? 0} for 88.8% of the clean defense data.`, 'Label 3 trigger is anomalously small.'],
  before: { acc: 0.9, asr: 0.998 },
  after: { acc: 0.886, asr: 0.025 },
});

test('a batch log: valid SARIF 2.1.0, RNP001 error / RNP002 warning, clean models left out, errors as notifications', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rnp-sarif-'));
  const models: SarifModel[] = [
    { path: path.join(dir, 'zoo', 'a b.onnx'), sha256: 'a'.repeat(64), finding: finding('backdoored', 0), report: path.join(dir, 'out', 'scan.json') },
    { path: path.join(dir, 'zoo', 'sub', 'c.onnx'), sha256: 'c'.repeat(64), finding: finding('inconclusive', null), report: null },
    { path: path.join(dir, 'zoo', 'clean.onnx'), sha256: 'd'.repeat(64), finding: finding('clean', null), report: null },
    { path: '/elsewhere/outside.onnx', sha256: 'e'.repeat(64), finding: finding('backdoored', 7), report: null },
  ];
  const log = buildSarif({ models, errors: [{ path: path.join(dir, 'zoo', 'bad.onnx'), message: `${path.join(dir, 'zoo', 'bad.onnx')}: the file is too small`, code: 'MODEL_INVALID' }], commandLine: 'rnp-scan batch zoo', startTime: new Date(), endTime: new Date() }, path.join(dir, 'rnp.sarif'));
  assert.deepEqual(sarifErrors(log), []);
  const run = log.runs[0];
  assert.equal(run.tool.driver.name, 'rnp-scan');
  assert.deepEqual(run.tool.driver.rules!.map((r) => r.id), [RULES.backdoor, RULES.inconclusive, RULES.scanError]);
  for (const r of run.tool.driver.rules!) assert.ok(r.help?.text && r.shortDescription?.text, `${r.id} has help`);
  const results = run.results!;
  assert.deepEqual(results.map((r) => [r.ruleId, r.level]), [['RNP001', 'error'], ['RNP002', 'warning'], ['RNP001', 'error']]);
  assert.match(results[0].message.text!, /Backdoor found in a b\.onnx: target label 0 \(confidence 87\.5 %\)\. Evidence: The unlearned model predicts label 0/);
  assert.match(results[0].message.text!, /attack success 99\.8 % before, 2\.5 % after/);
  assert.match(results[1].message.text!, /inconclusive/);
  assert.deepEqual(results[0].locations![0].physicalLocation!.artifactLocation, { uri: 'zoo/a%20b.onnx', uriBaseId: '%SRCROOT%', index: 0 });
  assert.deepEqual(results[1].locations![0].physicalLocation!.artifactLocation!.uri, 'zoo/sub/c.onnx');
  assert.equal(results[2].locations![0].physicalLocation!.artifactLocation!.uri, 'file:///elsewhere/outside.onnx');
  assert.equal(run.originalUriBaseIds!['%SRCROOT%'].uri, `file://${dir}/`);
  assert.equal(run.artifacts![0].hashes!['sha-256'], 'a'.repeat(64));
  const inv = run.invocations![0];
  assert.equal(inv.executionSuccessful, false);
  assert.equal(inv.toolExecutionNotifications![0].descriptor!.id, RULES.scanError);
  assert.match(inv.toolExecutionNotifications![0].message.text!, /bad\.onnx: the file is too small/);
});

test('the validator rejects what SARIF 2.1.0 does not allow (it is not vacuous)', () => {
  const log = buildSarif({ models: [{ path: '/m.onnx', sha256: null, finding: finding('backdoored', 1), report: null }] }, '/tmp/x.sarif');
  assert.deepEqual(sarifErrors(log), []);
  const bad = (f: (l: any) => void) => {
    const l = JSON.parse(JSON.stringify(log));
    f(l);
    return sarifErrors(l);
  };
  assert.notDeepEqual(bad((l) => (l.runs[0].results[0].level = 'fatal')), []);
  assert.notDeepEqual(bad((l) => (l.version = '2.0.0')), []);
  assert.notDeepEqual(bad((l) => delete l.runs[0].tool), []);
  assert.notDeepEqual(bad((l) => (l.runs[0].results[0].message = 'text')), []);
  assert.notDeepEqual(bad((l) => (l.runs[0].bogus = 1)), []);
});

test('a clean scan is a log with no results; writeSarif writes atomically and leaves no temp file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rnp-sarif-'));
  const file = path.join(dir, 'scan.sarif');
  const log = await writeSarif(file, { models: [{ path: path.join(dir, 'm.onnx'), sha256: 'f'.repeat(64), finding: finding('clean', null), report: null }] });
  assert.deepEqual(log.runs[0].results, []);
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), log);
  assert.deepEqual(sarifErrors(log), []);
  assert.deepEqual(readdirSync(dir), ['scan.sarif']);
  await assert.rejects(writeSarif(path.join(dir, 'm.onnx'), { models: [{ path: path.join(dir, 'm.onnx'), sha256: null, finding: finding('clean', null), report: null }] }), /refusing to overwrite/);
});
