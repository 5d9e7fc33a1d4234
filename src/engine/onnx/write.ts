/**
 * The ONNX writer: the original model with some float initializers' values replaced (the pruned weights), so
 * everything else (ops, names, metadata, opset) is exactly what the user exported. Replaced tensors are written
 * as little-endian raw_data in their original element type and dims. Tensors kept in external data are embedded,
 * so the result is one self-contained file. Written atomically, never over the source model or its data files.
 * A TRAINING-mode export is the one exception to "exactly": it is written in inference form (writeInferenceForm).
 * Known limit: onnx-proto's schema is ONNX 1.10's, so fields added to onnx.proto later are not carried over.
 */
import './protobuf-setup';
import { onnx } from 'onnx-proto';
import { writeFileAtomic } from '../atomic-write';
import { InputError } from '../errors';
import { dtypeInfo, dtypeLabel } from './dtype';
import { planExternalData, readExternalSlice } from './external-data';
import { floatToBfloat16, floatToHalf } from './float16';
import { int64ToExactNumber, type Int64Value } from './int64';
import { show } from './display-name';
import { inferenceRewrites } from './normalize';

const EXTERNAL = 1;

export async function writeOnnxWithInitializers(
  srcBytes: Uint8Array,
  replaced: ReadonlyMap<string, Float32Array>,
  dest: string,
  sourcePath: string,
): Promise<void> {
  const bytes = encodeOnnxWithInitializers(srcBytes, replaced, sourcePath);
  await writeFileAtomic(dest, bytes.model, { neverOverwrite: [sourcePath, ...bytes.externalFiles] });
}

/** The re-encoded model bytes, plus the external data files it read (which must not be overwritten either). */
export function encodeOnnxWithInitializers(
  srcBytes: Uint8Array,
  replaced: ReadonlyMap<string, Float32Array>,
  sourcePath: string,
): { model: Uint8Array; externalFiles: string[] } {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(srcBytes);
  } catch (err) {
    throw new InputError('MODEL_INVALID', sourcePath, `not a valid ONNX file (truncated or corrupt): protobuf decoding failed (${(err as Error).message})`);
  }
  if (!model.graph) throw new InputError('MODEL_INVALID', sourcePath, 'not a valid ONNX model: it contains no graph');

  // Embed external data first (recording its files even for tensors about to be replaced, since the export
  // must not overwrite any file the source model depends on).
  const externalFiles = new Set<string>();
  const embed = (t: onnx.ITensorProto, what: string): void => {
    if (t.dataLocation !== EXTERNAL) return;
    const info = dtypeInfo(t.dataType ?? 0);
    if (!info) throw new InputError('MODEL_UNSUPPORTED', sourcePath, `${what} has element type ${dtypeLabel(t.dataType ?? 0)}`);
    const count = (t.dims ?? []).reduce<number>((n, d) => n * (int64ToExactNumber(d as Int64Value) ?? NaN), 1);
    if (!Number.isSafeInteger(count) || count < 0) throw new InputError('MODEL_INVALID', sourcePath, `${what} has invalid dims`);
    const slice = planExternalData(t.externalData ?? [], count * info.bytes, sourcePath, what);
    externalFiles.add(slice.path);
    t.rawData = readExternalSlice(slice, sourcePath, what);
    t.dataLocation = 0;
    t.externalData = [];
  };
  for (const t of model.graph.initializer ?? []) embed(t, `initializer '${show(t.name ?? '')}'`);
  for (const n of model.graph.node ?? []) {
    for (const a of n.attribute ?? []) if (a.t) embed(a.t, `node '${show(n.name ?? '')}' attribute '${show(a.name ?? '')}'`);
  }

  const byName = new Map<string, onnx.ITensorProto>();
  for (const t of model.graph.initializer ?? []) byName.set(t.name ?? '', t);
  for (const [name, values] of replaced) {
    const t = byName.get(name) ?? ownInitializerFor(model.graph, name, byName);
    if (!t) throw new InputError('MODEL_INVALID', sourcePath, `cannot export: the model has no initializer '${show(name)}'`);
    setFloatData(t, values, sourcePath);
  }

  writeInferenceForm(model.graph);
  return { model: onnx.ModelProto.encode(model).finish(), externalFiles: [...externalFiles] };
}

/**
 * A TRAINING-mode export is written in the inference form the scan measured (onnx/normalize.ts, the same rewrites
 * the reader made): BatchNorm on its running statistics, Dropout off, their unread outputs gone.
 */
function writeInferenceForm(graph: onnx.IGraphProto): void {
  const nodes = graph.node ?? [];
  const isOn = (a: onnx.IAttributeProto) => a.name === 'training_mode' && int64ToExactNumber((a.i ?? 0) as Int64Value) !== 0;
  const rewrites = inferenceRewrites(
    nodes.map((n) => ({ opType: n.opType ?? '', inputs: n.input ?? [], outputs: n.output ?? [], trainingMode: (n.attribute ?? []).some(isOn) })),
    new Set((graph.output ?? []).map((o) => o.name ?? '')),
  );
  for (const r of rewrites) {
    const n = nodes[r.index];
    n.output = (n.output ?? []).slice(0, r.keepOutputs);
    if (r.keepInputs !== undefined) n.input = (n.input ?? []).slice(0, r.keepInputs);
    if (r.dropAttribute) n.attribute = (n.attribute ?? []).filter((a) => a.name !== r.dropAttribute);
  }
}

/**
 * A parameter the reader gave its own copy (onnx/normalize.ts: an Identity node fed by an initializer): it becomes
 * an initializer of its own, a copy of the shared one's type and dims, and that Identity node goes. Undefined when
 * `name` is no such parameter.
 */
function ownInitializerFor(graph: onnx.IGraphProto, name: string, byName: Map<string, onnx.ITensorProto>): onnx.ITensorProto | undefined {
  const nodes = graph.node ?? [];
  const at = nodes.findIndex((n) => n.opType === 'Identity' && n.output?.length === 1 && n.output[0] === name && n.input?.length === 1 && byName.has(n.input[0]));
  if (at < 0) return undefined;
  const src = byName.get(nodes[at].input![0])!;
  const own = onnx.TensorProto.create({ name, dims: [...(src.dims ?? [])], dataType: src.dataType });
  graph.initializer = [...(graph.initializer ?? []), own];
  graph.node = nodes.filter((_, i) => i !== at);
  byName.set(name, own);
  return own;
}

/** Replace one float tensor's values, keeping its element type and dims. */
function setFloatData(t: onnx.ITensorProto, values: Float32Array, sourcePath: string): void {
  const what = `initializer '${show(t.name ?? '')}'`;
  const dims = (t.dims ?? []).map((d) => int64ToExactNumber(d as Int64Value) ?? NaN);
  const count = dims.reduce((n, d) => n * d, 1);
  if (count !== values.length) {
    throw new InputError(
      'MODEL_INVALID',
      sourcePath,
      `cannot export: ${what} has dims [${dims.join(', ')}] (${count} values) but ${values.length} replacement values were given`,
    );
  }
  const dataType = t.dataType ?? 0;
  let raw: Uint8Array;
  switch (dataType) {
    case 1: {
      raw = new Uint8Array(values.length * 4);
      const view = new DataView(raw.buffer);
      values.forEach((v, i) => view.setFloat32(i * 4, v, true));
      break;
    }
    case 11: {
      raw = new Uint8Array(values.length * 8);
      const view = new DataView(raw.buffer);
      values.forEach((v, i) => view.setFloat64(i * 8, v, true));
      break;
    }
    case 10:
    case 16: {
      raw = new Uint8Array(values.length * 2);
      const view = new DataView(raw.buffer);
      const convert = dataType === 10 ? floatToHalf : floatToBfloat16;
      values.forEach((v, i) => view.setUint16(i * 2, convert(v), true));
      break;
    }
    default:
      throw new InputError('MODEL_INVALID', sourcePath, `cannot export: ${what} has element type ${dtypeLabel(dataType)}, not a float type`);
  }
  t.rawData = raw;
  t.floatData = [];
  t.doubleData = [];
  t.int32Data = [];
  t.dataLocation = 0;
  t.externalData = [];
}
