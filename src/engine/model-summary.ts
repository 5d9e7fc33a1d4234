/**
 * What a model file is, before anyone scans it (issue #23, "a custom editor for .onnx": its inputs, classes,
 * normalisation layers and parameter count): read with the engine's own ONNX reader, then compiled as a scan would
 * compile it, so "can this be scanned" is answered by the real compiler, not by a list. A file the reader rejects
 * throws its InputError (the editor shows it); a graph the compiler rejects comes back with `scannable.ok = false`
 * and the compiler's message, with the structure still described.
 */
import { createHash } from 'node:crypto';
import { readOnnxFile } from './onnx/read';
import { dtypeName } from './onnx/dtype';
import { tensorSize } from './onnx/ir';
import { compileProgram } from './graph/compile';
import { InputError } from './errors';
import type { MaskSiteKind } from './mask-site';

/** Normalisation ops a user asks about: where the masks sit depends on which the model has (docs/design.md). */
const NORMALISATION_OPS = ['BatchNormalization', 'LayerNormalization', 'GroupNormalization', 'InstanceNormalization'] as const;

export interface ValueSummary {
  name: string;
  /** ONNX element type, e.g. float32. */
  dtype: string;
  /** Static dims as numbers, symbolic ones by name, unknown as null. */
  shape: (number | string | null)[];
}

export interface ModelSummary {
  model: string;
  sizeBytes: number;
  sha256: string;
  irVersion: number;
  opset: number;
  /** producer_name and version, e.g. "pytorch 1.13.1"; '' when the exporter left it empty. */
  producer: string;
  inputs: ValueSummary[];
  outputs: ValueSummary[];
  /** Elements of every initializer (weights, biases, BN statistics). */
  parameters: number;
  nodes: number;
  /** Node count per op type, most frequent first. */
  ops: { op: string; count: number }[];
  /** Normalisation nodes per op (only those present). */
  normalisation: { op: string; count: number }[];
  /** What the reader changed on load (onnx/normalize.ts), in words. */
  notes: string[];
  /** The compiler's answer: what a scan would mask, or why it cannot run. */
  scannable:
    | { ok: true; numClasses: number; inputShape: number[]; inputLayout: 'NCHW' | 'NHWC'; maskSite: MaskSiteKind; maskLayers: { name: string; channels: number }[]; maskChannels: number }
    | { ok: false; reason: string };
}

export async function summarizeModel(model: string): Promise<ModelSummary> {
  // One read: the bytes the reader decoded are the ones hashed and measured.
  const { graph, bytes } = await readOnnxFile(model);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const counts = new Map<string, number>();
  for (const n of graph.nodes) counts.set(n.opType, (counts.get(n.opType) ?? 0) + 1);
  const ops = [...counts].map(([op, count]) => ({ op, count })).sort((a, b) => b.count - a.count || a.op.localeCompare(b.op));
  let parameters = 0;
  for (const t of graph.initializers.values()) parameters += tensorSize(t.dims);
  const value = (v: { name: string; elemType: number; shape: (number | string | null)[] }): ValueSummary => ({ name: v.name, dtype: dtypeName(v.elemType), shape: v.shape });
  let scannable: ModelSummary['scannable'];
  try {
    const program = compileProgram(graph, model);
    try {
      scannable = {
        ok: true,
        numClasses: program.numClasses,
        inputShape: [...program.inputShape],
        inputLayout: program.inputLayout,
        maskSite: program.maskSite,
        maskLayers: program.maskSites.map((s) => ({ name: s.name, channels: s.channels })),
        maskChannels: program.maskSites.reduce((a, s) => a + s.channels, 0),
      };
    } finally {
      program.dispose();
    }
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    scannable = { ok: false, reason: e.message };
  }
  return {
    model,
    sizeBytes: bytes.length,
    sha256,
    irVersion: graph.irVersion,
    opset: graph.opset,
    producer: graph.producer,
    inputs: graph.inputs.map(value),
    outputs: graph.outputs.map(value),
    parameters,
    nodes: graph.nodes.length,
    ops,
    normalisation: NORMALISATION_OPS.flatMap((op) => (counts.has(op) ? [{ op, count: counts.get(op)! }] : [])),
    notes: graph.notes ?? [],
    scannable,
  };
}
