// Hostile and broken ONNX files: each must end in a typed InputError whose message names the problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { InputError, type ErrorCode } from '../../../src/engine/errors';
import { decodeOnnx, readOnnxFile } from '../../../src/engine/onnx/read';
import { craftModel, floatTensor, pythonFixtures, valueInfo } from './fixtures';

const cnnPath = join(pythonFixtures(), 'cnn.onnx');
const cnn = readFileSync(cnnPath);

function expectError(run: () => unknown, code: ErrorCode, message: RegExp, file = 'm.onnx'): void {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
    assert.equal(err.code, code, `code for: ${err.message}`);
    assert.match(err.message, message);
    assert.equal(err.file, file);
    return;
  }
  assert.fail('no error was thrown');
}
async function expectFileError(path: string, code: ErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(readOnnxFile(path), (err: unknown) => {
    assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
    assert.equal(err.code, code, `code for: ${err.message}`);
    assert.match(err.message, message);
    assert.equal(err.file, path);
    return true;
  });
}
const decode = (bytes: Uint8Array, limits = {}) => () => decodeOnnx(bytes, 'm.onnx', limits);

test('the crafted base model itself is valid (so each rejection below is caused by its one change)', () => {
  const g = decodeOnnx(craftModel(), 'm.onnx');
  assert.equal(g.nodes.length, 1);
  assert.deepEqual(Array.from(g.initializers.get('W')!.data), [2]);
});

test('missing file and folder paths are IO / MODEL_INVALID errors naming the path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-io-'));
  await expectFileError(join(dir, 'absent.onnx'), 'IO', /cannot read the model: ENOENT/);
  await expectFileError(dir, 'MODEL_INVALID', /is a folder, not a regular file/);
});

test('truncated file', () => {
  expectError(decode(cnn.subarray(0, Math.floor(cnn.length / 2))), 'MODEL_INVALID', /not a valid ONNX file \(truncated or corrupt\): protobuf decoding failed/);
});

test('file too small, text file, zip archive', () => {
  expectError(decode(new Uint8Array([8, 7])), 'MODEL_INVALID', /too small \(2 bytes\)/);
  expectError(decode(new TextEncoder().encode('this is a plain text file, not a model at all')), 'MODEL_INVALID', /not a valid ONNX/);
  const zip = new Uint8Array(64);
  zip.set([0x50, 0x4b, 0x03, 0x04]);
  expectError(decode(zip), 'MODEL_INVALID', /zip archive .*export the model to ONNX/);
});

test('bit flip in the first tag gives an invalid wire type', () => {
  const flipped = Uint8Array.from(cnn);
  flipped[0] ^= 0x04; // field 1 varint (0x08) becomes wire type 4, end-group without a start
  expectError(decode(flipped), 'MODEL_INVALID', /protobuf decoding failed \(invalid wire type 4/);
});

test('bit flips anywhere in the header and graph structure end in success or a typed error', () => {
  // Every bit of the first 600 bytes (header, node list, start of initializers) flipped, one at a time.
  let rejected = 0;
  for (let bit = 0; bit < 600 * 8; bit++) {
    const flipped = Uint8Array.from(cnn);
    flipped[bit >> 3] ^= 1 << (bit & 7);
    try {
      decodeOnnx(flipped, 'm.onnx');
    } catch (err) {
      assert.ok(err instanceof InputError, `bit ${bit}: ${String((err as Error).stack)}`);
      rejected++;
    }
  }
  assert.ok(rejected > 100, `only ${rejected} flips were rejected`);
});

test('missing graph, IR version and opset out of range', () => {
  const noGraph = onnx.ModelProto.encode({ irVersion: 7, producerName: 'a model without a graph', opsetImport: [{ domain: '', version: 13 }] }).finish();
  expectError(decode(noGraph), 'MODEL_INVALID', /contains no graph/);
  expectError(decode(craftModel({ irVersion: 11 })), 'MODEL_UNSUPPORTED', /IR version 11 is not supported \(supported: 3 to 10\)/);
  expectError(decode(craftModel({ opset: 6 })), 'MODEL_UNSUPPORTED', /opset 6 is not supported \(supported: 7 to 21\)/);
  expectError(decode(craftModel({ opset: 22 })), 'MODEL_UNSUPPORTED', /opset 22 is not supported/);
});

test('negative dims', () => {
  const bad = { name: 'W', dataType: 1, dims: [-1, 4], rawData: new Uint8Array(16) };
  expectError(decode(craftModel({ initializers: [bad] })), 'MODEL_INVALID', /initializer 'W' has a negative dimension 0 \(-1\)/);
});

test('dims whose product overflows', () => {
  const huge = 2 ** 31;
  const bad = { name: 'W', dataType: 1, dims: [huge, huge, huge], rawData: new Uint8Array(4) };
  expectError(decode(craftModel({ initializers: [bad] })), 'MODEL_INVALID', /initializer 'W' has dims \[2147483648, 2147483648, 2147483648\] whose product overflows/);
});

test('a tensor larger than maxTensorElements is refused before allocation', () => {
  const bad = { name: 'W', dataType: 1, dims: [100000, 100000], rawData: new Uint8Array(4) };
  expectError(decode(craftModel({ initializers: [bad] })), 'LIMIT_EXCEEDED', /initializer 'W' has 10000000000 elements, more than the limit/);
});

test('raw_data length does not match dims and dtype', () => {
  const bad = { name: 'W', dataType: 1, dims: [2, 2], rawData: new Uint8Array(12) };
  expectError(decode(craftModel({ initializers: [bad] })), 'MODEL_INVALID', /initializer 'W' has 12 bytes of raw_data but its dims \[2, 2\] and type float32 need 16/);
  const typed = { name: 'W', dataType: 1, dims: [3], floatData: [1, 2] };
  expectError(decode(craftModel({ initializers: [typed] })), 'MODEL_INVALID', /initializer 'W' has 2 values but its dims \[3\] need 3/);
  const none = { name: 'W', dataType: 1, dims: [3] };
  expectError(decode(craftModel({ initializers: [none] })), 'MODEL_INVALID', /initializer 'W' has dims \[3\] but no data/);
});

test('unsupported element types', () => {
  const str = { name: 'W', dataType: 8, dims: [1], stringData: [new Uint8Array([65])] };
  expectError(decode(craftModel({ initializers: [str] })), 'MODEL_UNSUPPORTED', /initializer 'W' has element type string \(8\), which is not supported/);
  const complex = { name: 'W', dataType: 14, dims: [1], rawData: new Uint8Array(8) };
  expectError(decode(craftModel({ initializers: [complex] })), 'MODEL_UNSUPPORTED', /complex64 \(14\)/);
});

test('int64 values beyond 2^53 that are not INT64_MAX/MIN sentinels', () => {
  const raw = new Uint8Array(8);
  new DataView(raw.buffer).setBigInt64(0, 2n ** 60n, true);
  const bad = { name: 'shape', dataType: 7, dims: [1], rawData: raw };
  const nodes = [{ name: 'mul', opType: 'Mul', input: ['X', 'W'], output: ['Y'] }];
  expectError(decode(craftModel({ nodes, initializers: [floatTensor('W', [1], [1]), bad] })), 'MODEL_UNSUPPORTED', /initializer 'shape' holds value 1152921504606846976 at index 0, beyond the 2\^53/);
});

test('a node reading an undefined value', () => {
  const nodes = [{ name: 'mul', opType: 'Mul', input: ['X', 'Z'], output: ['Y'] }];
  expectError(decode(craftModel({ nodes })), 'MODEL_INVALID', /node 'mul' \(Mul\) reads 'Z', which no node, initializer or graph input defines/);
});

test('names in messages are escaped: a crafted name cannot send terminal escape sequences', () => {
  const nodes = [{ name: 'evil\u001b[2J\u202e', opType: 'Mul', input: ['X', 'Z'.repeat(500)], output: ['Y'] }];
  expectError(decode(craftModel({ nodes })), 'MODEL_INVALID', /node 'evil\\u001b\[2J\\u202e' \(Mul\) reads 'Z{120}…', which no node/);
});

test('a value defined twice', () => {
  const nodes = [
    { name: 'a', opType: 'Relu', input: ['X'], output: ['Y'] },
    { name: 'b', opType: 'Relu', input: ['X'], output: ['Y'] },
  ];
  expectError(decode(craftModel({ nodes })), 'MODEL_INVALID', /node 'b' \(Relu\) writes 'Y', which node 'a' already defines/);
  const shadow = [{ name: 'a', opType: 'Relu', input: ['X'], output: ['W'] }, { name: 'b', opType: 'Relu', input: ['W'], output: ['Y'] }];
  expectError(decode(craftModel({ nodes: shadow })), 'MODEL_INVALID', /node 'a' \(Relu\) writes 'W', which an initializer already defines/);
});

test('a cycle', () => {
  const nodes = [
    { name: 'first', opType: 'Add', input: ['X', 'b'], output: ['a'] },
    { name: 'second', opType: 'Relu', input: ['a'], output: ['b'] },
    { name: 'out', opType: 'Relu', input: ['a'], output: ['Y'] },
  ];
  expectError(decode(craftModel({ nodes })), 'MODEL_INVALID', /the graph has a cycle through nodes '(first|second)' → '(first|second)'/);
});

test('an If node with subgraphs is unsupported', () => {
  const branch = { name: 'then', node: [{ opType: 'Identity', input: ['X'], output: ['t'] }], output: [valueInfo('t')] };
  const cond = { name: 'cond', dataType: 9, dims: [], rawData: new Uint8Array([1]) };
  const nodes = [{ name: 'branch', opType: 'If', input: ['cond'], output: ['Y'], attribute: [
    { name: 'then_branch', type: 5, g: branch },
    { name: 'else_branch', type: 5, g: branch },
  ] }];
  expectError(decode(craftModel({ nodes, initializers: [cond] })), 'MODEL_UNSUPPORTED', /node 'branch' \(If\) has a subgraph attribute 'then_branch'; subgraphs \(control flow such as If, Loop, Scan\) are not supported/);
});

test('inputs: none, or several non-initializer inputs', () => {
  const constOnly = [{ name: 'c', opType: 'Relu', input: ['W'], output: ['Y'] }];
  expectError(decode(craftModel({ nodes: constOnly, inputs: [] })), 'MODEL_UNSUPPORTED', /no input; one image input is required/);
  const two = [{ name: 'add', opType: 'Add', input: ['X', 'X2'], output: ['Y'] }];
  expectError(decode(craftModel({ nodes: two, inputs: [valueInfo('X'), valueInfo('X2')] })), 'MODEL_UNSUPPORTED', /2 inputs \(X, X2\); only models with one image input/);
  // An initializer listed among the inputs (IR 3 style) is not a real input.
  const g = decodeOnnx(craftModel({ inputs: [valueInfo('X'), valueInfo('W', [1, 1, 1, 1])] }), 'm.onnx');
  assert.deepEqual(g.inputs.map((i) => i.name), ['X']);
});

test('too many parameters with a small limit', async () => {
  expectError(decode(cnn, { maxParameters: 100 }), 'LIMIT_EXCEEDED', /the model has \d+ parameters, more than the limit of 100 \(maxParameters\)/);
  await assert.rejects(readOnnxFile(cnnPath, { maxFileBytes: 1000 }), /more than the limit of 1000 \(maxFileBytes\)/);
});

test('too many nodes is refused before the full decode (repeated empty nodes)', () => {
  const nodes = Array.from({ length: 50 }, (_, i) => ({ name: `r${i}`, opType: 'Relu', input: [i ? `v${i - 1}` : 'X'], output: [i === 49 ? 'Y' : `v${i}`] }));
  const bytes = craftModel({ nodes });
  assert.equal(decodeOnnx(bytes, 'm.onnx').nodes.length, 50);
  expectError(decode(bytes, { maxNodes: 10 }), 'LIMIT_EXCEEDED', /more than 10 nodes \(maxNodes\)/);
});

test('a million empty nodes (2 MB) are refused by the wire-format scan, before protobufjs builds objects', () => {
  const count = 1_000_000;
  const graph = new Uint8Array(count * 2);
  for (let i = 0; i < count; i++) graph[i * 2] = 0x0a; // GraphProto.node (field 1, length-delimited), length 0
  const w = onnx.ModelProto.encode({ irVersion: 7, opsetImport: [{ domain: '', version: 13 }] });
  w.uint32((7 << 3) | 2).bytes(graph); // ModelProto.graph
  expectError(decode(w.finish()), 'LIMIT_EXCEEDED', /more than 100000 nodes \(maxNodes\)/);
});

test('typed tensor values beyond maxParameters are refused by the wire-format scan', () => {
  const big = { name: 'W', dataType: 1, dims: [1000], floatData: Array.from({ length: 1000 }, (_, i) => i) };
  expectError(decode(craftModel({ initializers: [big] }), { maxParameters: 100 }), 'LIMIT_EXCEEDED', /stores more than 100 tensor values \(maxParameters\)/);
  const g = decodeOnnx(craftModel({ initializers: [big] }), 'm.onnx');
  assert.equal(g.initializers.get('W')!.data[999], 999);
});

test('nodes sharing one name get unique generated suffixes', () => {
  const nodes = [0, 1, 2].map((i) => ({ name: 'same', opType: 'Relu', input: [i ? `v${i - 1}` : 'X'], output: [i === 2 ? 'Y' : `v${i}`] }));
  nodes.push({ name: '', opType: 'Relu', input: ['Y'], output: ['Z'] });
  const g = decodeOnnx(craftModel({ nodes, outputs: [valueInfo('Z')] }), 'm.onnx');
  assert.deepEqual(g.nodes.map((n) => n.name), ['same', 'same_1', 'same_2', 'Relu_3']);
});

// External data: a tiny model whose W lives in a side file.
function externalModel(location: string, offset?: number, length?: number): Uint8Array {
  const entries = [{ key: 'location', value: location }];
  if (offset !== undefined) entries.push({ key: 'offset', value: String(offset) });
  if (length !== undefined) entries.push({ key: 'length', value: String(length) });
  return craftModel({ initializers: [{ name: 'W', dataType: 1, dims: [1, 1, 1, 1], dataLocation: 1, externalData: entries }] });
}

test('external data: a valid side file loads, reading only the slice given', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-ext-'));
  const data = new Float32Array([9, 3.5, 7]);
  writeFileSync(join(dir, 'w.bin'), new Uint8Array(data.buffer));
  writeFileSync(join(dir, 'm.onnx'), externalModel('w.bin', 4, 4));
  const { graph } = await readOnnxFile(join(dir, 'm.onnx'));
  assert.deepEqual(Array.from(graph.initializers.get('W')!.data), [3.5]);
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'w.bin'), new Uint8Array(new Float32Array([1.5]).buffer));
  writeFileSync(join(dir, 'm2.onnx'), externalModel('sub/w.bin'));
  assert.deepEqual(Array.from((await readOnnxFile(join(dir, 'm2.onnx'))).graph.initializers.get('W')!.data), [1.5]);
});

test('external data: ../ paths, absolute paths and symlinks out of the folder are refused', async () => {
  const root = mkdtempSync(join(tmpdir(), 'onnx-ext-'));
  const dir = join(root, 'model');
  mkdirSync(dir);
  writeFileSync(join(root, 'secret.bin'), new Uint8Array(4));
  const cases: [string, Uint8Array, RegExp][] = [
    ['dotdot.onnx', externalModel('../../etc/passwd'), /initializer 'W': its external data location "\.\.\/\.\.\/etc\/passwd" leaves the model's folder/],
    ['dotdot2.onnx', externalModel('sub/../../secret.bin'), /leaves the model's folder/],
    ['abs.onnx', externalModel('/etc/passwd'), /its external data location "\/etc\/passwd" is an absolute path/],
    ['win.onnx', externalModel('C:\\Windows\\win.ini'), /is an absolute path/],
    ['link.onnx', externalModel('link.bin'), /its external data file "link\.bin" resolves to .*secret\.bin, outside the model's folder/],
    ['missing.onnx', externalModel('nope.bin'), /its external data file "nope\.bin" does not exist/],
    ['past-end.onnx', externalModel('inside.bin', 4, 4), /\(offset 4, length 4\) runs past the end of "inside\.bin" \(4 bytes\)/],
    ['length.onnx', externalModel('inside.bin', 0, 2), /external data length is 2 bytes but its dims and type need 4/],
    ['no-location.onnx', craftModel({ initializers: [{ name: 'W', dataType: 1, dims: [1], dataLocation: 1 }] }), /no location is given/],
  ];
  symlinkSync(join(root, 'secret.bin'), join(dir, 'link.bin'));
  writeFileSync(join(dir, 'inside.bin'), new Uint8Array(4));
  for (const [name, bytes, message] of cases) {
    writeFileSync(join(dir, name), bytes);
    await expectFileError(join(dir, name), 'MODEL_INVALID', message);
  }
});

// ── Issue #17: what the pre-scan must count before protobufjs allocates it (caps lowered; the real-size probes
// are in scripts/fuzz/probes.ts). ──

test('a packed attribute `ints` of one-byte varints is counted by the pre-scan (it becomes one Long each)', () => {
  const nodes = [{ name: 'r', opType: 'Relu', input: ['X'], output: ['Y'], attribute: [{ name: 'bomb', type: 7, ints: new Array(2000).fill(1) }] }];
  expectError(decode(craftModel({ nodes }), { maxNodes: 10 }), 'LIMIT_EXCEEDED', /more than 640 protobuf fields and packed values .*the last in attribute ints/);
  // Under the budget it loads (the same model at the default caps).
  assert.equal((decodeOnnx(craftModel({ nodes }), 'm.onnx').nodes[0].attrs.bomb as number[]).length, 2000);
});

test('packed attribute floats count against maxParameters', () => {
  const nodes = [{ name: 'r', opType: 'Relu', input: ['X'], output: ['Y'], attribute: [{ name: 'bomb', type: 6, floats: new Array(500).fill(0.5) }] }];
  expectError(decode(craftModel({ nodes }), { maxParameters: 100 }), 'LIMIT_EXCEEDED', /stores more than 100 tensor values \(maxParameters\), the last in attribute floats/);
  // They are copied into a plain array each: the field budget counts them too.
  expectError(decode(craftModel({ nodes }), { maxNodes: 5 }), 'LIMIT_EXCEEDED', /more than 320 protobuf fields and packed values .*the last in attribute floats/);
});

test('value_info, graph input and output dims are counted by the pre-scan', () => {
  const dims = (n: number) => ({ tensorType: { elemType: 1, shape: { dim: Array.from({ length: n }, () => ({})) } } });
  const withValueInfo = onnx.ModelProto.encode({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph: { name: 'g', node: [{ opType: 'Relu', input: ['X'], output: ['Y'] }], input: [valueInfo('X')], output: [valueInfo('Y')], valueInfo: [{ name: 'v', type: dims(1000) }] },
  }).finish();
  expectError(decode(withValueInfo, { maxNodes: 10 }), 'LIMIT_EXCEEDED', /protobuf fields .*the last in a value_info shape \(dims\)/);
  const inputDims = craftModel({ inputs: [{ name: 'X', type: dims(1000) }] });
  expectError(decode(inputDims, { maxNodes: 10 }), 'LIMIT_EXCEEDED', /the last in a value_info shape \(dims\)/);
  const outputDims = craftModel({ outputs: [{ name: 'Y', type: dims(1000) }] });
  expectError(decode(outputDims, { maxNodes: 10 }), 'LIMIT_EXCEEDED', /the last in a value_info shape \(dims\)/);
});

test('a cycle through thousands of long names is one short line: names cut, at most a few listed, the rest counted', () => {
  const n = 2000;
  const name = (i: number) => `${'x'.repeat(10_000)}${i}`;
  const nodes = Array.from({ length: n }, (_, i) => ({ name: name(i), opType: 'Relu', input: [`v${(i + n - 1) % n}`], output: [`v${i}`] }));
  nodes.push({ name: 'out', opType: 'Relu', input: ['v0'], output: ['Y'] });
  try {
    decodeOnnx(craftModel({ nodes }), 'm.onnx');
    assert.fail('no error');
  } catch (err) {
    assert.ok(err instanceof InputError);
    assert.equal(err.code, 'MODEL_INVALID');
    assert.match(err.message, /^the graph has a cycle through nodes 'x{120}…' → /);
    assert.match(err.message, /…and 1992 more$/);
    assert.ok(err.describe().length < 2100, `${err.describe().length} characters`);
  }
});

test('bidi isolates, C1 controls and line separators in names are escaped, not printed', () => {
  const nodes = [{ name: 'a\u2066b\u0085c\u2028d\u202ae', opType: 'Mul', input: ['X', 'Z'], output: ['Y'] }];
  expectError(decode(craftModel({ nodes })), 'MODEL_INVALID', /node 'a\\u2066b\\u0085c\\u2028d\\u202ae' \(Mul\) reads 'Z'/);
});

test('a FIFO or a device given as the model is refused without reading it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-special-'));
  const fifo = join(dir, 'pipe.onnx');
  if (spawnSync('mkfifo', [fifo]).status === 0) {
    await expectFileError(fifo, 'MODEL_INVALID', /is a named pipe \(FIFO\), not a regular file/);
  } else {
    t.diagnostic('mkfifo is not available here: the FIFO case is covered by the /dev/zero one below');
  }
  if (process.platform !== 'win32') {
    symlinkSync('/dev/zero', join(dir, 'zero.onnx'));
    await expectFileError(join(dir, 'zero.onnx'), 'MODEL_INVALID', /is a character device, not a regular file/);
  }
});
