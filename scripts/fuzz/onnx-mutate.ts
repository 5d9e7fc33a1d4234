/**
 * Structure-aware ONNX mutations: decode a real model with onnx-proto, change one meaning-level thing (a dim,
 * a dtype, where the data lives, an external-data path, a node's inputs, an attribute's kind, the node order,
 * the opset...) and encode it again. Unlike byte mutations, these produce well-formed protobuf, so they reach
 * the reader's validation logic instead of stopping at the wire format.
 */
import { onnx } from 'onnx-proto';

const HUGE = [-1, 0, 1, 3, 2 ** 31, 2 ** 32 + 1, 2 ** 40, 2 ** 53 - 1, 1e6];
const LOCATIONS = ['weights.bin', './weights.bin', '../weights.bin', '/etc/passwd', 'C:\\Windows\\win.ini', 'sub/../../x', '', '.', 'model.onnx', 'nope.bin', 'weights.bin\u0000.png', '\\\\server\\share\\w'];
const NUMBERS = ['0', '4', '16', '-1', 'abc', '99999999999999999999', '1e3', ' 4', '4294967296'];

export function mutateModelStructure(bytes: Uint8Array, rand: () => number): { bytes: Uint8Array; ops: string[] } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const model = onnx.ModelProto.decode(bytes);
  // decode() builds class instances, whose repeated fields are always arrays.
  const graph = model.graph as onnx.GraphProto;
  const nodes = graph.node as onnx.NodeProto[];
  const tensors = [...graph.initializer] as onnx.TensorProto[];
  for (const n of nodes) for (const a of n.attribute) if (a.t) tensors.push(a.t as onnx.TensorProto);
  const values = [...graph.input.map((v) => v.name ?? ''), ...graph.initializer.map((t) => t.name ?? ''), ...nodes.flatMap((n) => n.output)];
  const ops: string[] = [];
  const count = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < count; k++) {
    const op = pick(['dims', 'dtype', 'data', 'external', 'input', 'output', 'shuffle', 'attribute', 'graphInputs', 'header', 'valueInfo', 'dropInit'] as const);
    ops.push(op);
    switch (op) {
      case 'dims': {
        const t = pick(tensors);
        if (!t) break;
        const r = rand();
        if (r < 0.6 && t.dims.length > 0) t.dims[Math.floor(rand() * t.dims.length)] = pick(HUGE);
        else if (r < 0.8) t.dims.push(pick(HUGE));
        else t.dims.pop();
        break;
      }
      case 'dtype': {
        const t = pick(tensors);
        if (t) t.dataType = Math.floor(rand() * 26);
        break;
      }
      case 'data': {
        const t = pick(tensors);
        if (!t) break;
        const r = rand();
        if (r < 0.3) t.rawData = t.rawData.subarray(0, Math.floor(rand() * t.rawData.length));
        else if (r < 0.5) {
          t.floatData = Array.from(new Float32Array(t.rawData.slice().buffer, 0, Math.floor(t.rawData.length / 4)));
          t.rawData = new Uint8Array(0);
        } else if (r < 0.7) t.int64Data = [pick(HUGE), 2 ** 60, -(2 ** 62), 7];
        else if (r < 0.85) t.rawData = new Uint8Array(0);
        else t.segment = { begin: 0, end: 1 };
        break;
      }
      case 'external': {
        const t = pick(tensors);
        if (!t) break;
        t.dataLocation = (rand() < 0.9 ? 1 : 7) as onnx.TensorProto.DataLocation;
        t.externalData = [{ key: 'location', value: pick(LOCATIONS) }];
        if (rand() < 0.6) t.externalData.push({ key: 'offset', value: pick(NUMBERS) });
        if (rand() < 0.6) t.externalData.push({ key: 'length', value: pick(NUMBERS) });
        break;
      }
      case 'input': {
        const n = pick(nodes);
        if (!n || n.input.length === 0) break;
        n.input[Math.floor(rand() * n.input.length)] = rand() < 0.7 ? pick(values) : 'undefined_value';
        break;
      }
      case 'output': {
        const n = pick(nodes);
        if (!n || n.output.length === 0) break;
        n.output[0] = rand() < 0.5 ? pick(values) : '';
        break;
      }
      case 'shuffle':
        for (let i = nodes.length - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          [nodes[i], nodes[j]] = [nodes[j], nodes[i]];
        }
        break;
      case 'attribute': {
        const withAttrs = nodes.filter((n) => n.attribute.length > 0);
        const n = withAttrs.length > 0 ? pick(withAttrs) : pick(nodes);
        if (!n) break;
        const a = n.attribute.length > 0 ? pick(n.attribute) : onnx.AttributeProto.create({ name: 'extra' });
        if (n.attribute.length === 0) n.attribute.push(a);
        const r = rand();
        if (r < 0.3) a.type = Math.floor(rand() * 16);
        else if (r < 0.45) a.g = { name: 'sub', node: [{ opType: 'Identity', input: ['x'], output: ['y'] }] };
        else if (r < 0.6) a.ints = [pick(HUGE), 2 ** 60];
        else if (r < 0.7) a.name = rand() < 0.5 ? '' : n.attribute[0].name;
        else if (r < 0.85) a.t = pick(tensors) ?? null;
        else a.strings = [new Uint8Array([0xff, 0xfe, 0x1b])];
        break;
      }
      case 'graphInputs': {
        const r = rand();
        if (r < 0.3) graph.input = [];
        else if (r < 0.6 && graph.input[0]) graph.input.push(onnx.ValueInfoProto.create({ ...graph.input[0], name: 'second' }));
        else if (graph.input[0]) graph.input.push(graph.input[0]);
        break;
      }
      case 'header': {
        const r = rand();
        if (r < 0.4) model.irVersion = pick([0, 2, 3, 10, 11, 2 ** 40]);
        else if (r < 0.8 && model.opsetImport[0]) model.opsetImport[0].version = pick([0, 6, 7, 21, 22, 2 ** 40]);
        else model.opsetImport.push({ domain: rand() < 0.5 ? '' : 'ai.onnx', version: 13 });
        break;
      }
      case 'valueInfo': {
        const vi = pick([...graph.input, ...graph.output]);
        const dim = vi?.type?.tensorType?.shape?.dim;
        if (dim && dim.length > 0) dim[Math.floor(rand() * dim.length)] = { dimValue: pick(HUGE) };
        else if (vi) vi.type = rand() < 0.5 ? null : { sequenceType: { elemType: { tensorType: { elemType: 1 } } } };
        break;
      }
      case 'dropInit':
        if (graph.initializer.length > 0) graph.initializer.splice(Math.floor(rand() * graph.initializer.length), 1);
        break;
    }
  }
  return { bytes: onnx.ModelProto.encode(model).finish(), ops };
}
