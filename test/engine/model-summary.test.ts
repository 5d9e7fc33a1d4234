/**
 * engine/model-summary.ts, what the model editor shows: on the demo (a real PyTorch export) the parameter count and
 * op counts equal those decoded independently from the raw protobuf with onnx-proto, the classes, input shape and
 * masked BatchNorm channels are the compiler's; an unsupported graph is described with the compiler's reason; a
 * corrupt file is an InputError naming it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { selectBackend } from '../../src/engine/backend';
import { summarizeModel } from '../../src/engine/model-summary';
import { InputError } from '../../src/engine/errors';
import { craftModel, valueInfo } from './onnx/fixtures';

const DEMO = path.resolve(__dirname, '../../demo/model.onnx');

test('the demo: parameters, ops and inputs as the raw protobuf says; classes and masks as the compiler says', async () => {
  await selectBackend('cpu');
  const s = await summarizeModel(DEMO);
  const bytes = readFileSync(DEMO);
  const raw = onnx.ModelProto.decode(bytes);
  const g = raw.graph!;
  const params = g.initializer!.reduce((n: number, t) => n + t.dims!.reduce((a: number, d) => a * Number(d), 1), 0);
  assert.equal(s.parameters, params);
  assert.equal(s.nodes, g.node!.length);
  const ops = new Map<string, number>();
  for (const n of g.node!) ops.set(n.opType!, (ops.get(n.opType!) ?? 0) + 1);
  assert.deepEqual(new Map(s.ops.map((o) => [o.op, o.count])), ops);
  assert.ok(s.ops.every((o, i) => i === 0 || s.ops[i - 1].count >= o.count), 'most frequent first');
  assert.deepEqual(s.normalisation, [{ op: 'BatchNormalization', count: ops.get('BatchNormalization') }]);
  assert.equal(s.sha256, createHash('sha256').update(bytes).digest('hex'));
  assert.equal(s.sizeBytes, bytes.length);
  assert.match(s.producer, /pytorch/);
  const initNames = new Set(g.initializer!.map((t) => t.name));
  assert.deepEqual(s.inputs.map((i) => i.name), g.input!.filter((i) => !initNames.has(i.name)).map((i) => i.name));
  assert.equal(s.inputs[0].dtype, 'float32');
  assert.deepEqual(s.inputs[0].shape.slice(1), [1, 28, 28]);
  assert.ok(s.scannable.ok);
  assert.equal(s.scannable.numClasses, 10);
  assert.deepEqual(s.scannable.inputShape, [1, 28, 28]);
  assert.equal(s.scannable.maskSite, 'batchnorm');
  assert.deepEqual(s.scannable.maskLayers.map((l) => l.channels), [16, 32, 64], 'the demo CNN has three BatchNorms');
  assert.equal(s.scannable.maskChannels, 112);
});

test('an unsupported operator: the structure is described, and the compiler says why it cannot be scanned', async () => {
  await selectBackend('cpu');
  const dir = mkdtempSync(path.join(tmpdir(), 'rnp-summary-'));
  try {
    const file = path.join(dir, 'lstm.onnx');
    writeFileSync(file, craftModel({ nodes: [{ name: 'my_lstm', opType: 'LSTM', input: ['X'], output: ['Y'] }], initializers: [], inputs: [valueInfo('X')], outputs: [valueInfo('Y')] }));
    const s = await summarizeModel(file);
    assert.deepEqual(s.ops, [{ op: 'LSTM', count: 1 }]);
    assert.equal(s.scannable.ok, false);
    assert.match(!s.scannable.ok ? s.scannable.reason : '', /unsupported operator LSTM in node "my_lstm"/);
    const junk = path.join(dir, 'junk.onnx');
    writeFileSync(junk, Buffer.from('not a model at all '.repeat(20)));
    await assert.rejects(summarizeModel(junk), (e: unknown) => e instanceof InputError && e.file === junk);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
