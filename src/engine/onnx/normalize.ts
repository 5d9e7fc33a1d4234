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
