// `rnp-scan batch` through the built CLI (issue #22): usage errors, the exit code of a batch under each --fail-on
// (from rows an earlier run left, so no scan is needed for clean and inconclusive verdicts), SARIF for a batch, and
// a batch killed with SIGKILL mid-way that resumes, losing at most the model in flight.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { appendRow, batchConfig, hashModel, readResults, type BatchRow } from '../../src/engine/batch';
import { sarifErrors } from '../sarif-schema';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const DEMO = path.join(ROOT, 'demo');
const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
const tmp = () => mkdtempSync(path.join(tmpdir(), 'rnp-cli-batch-'));
const SHORT = ['--mode', 'paper', '--unlearn-epochs', '2', '--recover-epochs', '2'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function zoo(n: number): string {
  const d = path.join(tmp(), 'zoo');
  for (let i = 0; i < n; i++) {
    const f = path.join(d, i % 2 ? 'sub' : '', `m${i}.onnx`);
    mkdirSync(path.dirname(f), { recursive: true });
    copyFileSync(path.join(DEMO, 'model.onnx'), f);
  }
  return d;
}

test('batch usage errors are exit 2 with one line', () => {
  const z = zoo(1);
  const data = ['--data', path.join(DEMO, 'defense.npz')];
  for (const [args, re] of [
    [['batch', z, ...data], /--out/],
    [['batch', ...data, '--out', tmp()], /at least one folder/],
    [['batch', z, ...data, '--out', tmp(), '--shard', '2/2'], /--shard/],
    [['batch', z, ...data, '--out', tmp(), '--json'], /--json/],
    [['batch', path.join(z, 'nope'), ...data, '--out', tmp()], /nope: no such file or folder/],
    [['batch', tmp(), ...data, '--out', tmp()], /no \.onnx models found/],
  ] as [string[], RegExp][]) {
    const r = cli(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0], re);
  }
});

test('batch exit codes under each --fail-on, from the rows of an earlier run; SARIF of a batch', { timeout: 120_000 }, async () => {
  const z = zoo(3);
  const out = tmp();
  const models = ['m0.onnx', 'm2.onnx', 'sub/m1.onnx'];
  const config = await batchConfig({ options: { mode: 'paper', unlearnEpochs: 2, recoverEpochs: 2 }, writePruned: true, data: path.join(DEMO, 'defense.npz') });
  const verdicts = ['clean', 'inconclusive', 'clean'] as const;
  for (const [i, rel] of models.entries()) {
    const dir = path.join(out, ...rel.split('/'));
    mkdirSync(dir, { recursive: true });
    const finding = { verdict: verdicts[i], detectedLabel: null, confidence: 0.5, evidence: [`evidence for ${rel}`], before: { acc: null, asr: null }, after: { acc: null, asr: null } };
    writeFileSync(path.join(dir, 'scan.json'), JSON.stringify(finding));
    const row: BatchRow = { model: rel, sha256: await hashModel(path.join(z, rel)), verdict: verdicts[i], detectedLabel: null, status: 'done', error: null, code: null, seconds: 1, config, shard: null, at: 'earlier' };
    await appendRow(path.join(out, 'results.jsonl'), row);
  }
  const run = (extra: string[]) => cli(['batch', z, '--data', path.join(DEMO, 'defense.npz'), '--out', out, ...SHORT, ...extra]);
  const sarif = path.join(path.dirname(z), 'batch.sarif');
  for (const [failOn, code] of [['backdoored', 0], ['inconclusive', 3], ['never', 0]] as const) {
    const r = run(['--fail-on', failOn, '--sarif', sarif]);
    assert.equal(r.status, code, `--fail-on ${failOn}: ${r.stderr}`);
    assert.match(r.stdout, /3 models: 0 backdoored, 1 inconclusive, 2 clean, 0 errors; 3 reused/);
  }
  assert.equal((await readResults(path.join(out, 'results.jsonl'))).rows.length, 3, 'nothing scanned again');
  const log = JSON.parse(readFileSync(sarif, 'utf8'));
  assert.deepEqual(sarifErrors(log), []);
  assert.deepEqual(log.runs[0].results.map((r: { ruleId: string; level: string }) => [r.ruleId, r.level]), [['RNP002', 'warning']]);
  assert.deepEqual(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation, { uri: 'zoo/m2.onnx', uriBaseId: '%SRCROOT%', index: 0 });
  assert.match(log.runs[0].results[0].message.text, /evidence for m2\.onnx/);
  // A bad model in the batch: an error row, the batch goes on, exit 2 (errors come before findings).
  writeFileSync(path.join(z, 'sub', 'junk.onnx'), 'junk');
  const r = run(['--sarif', sarif]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stdout, /sub\/junk\.onnx .* error: .*junk\.onnx: /);
  const errLog = JSON.parse(readFileSync(sarif, 'utf8'));
  assert.deepEqual(sarifErrors(errLog), []);
  assert.equal(errLog.runs[0].invocations[0].executionSuccessful, false);
});

test('a batch killed with SIGKILL mid-way resumes: every model done exactly once, no torn line', { timeout: 600_000 }, async () => {
  const z = zoo(5);
  const out = tmp();
  const args = [CLI, 'batch', z, '--data', path.join(DEMO, 'defense.npz'), '--out', out, ...SHORT, '--no-export'];
  const results = path.join(out, 'results.jsonl');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const rows = async () => (existsSync(results) ? (await readResults(results)).rows.length : 0);
  const end = Date.now() + 240_000;
  while ((await rows()) < 2 && Date.now() < end) await sleep(100);
  child.kill('SIGKILL');
  await exited;
  const before = await readResults(results);
  assert.ok(before.rows.length >= 2 && before.rows.length < 5, `killed mid-way after ${before.rows.length} rows`);
  assert.equal(before.ignored, 0);
  assert.match(stderr, /\[1\/5\] m0\.onnx: backdoored \(label 0\) in [\d.]+ s; ETA \d+s/, 'plain progress lines with an ETA when not a TTY');
  const again = spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(again.status, 3, again.stderr);
  assert.match(again.stdout, new RegExp(`5 models: 5 backdoored, 0 inconclusive, 0 clean, 0 errors; ${before.rows.length} reused`));
  const after = await readResults(results);
  assert.equal(after.ignored, 0);
  assert.deepEqual(after.rows.map((r) => r.model).sort(), ['m0.onnx', 'm2.onnx', 'm4.onnx', 'sub/m1.onnx', 'sub/m3.onnx']);
});
