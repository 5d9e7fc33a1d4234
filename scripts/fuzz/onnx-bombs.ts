/**
 * Structure-aware ONNX bombs for the fuzz harness (issue #17): small, well-formed models built with onnx-proto
 * that *declare* or *compute* sizes past the (lowered) caps of bomb-limits.ts, each class the tester found:
 * packed attribute ints and floats, value_info and graph-input dims, ConstantOfShape, Range, Tile, Expand, Pad,
 * Conv and pool pads, Conv kernel_shape against its weight, broadcasts, MatMul, and cycles of long hostile names.
 * Each variant says whether it must be rejected (`expect: 'reject'`) or may load (`'any'`, the under-cap twins
 * that keep the generators honest); either way the case must end in success or an InputError, fast.
 */
import { onnx } from 'onnx-proto';
import { FUZZ_MAX_FIELDS, FUZZ_MODEL_LIMITS } from './bomb-limits';

export interface Bomb {
  bytes: Uint8Array;
  ops: string[];
  expect: 'reject' | 'any';
}

const L = FUZZ_MODEL_LIMITS;
const X_DIMS = [1, 1, 4, 4];

const vi = (name: string, dims?: number[]): onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: 1, ...(dims ? { shape: { dim: dims.map((d) => ({ dimValue: d })) } } : {}) } },
});
const int64s = (name: string, values: number[], dims = [values.length]): onnx.ITensorProto => {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return { name, dataType: 7, dims, rawData: raw };
};
const floats = (name: string, dims: number[], fill = 0.5): onnx.ITensorProto => {
  const n = dims.reduce((a, b) => a * b, 1);
  return { name, dataType: 1, dims, rawData: new Uint8Array(new Float32Array(n).fill(fill).buffer) };
};

function model(o: { nodes: onnx.INodeProto[]; initializers?: onnx.ITensorProto[]; output: string; inputs?: onnx.IValueInfoProto[]; valueInfo?: onnx.IValueInfoProto[]; opset?: number }): Uint8Array {
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'rnp-fuzz-bombs',
      opsetImport: [{ domain: '', version: o.opset ?? 13 }],
      graph: {
        name: 'bomb',
        node: o.nodes,
        initializer: o.initializers ?? [],
        input: o.inputs ?? [vi('X', X_DIMS)],
        output: [vi(o.output)],
        valueInfo: o.valueInfo ?? [],
      },
    }),
  ).finish();
}

const over = (cap: number, rand: () => number) => cap + 1 + Math.floor(rand() * cap);
const node = (opType: string, input: string[], output: string, attribute: onnx.IAttributeProto[] = [], name = `${opType.toLowerCase()}1`): onnx.INodeProto => ({
  name,
  opType,
  input,
  output: [output],
  attribute,
});

type Generator = (rand: () => number) => Bomb;

export const ONNX_BOMBS: Record<string, Generator> = {
  packedInts: (rand) => {
    const big = rand() < 0.8;
    const n = big ? over(FUZZ_MAX_FIELDS, rand) : 64;
    // One packed field of n one-byte varints: n Long objects once decoded.
    const attr = { name: 'bomb', type: 7, ints: new Array<number>(n).fill(rand() < 0.5 ? 0 : 1) };
    return { bytes: model({ nodes: [node('Relu', ['X'], 'Y', [attr])], output: 'Y' }), ops: [`packed ints ×${n}`], expect: big ? 'reject' : 'any' };
  },
  packedFloats: (rand) => {
    const n = over(L.maxParameters, rand);
    const attr = { name: 'bomb', type: 6, floats: new Array<number>(n).fill(1.5) };
    return { bytes: model({ nodes: [node('Relu', ['X'], 'Y', [attr])], output: 'Y' }), ops: [`packed floats ×${n}`], expect: 'reject' };
  },
  valueInfoDims: (rand) => {
    const n = over(FUZZ_MAX_FIELDS, rand);
    const dims = { name: 'v', type: { tensorType: { elemType: 1, shape: { dim: Array.from({ length: n }, () => ({})) } } } };
    const inInput = rand() < 0.3;
    return {
      bytes: model({ nodes: [node('Relu', ['X'], 'Y')], output: 'Y', ...(inInput ? { inputs: [{ ...dims, name: 'X' }] } : { valueInfo: [dims] }) }),
      ops: [`${inInput ? 'graph input' : 'value_info'} dims ×${n}`],
      expect: 'reject',
    };
  },
  constantOfShape: (rand) => {
    const r = rand();
    const isInt = rand() < 0.5;
    const cap = isInt ? L.maxIntElements : L.maxTensorElements;
    const dims = r < 0.4 ? [over(cap, rand)] : r < 0.6 ? [1e9] : r < 0.7 ? [-5] : r < 0.8 ? [1e5, 1e5, 1e5] : [1, 8];
    const value = isInt ? int64s('value', [3], [1]) : floats('value', [1], 2);
    const nodes = [
      { name: 'shape', opType: 'Constant', output: ['s'], attribute: [{ name: 'value', type: 4, t: int64s('v', dims) }] },
      node('ConstantOfShape', ['s'], 'Y', [{ name: 'value', type: 4, t: value }]),
    ];
    return { bytes: model({ nodes, output: 'Y' }), ops: [`ConstantOfShape ${isInt ? 'int' : 'float'} [${dims}]`], expect: r < 0.8 ? 'reject' : 'any' };
  },
  range: (rand) => {
    const r = rand();
    const [start, limit, delta] = r < 0.5 ? [0, over(L.maxIntElements, rand), 1] : r < 0.65 ? [0, 3e9, 1] : r < 0.8 ? [0, 10, 0] : [0, 16, 1];
    const scalar = (name: string, v: number) => ({ name, opType: 'Constant', output: [name], attribute: [{ name: 'value', type: 4, t: int64s(`${name}_v`, [v], []) }] });
    const nodes = [scalar('start', start), scalar('limit', limit), scalar('delta', delta), node('Range', ['start', 'limit', 'delta'], 'Y')];
    return { bytes: model({ nodes, output: 'Y' }), ops: [`Range(${start}, ${limit}, ${delta})`], expect: r < 0.8 ? 'reject' : 'any' };
  },
  tile: (rand) => {
    const big = rand() < 0.8;
    // 16·R² elements: R = 100 000 is the tester's [1,1,1e5,1e5].
    const reps = big ? (rand() < 0.5 ? 1e5 : Math.ceil(Math.sqrt(L.maxTensorElements / 16)) + 1 + Math.floor(rand() * 50)) : 2;
    return {
      bytes: model({ nodes: [node('Tile', ['X', 'reps'], 'Y')], initializers: [int64s('reps', [1, 1, reps, reps])], output: 'Y' }),
      ops: [`Tile [1,1,${reps},${reps}]`],
      expect: big ? 'reject' : 'any',
    };
  },
  expand: (rand) => {
    const k = Math.ceil(L.maxTensorElements / 16) + 1 + Math.floor(rand() * 1000);
    return {
      bytes: model({ nodes: [node('Expand', ['X', 'shape'], 'Y')], initializers: [int64s('shape', [k, 1, 4, 4])], output: 'Y' }),
      ops: [`Expand to [${k},1,4,4]`],
      expect: 'reject',
    };
  },
  pad: (rand) => {
    const r = rand();
    const reflect = r >= 0.5 && r < 0.8;
    const p = r < 0.5 ? (rand() < 0.5 ? 5e4 : Math.ceil(Math.sqrt(L.maxTensorElements) / 2) + 1) : reflect ? 4 + Math.floor(rand() * 3) : 1;
    const attrs = reflect ? [{ name: 'mode', type: 3, s: new TextEncoder().encode('reflect') }] : [];
    return {
      bytes: model({ nodes: [node('Pad', ['X', 'pads'], 'Y', attrs)], initializers: [int64s('pads', [0, 0, p, p, 0, 0, p, p])], output: 'Y' }),
      ops: [`Pad ${reflect ? 'reflect ' : ''}${p}`],
      expect: r < 0.8 ? 'reject' : 'any',
    };
  },
  conv: (rand) => {
    const r = rand();
    const attrs: onnx.IAttributeProto[] = [];
    let what: string;
    if (r < 0.25) {
      const p = rand() < 0.5 ? 1e6 : 4097;
      attrs.push({ name: 'pads', type: 7, ints: [p, p, p, p] });
      what = `pads ${p}`;
    } else if (r < 0.45) {
      attrs.push({ name: 'pads', type: 7, ints: [100, 100, 100, 100] });
      what = 'pads 100 on a 4×4 input';
    } else if (r < 0.65) {
      attrs.push({ name: 'kernel_shape', type: 7, ints: [5, 5] });
      what = 'kernel_shape [5,5] for a 3×3 weight';
    } else if (r < 0.8) {
      attrs.push({ name: 'strides', type: 7, ints: [0, 1] });
      what = 'strides [0,1]';
    } else {
      attrs.push({ name: 'pads', type: 7, ints: [1, 1, 1, 1] }, { name: 'kernel_shape', type: 7, ints: [3, 3] });
      what = 'pads 1 (valid)';
    }
    return {
      bytes: model({ nodes: [node('Conv', ['X', 'W'], 'Y', attrs)], initializers: [floats('W', [2, 1, 3, 3])], output: 'Y' }),
      ops: [`Conv ${what}`],
      expect: r < 0.8 ? 'reject' : 'any',
    };
  },
  pool: (rand) => {
    const bad = rand() < 0.7;
    const p = bad ? 2 + Math.floor(rand() * 3) : 1;
    const attrs = [{ name: 'kernel_shape', type: 7, ints: [2, 2] }, { name: 'pads', type: 7, ints: [p, p, p, p] }];
    return { bytes: model({ nodes: [node(rand() < 0.5 ? 'MaxPool' : 'AveragePool', ['X'], 'Y', attrs)], output: 'Y' }), ops: [`pool pads ${p}`], expect: bad ? 'reject' : 'any' };
  },
  broadcast: (rand) => {
    const k = Math.ceil(L.maxTensorElements / 16) + 1 + Math.floor(rand() * 100);
    return {
      bytes: model({ nodes: [node('Add', ['X', 'W'], 'Y')], initializers: [floats('W', [k, 1, 1, 1])], output: 'Y' }),
      ops: [`Add [1,1,4,4] + [${k},1,1,1]`],
      expect: 'reject',
    };
  },
  matmul: (rand) => {
    const k = Math.ceil(L.maxTensorElements / 16) + 1 + Math.floor(rand() * 100);
    const nodes = [node('Reshape', ['X', 'shape'], 'r'), node('MatMul', ['r', 'W'], 'Y')];
    return { bytes: model({ nodes, initializers: [int64s('shape', [16, 1]), floats('W', [1, k])], output: 'Y' }), ops: [`MatMul [16,1]×[1,${k}]`], expect: 'reject' };
  },
  hostileNames: (rand) => {
    // A cycle through many long names full of bidi overrides and escape sequences: one short, clean line.
    const n = 50 + Math.floor(rand() * 200);
    const name = (i: number) => `\u202e\u001b[31m${'n'.repeat(3000)}\u2066${i}`;
    const nodes = Array.from({ length: n }, (_, i) => node('Relu', [i === 0 ? `v${n - 1}` : `v${i - 1}`], `v${i}`, [], name(i)));
    nodes.push(node('Relu', ['v0'], 'Y', [], 'out\u0007'));
    return { bytes: model({ nodes, output: 'Y' }), ops: [`cycle of ${n} hostile names`], expect: 'reject' };
  },
};

export const ONNX_BOMB_KINDS = Object.keys(ONNX_BOMBS);

export function makeOnnxBomb(rand: () => number): Bomb {
  const kind = ONNX_BOMB_KINDS[Math.floor(rand() * ONNX_BOMB_KINDS.length)]!;
  const b = ONNX_BOMBS[kind]!(rand);
  return { ...b, ops: [`onnx-bomb:${kind}`, ...b.ops] };
}
