// The webview is untrusted: isWebviewToHost must accept exactly the well-formed messages, including the sample
// ranking's two (inspectSamples, exportSamples with a count — never indices).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isWebviewToHost } from '../src/protocol';

test('accepts the well-formed messages', () => {
  for (const m of [
    { type: 'ready' },
    { type: 'export', threshold: 0 },
    { type: 'export', threshold: 0.396 },
    // the scan's own "nothing pruned" (exported when the scan repaired the model)
    { type: 'export', threshold: -1 },
    { type: 'inspectSamples' },
    { type: 'exportSamples', count: 1 },
    { type: 'exportSamples', count: 102 },
    { type: 'exportSamples', count: 60_000 },
    { type: 'checkModelData' },
  ]) {
    assert.equal(isWebviewToHost(m), true, JSON.stringify(m));
  }
});

test('rejects malformed sample messages', () => {
  for (const m of [
    { type: 'exportSamples' },
    { type: 'exportSamples', count: 0 },
    { type: 'exportSamples', count: -3 },
    { type: 'exportSamples', count: 2.5 },
    { type: 'exportSamples', count: Number.NaN },
    { type: 'exportSamples', count: Infinity },
    { type: 'exportSamples', count: 2 ** 60 },
    { type: 'exportSamples', count: '12' },
    // the old stub's shape: the webview may not name indices
    { type: 'exportSamples', indices: [1, 2, 3] },
    { type: 'exportSamples', count: 3, indices: [1, 2, 3] },
    { type: 'inspectSamples', path: '/etc/passwd' },
    { type: 'inspectSamples', model: '/m.onnx' },
    // the model editor names no files: the host knows its model and asks for the data
    { type: 'checkModelData', data: '/etc/passwd' },
  ]) {
    assert.equal(isWebviewToHost(m), false, JSON.stringify(m));
  }
});

test('rejects other malformed messages', () => {
  for (const m of [null, undefined, 3, 'ready', [], {}, { type: 'nope' }, { type: 'ready', x: 1 }, { type: 'export' }, { type: 'export', threshold: 1.5 }, { type: 'export', threshold: -0.1 }, { type: 'export', threshold: -2 }, { type: 'export', threshold: '0.2' }]) {
    assert.equal(isWebviewToHost(m), false, JSON.stringify(m));
  }
});

test('history and cancel messages: indices into the history the host sent, never paths', () => {
  for (const m of [{ type: 'cancel' }, { type: 'openHistory', index: 0 }, { type: 'openHistory', index: 7 }, { type: 'compareHistory', a: 0, b: 3 }]) {
    assert.equal(isWebviewToHost(m), true, JSON.stringify(m));
  }
  for (const m of [
    { type: 'cancel', id: 1 },
    { type: 'openHistory' },
    { type: 'openHistory', index: -1 },
    { type: 'openHistory', index: 1.5 },
    { type: 'openHistory', index: '2' },
    { type: 'openHistory', path: '/home/u/.rnp-scan/m.onnx/scan.json' },
    { type: 'openHistory', index: 0, path: '/etc/passwd' },
    { type: 'compareHistory', a: 1 },
    { type: 'compareHistory', a: 2, b: 2 },
    { type: 'compareHistory', a: 0, b: -1 },
  ]) {
    assert.equal(isWebviewToHost(m), false, JSON.stringify(m));
  }
});

test('saveReport names nothing: the host asks where, so the webview cannot pick a path', () => {
  assert.equal(isWebviewToHost({ type: 'saveReport' }), true);
  for (const m of [{ type: 'saveReport', path: '/etc/passwd' }, { type: 'saveReport', format: 'html' }]) assert.equal(isWebviewToHost(m), false, JSON.stringify(m));
});
