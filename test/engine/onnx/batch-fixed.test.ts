// Batch-fixed exports (issue #24): torch.onnx.export without dynamic_axes fixes the batch at 1 and bakes it into
// Reshape shapes (a flatten head, a channel shuffle). The reader reads that 1 as the batch for Reshapes of
// activations, and leaves a parameter's Reshape to [1, C, 1, 1] alone; the scan then runs any batch to PyTorch's
// answers, and the export keeps the file's shapes (onnxruntime runs it at batch 1, as the original).
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

const dir = mkdtempSync(path.join(tmpdir(), 'rnp-batch-fixed-'));
const N = 3;

const py = spawnSync('/usr/bin/python3', ['-c', `
import json, torch, torch.nn as nn
torch.manual_seed(0)
class Net(nn.Module):
    def __init__(s):
        super().__init__()
        s.c = nn.Conv2d(1, 4, 3, padding=1); s.b = nn.BatchNorm2d(4); s.c2 = nn.Conv2d(4, 4, 3, padding=1, groups=2); s.fc = nn.Linear(4 * 8 * 8, 10)
        s.scale = nn.Parameter(torch.rand(4) + 0.5)
    def forward(s, x):
        x = torch.relu(s.b(s.c(x)))
        n, c, h, w = x.size()
        x = x.view(n, 2, c // 2, h, w).transpose(1, 2).contiguous().view(n, c, h, w)  # channel shuffle
        x = s.c2(x) * s.scale.view(1, -1, 1, 1)
        return s.fc(x.view(x.size(0), -1))
net = Net()
for _ in range(3): net(torch.randn(8, 1, 8, 8))  # running statistics away from the defaults
net.eval()
# Constant folding on: each shape is one Constant. Off: Constants put together by Unsqueeze/Concat, and the
# parameter's own Reshape stays in the graph.
for folding in (True, False):
    torch.onnx.export(net, torch.zeros(1, 1, 8, 8), ${JSON.stringify(dir)} + f'/fixed1-{folding}.onnx', opset_version=13, input_names=['input'], output_names=['logits'],
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=folding)
x = torch.sin(torch.arange(${N} * 64, dtype=torch.float32)).reshape(${N}, 1, 8, 8)
with torch.no_grad(): json.dump({'x': x.flatten().tolist(), 'ref': net(x).flatten().tolist(), 'one': net(x[:1]).flatten().tolist()}, open(${JSON.stringify(dir)} + '/ref.json', 'w'))
`]);

for (const folding of [true, false]) {
  test(`a batch-1 export (constant folding ${folding ? 'on' : 'off'}) runs at batch 3 as PyTorch does, a parameter's Reshape untouched; the export keeps batch 1`, async () => {
    assert.equal(py.status, 0, String(py.stderr));
    const file = path.join(dir, `fixed1-${folding ? 'True' : 'False'}.onnx`);
    const ref = JSON.parse(readFileSync(path.join(dir, 'ref.json'), 'utf8')) as { x: number[]; ref: number[]; one: number[] };

    const proto = onnx.ModelProto.decode(readFileSync(file));
    const reshapes = (proto.graph!.node ?? []).filter((n) => n.opType === 'Reshape');
    assert.equal(reshapes.length, folding ? 3 : 4, 'the export has baked Reshapes (else this test tests nothing)');
    const inits = new Set((proto.graph!.initializer ?? []).map((t) => t.name));
    assert.equal(reshapes.filter((n) => inits.has(n.input![0])).length, folding ? 0 : 1, "the parameter's Reshape");

    const { graph, bytes } = await readOnnxFile(file);
    const note = graph.notes?.find((n) => n.includes('fixes the batch at 1'));
    assert.ok(note, `the report says so: ${graph.notes}`);
    assert.match(note, /3 Reshape nodes reshape activations to shapes made of constants/);

    await selectBackend('cpu', 0);
    const program = compileProgram(graph, file);
    const ours = tf.tidy(() => program.forward(tf.transpose(tf.tensor4d(Float32Array.from(ref.x), [N, 1, 8, 8]), [0, 2, 3, 1]), { training: false }).dataSync() as Float32Array);
    program.dispose();
    assertLogitsClose(ours, ref.ref, `ours at batch ${N} vs PyTorch`);

    // The export (one weight re-encoded) keeps the file's baked shapes and runs in onnxruntime at batch 1.
    const conv = graph.nodes.find((n) => n.opType === 'Conv')!.inputs[1];
    const out = path.join(dir, 'exported.onnx');
    writeFileSync(out, encodeOnnxWithInitializers(bytes, new Map([[conv, Float32Array.from(graph.initializers.get(conv)!.data as Float32Array)]]), file).model);
    const exported = onnx.ModelProto.decode(readFileSync(out));
    assert.deepEqual(
      (exported.graph!.node ?? []).filter((n) => n.opType === 'Reshape').map((n) => n.input),
      reshapes.map((n) => n.input),
    );
    const session = await ort.InferenceSession.create(out);
    const y = (await session.run({ input: new ort.Tensor('float32', Float32Array.from(ref.x.slice(0, 64)), [1, 1, 8, 8]) })).logits.data as Float32Array;
    assertLogitsClose(y, ref.one, 'onnxruntime on the export at batch 1 vs PyTorch');
  });
}

// torch traces `cls.repeat(batch, 1, 1)` as Tile(Expand(cls, ConstantOfShape(…)), [1, 1, 1]): the Expand's rule
// covers it (its leading 1 becomes the batch, and the Tile of 1s keeps it).
for (const how of ['expand', 'repeat'] as const) {
  test(`a batch-1 export that ${how}s a class token to the traced batch (a ViT head) runs at batch 3 as PyTorch does`, async () => {
    const r = spawnSync('/usr/bin/python3', ['-c', `
import json, torch, torch.nn as nn
torch.manual_seed(0)
class Net(nn.Module):
    def __init__(s):
        super().__init__()
        s.patch = nn.Conv2d(1, 8, 4, stride=4); s.cls = nn.Parameter(torch.randn(1, 1, 8)); s.ln = nn.LayerNorm(8); s.fc = nn.Linear(8, 5)
        with torch.no_grad(): s.ln.weight.uniform_(0.5, 1.5); s.ln.bias.uniform_(-0.3, 0.3)
    def forward(s, x):
        t = s.patch(x).flatten(2).transpose(1, 2)                  # [N, 4, 8] tokens
        t = torch.cat([${how === 'expand' ? 's.cls.expand(x.shape[0], -1, -1)' : 's.cls.repeat(x.shape[0], 1, 1)'}, t], 1)   # the class token first
        return s.fc(s.ln(t)[:, 0])
net = Net().eval()
torch.onnx.export(net, torch.zeros(1, 1, 8, 8), ${JSON.stringify(dir)} + '/cls1-${how}.onnx', opset_version=17, input_names=['input'], output_names=['logits'])
x = torch.sin(torch.arange(${N} * 64, dtype=torch.float32)).reshape(${N}, 1, 8, 8)
with torch.no_grad(): json.dump({'x': x.flatten().tolist(), 'ref': net(x).flatten().tolist()}, open(${JSON.stringify(dir)} + '/cls1-${how}.json', 'w'))
  `]);
    assert.equal(r.status, 0, String(r.stderr));
    const file = path.join(dir, `cls1-${how}.onnx`);
    const ref = JSON.parse(readFileSync(path.join(dir, `cls1-${how}.json`), 'utf8')) as { x: number[]; ref: number[] };
    const { graph } = await readOnnxFile(file);
    assert.ok(graph.nodes.some((n) => n.opType === 'Expand') && (how === 'expand' || graph.nodes.some((n) => n.opType === 'Tile')), 'the export has the Expand (and Tile) (else this test tests nothing)');
    assert.equal(graph.batchBakedExpands?.length, 1);
    assert.match(graph.notes?.join('\n') ?? '', /1 Expand node expands a parameter to a shape made of constants/);
    await selectBackend('cpu', 0);
    const program = compileProgram(graph, file);
    try {
      assert.equal(program.maskSite, 'layernorm');
      const ours = tf.tidy(() => program.forward(tf.transpose(tf.tensor4d(Float32Array.from(ref.x), [N, 1, 8, 8]), [0, 2, 3, 1]), { training: false }).dataSync() as Float32Array);
      assertLogitsClose(ours, ref.ref, `ours at batch ${N} vs PyTorch`);
    } finally {
      program.dispose();
    }
  });
}
