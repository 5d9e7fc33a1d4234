/**
 * A structural pass over the protobuf wire format before the full decode. protobufjs turns every repeated
 * message field into a JS object, so a small crafted file (millions of 2-byte empty nodes or int64 dims) could
 * expand into gigabytes of heap before any check ran. This pass only counts fields, with protobufjs's own
 * Reader, descending into the messages that can repeat (graphs, nodes, attributes, tensors), and stops the file
 * when the counts exceed what the node cap allows. It also rejects wire-format damage early.
 */
import './protobuf-setup';
import { Reader } from 'protobufjs/minimal';
import { InputError } from '../errors';
import type { Limits } from '../limits';

type Kind = 'model' | 'graph' | 'node' | 'attribute' | 'tensor' | 'training' | 'function';

/** Which length-delimited fields of each message kind are sub-messages worth descending into (onnx.proto numbers). */
const CHILDREN: Record<Kind, Record<number, Kind>> = {
  model: { 7: 'graph', 20: 'training', 25: 'function' },
  training: { 1: 'graph', 2: 'graph' },
  function: { 7: 'node' },
  graph: { 1: 'node', 5: 'tensor' },
  node: { 5: 'attribute' },
  attribute: { 5: 'tensor', 6: 'graph', 10: 'tensor', 11: 'graph' },
  tensor: {},
};
/** Packed varint fields of TensorProto (dims, int32/int64/uint64 data) whose elements each decode to a value. */
const TENSOR_PACKED_VARINTS = new Set([1, 5, 7, 11]);
/** Fields per node the budget allows on average: far above real models (a Conv has about 10). */
const FIELDS_PER_NODE = 64;
const MAX_DEPTH = 16;

interface Budget {
  fields: number;
  nodes: number;
  maxFields: number;
}

export function prescanModel(bytes: Uint8Array, file: string, limits: Limits): void {
  const budget: Budget = { fields: 0, nodes: 0, maxFields: limits.maxNodes * FIELDS_PER_NODE };
  try {
    scan(bytes, 'model', 0, budget, file, limits);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError('MODEL_INVALID', file, `not a valid ONNX file (truncated or corrupt): protobuf decoding failed (${(err as Error).message})`);
  }
}

function scan(bytes: Uint8Array, kind: Kind, depth: number, budget: Budget, file: string, limits: Limits): void {
  if (depth > MAX_DEPTH) throw new InputError('MODEL_UNSUPPORTED', file, `subgraphs are nested more than ${MAX_DEPTH} deep`);
  const reader = Reader.create(bytes);
  const children = CHILDREN[kind];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 0) throw new Error(`field number 0 at offset ${reader.pos}`);
    countField(budget, 1, file);
    if (wireType !== 2) {
      reader.skipType(wireType);
      continue;
    }
    const length = reader.uint32();
    const start = reader.pos;
    reader.skip(length);
    const payload = bytes.subarray(start, start + length);
    const child = children[field];
    if (child) {
      if (child === 'node' && ++budget.nodes > limits.maxNodes) {
        throw new InputError('LIMIT_EXCEEDED', file, `the model has more than ${limits.maxNodes} nodes (maxNodes)`);
      }
      scan(payload, child, depth + 1, budget, file, limits);
    } else if (kind === 'tensor' && TENSOR_PACKED_VARINTS.has(field)) {
      let ends = 0;
      for (let i = 0; i < payload.length; i++) if (payload[i] < 0x80) ends++;
      countField(budget, ends, file);
    }
  }
}

function countField(budget: Budget, n: number, file: string): void {
  budget.fields += n;
  if (budget.fields > budget.maxFields) {
    throw new InputError(
      'LIMIT_EXCEEDED',
      file,
      `the model's graph has more than ${budget.maxFields} protobuf fields (${FIELDS_PER_NODE} per allowed node, maxNodes); it is far larger than any supported model`,
    );
  }
}
