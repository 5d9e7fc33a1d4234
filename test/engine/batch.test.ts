// The batch engine (issue #22): discovery rules, shards that cover every model exactly once, results.jsonl rows that
// stay whole under concurrent writers and after a torn write, and a real batch that resumes, re-scans what changed
// and goes on past a bad model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { appendRow, commonRoot, discoverModels, parseShard, readResults, rowLine, runBatch, shardModels, ROW_MAX_BYTES, type BatchEvent, type BatchModel, type BatchRow } from '../../src/engine/batch';
import { InputError } from '../../src/engine/errors';

const ROOT = path.resolve(__dirname, '../..');
const DEMO = path.join(ROOT, 'demo');
const tmp = () => mkdtempSync(path.join(tmpdir(), 'rnp-batch-'));
const touch = (p: string, text = 'x') => {
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
};
const row = (model: string, extra: Partial<BatchRow> = {}): BatchRow => ({ model, sha256: null, verdict: null, detectedLabel: null, status: 'error', error: 'e', code: 'IO', seconds: 0, config: 'c', shard: null, at: 't', ...extra });

test('discovery: *.onnx recursively, skipping outputs, .rnp-scan, node_modules, --out and symlinked folders', async () => {
  const d = tmp();
  for (const f of ['zoo/a.onnx', 'zoo/B.ONNX', 'zoo/sub/deep/c.onnx', 'zoo/a.pruned.onnx', 'zoo/sub/repaired.onnx', 'zoo/.rnp-scan/a.onnx/x.onnx', 'zoo/node_modules/p/m.onnx', 'zoo/out/m.onnx/m.onnx', 'zoo/readme.txt', 'other/d.onnx']) touch(path.join(d, f));
  symlinkSync(path.join(d, 'other'), path.join(d, 'zoo', 'linked-folder'));
  symlinkSync(path.join(d, 'other', 'd.onnx'), path.join(d, 'zoo', 'linked-file.onnx'));
  const { root, models } = await discoverModels([path.join(d, 'zoo')], [path.join(d, 'zoo', 'out')]);
  assert.equal(root, path.join(d, 'zoo'));
  assert.deepEqual(models.map((m) => m.rel), ['B.ONNX', 'a.onnx', 'linked-file.onnx', 'sub/deep/c.onnx']);
  // Files by name and a folder: the common root is their common folder; a file given twice is scanned once.
  const two = await discoverModels([path.join(d, 'other', 'd.onnx'), path.join(d, 'zoo', 'sub'), path.join(d, 'other', 'd.onnx')]);
  assert.equal(two.root, d);
  assert.deepEqual(two.models.map((m) => m.rel), ['other/d.onnx', 'zoo/sub/deep/c.onnx']);
  // A file given by name is scanned whatever it is called.
  assert.deepEqual((await discoverModels([path.join(d, 'zoo', 'a.pruned.onnx')])).models.map((m) => m.rel), ['a.pruned.onnx']);
  await assert.rejects(discoverModels([path.join(d, 'nope')]), (e: unknown) => e instanceof InputError && /nope: no such file or folder/.test(e.describe()));
  // A skipped folder given by name is the user's choice: searched.
  assert.deepEqual((await discoverModels([path.join(d, 'zoo', 'node_modules')])).models.map((m) => m.rel), ['p/m.onnx']);
  mkdirSync(path.join(d, 'empty'));
  await assert.rejects(discoverModels([path.join(d, 'empty')]), /no \.onnx models found/);
  assert.equal(commonRoot(['/a/b/c', '/a/b/d', '/a/bx']), '/a');
  assert.equal(commonRoot(['/a', '/b']), '/');
});

test('shards: every model in exactly one shard of N, by sorted relative path; --shard is checked', () => {
  const models: BatchModel[] = Array.from({ length: 23 }, (_, i) => ({ path: `/z/m${i}.onnx`, rel: `m${String(i).padStart(2, '0')}.onnx` })).reverse();
  for (const n of [1, 2, 3, 5, 30]) {
    const shares = Array.from({ length: n }, (_, i) => shardModels(models, { index: i, count: n }).map((m) => m.rel));
    const all = shares.flat().sort();
    assert.deepEqual(all, models.map((m) => m.rel).sort(), `N=${n}: all covered once`);
    assert.ok(Math.max(...shares.map((s) => s.length)) - Math.min(...shares.map((s) => s.length)) <= 1, `N=${n}: balanced`);
  }
  assert.deepEqual(shardModels(models, { index: 1, count: 4 }).map((m) => m.rel).slice(0, 3), ['m01.onnx', 'm05.onnx', 'm09.onnx']);
  assert.deepEqual(parseShard('1/4'), { index: 1, count: 4 });
  for (const bad of ['4/4', '1', 'a/b', '-1/2', '0/0', '1/2/3']) assert.throws(() => parseShard(bad), /--shard/, bad);
});

test('results.jsonl: a torn last line is ignored, and the next append does not merge with it', async () => {
  const d = tmp();
  const file = path.join(d, 'results.jsonl');
  await appendRow(file, row('a.onnx'));
  appendFileSync(file, rowLine(row('b.onnx')).slice(0, 40)); // a crash mid-write
  assert.deepEqual((await readResults(file)).rows.map((r) => r.model), ['a.onnx']);
  assert.equal((await readResults(file)).ignored, 1);
  await appendRow(file, row('c.onnx'));
  const r = await readResults(file);
  assert.deepEqual(r.rows.map((x) => x.model), ['a.onnx', 'c.onnx']);
  assert.equal(r.ignored, 1);
  assert.deepEqual(await readResults(path.join(d, 'missing.jsonl')), { rows: [], ignored: 0 });
  // A long error is cut so the line stays within ROW_MAX_BYTES.
  const long = rowLine(row('d.onnx', { error: 'x'.repeat(10_000) }));
  assert.ok(Buffer.byteLength(long) <= ROW_MAX_BYTES && long.endsWith('\n'));
  assert.equal(JSON.parse(long).model, 'd.onnx');
});

test('results.jsonl: 6 processes appending 40 rows each at once leave 240 whole lines', { timeout: 120_000 }, async () => {
  const d = tmp();
  const file = path.join(d, 'results.jsonl');
  const child = path.join(__dirname, 'batch-append-child.ts');
  await Promise.all(
    Array.from({ length: 6 }, (_, id) =>
      new Promise<void>((resolve, reject) => {
        const c = spawn(process.execPath, ['--import', 'tsx', child, file, String(id), '40', String(1000 + id * 500)], { stdio: ['ignore', 'ignore', 'inherit'] });
        c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${id} exited ${code}`))));
      }),
    ),
  );
  const lines = readFileSync(file, 'utf8').split('\n');
  assert.equal(lines.pop(), '', 'ends with a newline');
  assert.equal(lines.length, 240);
  for (const l of lines) JSON.parse(l);
  const { rows, ignored } = await readResults(file);
  assert.equal(ignored, 0);
  for (let id = 0; id < 6; id++) assert.deepEqual(rows.filter((r) => r.shard === `${id}/9`).map((r) => r.seconds), Array.from({ length: 40 }, (_, i) => i), `writer ${id} in order`);
  assert.ok(!existsSync(path.join(d, '.results.jsonl.lock')), 'the lock is released');
});

test('runBatch: scans every model, a bad one is an error row; a rerun skips done models, re-scans changed and failed ones', { timeout: 300_000 }, async () => {
  const d = tmp();
  const zoo = path.join(d, 'zoo');
  mkdirSync(path.join(zoo, 'sub'), { recursive: true });
  copyFileSync(path.join(DEMO, 'model.onnx'), path.join(zoo, 'a.onnx'));
  copyFileSync(path.join(DEMO, 'model.onnx'), path.join(zoo, 'sub', 'b.onnx'));
  writeFileSync(path.join(zoo, 'bad.onnx'), 'not a model');
  const out = path.join(d, 'out');
  const req = { inputs: [zoo], data: path.join(DEMO, 'defense.npz'), outDir: out, options: { mode: 'paper' as const, unlearnEpochs: 2, recoverEpochs: 2 }, writePruned: true };
  const events: BatchEvent[] = [];
  const first = await runBatch(req, { onEvent: (e) => events.push(e) });
  assert.deepEqual(first.entries.map((e) => [e.model.rel, e.row.status, e.skipped]), [['a.onnx', 'done', false], ['bad.onnx', 'error', false], ['sub/b.onnx', 'done', false]]);
  const bad = first.entries[1].row;
  assert.match(bad.error!, /bad\.onnx: /);
  assert.equal(bad.code, 'MODEL_INVALID');
  assert.equal(first.entries[0].row.verdict, 'backdoored');
  assert.equal(first.entries[0].row.detectedLabel, 0);
  assert.ok(existsSync(path.join(out, 'a.onnx', 'scan.json')) && existsSync(path.join(out, 'sub', 'b.onnx', 'scan.json')));
  assert.ok(existsSync(path.join(out, 'sub', 'b.onnx', 'b.pruned.onnx')), 'the pruned model in the model folder');
  assert.equal(JSON.parse(readFileSync(path.join(out, 'a.onnx', 'scan.json'), 'utf8')).model, path.join(zoo, 'a.onnx'));
  assert.deepEqual(events.filter((e) => e.kind === 'model-done').map((e) => (e as { done: number }).done), [1, 2, 3]);
  assert.equal((await readResults(first.resultsPath)).rows.length, 3);

  // Rerun: the done models are skipped, the error row is retried; then b changes and is scanned again.
  const second = await runBatch(req);
  assert.deepEqual(second.entries.map((e) => e.skipped), [true, false, true]);
  assert.equal((await readResults(first.resultsPath)).rows.length, 4);
  copyFileSync(path.join(ROOT, 'fixtures/trained/mnist_cnn_clean/model.onnx'), path.join(zoo, 'sub', 'b.onnx'));
  const third = await runBatch(req);
  assert.deepEqual(third.entries.map((e) => e.skipped), [true, false, false]);
  // Other settings are another batch: nothing is reused.
  const fourth = await runBatch({ ...req, options: { ...req.options, seed: 7 }, inputs: [path.join(zoo, 'a.onnx')] });
  assert.equal(fourth.entries[0].skipped, false);
  assert.equal(fourth.root, zoo, 'a file by name: its folder is the root, the same rel path');

  // Two shards into the same --out cover the three models exactly once.
  const out2 = path.join(d, 'out2');
  const s0 = await runBatch({ ...req, outDir: out2, shard: { index: 0, count: 2 } });
  const s1 = await runBatch({ ...req, outDir: out2, shard: { index: 1, count: 2 } });
  assert.deepEqual(s0.entries.map((e) => e.model.rel), ['a.onnx', 'sub/b.onnx']);
  assert.deepEqual(s1.entries.map((e) => e.model.rel), ['bad.onnx']);
  assert.deepEqual((await readResults(path.join(out2, 'results.jsonl'))).rows.map((r) => [r.model, r.shard]).sort(), [['a.onnx', '0/2'], ['bad.onnx', '1/2'], ['sub/b.onnx', '0/2']]);
  assert.equal(s0.discovered, 3);
});
