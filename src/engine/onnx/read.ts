/**
 * The ONNX reader: untrusted bytes → validated IrGraph. Order matters: wire-format scan (caps repeated fields),
 * protobuf decode (protobufjs via onnx-proto), header checks (IR version, opset), graph structure checks (names,
 * references, duplicates, cycles, one image input), then every tensor is planned and the totals checked against
 * the limits, and only then are tensor bytes decoded. Every failure is an InputError naming the file and the
 * node or tensor at fault.
 */
import './protobuf-setup';
import { batchBakedExpands, batchBakedReshapes, foldIdentityParameters, toInferenceForm } from './normalize';
import { onnx } from 'onnx-proto';
import { InputError } from '../errors';
import { readRegularFile } from '../regular-file';
import { resolveModelLimits, type Limits } from '../limits';
import { planAttributes, type PlannedAttributes } from './attributes';
import { int64ToExactNumber, type Int64Value } from './int64';
import type { IrGraph, IrNode, IrTensor, IrValueInfo } from './ir';
import { prescanModel } from './prescan';
import { ALIGN_SPARE_BYTES, alignRawData } from './align';
import { materializeTensor, planTensor, type TensorPlan } from './tensor';
import { topoSort } from './topo-sort';
import { show, showNames } from './display-name';

export const SUPPORTED_IR_VERSIONS = { min: 3, max: 10 } as const;
export const SUPPORTED_OPSETS = { min: 7, max: 21 } as const;
/** Smaller than any model with a graph, an opset and one node. */
const MIN_MODEL_BYTES = 16;

export async function readOnnxFile(path: string, limits?: Partial<Limits>): Promise<{ graph: IrGraph; bytes: Uint8Array }> {
  const caps = resolveModelLimits(limits);
  // A regular file only (not a FIFO or a device, which would block or never end), read to at most maxFileBytes.
  const bytes = await readRegularFile(path, {
    maxBytes: caps.maxFileBytes,
    code: 'MODEL_INVALID',
    what: 'the model file',
    limitName: 'maxFileBytes',
    ioPrefix: 'cannot read the model',
    spare: ALIGN_SPARE_BYTES,
  });
  return decodeWithBytes(bytes, path, caps, true);
}

function checkFileSize(size: number, file: string, limits: Limits): void {
  if (size > limits.maxFileBytes) {
    throw new InputError('LIMIT_EXCEEDED', file, `the model file is ${size} bytes, more than the limit of ${limits.maxFileBytes} (maxFileBytes)`);
  }
  if (size < MIN_MODEL_BYTES) {
    throw new InputError('MODEL_INVALID', file, `the file is too small (${size} bytes) to be an ONNX model`);
  }
}

/** Decode and validate an ONNX model held in memory; `file` names it in errors and locates external data. */
export function decodeOnnx(bytes: Uint8Array, file: string, limits?: Partial<Limits>): IrGraph {
  return decodeWithBytes(bytes, file, resolveModelLimits(limits), false).graph;
}

/**
 * decodeOnnx, and the bytes the graph's weights now live in (moved when that aligned them: onnx/align.ts; within the
 * buffer when it is `owned`, the reader's own, else a copy).
 */
function decodeWithBytes(bytes: Uint8Array, file: string, caps: Limits, owned: boolean): { graph: IrGraph; bytes: Uint8Array } {
  checkFileSize(bytes.length, file, caps);
  const sniffed = sniffOtherFormat(bytes);
  if (sniffed) throw new InputError('MODEL_INVALID', file, `not an ONNX model: this looks like ${sniffed}`);
  prescanModel(bytes, file, caps);
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new InputError('MODEL_INVALID', file, `not a valid ONNX file (truncated or corrupt): protobuf decoding failed (${(err as Error).message})`);
  }
  const held = alignRawData(model, bytes, owned);
  return { graph: convertModel(model, file, caps), bytes: held };
}

/** Common wrong files, so the message can say what the user actually picked. */
function sniffOtherFormat(b: Uint8Array): string | null {
  if (b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) {
    return 'a zip archive (a PyTorch .pt/.pth checkpoint or a .npz file?); export the model to ONNX first';
  }
  if (b[0] === 0x80 && b[1] >= 2 && b[1] <= 5) return 'a Python pickle (a PyTorch checkpoint?); export the model to ONNX first';
  if (b[0] === 0x93 && String.fromCharCode(...b.subarray(1, 6)) === 'NUMPY') return 'a NumPy .npy array';
  if (b[0] === 0x89 && b[1] === 0x48 && b[2] === 0x44 && b[3] === 0x46) return 'an HDF5 file (a Keras model?)';
  return null;
}

function convertModel(model: onnx.ModelProto, file: string, limits: Limits): IrGraph {
  const invalid = (message: string): never => {
    throw new InputError('MODEL_INVALID', file, message);
  };
  const unsupported = (message: string): never => {
    throw new InputError('MODEL_UNSUPPORTED', file, message);
  };

  const irVersion = int64ToExactNumber(model.irVersion as Int64Value) ?? -1;
  if (irVersion <= 0) invalid('not a valid ONNX model: it declares no IR version');
  if (irVersion < SUPPORTED_IR_VERSIONS.min || irVersion > SUPPORTED_IR_VERSIONS.max) {
    unsupported(`ONNX IR version ${irVersion} is not supported (supported: ${SUPPORTED_IR_VERSIONS.min} to ${SUPPORTED_IR_VERSIONS.max})`);
  }
  const defaultOpsets = (model.opsetImport ?? []).filter((o) => !o.domain || o.domain === 'ai.onnx');
  if (defaultOpsets.length === 0) invalid('the model imports no default (ai.onnx) opset');
  if (defaultOpsets.length > 1) invalid('the model imports the default (ai.onnx) opset more than once');
  const opset = int64ToExactNumber(defaultOpsets[0].version as Int64Value) ?? -1;
  if (opset < SUPPORTED_OPSETS.min || opset > SUPPORTED_OPSETS.max) {
    unsupported(`opset ${opset} is not supported (supported: ${SUPPORTED_OPSETS.min} to ${SUPPORTED_OPSETS.max}); re-export with opset_version between them`);
  }
  const graph = model.graph;
  if (!graph) return invalid('not a valid ONNX model: it contains no graph');
  if ((graph.sparseInitializer?.length ?? 0) > 0) unsupported('sparse initializers are not supported');
  const protoNodes = graph.node ?? [];
  if (protoNodes.length > limits.maxNodes) {
    throw new InputError('LIMIT_EXCEEDED', file, `the model has ${protoNodes.length} nodes, more than the limit of ${limits.maxNodes} (maxNodes)`);
  }
  if (protoNodes.length === 0) invalid('the graph has no nodes');

  // Initializers: unique names, planned (validated, not yet decoded).
  const initPlans = new Map<string, TensorPlan>();
  for (const t of graph.initializer ?? []) {
    const name = t.name ?? '';
    if (!name) invalid('the graph has an initializer without a name');
    if (initPlans.has(name)) invalid(`initializer '${show(name)}' is defined twice`);
    initPlans.set(name, planTensor(t, `initializer '${show(name)}'`, file, limits));
  }

  // Inputs: initializers listed as inputs (IR < 4 style) are not real inputs.
  const inputNames = new Set<string>();
  const inputs: IrValueInfo[] = [];
  for (const vi of graph.input ?? []) {
    const name = vi.name ?? '';
    if (!name) invalid('the graph has an input without a name');
    if (inputNames.has(name)) invalid(`graph input '${show(name)}' is listed twice`);
    inputNames.add(name);
    if (!initPlans.has(name)) inputs.push(convertValueInfo(vi, `input '${show(name)}'`, file));
  }
  if (inputs.length === 0) unsupported('the model has no input; one image input is required');
  if (inputs.length > 1) {
    unsupported(`the model has ${inputs.length} inputs (${showNames(inputs.map((i) => i.name), { quote: (n) => n })}); only models with one image input are supported`);
  }

  // Nodes: names, attributes (tensors planned), and every value produced exactly once.
  const producedBy = new Map<string, string>();
  for (const name of inputNames) producedBy.set(name, 'a graph input');
  for (const name of initPlans.keys()) if (!inputNames.has(name)) producedBy.set(name, 'an initializer');
  const planned: { node: IrNode; attrs: PlannedAttributes }[] = [];
  const usedNames = new Set<string>();
  const nextSuffix = new Map<string, number>();
  protoNodes.forEach((n, index) => {
    const opType = n.opType ?? '';
    if (!opType) invalid(`node ${index} (${show(n.name || 'unnamed')}) has no operator type`);
    let name = n.name || `${opType}_${index}`;
    // Generated or repeated names get a suffix so that every node name identifies one node.
    if (usedNames.has(name)) name = uniqueName(name, usedNames, nextSuffix);
    usedNames.add(name);
    const label = `node '${show(name)}' (${show(opType)})`;
    const outputs = [...(n.output ?? [])];
    for (const o of outputs) {
      if (!o) continue;
      const previous = producedBy.get(o);
      if (previous) invalid(`${label} writes '${show(o)}', which ${previous} already defines; every value must be defined once`);
      producedBy.set(o, `node '${show(name)}'`);
    }
    const attrs = planAttributes(n, label, file, limits);
    planned.push({ node: { name, opType, domain: n.domain ?? '', inputs: [...(n.input ?? [])], outputs, attrs: attrs.values }, attrs });
  });
  for (const { node } of planned) {
    for (const i of node.inputs) {
      if (i && !producedBy.has(i)) {
        invalid(`node '${show(node.name)}' (${show(node.opType)}) reads '${show(i)}', which no node, initializer or graph input defines`);
      }
    }
  }
  const outputs: IrValueInfo[] = [];
  for (const vi of graph.output ?? []) {
    const name = vi.name ?? '';
    if (!name || !producedBy.has(name)) invalid(`graph output '${show(name)}' is not defined by any node, initializer or input`);
    outputs.push(convertValueInfo(vi, `output '${show(name)}'`, file));
  }
  if (outputs.length === 0) invalid('the graph has no outputs');

  const sorted = topoSort(planned.map((p) => p.node));
  if ('cycle' in sorted) invalid(`the graph has a cycle through nodes ${showNames(sorted.cycle, { separator: ' → ' })}`);
  const order = (sorted as { order: number[] }).order;

  // All sizes are known: enforce the parameter cap, then (and only then) decode tensor bytes.
  const allPlans = [...initPlans.values(), ...planned.flatMap((p) => p.attrs.tensors.map((t) => t.plan))];
  const parameters = allPlans.reduce((sum, p) => sum + p.count, 0);
  if (parameters > limits.maxParameters) {
    throw new InputError(
      'LIMIT_EXCEEDED',
      file,
      `the model has ${parameters} parameters, more than the limit of ${limits.maxParameters} (maxParameters)`,
    );
  }
  const initializers = new Map<string, IrTensor>();
  for (const [name, plan] of initPlans) initializers.set(name, materializeTensor(plan, file));
  for (const { node, attrs } of planned) {
    for (const t of attrs.tensors) node.attrs[t.name] = materializeTensor(t.plan, file);
  }

  const ir: IrGraph = {
    name: graph.name ?? '',
    irVersion,
    opset,
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    inputs,
    outputs,
    initializers,
    nodes: order.map((i) => planned[i].node),
  };
  const notes: string[] = [];
  const folded = foldIdentityParameters(ir);
  if (folded.size > 0) {
    notes.push(
      `${folded.size} parameter${folded.size === 1 ? '' : 's'} reached ${folded.size === 1 ? 'its layer' : 'their layers'} through Identity nodes (PyTorch's exporter shares equal tensors, e.g. ${showNames([...folded.keys()], { max: 2 })}): each got its own copy, and the exported model keeps them separate.`,
    );
  }
  const training = toInferenceForm(ir);
  const bn = training.filter((r) => r.opType === 'BatchNormalization').length;
  const dropout = training.length - bn;
  if (training.length > 0) {
    const parts = [bn > 0 ? `${bn} BatchNormalization node${bn === 1 ? '' : 's'} in training mode` : '', dropout > 0 ? `${dropout} live Dropout node${dropout === 1 ? '' : 's'}` : ''].filter(Boolean);
    notes.push(
      `The file is a TRAINING-mode export (${parts.join(' and ')}, e.g. ${showNames(training.map((r) => ir.nodes[r.index].name), { max: 2 })}): the scan runs it as the trained model in inference mode, BatchNorm on the running statistics the file carries${dropout > 0 ? ', Dropout off' : ''}, as PyTorch's model.eval() does; the exported model is written in that inference form.`,
    );
  }
  const baked = batchBakedReshapes(ir);
  if (baked.length > 0) {
    ir.batchBakedReshapes = baked;
    notes.push(
      `The file fixes the batch at 1 (input '${show(ir.inputs[0].name)}' is [${ir.inputs[0].shape.join(', ')}]) and ${baked.length} Reshape node${baked.length === 1 ? '' : 's'} reshape${baked.length === 1 ? 's' : ''} activations to shapes made of constants (${showNames(baked, { max: 2 })}): where such a shape starts with that 1, the scan reads it as the batch, so it runs batches of any size; the exported model keeps the file's shapes.`,
    );
  }
  const expands = batchBakedExpands(ir);
  if (expands.length > 0) {
    ir.batchBakedExpands = expands;
    notes.push(
      `The file fixes the batch at 1 and ${expands.length} Expand node${expands.length === 1 ? '' : 's'} expand${expands.length === 1 ? 's' : ''} a parameter to a shape made of constants (${showNames(expands, { max: 2 })}), as param.expand(batch, …) traces: where that shape starts with 1, the scan expands to the batch; the exported model keeps the file's shapes.`,
    );
  }
  if (notes.length > 0) ir.notes = notes;
  return ir;
}

/** `base_k` for the first free k; remembers k per base so that 100k nodes sharing one name stay linear. */
function uniqueName(base: string, used: Set<string>, nextSuffix: Map<string, number>): string {
  for (let k = nextSuffix.get(base) ?? 1; ; k++) {
    const candidate = `${base}_${k}`;
    if (!used.has(candidate)) {
      nextSuffix.set(base, k + 1);
      return candidate;
    }
  }
}

function convertValueInfo(vi: onnx.IValueInfoProto, what: string, file: string): IrValueInfo {
  const name = vi.name ?? '';
  const type = vi.type;
  if (type && !type.tensorType && Object.keys(type).some((k) => k.endsWith('Type') && (type as Record<string, unknown>)[k])) {
    throw new InputError('MODEL_UNSUPPORTED', file, `graph ${what} is not a tensor (sequences and maps are not supported)`);
  }
  const tensorType = type?.tensorType;
  const shape = (tensorType?.shape?.dim ?? []).map((d, i) => {
    if (d.dimParam) return d.dimParam;
    if (d.dimValue === null || d.dimValue === undefined || !Object.prototype.hasOwnProperty.call(d, 'dimValue')) return null;
    const n = int64ToExactNumber(d.dimValue as Int64Value);
    if (n === null || n < 0) {
      throw new InputError('MODEL_INVALID', file, `graph ${what} has an invalid dimension ${i} (${String(d.dimValue)})`);
    }
    return n;
  });
  return { name, elemType: tensorType?.elemType ?? 0, shape };
}
