/**
 * LayerNorm as torch.onnx writes nn.LayerNorm below opset 17, which has no LayerNormalization op:
 *   m = ReduceMean(x); d = Sub(x, m); v = ReduceMean(Pow(d, 2)); y = Div(d, Sqrt(Add(v, eps))); Mul(y, W); Add(…, B)
 * The ops compile one by one (tensor.ts, elementwise.ts); this finds the Mul by the [C] weight so that, in a model
 * without BatchNorm, it carries the masks as LayerNormalization's scale does at opset 17 (norm-scale.ts). Measured
 * with torch 1.13: opsets 11, 14 and 16 all export this same chain.
 */
import type { CompileContext } from '../context';
import type { IrNode } from '../../onnx/ir';
import type { ScaleMul } from './norm-scale';

/** Whether `name` is produced by a node of `opType`, and that node. */
function made(ctx: CompileContext, name: string | undefined, opType: string): IrNode | undefined {
  const n = name ? ctx.producer(name) : undefined;
  return n?.opType === opType ? n : undefined;
}

/** Whether `y` is Div(d, Sqrt(Add(ReduceMean(Pow(d, ·)), ·))) with d = Sub(x, ReduceMean(x)): a normalised value. */
function isNormalised(ctx: CompileContext, y: string): boolean {
  const div = made(ctx, y, 'Div');
  const sub = made(ctx, div?.inputs[0], 'Sub');
  const mean = made(ctx, sub?.inputs[1], 'ReduceMean');
  if (!div || !sub || !mean || mean.inputs[0] !== sub.inputs[0]) return false;
  const add = made(ctx, made(ctx, div.inputs[1], 'Sqrt')?.inputs[0], 'Add');
  if (!add) return false;
  return add.inputs.some((a) => {
    const pow = made(ctx, made(ctx, a, 'ReduceMean')?.inputs[0], 'Pow');
    return pow !== undefined && pow.inputs[0] === sub.outputs[0];
  });
}

/** The decomposed LayerNorms' weight Muls: Mul(normalised, W) with W a 1-D float initializer, by node. */
export function decomposedLayerNormScales(ctx: CompileContext): Map<IrNode, ScaleMul> {
  const out = new Map<IrNode, ScaleMul>();
  for (const n of ctx.graph.nodes) {
    if (n.opType !== 'Mul' || n.inputs.length !== 2) continue;
    n.inputs.forEach((name, i) => {
      const w = ctx.graph.initializers.get(name);
      if (w?.kind === 'float' && w.dims.length === 1 && isNormalised(ctx, n.inputs[1 - i]!)) out.set(n, { kind: 'layernorm', scale: name, channels: w.dims[0]! });
    });
  }
  return out;
}
