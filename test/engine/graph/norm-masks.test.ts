// Models without BatchNorm (issue #24, "RNP for normalisation layers other than BatchNorm"), exported by torch.onnx:
// a ConvNeXt-style net (channels-last blocks: permute, nn.LayerNorm over channels, permute back; at opset 17 as
// LayerNormalization, at opset 14 written out of ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add) and a GroupNorm net
// (nn.GroupNorm, exported as Reshape, InstanceNormalization, Reshape, Mul, Add; opset 13). For each, the program
// runs it to PyTorch's and onnxruntime's logits, puts one mask per channel on each norm's scale, a channel masked to 0
// is exactly that channel pruned in the exported file (onnxruntime), and a paper-mode scan runs end to end and says
// where its masks sat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { readOnnxFile } from '../../../src/engine/onnx/read';
import { compileProgram } from '../../../src/engine/graph/compile';
import { encodeOnnxWithInitializers } from '../../../src/engine/onnx/write';
import { prune } from '../../../src/engine/rnp/prune';
import { selectBackend } from '../../../src/engine/backend';
import { writeNpz } from '../../../src/engine/data/npz';
import { runScan } from '../../../src/engine/scan';
import { summarizeModel } from '../../../src/engine/model-summary';
import { assertLogitsClose } from '../../logits-close';

const dir = mkdtempSync(path.join(tmpdir(), 'rnp-norm-masks-'));
const N = 4;
const CHANNELS_LAST_LN = 's.n(s.c(x).permute(0, 2, 3, 1)).permute(0, 3, 1, 2)';
// `op` is in the export and `absent` is not: below opset 17 torch writes LayerNorm out of ReduceMean, Sub, Pow, Sqrt,
// Div, Mul and Add, and the masks must still find its scale.
const CASES = [
  { id: 'layernorm', kind: 'layernorm' as const, opset: 17, op: 'LayerNormalization', absent: 'Sqrt', norm: 'nn.LayerNorm(co)', apply: CHANNELS_LAST_LN },
  { id: 'layernorm-opset14', kind: 'layernorm' as const, opset: 14, op: 'Sqrt', absent: 'LayerNormalization', norm: 'nn.LayerNorm(co)', apply: CHANNELS_LAST_LN },
  { id: 'groupnorm', kind: 'groupnorm' as const, opset: 13, op: 'InstanceNormalization', absent: 'LayerNormalization', norm: 'nn.GroupNorm(2, co)', apply: 's.n(s.c(x))' },
];
const py = spawnSync('/usr/bin/python3', ['-c', `
import json, torch, torch.nn as nn
for kind, opset, norm, apply in ${JSON.stringify(CASES.map((c) => [c.id, c.opset, c.norm, c.apply]))}:
    torch.manual_seed(0)
    class Block(nn.Module):
        def __init__(s, ci, co):
            super().__init__(); s.c = nn.Conv2d(ci, co, 3, padding=1); s.n = eval(norm)
        def forward(s, x):
            return torch.relu(eval(apply))
    class Net(nn.Module):
        def __init__(s):
            super().__init__(); s.b1 = Block(3, 8); s.b2 = Block(8, 8); s.fc = nn.Linear(8, 5)
        def forward(s, x):
            return s.fc(s.b2(torch.max_pool2d(s.b1(x), 2)).mean((2, 3)))
    net = Net()
    with torch.no_grad():  # the norms' scales and shifts away from 1 and 0, so a wrong mask or axis shows
        for m in net.modules():
            if isinstance(m, (nn.LayerNorm, nn.GroupNorm)): m.weight.uniform_(0.5, 1.5); m.bias.uniform_(-0.3, 0.3)
    net.eval()
    torch.onnx.export(net, torch.zeros(1, 3, 8, 8), ${JSON.stringify(dir)} + f'/{kind}.onnx', opset_version=opset, input_names=['x'], output_names=['logits'], dynamic_axes={'x': {0: 'n'}, 'logits': {0: 'n'}})
    x = torch.rand(${N}, 3, 8, 8)
    with torch.no_grad(): json.dump({'x': x.flatten().tolist(), 'ref': net(x).flatten().tolist()}, open(${JSON.stringify(dir)} + f'/{kind}.json', 'w'))
`]);
/** NCHW sample values → the program's NHWC batch. */
const nhwc = (x: number[]) => tf.tidy(() => tf.transpose(tf.tensor4d(x, [N, 3, 8, 8]), [0, 2, 3, 1]) as tf.Tensor4D);

for (const c of CASES.map((k) => ({ ...k, name: k.kind === 'layernorm' ? 'LayerNorm' : 'GroupNorm', file: path.join(dir, `${k.id}.onnx`) }))) {
  const FILE = c.file;
  test(`a ${c.id} export: PyTorch's and onnxruntime's logits, one mask per channel on each norm's scale`, async () => {
    assert.equal(py.status, 0, String(py.stderr));
    await selectBackend('cpu');
    const { graph } = await readOnnxFile(FILE);
    assert.ok(graph.nodes.some((n) => n.opType === c.op) && !graph.nodes.some((n) => n.opType === c.absent || n.opType === 'BatchNormalization'), graph.nodes.map((n) => n.opType).join());
    const program = compileProgram(graph, FILE);
    try {
      assert.equal(program.maskSite, c.kind);
      assert.deepEqual(program.maskSites.map((s) => [s.kind, s.channels]), [[c.kind, 8], [c.kind, 8]]);
      const ref = JSON.parse(readFileSync(path.join(dir, `${c.id}.json`), 'utf8')) as { x: number[]; ref: number[] };
      const x = nhwc(ref.x);
      assertLogitsClose(tf.tidy(() => program.forward(x, { training: false }).dataSync()), ref.ref, 'PyTorch');
      const session = await ort.InferenceSession.create(FILE);
      assertLogitsClose((await session.run({ x: new ort.Tensor('float32', Float32Array.from(ref.x), [N, 3, 8, 8]) })).logits.data as Float32Array, ref.ref, 'onnxruntime');
      // Masks of ones change nothing; the gradient reaches both sites.
      const ones = [tf.ones([8]) as tf.Tensor1D, tf.ones([8]) as tf.Tensor1D];
      assertLogitsClose(tf.tidy(() => program.forward(x, { training: false, masks: ones }).dataSync()), ref.ref, 'masks of ones');
      const grads = tf.tidy(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(program.forward(x, { training: true, masks: [a as tf.Tensor1D, b as tf.Tensor1D] })))(ones).map((g) => Array.from(g.dataSync())));
      for (const g of grads) assert.ok(g.some((v) => v !== 0) && g.every(Number.isFinite), `mask gradient ${g}`);

      // A channel masked to 0 is that channel pruned: the exported file (its scale entries zeroed) gives the same logits.
      const masks = [Float32Array.from([1, 0.1, 1, 1, 0, 1, 1, 1]), Float32Array.from([1, 1, 1, 0.05, 1, 1, 1, 1])];
      const p = prune(graph.initializers, program.maskSites, masks, 0.2);
      assert.equal(p.count, 3);
      const zeroOne = masks.map((m) => tf.tensor1d(Array.from(m, (v) => (v <= 0.2 ? 0 : 1))) as tf.Tensor1D);
      const masked = tf.tidy(() => program.forward(x, { training: false, masks: zeroOne }).dataSync());
      const pruned = encodeOnnxWithInitializers(readFileSync(FILE), p.replaced, FILE).model;
      const s2 = await ort.InferenceSession.create(pruned);
      assertLogitsClose((await s2.run({ x: new ort.Tensor('float32', Float32Array.from(ref.x), [N, 3, 8, 8]) })).logits.data as Float32Array, masked, 'pruned file vs masked program');
      tf.dispose([...ones, ...zeroOne, x]);
    } finally {
      program.dispose();
    }
    const s = await summarizeModel(FILE);
    assert.ok(s.scannable.ok && s.scannable.maskSite === c.kind && s.scannable.maskChannels === 16, JSON.stringify(s.scannable));
  });

  test(`a paper-mode scan of the ${c.id} model runs end to end: masks on its norms, said in the notes and the plan, an export onnxruntime runs`, { timeout: 300_000 }, async () => {
    assert.equal(py.status, 0, String(py.stderr));
    const n = 96;
    const data = path.join(dir, `${c.id}-defense.npz`);
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    await writeNpz(data, { x: { dtype: 'uint8', shape: [n, 3, 8, 8], data: Uint8Array.from({ length: n * 192 }, () => Math.floor(rnd() * 256)) }, y: { dtype: 'int64', shape: [n], data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i % 5)) } });
    const out = path.join(dir, `${c.id}-out`);
    const { result } = await runScan({ model: FILE, data, outDir: out, options: { mode: 'paper', unlearnEpochs: 1, recoverEpochs: 2, backend: 'cpu' }, writePruned: true, prunedDir: out });
    assert.equal(result.maskSite, c.kind);
    assert.deepEqual(result.layers.map((l) => [l.kind, l.masks.length]), [[c.kind, 8], [c.kind, 8]]);
    assert.ok(result.notes.some((t) => t.includes(`${c.name} scales`)), result.notes.join('\n'));
    assert.ok(result.plan!.stages.some((s) => s.why.includes(`${c.name} scale`)), 'the plan names the site');
    assert.ok(result.prunedModel, 'a pruned model was written');
    const session = await ort.InferenceSession.create(result.prunedModel!);
    const y = (await session.run({ x: new ort.Tensor('float32', new Float32Array(2 * 192).fill(0.5), [2, 3, 8, 8]) })).logits;
    assert.deepEqual(y.dims, [2, 5]);
  });
}
