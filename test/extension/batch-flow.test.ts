// "Scan Folder for Backdoors" outside VS Code: the batch job through the real bundled worker (dist/worker.js), its
// progress, the Problems-panel entries it yields (one per backdoored / inconclusive / failed model, none for clean),
// a rerun that reuses the done models with their findings, and the summary table's HTML (escaped, one button per
// scanned model, untrusted messages validated).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { liveWorkerPids, startBatch, type JobOptions } from '../../src/extension/worker-client';
import { batchDiagnostics, batchProgressText, batchTableRows } from '../../src/extension/batch-findings';
import { batchPanelHtml, isBatchPanelMessage } from '../../src/extension/batch-panel-html';
import type { BatchOutput, BatchProgress } from '../../src/protocol';

const WORKER = path.resolve('dist/worker.js');
const DEMO = path.resolve('demo');
const opts = (extra: Partial<JobOptions> = {}): JobOptions => ({ workerPath: WORKER, memoryMb: 2048, timeoutMs: 10 * 60_000, ...extra });

test('a batch job in the worker: progress per model, findings for every done model, diagnostics on the model files', { timeout: 300_000 }, async () => {
  assert.ok(fs.existsSync(WORKER), `${WORKER} missing: run npm run build first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rnp-batch-flow-'));
  const zoo = path.join(dir, 'zoo');
  fs.mkdirSync(path.join(zoo, 'nested'), { recursive: true });
  fs.copyFileSync(path.join(DEMO, 'model.onnx'), path.join(zoo, 'a.onnx'));
  fs.copyFileSync(path.join(DEMO, 'model.onnx'), path.join(zoo, 'nested', 'b.onnx'));
  fs.writeFileSync(path.join(zoo, 'broken.onnx'), 'not a model');
  const request = { inputs: [zoo], data: path.join(DEMO, 'defense.npz'), outDir: path.join(zoo, '.rnp-scan', 'batch'), options: { mode: 'paper' as const, unlearnEpochs: 2, recoverEpochs: 2 }, writePruned: false };
  const events: BatchProgress[] = [];
  let scanProgress = 0;
  const done = await startBatch(request, opts({ onBatchProgress: (p) => events.push(p), onProgress: () => scanProgress++ })).done;
  assert.deepEqual(liveWorkerPids(), []);
  assert.ok(scanProgress > 0, 'the scans report progress');
  assert.deepEqual(events.filter((e) => e.row).map((e) => [e.done, e.total, e.row!.model]), [[1, 3, 'a.onnx'], [2, 3, 'broken.onnx'], [3, 3, 'nested/b.onnx']]);
  assert.deepEqual(events.filter((e) => e.current).map((e) => e.current), ['a.onnx', 'broken.onnx', 'nested/b.onnx']);
  assert.ok(events.filter((e) => e.row).slice(1).every((e) => e.etaSeconds !== null), 'an ETA after the first model');
  const out: BatchOutput = done.output;
  assert.ok(out.entries.filter((e) => e.row.status === 'done').every((e) => e.finding && e.finding.evidence.length > 0), 'findings sent for done models');
  const diags = batchDiagnostics(out);
  assert.deepEqual(diags.map((d) => [path.relative(zoo, d.file), d.severity, d.code]), [['a.onnx', 'error', 'RNP001'], ['broken.onnx', 'error', 'RNP900'], [path.join('nested', 'b.onnx'), 'error', 'RNP001']]);
  assert.match(diags[0].message, /^Backdoor found: target label 0 \(confidence \d+%\)\. The unlearned model predicts label 0/);
  assert.match(diags[1].message, /^Could not scan for backdoors: .*broken\.onnx: /);
  assert.match(batchProgressText(events[3], 12.4, 'nested/b.onnx', 'unlearn 1/2'), /^2\/3 models · ETA 12 s · nested\/b\.onnx: unlearn 1\/2$/);

  // The rerun reuses the two done models; their findings still come (read from scan.json by the worker).
  const again = (await startBatch(request, opts()).done).output;
  assert.deepEqual(again.entries.map((e) => e.skipped), [true, false, true]);
  assert.deepEqual(batchDiagnostics(again).map((d) => d.code), ['RNP001', 'RNP900', 'RNP001']);
  const rows = batchTableRows(again);
  assert.deepEqual(rows.map((r) => [r.model, r.verdict, r.label, r.status, r.skipped]), [['a.onnx', 'backdoored', 0, 'done', true], ['broken.onnx', 'error', null, 'error', false], ['nested/b.onnx', 'backdoored', 0, 'done', true]]);
  assert.ok(rows[0].resultPath && fs.existsSync(rows[0].resultPath));
});

test('the summary table: escaped names, one Open report button per scanned model, a nonce-only CSP; messages validated', () => {
  const rows = [
    { model: '<img src=x onerror=alert(1)>.onnx', path: '/z/x.onnx', verdict: 'backdoored', label: 3, seconds: 1.25, status: 'done' as const, skipped: false, error: null, resultPath: '/z/out/scan.json' },
    { model: 'bad.onnx', path: '/z/bad.onnx', verdict: 'error', label: null, seconds: 0.1, status: 'error' as const, skipped: false, error: '/z/bad.onnx: "junk" & <more>', resultPath: null },
    { model: 'c.onnx', path: '/z/c.onnx', verdict: 'clean', label: null, seconds: 2, status: 'done' as const, skipped: true, error: null, resultPath: '/z/out/c/scan.json' },
  ];
  const html = batchPanelHtml({ cspSource: 'src:', folder: '/z', rows, resultsPath: '/z/out/results.jsonl', seconds: 3.4, nonce: 'N0nce' });
  assert.ok(!html.includes('<img src=x'), 'model names are escaped');
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;.onnx'));
  assert.ok(html.includes('&quot;junk&quot; &amp; &lt;more&gt;'));
  assert.equal((html.match(/<button class="open"/g) ?? []).length, 2);
  assert.match(html, /content="default-src &#39;none&#39;; script-src &#39;nonce-N0nce&#39;; style-src &#39;nonce-N0nce&#39;"/);
  assert.equal((html.match(/<script[^>]*>/g) ?? []).length, 1);
  assert.match(html, /3 models: 1 backdoored, 0 inconclusive, 1 clean, 1 errors/);
  assert.ok(isBatchPanelMessage({ type: 'openReport', row: 2 }, 3));
  for (const bad of [{ type: 'openReport', row: 3 }, { type: 'openReport', row: -1 }, { type: 'openReport', row: 1.5 }, { type: 'openReport', row: 0, path: '/etc/passwd' }, { type: 'run', row: 0 }, null, 'openReport']) {
    assert.equal(isBatchPanelMessage(bad, 3), false, JSON.stringify(bad));
  }
});
