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
/** TensorProto's int64 fields (dims, int64_data, uint64_data): each element decodes to a Long object (~40x its bytes). */
const TENSOR_INT64_FIELDS = new Set([1, 7, 11]);
/** TensorProto's other typed-value fields: int32_data (varints), float_data and double_data (fixed width, packed). */
const INT32_DATA = 5, FLOAT_DATA = 4, DOUBLE_DATA = 10;
/** Fields per node the budget allows on average: far above real models (a Conv has about 10). */
const FIELDS_PER_NODE = 64;
const MAX_DEPTH = 16;

interface Budget {
  fields: number;
  nodes: number;
  maxFields: number;
  /** Values in typed tensor fields, each a JS number once decoded; capped by maxParameters. */
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
    } else if (kind === 'tensor' && TENSOR_INT64_FIELDS.has(field)) {
      countField(budget, countVarints(payload), file);
    } else if (kind === 'tensor' && (field === INT32_DATA || field === FLOAT_DATA || field === DOUBLE_DATA)) {
      const n = field === INT32_DATA ? countVarints(payload) : payload.length / (field === FLOAT_DATA ? 4 : 8);
      budget.values += n;
      if (budget.values > limits.maxParameters) {
        throw new InputError(
          'LIMIT_EXCEEDED',
          file,
          `the model stores more than ${limits.maxParameters} tensor values (maxParameters)`,
        );
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
