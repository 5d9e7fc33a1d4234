/**
 * The command-line contract, by running the built CLI (dist/cli.js) as a user would: JSON fields, exit codes, one-line
 * errors naming the file, and the exported pruned model re-evaluated independently by onnxruntime.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ortAccuracy } from '../ort-accuracy';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const DEMO = path.join(ROOT, 'demo');
const tmp = () => mkdtempSync(path.join(tmpdir(), 'rnp-cli-'));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}


test('scan --json: one JSON object with the documented fields; the pruned model re-evaluates to the reported ACC/ASR', { timeout: 600_000 }, async () => {
  const out = tmp();
  const modelHash = createHash('sha256').update(readFileSync(path.join(DEMO, 'model.onnx'))).digest('hex');
  const r = cli([path.join(DEMO, 'model.onnx'), '--data', path.join(DEMO, 'defense.npz'), '--clean-test', path.join(DEMO, 'clean_test.npz'),
    '--poison-test', path.join(DEMO, 'poison_test.npz'), '--out', out, '--json', '--html', '--mode', 'paper', '--recover-epochs', '5', '--fail-on', 'never']);
  assert.equal(r.code, 0, r.stderr); // --fail-on never: exit 0 whatever the verdict (exit 3 for a finding: exit-codes.test.ts)
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'exactly one line (one JSON object) on stdout');
  const j = JSON.parse(lines[0]);
  for (const k of ['model', 'backend', 'verdict', 'detectedLabel', 'threshold', 'prunedCount', 'totalChannels', 'layers', 'before', 'after', 'curve', 'prunedModel', 'seconds']) assert.ok(k in j, `field ${k}`);
  assert.ok(['backdoored', 'clean', 'inconclusive'].includes(j.verdict));
  assert.ok(j.detectedLabel === null || Number.isInteger(j.detectedLabel));
  assert.equal(j.threshold, 0.2);
  assert.equal(j.layers.length, 3, 'the demo CNN has three BatchNorms');
  assert.equal(j.totalChannels, 16 + 32 + 64);
  assert.equal(j.prunedCount, j.layers.flatMap((l: { masks: number[] }) => l.masks).filter((m: number) => m <= 0.2).length);
  assert.equal(j.curve.length, 19);
  assert.deepEqual(j.curve.map((c: { threshold: number }) => c.threshold), Array.from({ length: 19 }, (_, i) => i * 5 / 100));
  for (const c of j.curve) for (const k of ['threshold', 'pruned', 'acc', 'asr']) assert.equal(typeof c[k], 'number');
  for (const k of ['load', 'unlearn', 'recover', 'total']) assert.equal(typeof j.seconds[k], 'number');
  assert.ok(j.before.acc > 0.8 && j.before.asr > 0.9, 'the demo model is accurate and backdoored');
  assert.match(r.stderr, /\[unlearn\]/, 'progress lines on stderr (not a TTY)');
  // The export: beside --out, loadable by onnxruntime, with exactly the reported accuracy and attack success.
  assert.equal(j.prunedModel, path.join(out, 'model.pruned.onnx'));
  assert.ok(existsSync(path.join(out, 'scan.json')));
  // The readable reports beside it: Markdown always, the self-contained HTML with --html, both of this very scan.
  const md = readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.match(md, new RegExp(`^# Backdoor scan of \`model\.onnx\`: `));
  assert.ok(md.includes(`| original | ${(j.before.acc * 100).toFixed(1)} % | ${(j.before.asr * 100).toFixed(1)} % |`), 'the original model\'s ACC / ASR row');
  assert.ok(md.includes(j.modelSha256));
  const html = readFileSync(path.join(out, 'report.html'), 'utf8');
  const data = /<script type="application\/json" id="rnp-report-data">([^<]*)<\/script>/.exec(html);
  assert.ok(data, 'the report data block');
  assert.deepEqual(JSON.parse(data[1]), j, 'report.html carries the scan result printed on stdout');
  assert.ok(!/\s(src|href)=/.test(html.slice(0, html.indexOf('<body'))), 'no stylesheet or script loaded from elsewhere (test/webview/html-report.test.ts checks it in Chromium)');
  assert.equal(await ortAccuracy(j.prunedModel, path.join(DEMO, 'clean_test.npz')), j.after.acc);
  assert.equal(await ortAccuracy(j.prunedModel, path.join(DEMO, 'poison_test.npz')), j.after.asr);
  assert.equal(await ortAccuracy(path.join(DEMO, 'model.onnx'), path.join(DEMO, 'clean_test.npz')), j.before.acc);
  assert.equal(createHash('sha256').update(readFileSync(path.join(DEMO, 'model.onnx'))).digest('hex'), modelHash, 'the model file is untouched');
});

test('bad input: exit 2 and one line on stderr naming the file and the problem', { timeout: 120_000 }, async () => {
  const dir = tmp();
  const junk = path.join(dir, 'junk.onnx');
  writeFileSync(junk, Buffer.from('this is not an onnx model at all, just text'.repeat(10)));
  const badShape = path.join(dir, 'shape.npz');
  const badLabels = path.join(dir, 'labels.npz');
  const py = spawnSync('/usr/bin/python3', ['-c', `
import numpy as np
np.savez(${JSON.stringify(badShape)}, x=np.zeros((4,3,32,32),np.uint8), y=np.zeros(4,np.int64))
np.savez(${JSON.stringify(badLabels)}, x=np.zeros((4,1,28,28),np.uint8), y=np.array([0,1,12,3]))
import onnx
from onnx import helper, TensorProto
g = helper.make_graph([helper.make_node('Hardmax', ['input'], ['logits'], name='weird_head')], 'g',
    [helper.make_tensor_value_info('input', TensorProto.FLOAT, ['N', 1, 28, 28])],
    [helper.make_tensor_value_info('logits', TensorProto.FLOAT, ['N', 1, 28, 28])])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)]), ${JSON.stringify(path.join(dir, 'unsupported.onnx'))})
`]);
  assert.equal(py.status, 0, String(py.stderr));
  const model = path.join(DEMO, 'model.onnx');
  const cases: [string[], RegExp][] = [
    [[junk, '--data', path.join(DEMO, 'defense.npz')], /junk\.onnx: /],
    [[path.join(dir, 'missing.onnx'), '--data', path.join(DEMO, 'defense.npz')], /missing\.onnx: /],
    [[path.join(dir, 'unsupported.onnx'), '--data', path.join(DEMO, 'defense.npz')], /unsupported\.onnx: .*Hardmax.*weird_head/],
    [[model, '--data', badShape], /shape\.npz: .*(3, ?32, ?32|3x32x32|\[3,32,32\]|28)/],
    [[model, '--data', badLabels], /labels\.npz: .*12/],
    [[model], /--data/],
    [[model, '--data', path.join(DEMO, 'defense.npz'), '--threshold', 'abc'], /--threshold/],
    [[model, '--data', path.join(DEMO, 'defense.npz'), '--mode', 'fast'], /--mode/],
  ];
  for (const [args, re] of cases) {
    const r = cli([...args, '--out', dir]);
    assert.equal(r.code, 2, `exit 2 for ${args.join(' ')}: ${r.stderr}`);
    const first = r.stderr.split('\n').find((l) => l.startsWith('rnp-scan: '));
    assert.ok(first, `an rnp-scan: line for ${args.join(' ')}: ${r.stderr}`);
    assert.match(first!, re);
    assert.equal(r.stdout, '', 'nothing on stdout');
  }
  assert.ok(!existsSync(path.join(dir, 'scan.json')), 'a failed scan writes nothing');
  assert.ok(statSync(model).isFile());
});

test('rnp-scan check: the demo data fits (exit 0); a wrong mean/std is a warning naming the fix (exit 3); bad data exit 2', () => {
  const base = [path.join(DEMO, 'model.onnx'), '--data', path.join(DEMO, 'defense.npz'), '--backend', 'cpu'];
  const ok = cli(['check', ...base, '--json']);
  assert.equal(ok.code, 0, ok.stderr);
  const c = JSON.parse(ok.stdout) as { count: number; classCounts: number[]; findings: { level: string }[] };
  assert.equal(c.count, 500);
  assert.deepEqual(c.findings.map((f) => f.level), ['info']);
  const text = cli(['check', ...base, '--mean', '0.9', '--std', '0.1']);
  assert.equal(text.code, 3, text.stderr);
  assert.match(text.stdout, /^.*defense\.npz: 500 samples of 1×28×28, 10 of 10 labels \(50 each\), model right on/);
  assert.match(text.stdout, /\nwarning: The model is right on only .* no --mean\/--std/);
  const bad = cli(['check', path.join(DEMO, 'model.onnx'), '--data', path.join(DEMO, 'model.onnx'), '--backend', 'cpu']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /model\.onnx/);
});

test('rnp-scan plan: what a scan would run, without running it or writing anything', () => {
  const out = tmp();
  const base = [path.join(DEMO, 'model.onnx'), '--data', path.join(DEMO, 'defense.npz'), '--out', out];
  const paper = cli(['plan', ...base, '--mode', 'paper', '--json']);
  assert.equal(paper.code, 0, paper.stderr);
  const p = JSON.parse(paper.stdout) as { mode: string; holdout: unknown; stages: { stage: string; when: string }[]; facts: { defenseCount: number } };
  assert.equal(p.mode, 'paper');
  assert.equal(p.holdout, null);
  assert.deepEqual(p.stages.filter((s) => s.when === 'never').map((s) => s.stage), ['evidence', 'curve', 'repair']);
  assert.equal(p.facts.defenseCount, 500);
  const text = cli(['plan', ...base]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^mode adaptive: adaptive unlearning; threshold chosen from clean data/);
  assert.match(text.stdout, /repair\s+runs\s+whatever the verdict/);
  assert.ok(!existsSync(path.join(out, 'scan.json')), 'plan writes nothing');
});
