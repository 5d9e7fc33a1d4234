// The scan history (engine/scan-history.ts): every scan.json under .rnp-scan/<model>/ — the run folders the
// extension writes and the CLI's default file — newest first by the report's time, marked whether it is of the model
// file as it is now; unreadable reports listed with why; folders without a report (a cancelled scan) and foreign
// folders ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { scanHistory } from '../../src/engine/scan-history';
import { defaultOutDir, parseRunStamp, runStamp, scanRunDir } from '../../src/engine/output-paths';
import { sampleResult } from '../webview/sample-result';

test('runStamp names sort by time, carry no colon, and parse back', () => {
  const a = new Date('2026-12-03T09:05:07.042Z');
  const b = new Date('2026-12-03T10:00:00.000Z');
  assert.equal(runStamp(a), '2026-12-03T09-05-07-042Z');
  assert.ok(runStamp(a) < runStamp(b));
  assert.equal(parseRunStamp(runStamp(a))?.getTime(), a.getTime());
  for (const bad of ['batch', '2026-12-03', '2026-12-03T09:05:07.042Z', '2026-13-45T99-99-99-999Z']) assert.equal(parseRunStamp(bad), null, bad);
  assert.equal(scanRunDir('/w/m.onnx', a), path.join('/w', '.rnp-scan', 'm.onnx', '2026-12-03T09-05-07-042Z'));
});

test('lists every scan of the model newest first, marks older model versions, lists unreadable reports', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rnp-history-'));
  try {
    const model = path.join(dir, 'm.onnx');
    writeFileSync(model, 'model bytes v2');
    const sha = createHash('sha256').update('model bytes v2').digest('hex');
    const write = (folder: string, r: object | string, mtime: string) => {
      mkdirSync(folder, { recursive: true });
      const f = path.join(folder, 'scan.json');
      writeFileSync(f, typeof r === 'string' ? r : JSON.stringify(r));
      utimesSync(f, new Date(mtime), new Date(mtime));
      return f;
    };
    const base = defaultOutDir(model);
    const cli = write(base, { ...sampleResult(), model, modelSha256: 'f'.repeat(64) }, '2026-12-01T08:00:00Z');
    const older = write(scanRunDir(model, new Date('2026-12-02T10:00:00Z')), { ...sampleResult({ withRepair: true }), model, modelSha256: sha }, '2026-12-02T10:01:00Z');
    const newest = write(scanRunDir(model, new Date('2026-12-03T11:00:00Z')), { ...sampleResult({ nothingPruned: 'clean' }), model, modelSha256: sha }, '2026-12-03T11:02:00Z');
    const corrupt = write(scanRunDir(model, new Date('2026-12-02T12:00:00Z')), '{"schema": 1, "layers": [', '2026-12-02T12:00:30Z');
    const foreign = write(scanRunDir(model, new Date('2026-12-02T13:00:00Z')), { schema: 2 }, '2026-12-02T13:00:30Z');
    mkdirSync(scanRunDir(model, new Date('2026-12-02T14:00:00Z'))); // a cancelled scan's folder: no report
    write(path.join(base, 'notes'), { ...sampleResult(), model }, '2026-12-03T12:00:00Z'); // not a run folder
    const h = await scanHistory(model);
    assert.equal(h.model, model);
    assert.deepEqual(h.entries.map((e) => e.resultPath), [newest, older, cli]);
    assert.deepEqual(h.entries.map((e) => e.sameModel), [true, true, false]);
    assert.deepEqual(h.entries.map((e) => e.verdict), ['clean', 'backdoored', 'backdoored']);
    assert.deepEqual(h.entries.map((e) => e.repaired), [false, true, false]);
    assert.deepEqual(h.entries.map((e) => e.mode), ['adaptive', 'adaptive', 'paper']);
    assert.equal(h.entries[0].finishedAt, '2026-12-03T11:02:00.000Z');
    assert.equal(h.entries[0].startedAt, '2026-12-03T11:00:00.000Z');
    assert.equal(h.entries[2].startedAt, null, "the CLI's default scan.json has no run folder");
    assert.deepEqual(h.unreadable.map((u) => u.resultPath).sort(), [corrupt, foreign].sort());
    assert.match(h.unreadable.find((u) => u.resultPath === corrupt)!.reason, /^not JSON/);
    assert.match(h.unreadable.find((u) => u.resultPath === foreign)!.reason, /schema 1/);
    // limit: the newest kept
    assert.deepEqual((await scanHistory(model, 2)).entries.map((e) => e.resultPath), [newest, older]);
    // the model file gone: history still lists, with no claim about the model's version
    rmSync(model);
    assert.deepEqual((await scanHistory(model)).entries.map((e) => e.sameModel), [null, null, null]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a model never scanned has an empty history', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rnp-history-'));
  try {
    writeFileSync(path.join(dir, 'x.onnx'), 'x');
    assert.deepEqual(await scanHistory(path.join(dir, 'x.onnx')), { model: path.join(dir, 'x.onnx'), entries: [], unreadable: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
