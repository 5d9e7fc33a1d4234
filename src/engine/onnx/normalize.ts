/**
 * Graph normalisation on load (issue #24, first part): what PyTorch's exporter does to parameters that the
 * scanner must undo before it can train them.
 *
 * Identity-fed parameters: torch.onnx deduplicates initializers with equal contents (a freshly initialised model,
 * or a trained one whose shortcut BatchNorm bias still equals another's) and feeds the second user through an
 * Identity node, so the BN's bias is "computed", not an initializer. Each such Identity output becomes an
 * initializer of its own with the same values (the two parameters are separate in the model the user trained,
 * and RNP may prune one and not the other), and the Identity node goes. The export (onnx/write.ts) writes such a
 * parameter back as a new initializer and drops the same Identity node, so the pruned file keeps this shape too.
 *
 * TRAINING-mode exports (`torch.onnx.export(..., training=TrainingMode.TRAINING)`, which users choose to keep
 * BatchNorm in the graph): every BatchNormalization carries `training_mode=1` (opset ≥ 14) and outputs for the
 * updated running statistics (opsets 9–13: also the saved mean and variance), and every Dropout is live (a
 * `training_mode` input of true, and a mask output). Nothing reads those extra outputs, so the model the user
 * trained is the inference one: the reader drops them, BatchNorm normalises with the running statistics the file
 * carries (the report says so), Dropout is the identity. The export writes the same inference form (onnx/write.ts),
 * because the pruned and repaired model was measured that way: with batch statistics, a file's answers would depend
 * on what else is in the batch. A file that does read those outputs keeps them, and is refused as before.
 */
import type { IrGraph } from './ir';

/** Identity outputs that were given their own initializer: output name → the initializer it copied. */
export type IdentityParameters = Map<string, string>;

export function foldIdentityParameters(graph: IrGraph): IdentityParameters {
  const graphOutputs = new Set(graph.outputs.map((o) => o.name));
  const folded: IdentityParameters = new Map();
  graph.nodes = graph.nodes.filter((n) => {
    if (n.opType !== 'Identity' || n.inputs.length !== 1 || n.outputs.length !== 1) return true;
    const [src] = n.inputs;
    const [out] = n.outputs;
    const t = graph.initializers.get(src) ?? (folded.has(src) ? graph.initializers.get(src) : undefined);
    if (!t || !out || graphOutputs.has(out) || graph.initializers.has(out)) return true;
    // A copy, not an alias: nothing downstream may see one parameter change through the other.
    graph.initializers.set(out, t.kind === 'float' ? { ...t, data: Float32Array.from(t.data) } : t);
    folded.set(out, folded.get(src) ?? src);
    return false;
  });
  return folded;
}

/** How a node of a TRAINING-mode export becomes its inference form: keep the first outputs/inputs, drop an attribute. */
export interface InferenceRewrite {
  index: number;
  opType: 'BatchNormalization' | 'Dropout';
  keepOutputs: number;
  /** Inputs kept (Dropout's `training_mode` input goes); undefined = all. */
  keepInputs?: number;
  dropAttribute?: 'training_mode';
}

/**
 * The rewrites a graph needs, from its nodes' op types, inputs, outputs and whether `training_mode` is set on them:
 * one function for the reader (IR) and the writer (protobuf), so the two forms never disagree. Only outputs that
 * nothing reads are dropped.
 */
export function inferenceRewrites(
  nodes: readonly { opType: string; inputs: readonly string[]; outputs: readonly string[]; trainingMode: boolean }[],
  graphOutputs: ReadonlySet<string>,
): InferenceRewrite[] {
  const read = new Set<string>(graphOutputs);
  for (const n of nodes) for (const i of n.inputs) if (i) read.add(i);
  const unread = (names: readonly string[]) => names.every((o) => !o || !read.has(o));
  const out: InferenceRewrite[] = [];
  nodes.forEach((n, index) => {
    if (n.opType === 'BatchNormalization' && (n.outputs.slice(1).some((o) => o) || n.trainingMode)) {
      if (unread(n.outputs.slice(1))) out.push({ index, opType: 'BatchNormalization', keepOutputs: 1, dropAttribute: n.trainingMode ? 'training_mode' : undefined });
    } else if (n.opType === 'Dropout' && (n.outputs.slice(1).some((o) => o) || n.inputs.length > 2)) {
      if (unread(n.outputs.slice(1))) out.push({ index, opType: 'Dropout', keepOutputs: 1, keepInputs: Math.min(n.inputs.length, 2) });
    }
  });
  return out;
}

/** Rewrites the IR's TRAINING-mode nodes to inference form (see the header); returns what was rewritten. */
export function toInferenceForm(graph: IrGraph): InferenceRewrite[] {
  const rewrites = inferenceRewrites(
    graph.nodes.map((n) => ({ opType: n.opType, inputs: n.inputs, outputs: n.outputs, trainingMode: typeof n.attrs.training_mode === 'number' && n.attrs.training_mode !== 0 })),
    new Set(graph.outputs.map((o) => o.name)),
  );
  for (const r of rewrites) {
    const n = graph.nodes[r.index];
    n.outputs = n.outputs.slice(0, r.keepOutputs);
    if (r.keepInputs !== undefined) n.inputs = n.inputs.slice(0, r.keepInputs);
    if (r.dropAttribute) delete n.attrs[r.dropAttribute];
  }
  return rewrites;
}

/**
 * Batch-fixed exports: `torch.onnx.export` without `dynamic_axes` fixes the input's batch at the traced size, 1, and
 * the trace bakes that 1 into Reshape target shapes (`x.view(x.size(0), -1)` becomes a Reshape to [1, -1], as a
 * Constant with constant folding, as Constants put together by Unsqueeze/Concat without; ShuffleNet's channel
 * shuffle a Reshape to [1, g, c/g, h, w]). The scan runs batches of many samples, where such a Reshape either fails
 * or, with a -1, silently merges the batch. So when the model input's batch is declared 1, a Reshape of an
 * activation (a value computed from the model input) to a shape computed from constants alone is marked: when its
 * target starts with 1, the graph compiler reads that 1 as "the batch" (ops/shape.ts compileReshape). A shape
 * computed from the input's own Shape is already right at any batch, and a Reshape of a parameter
 * (`scale.view(1, -1, 1, 1)`) does not depend on the input: neither is marked. The export keeps the file's shapes:
 * the pruned model runs where the original ran. Returns the names of the Reshape nodes marked.
 */
export function batchBakedReshapes(graph: IrGraph): string[] {
  return markInBatchOneExport(graph, (n, fromInput) => n.opType === 'Reshape' && fromInput.has(n.inputs[0]) && !!n.inputs[1] && !fromInput.has(n.inputs[1]) && n.attrs.allowzero !== 1);
}

/**
 * In a batch-1 export (none otherwise), the names of the nodes `pick` marks, walking the graph in order with the set
 * of values computed from the model input so far.
 */
function markInBatchOneExport(graph: IrGraph, pick: (n: IrGraph['nodes'][number], fromInput: ReadonlySet<string>) => boolean): string[] {
  const input = graph.inputs[0];
  if (!input || input.shape[0] !== 1) return [];
  const fromInput = new Set<string>([input.name]);
  const marked: string[] = [];
  for (const n of graph.nodes) {
    if (pick(n, fromInput)) marked.push(n.name);
    if (n.inputs.some((i) => fromInput.has(i))) for (const o of n.outputs) if (o) fromInput.add(o);
  }
  return marked;
}

/**
 * The Expand twin of batchBakedReshapes: in a batch-1 export, `param.expand(x.shape[0], -1, -1)` (a ViT's class
 * token before it is concatenated with the patch tokens) becomes an Expand of a parameter to a shape made of
 * constants that starts with the traced batch, 1. At a batch of N the Concat then fails. Marked here: an Expand whose
 * data and shape both come from constants alone; the compiler runs a leading 1 of its target as the batch
 * (ops/shape.ts compileExpand). Expanding a parameter to [1, …] that later broadcasts against activations gives the
 * same result at [N, …], so the rule is safe there too. Returns the names of the Expand nodes marked.
 */
export function batchBakedExpands(graph: IrGraph): string[] {
  return markInBatchOneExport(graph, (n, fromInput) => n.opType === 'Expand' && !!n.inputs[1] && !fromInput.has(n.inputs[0]) && !fromInput.has(n.inputs[1]));
}
