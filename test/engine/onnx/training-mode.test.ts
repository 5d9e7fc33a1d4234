// TRAINING-mode exports (issue #24): torch.onnx.export(..., training=TrainingMode.TRAINING) gives every BatchNorm
// running-statistics outputs (and, from opset 14, training_mode=1) and every Dropout a live mask. The reader runs
// the model as PyTorch's eval() does, says so, and the export is written in that inference form, which onnxruntime
// runs to the same answers. Oracle: PyTorch's own eval-mode logits, on a model trained a few steps so that its
// running statistics are far from any batch's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import * as tf from '@tensorflow/tfjs-core';
import '../../../src/engine/onnx/protobuf-setup';
import { readOnnxFile } from '../../../src/engine/onnx/read';
import { encodeOnnxWithInitializers } from '../../../src/engine/onnx/write';
import { compileProgram } from '../../../src/engine/graph/compile';
import { selectBackend } from '../../../src/engine/backend';
import { assertLogitsClose } from '../../logits-close';

const dir = mkdtempSync(path.join(tmpdir(), 'rnp-training-mode-'));
const OPSETS = [11, 13, 17];
const N = 3;

const py = spawnSync('/usr/bin/python3', ['-c', `
import json, torch, torch.nn as nn
torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Dropout(0.5), nn.Conv2d(4, 4, 3, padding=1),
                    nn.BatchNorm2d(4), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(4, 10))
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for _ in range(5):
    x = torch.randn(16, 1, 8, 8) * 3 + 1
    loss = nn.functional.cross_entropy(net(x), torch.randint(0, 10, (16,)))
    opt.zero_grad(); loss.backward(); opt.step()
x = torch.sin(torch.arange(${N} * 64, dtype=torch.float32)).reshape(${N}, 1, 8, 8)
ref = {}
for opset in ${JSON.stringify(OPSETS)}:
    net.train()
    torch.onnx.export(net, torch.zeros(2, 1, 8, 8), ${JSON.stringify(dir)} + f'/train{opset}.onnx', opset_version=opset, input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False)
    # The export traces in train mode, which moves the running statistics: the file holds them as they are now.
    net.eval()
    with torch.no_grad(): ref[opset] = net(x).flatten().tolist()
json.dump({'x': x.flatten().tolist(), 'ref': ref}, open(${JSON.stringify(dir)} + '/ref.json', 'w'))
`]);
const ref = py.status === 0 ? (JSON.parse(readFileSync(path.join(dir, 'ref.json'), 'utf8')) as { x: number[]; ref: Record<string, number[]> }) : null;


for (const opset of OPSETS) {
  test(`a TRAINING-mode export at opset ${opset} reads as the eval-mode model, says so, and exports in inference form`, async () => {
    assert.equal(py.status, 0, String(py.stderr));
    const file = path.join(dir, `train${opset}.onnx`);
    const proto = onnx.ModelProto.decode(readFileSync(file));
    const bnNodes = (proto.graph!.node ?? []).filter((n) => n.opType === 'BatchNormalization');
    assert.equal(bnNodes.length, 2);
    assert.ok(bnNodes.every((n) => (n.output ?? []).length > 1), 'the export has training-mode BatchNorm outputs (else this test tests nothing)');

    const { graph, bytes } = await readOnnxFile(file);
    const note = graph.notes?.find((n) => n.includes('TRAINING-mode export'));
    assert.ok(note, `the report says so: ${graph.notes}`);
    assert.match(note, /2 BatchNormalization nodes in training mode and 2 live Dropout nodes/);
    for (const n of graph.nodes.filter((n) => n.opType === 'BatchNormalization')) {
      assert.equal(n.outputs.length, 1);
      assert.ok(!('training_mode' in n.attrs));
    }

    await selectBackend('cpu', 0);
    const program = compileProgram(graph, file);
    const ours = tf.tidy(() => program.forward(tf.transpose(tf.tensor4d(Float32Array.from(ref!.x), [N, 1, 8, 8]), [0, 2, 3, 1]), { training: false }).dataSync() as Float32Array);
    program.dispose();
    assertLogitsClose(ours, ref!.ref[opset], 'ours vs PyTorch eval');

    // The export, with one weight changed so that it is a real re-encode: inference form, and onnxruntime agrees.
    const conv = graph.nodes.find((n) => n.opType === 'Conv')!.inputs[1];
    const w = graph.initializers.get(conv)!.data as Float32Array;
    const out = path.join(dir, `exported${opset}.onnx`);
    writeFileSync(out, encodeOnnxWithInitializers(bytes, new Map([[conv, Float32Array.from(w)]]), file).model);
    const exported = onnx.ModelProto.decode(readFileSync(out));
    for (const n of exported.graph!.node ?? []) {
      if (n.opType === 'BatchNormalization') {
        assert.deepEqual(n.output!.length, 1, 'BatchNorm has only Y');
        assert.ok(!(n.attribute ?? []).some((a) => a.name === 'training_mode'), 'no training_mode');
      }
      if (n.opType === 'Dropout') {
        assert.equal(n.output!.length, 1, 'Dropout has no mask output');
        assert.ok(n.input!.length <= 2, 'Dropout has no training_mode input');
      }
    }
    const session = await ort.InferenceSession.create(out);
    const y = (await session.run({ input: new ort.Tensor('float32', Float32Array.from(ref!.x), [N, 1, 8, 8]) })).logits.data as Float32Array;
    assertLogitsClose(y, ref!.ref[opset], 'onnxruntime on the export vs PyTorch eval');
  });
}

test('a TRAINING-mode BatchNorm whose running statistics are read is still refused, naming the node', async () => {
  assert.equal(py.status, 0, String(py.stderr));
  const file = path.join(dir, 'train17.onnx');
  const proto = onnx.ModelProto.decode(readFileSync(file));
  const bn = (proto.graph!.node ?? []).find((n) => n.opType === 'BatchNormalization')!;
  proto.graph!.output = [...(proto.graph!.output ?? []), onnx.ValueInfoProto.create({ name: bn.output![1] })];
  const bad = path.join(dir, 'reads-stats.onnx');
  writeFileSync(bad, onnx.ModelProto.encode(proto).finish());
  const { graph } = await readOnnxFile(bad);
  assert.throws(() => compileProgram(graph, bad), (e: Error) => e.message.includes('training-mode BatchNormalization outputs') && e.message.includes(bn.name!));
});
