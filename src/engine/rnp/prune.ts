/**
 * RNP step 3, pruning: channels whose recovered mask is <= the threshold are removed from the *original* model by
 * zeroing what the mask scaled (BN gamma; or, BN folded, the conv's output-channel weights and bias). The graph keeps
 * its shape, so the pruned model is a drop-in replacement of the original.
 */
import type { IrTensor } from '../onnx/ir';
import type { MaskSite } from '../graph/program';

export interface PruneOutput {
  /** Replaced float initializers (copies), ONNX layout, by name. */
  replaced: Map<string, Float32Array>;
  count: number;
  /** Per site, which channels were pruned. */
  pruned: boolean[][];
}

export function prune(
  initializers: ReadonlyMap<string, IrTensor>,
  sites: readonly MaskSite[],
  masks: readonly Float32Array[],
  threshold: number,
): PruneOutput {
  const replaced = new Map<string, Float32Array>();
  const copyOf = (name: string): Float32Array => {
    let a = replaced.get(name);
    if (!a) {
      const t = initializers.get(name);
      if (!t || t.kind !== 'float') throw new Error(`mask site parameter ${name} is not a float initializer`);
      a = Float32Array.from(t.data);
      replaced.set(name, a);
    }
    return a;
  };
  let count = 0;
  const pruned = sites.map((site, s) => {
    const flags = Array.from(masks[s], (m) => m <= threshold);
    flags.forEach((isPruned, c) => {
      if (!isPruned) return;
      count++;
      for (const p of site.params) {
        const a = copyOf(p);
        // Every site parameter has output channels as its leading axis (BN gamma [C], conv W [C,...], bias [C]).
        const per = a.length / site.channels;
        a.fill(0, c * per, (c + 1) * per);
      }
    });
    return flags;
  });
  return { replaced, count, pruned };
}

/** The original initializers with `replaced` swapped in. */
export function withReplaced(
  initializers: ReadonlyMap<string, IrTensor>,
  replaced: ReadonlyMap<string, Float32Array>,
): Map<string, IrTensor> {
  const out = new Map(initializers);
  for (const [name, data] of replaced) {
    const t = initializers.get(name)!;
    out.set(name, { kind: 'float', dims: t.dims, data });
  }
  return out;
}
