/**
 * A structural pass over the protobuf wire format before the full decode. protobufjs turns every repeated
 * message field into a JS object and every packed int64 into a Long, so a small crafted file (millions of 2-byte
 * empty nodes, a 60 MB packed `ints` attribute of one-byte varints, 30 million value_info dims) could expand into
 * gigabytes of heap before any check ran. This pass only counts, with protobufjs's own Reader, descending into
 * every message kind that has a repeated field (graphs, nodes, attributes, tensors, sparse tensors, value_infos
 * and their types and shapes, annotations, functions, training info), counting each field and each element of a
 * packed field (int64 elements and attribute floats against the field budget; float, double and int32 elements
 * against maxParameters), and stops the file when a count exceeds its cap. It also rejects wire-format damage early.
 */
import './protobuf-setup';
import { Reader } from 'protobufjs/minimal';
import { InputError } from '../errors';
import type { Limits } from '../limits';

type Kind =
  | 'model' | 'graph' | 'node' | 'attribute' | 'tensor' | 'sparse' | 'training' | 'function'
  | 'valueInfo' | 'type' | 'typeTensor' | 'typeElem' | 'typeMap' | 'shape' | 'annotation';

/**
 * Which length-delimited fields of each message kind are sub-messages to descend into (onnx.proto numbers): every
 * message that has a repeated field is reached, so every element protobufjs would allocate is counted here first.
 */
const CHILDREN: Record<Kind, Record<number, Kind>> = {
  model: { 7: 'graph', 20: 'training', 25: 'function' },
  training: { 1: 'graph', 2: 'graph' },
  function: { 7: 'node' },
  graph: { 1: 'node', 5: 'tensor', 15: 'sparse', 11: 'valueInfo', 12: 'valueInfo', 13: 'valueInfo', 14: 'annotation' },
  node: { 5: 'attribute' },
  attribute: { 5: 'tensor', 6: 'graph', 10: 'tensor', 11: 'graph', 22: 'sparse', 23: 'sparse', 14: 'type', 15: 'type' },
  tensor: {},
  sparse: { 1: 'tensor', 2: 'tensor' },
  valueInfo: { 2: 'type' },
  // TypeProto: tensor_type, sequence_type, map_type, sparse_tensor_type, optional_type.
  type: { 1: 'typeTensor', 4: 'typeElem', 5: 'typeMap', 8: 'typeTensor', 9: 'typeElem' },
  typeTensor: { 2: 'shape' },
  typeElem: { 1: 'type' },
  typeMap: { 2: 'type' },
  // TensorShapeProto: each `dim` is one field (one object once decoded); not descended further.
  shape: {},
  // TensorAnnotation: its quant_parameter_tensor_names entries are counted as its fields.
  annotation: {},
};

/** Packed repeated scalar fields, by kind and field number: how an element is encoded and what it becomes. */
type Packed = {
  encoding: 'varint' | 'fixed32' | 'fixed64';
  /** 'long': a Long object each (int64), counted as fields; 'number': a JS number, counted against maxParameters. */
  becomes: 'long' | 'number';
  what: string;
  /** Count against the field budget too: attribute lists are copied into plain arrays; no real op has millions. */
  asFields?: boolean;
};
const PACKED: Partial<Record<Kind, Record<number, Packed>>> = {
  tensor: {
    1: { encoding: 'varint', becomes: 'long', what: 'tensor dims' },
    4: { encoding: 'fixed32', becomes: 'number', what: 'tensor float_data' },
    5: { encoding: 'varint', becomes: 'number', what: 'tensor int32_data' },
    7: { encoding: 'varint', becomes: 'long', what: 'tensor int64_data' },
    10: { encoding: 'fixed64', becomes: 'number', what: 'tensor double_data' },
    11: { encoding: 'varint', becomes: 'long', what: 'tensor uint64_data' },
  },
  attribute: {
    7: { encoding: 'fixed32', becomes: 'number', what: 'attribute floats', asFields: true },
    8: { encoding: 'varint', becomes: 'long', what: 'attribute ints' },
  },
  sparse: { 3: { encoding: 'varint', becomes: 'long', what: 'sparse tensor dims' } },
};
/** Fields per node the budget allows on average: far above real models (a Conv has about 10). */
const FIELDS_PER_NODE = 64;
const MAX_DEPTH = 16;

interface Budget {
  /** Fields, and elements of packed int64 fields (a Long object each) and of attribute floats, over the whole file. */
  fields: number;
  nodes: number;
  maxFields: number;
  /** Values in packed typed fields that decode to JS numbers (tensor data, attribute floats); capped by maxParameters. */
  values: number;
}

export function prescanModel(bytes: Uint8Array, file: string, limits: Limits): void {
  const budget: Budget = { fields: 0, nodes: 0, maxFields: limits.maxNodes * FIELDS_PER_NODE, values: 0 };
  try {
    scan(bytes, 'model', 0, budget, file, limits);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError('MODEL_INVALID', file, `not a valid ONNX file (truncated or corrupt): protobuf decoding failed (${(err as Error).message})`);
  }
}

function scan(bytes: Uint8Array, kind: Kind, depth: number, budget: Budget, file: string, limits: Limits): void {
  if (depth > MAX_DEPTH) {
    throw new InputError('MODEL_UNSUPPORTED', file, `messages (subgraphs or types) are nested more than ${MAX_DEPTH} deep`);
  }
  const reader = Reader.create(bytes);
  const children = CHILDREN[kind];
  const packed = PACKED[kind];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 0) throw new Error(`field number 0 at offset ${reader.pos}`);
    countField(budget, 1, file, kind);
    if (wireType !== 2) {
      reader.skipType(wireType);
      continue;
    }
    const length = reader.uint32();
    const start = reader.pos;
    reader.skip(length);
    const payload = bytes.subarray(start, start + length);
    const child = children[field];
    const p = packed?.[field];
    if (child) {
      if (child === 'node' && ++budget.nodes > limits.maxNodes) {
        throw new InputError('LIMIT_EXCEEDED', file, `the model has more than ${limits.maxNodes} nodes (maxNodes)`);
      }
      scan(payload, child, depth + 1, budget, file, limits);
    } else if (p) {
      const n = p.encoding === 'varint' ? countVarints(payload) : payload.length / (p.encoding === 'fixed32' ? 4 : 8);
      if (p.becomes === 'long' || p.asFields) countField(budget, n, file, kind, p.what);
      if (p.becomes === 'number') {
        budget.values += n;
        if (budget.values > limits.maxParameters) {
          throw new InputError(
            'LIMIT_EXCEEDED',
            file,
            `the model stores more than ${limits.maxParameters} tensor values (maxParameters), the last in ${p.what}`,
          );
        }
      }
    }
  }
}

/** Varints in a packed payload: one per byte without the continuation bit. */
function countVarints(payload: Uint8Array): number {
  let ends = 0;
  for (let i = 0; i < payload.length; i++) if (payload[i] < 0x80) ends++;
  return ends;
}

const KIND_NAMES: Record<Kind, string> = {
  model: 'the model header', graph: 'a graph', node: 'a node', attribute: 'an attribute', tensor: 'a tensor', sparse: 'a sparse tensor',
  training: 'training info', function: 'a function', valueInfo: 'a value_info', type: 'a type', typeTensor: 'a tensor type',
  typeElem: 'a sequence type', typeMap: 'a map type', shape: 'a value_info shape (dims)', annotation: 'a quantization annotation',
};

function countField(budget: Budget, n: number, file: string, kind: Kind, what?: string): void {
  budget.fields += n;
  if (budget.fields > budget.maxFields) {
    throw new InputError(
      'LIMIT_EXCEEDED',
      file,
      `the model has more than ${budget.maxFields} protobuf fields and packed values (${FIELDS_PER_NODE} per allowed node, maxNodes; ` +
        `the last in ${what ?? KIND_NAMES[kind]}); it is far larger than any supported model`,
    );
  }
}
