// The Markdown report (src/report/markdown-report.ts): every number it prints is read back from the tables and
// compared with the ScanResult (per-layer pruned counts recomputed from the masks), and text from the report that
// could break a table (a pipe in a layer name, a line break in a note) stays inside its cell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markdownReport } from '../../src/report/markdown-report';
import { prunedCounts } from '../../src/report/pruning';
import { sampleLabelScores, sampleResult } from '../webview/sample-result';

/** The rows of the Markdown table under `heading`, as cells (an escaped pipe stays in its cell). */
function tableUnder(md: string, heading: string): string[][] {
  const lines = md.split('\n');
  const start = lines.indexOf(heading);
  assert.ok(start >= 0, `heading ${heading}`);
  const rows: string[][] = [];
  for (let i = start + 1; i < lines.length && !lines[i].startsWith('## '); i++) {
    const l = lines[i];
    if (!l.startsWith('|') || l.startsWith('|---')) continue;
    rows.push(l.slice(2, -2).split(/(?<!\\) \| /).map((c) => c.replace(/\\\|/g, '|')));
  }
  return rows;
}

test('verdict, accuracy table and next step from the result', () => {
  const r = sampleResult({ withRepair: true, withTrigger: true });
  const md = markdownReport(r);
  assert.ok(md.startsWith(`# Backdoor scan of \`model.onnx\`: Backdoored: target label ${r.detectedLabel}\n`), md.slice(0, 80));
  const acc = tableUnder(md, '## Accuracy');
  assert.equal(acc.length, 3, 'header, original, after');
  assert.deepEqual(acc[1], ['original', `${(r.before.acc! * 100).toFixed(1)} %`, `${(r.before.asr! * 100).toFixed(1)} %`]);
  assert.equal(acc[2][1], `${(r.after.acc! * 100).toFixed(1)} %`);
  assert.match(acc[2][0], /repaired/);
  for (const e of r.evidence) assert.ok(md.includes(`- ${e}\n`), `evidence line ${e}`);
  assert.match(md, /\nNext: /);
  assert.match(md, /## Recovered trigger\n\nLabel 3: mask L1 12\.5; stamped on the defense data it sends 97\.0 % /);
  assert.match(md, /## Repair\n/);
});

test('per-layer pruned counts are the masks under the threshold', () => {
  const r = sampleResult();
  const md = markdownReport(r);
  const layers = tableUnder(md, '## Pruning').slice(1);
  const counts = prunedCounts(r.layers, r.threshold);
  assert.equal(layers.length, r.layers.length);
  layers.forEach((row, i) => {
    assert.equal(row[0], `\`${r.layers[i].name}\``);
    assert.equal(Number(row[1]), r.layers[i].masks.length);
    assert.equal(Number(row[2]), counts.perLayer[i]);
    assert.equal(row[3], Math.min(...r.layers[i].masks).toFixed(3));
  });
  assert.match(md, new RegExp(`${r.prunedCount} of ${r.totalChannels} channels pruned`));
});

test('label evidence: one row per label, the flagged and detected ones marked', () => {
  const r = { ...sampleResult({ withMad: true }), detectedLabel: 3 };
  const md = markdownReport(r);
  const rows = tableUnder(md, '## Evidence per label').slice(1);
  assert.equal(rows.length, 10);
  const scores = sampleLabelScores(3);
  rows.forEach((row, label) => {
    assert.equal(row[0], String(label));
    assert.equal(row[2], scores[label].triggerNorm!.toFixed(1));
    assert.equal(row[3], scores[label].anomalyIndex!.toFixed(2));
  });
  assert.match(rows[3][4], /detected/);
  assert.match(rows[3][4], /over the flag line/);
  assert.ok(rows.filter((x, i) => i !== 3).every((x) => !x[4].includes('detected')));
});

test('a pipe or a line break from the report stays inside its cell; a clean verdict says why its signals were dismissed', () => {
  const r = sampleResult({ nothingPruned: 'clean', withTrigger: true });
  r.layers[0] = { ...r.layers[0], name: 'odd|name\nwith a break' };
  const md = markdownReport(r);
  const layers = tableUnder(md, '## Pruning').slice(1);
  assert.equal(layers.length, r.layers.length, 'no row split or lost');
  assert.equal(layers[0][0], '`odd|name with a break`');
  assert.ok(layers.every((row) => row.length === 5));
  assert.match(md, /^# Backdoor scan of `model\.onnx`: No backdoor found\n/);
  assert.match(md, /Why not backdoored: the recovered trigger succeeds \(97 %\)/);
  assert.match(md, /Nothing pruned/);
});

test('a scan without test sets says what was not measured', () => {
  const r = { ...sampleResult(), data: { ...sampleResult().data, cleanTest: null, poisonTest: null }, before: { acc: null, asr: null }, after: { acc: null, asr: null } };
  const md = markdownReport(r);
  assert.deepEqual(tableUnder(md, '## Accuracy')[1], ['original', '—', '—']);
  assert.match(md, /Not measured: ACC \(no clean test set given\); ASR \(no poisoned test set given\)\./);
});

test('class names: the headline and the label table name each label, and the Scan section says where from', () => {
  const names = ['tee', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'];
  const r = { ...sampleResult({ withMad: true }), classNames: names, classNamesSource: '/m/labels.txt' };
  const md = markdownReport(r);
  assert.match(md, /^# Backdoor scan of `model\.onnx`: Backdoored: target label 3 \(dress\)\n/);
  assert.deepEqual(tableUnder(md, '## Evidence per label').slice(1).map((row) => row[0]), names.map((n, i) => `${i} (${n})`));
  assert.match(md, /10 classes \(names from `\/m\/labels\.txt`\)/);
});
