/**
 * AttributeProto → IrAttr. Scalars and lists convert directly; tensor attributes (Constant's `value`) are only
 * planned here, so the reader can sum all tensor sizes against the parameter cap before allocating any.
 * Subgraph attributes (If/Loop/Scan bodies) and the other exotic kinds are rejected as unsupported.
 */
import type { onnx } from 'onnx-proto';
import { InputError } from '../errors';
import type { Limits } from '../limits';
import type { IrAttr } from './ir';
import { formatInt64, int64ToNumber, type Int64Value } from './int64';
import { planTensor, type TensorPlan } from './tensor';
import { show } from './display-name';

export interface PlannedAttributes {
  values: Record<string, IrAttr>;
  /** Tensor-valued attributes, filled into `values` once allocation is allowed. */
  tensors: { name: string; plan: TensorPlan }[];
}

// AttributeProto.AttributeType numbers.
const FLOAT = 1, INT = 2, STRING = 3, TENSOR = 4, GRAPH = 5, FLOATS = 6, INTS = 7, STRINGS = 8, GRAPHS = 10;
const TYPE_NAMES: Record<number, string> = {
  9: 'a list of tensors',
  11: 'a sparse tensor',
  12: 'a list of sparse tensors',
  13: 'a type',
  14: 'a list of types',
};

const utf8 = new TextDecoder('utf-8');

function has(a: onnx.IAttributeProto, key: keyof onnx.IAttributeProto): boolean {
  return Object.prototype.hasOwnProperty.call(a, key) && a[key] !== null && a[key] !== undefined;
}

/** The attribute's type; files from old exporters leave `type` unset, so infer it from the field that is set. */
function attrType(a: onnx.IAttributeProto): number {
  if (a.type) return a.type;
  if (has(a, 'g') || (a.graphs?.length ?? 0) > 0) return a.g ? GRAPH : GRAPHS;
  if (has(a, 't')) return TENSOR;
  if ((a.floats?.length ?? 0) > 0) return FLOATS;
  if ((a.ints?.length ?? 0) > 0) return INTS;
  if ((a.strings?.length ?? 0) > 0) return STRINGS;
  if (has(a, 's')) return STRING;
  if (has(a, 'i')) return INT;
  if (has(a, 'f')) return FLOAT;
  return 0;
}

export function planAttributes(
  node: onnx.INodeProto,
  nodeLabel: string,
  file: string,
  limits: Limits,
): PlannedAttributes {
  const out: PlannedAttributes = { values: Object.create(null) as Record<string, IrAttr>, tensors: [] };
  const seen = new Set<string>();
  for (const a of node.attribute ?? []) {
    const name = a.name ?? '';
    const label = `${nodeLabel} attribute '${show(name)}'`;
    if (!name) throw new InputError('MODEL_INVALID', file, `${nodeLabel} has an attribute without a name`);
    if (seen.has(name)) {
      throw new InputError('MODEL_INVALID', file, `${nodeLabel} has attribute '${show(name)}' twice`);
    }
    seen.add(name);
    if (a.refAttrName) {
      throw new InputError('MODEL_UNSUPPORTED', file, `${label} refers to a function attribute, which is not supported`);
    }
    const type = attrType(a);
    // A subgraph hidden behind a wrong `type` is still a subgraph.
    if (type === GRAPH || type === GRAPHS || has(a, 'g') || (a.graphs?.length ?? 0) > 0) {
      throw new InputError(
        'MODEL_UNSUPPORTED',
        file,
        `${nodeLabel} has a subgraph attribute '${show(name)}'; subgraphs (control flow such as If, Loop, Scan) are not supported`,
      );
    }
    const int = (v: Int64Value): number => {
      const n = int64ToNumber(v);
      if (n === null) throw new InputError('MODEL_UNSUPPORTED', file, `${label} holds ${formatInt64(v)}, beyond 2^53`);
      return n;
    };
    switch (type) {
      case FLOAT:
        out.values[name] = a.f ?? 0;
        break;
      case INT:
        out.values[name] = int((a.i ?? 0) as Int64Value);
        break;
      case STRING:
        out.values[name] = utf8.decode(a.s ?? new Uint8Array(0));
        break;
      case TENSOR:
        if (!a.t) throw new InputError('MODEL_INVALID', file, `${label} is declared a tensor but holds none`);
        out.tensors.push({ name, plan: planTensor(a.t, label, file, limits) });
        break;
      case FLOATS:
        out.values[name] = Array.from(a.floats ?? [], Number);
        break;
      case INTS:
        out.values[name] = Array.from((a.ints ?? []) as Int64Value[], int);
        break;
      case STRINGS:
        out.values[name] = Array.from(a.strings ?? [], (s) => utf8.decode(s));
        break;
      case 0:
        throw new InputError('MODEL_INVALID', file, `${label} has no value`);
      default:
        throw new InputError(
          'MODEL_UNSUPPORTED',
          file,
          `${label} holds ${TYPE_NAMES[type] ?? `attribute type ${type}`}, which is not supported`,
        );
    }
  }
  return out;
}
