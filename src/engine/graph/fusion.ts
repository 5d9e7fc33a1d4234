/**
 * Which node pairs of a graph compile to one fused op. Today one kind: a BatchNormalization whose output feeds
 * exactly one node, a Relu, and is not a graph output. The pair runs as batchNormReluTrain in training mode
 * (kernels/batchnorm_train.ts), which on wasm makes 9 activation-sized memory passes where the two ops make 15,
 * and the Relu node passes its input through. Nothing observable changes: the BN output has no other reader.
 */
import type { IrGraph } from '../onnx/ir';

/** The output names of the BatchNormalization nodes that run fused with the Relu after them. */
export function bnOutputsFusedWithRelu(graph: IrGraph): Set<string> {
  const readers = new Map<string, string[]>();
  for (const node of graph.nodes) {
    for (const input of node.inputs) if (input) readers.set(input, [...(readers.get(input) ?? []), node.opType]);
  }
  const graphOutputs = new Set(graph.outputs.map((o) => o.name));
  const fused = new Set<string>();
  for (const node of graph.nodes) {
    if (node.opType !== 'BatchNormalization' || (node.domain !== '' && node.domain !== 'ai.onnx')) continue;
    const out = node.outputs[0];
    const r = readers.get(out) ?? [];
    if (out && !graphOutputs.has(out) && r.length === 1 && r[0] === 'Relu') fused.add(out);
  }
  return fused;
}
