/**
 * Compiles an IrGraph into a trainable tfjs Program (see program.ts): validates every node up front (an operator
 * we cannot run is a MODEL_UNSUPPORTED InputError at compile time, never a crash mid-scan), creates the weight and
 * BN-statistic variables once, and returns a forward function that walks the nodes in topological order.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients; the Program is trainable, so it needs them all.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { CancelledError, InputError, showName } from '../errors';
import { checkElements, resolveModelLimits, type Limits } from '../limits';
import type { IrGraph, IrNode, IrTensor } from '../onnx/ir';
import { attrInts, CompileContext, type NodeFn, type RunState } from './context';
import { bnOutputsFusedWithRelu } from './fusion';
import { layerNormMaskable } from './ops/layernorm';
import { groupNormalizationPerChannel, groupNormScales } from './ops/groupnorm';
import { decomposedLayerNormScales } from './ops/layernorm-decomposed';
import { compileScaleMul, type ScaleMul } from './ops/norm-scale';
import { OP_COMPILERS } from './ops/registry';
import { constantFromNode } from './ops/shape';
import type { ForwardOptions, Program } from './program';
import { AS_IS } from './layouts';
import { intsValue, plain, tensorValue, type Value } from './values';

interface Step {
  inputs: string[];
  outputs: string[];
  run: NodeFn;
}


/** How far a compile has got: nodes compiled (their weights uploaded) of all. */
export interface CompileProgress {
  done: number;
  total: number;
}

/** The longest the async compile runs between two yields to the event loop. */
const YIELD_MS = 50;

/** `limits`: the caps run-time sizes are checked against (maxTensorElements, maxIntElements; defaults otherwise). */
export function compileProgram(graph: IrGraph, file: string = graph.name, limits?: Partial<Limits>): Program {
  const steps = compileSteps(graph, file, limits);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * compileProgram for a scan: it yields to the event loop at least every YIELD_MS between nodes, so that a cancel or
 * Ctrl-C is seen while a big model's weights upload (torchvision's vgg11_bn, 515 MB: 5 s of compiling) and the
 * caller can show progress. A cancel disposes what was uploaded and rejects with CancelledError.
 */
export async function compileProgramAsync(
  graph: IrGraph,
  file: string,
  o: { limits?: Partial<Limits>; signal?: AbortSignal; onProgress?: (p: CompileProgress) => void; yieldMs?: number } = {},
): Promise<Program> {
  const steps = compileSteps(graph, file, o.limits);
  const yieldMs = o.yieldMs ?? YIELD_MS;
  let since = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - since < yieldMs) continue;
    o.onProgress?.(r.value);
    await new Promise((resolve) => setImmediate(resolve));
    // Thrown in at the yield, so the compile's own error path disposes the weights it made.
    if (o.signal?.aborted) steps.throw(new CancelledError());
    since = performance.now();
  }
}

function* compileSteps(graph: IrGraph, file: string, limits?: Partial<Limits>): Generator<CompileProgress, Program, void> {
  const ctx = new CompileContext(graph, file, resolveModelLimits(limits));
  const unsupported = (msg: string) => new InputError('MODEL_UNSUPPORTED', file, msg);
  if (graph.inputs.length !== 1) throw unsupported(`expected one model input, found ${graph.inputs.length}`);
  const input = graph.inputs[0];
  if (input.elemType !== 1) throw unsupported(`model input "${showName(input.name)}" is not float32`);
  // An NHWC input (x.permute(0, 3, 1, 2) first, as TensorFlow-style pipelines export): every consumer of the input
  // is that Transpose. The data, the messages and the scan then speak [C, H, W] as for any model, and the program
  // feeds its NHWC batches to the graph as they are (the Transpose becomes free: ops/tensor.ts).
  const consumers = graph.nodes.filter((n) => n.inputs.includes(input.name));
  const nhwcInput = input.shape.length === 4 && consumers.length > 0 && consumers.every((n) => n.opType === 'Transpose' && n.inputs[0] === input.name && attrInts(n, 'perm')?.join() === '0,3,1,2');
  const [, c, h, w] = nhwcInput ? [input.shape[0], input.shape[3], input.shape[1], input.shape[2]] : input.shape;
  if (input.shape.length !== 4 || typeof c !== 'number' || typeof h !== 'number' || typeof w !== 'number') {
    throw unsupported(`model input "${showName(input.name)}" must be [N, C, H, W] (or [N, H, W, C] followed by a Transpose to NCHW) with fixed C, H, W (got [${input.shape.slice(0, 8).join(', ')}])`);
  }
  if (graph.outputs.length === 0) throw new InputError('MODEL_INVALID', file, 'the graph has no outputs');
  if (![c, h, w].every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw unsupported(`model input "${showName(input.name)}" has an empty dimension (got [${input.shape.join(', ')}])`);
  }
  checkElements([1, c, h, w], `model input "${showName(input.name)}" (one sample)`, { file, cap: ctx.limits.maxTensorElements });

  // The paper's mask sits on BatchNorm; a model without it that normalises with LayerNorm or GroupNorm gets masks on
  // that norm's scale; otherwise (BatchNorm folded by the exporter) the conv outputs carry them.
  // LayerNorm below opset 17 and torch's GroupNorm apply their weight in a Mul of its own (ops/norm-scale.ts).
  const gnScales = groupNormScales(ctx);
  const lnScales = decomposedLayerNormScales(ctx);
  ctx.maskSite = graph.nodes.some((n) => n.opType === 'BatchNormalization')
    ? 'batchnorm'
    : graph.nodes.some((n) => n.opType === 'LayerNormalization' && layerNormMaskable(n, ctx)) || lnScales.size > 0
      ? 'layernorm'
      : gnScales.size > 0 || (groupNormalizationPerChannel(graph.opset) && graph.nodes.some((n) => n.opType === 'GroupNormalization'))
        ? 'groupnorm'
        : 'conv-output';
  const scaleMuls: ReadonlyMap<IrNode, ScaleMul> = ctx.maskSite === 'layernorm' ? lnScales : ctx.maskSite === 'groupnorm' ? gnScales : new Map();
  ctx.bnReluFused = bnOutputsFusedWithRelu(graph);
  const steps: Step[] = [];
  try {
    for (const [i, node] of graph.nodes.entries()) {
      yield { done: i, total: graph.nodes.length };
      if (node.domain !== '' && node.domain !== 'ai.onnx') throw unsupported(`unsupported operator ${showName(node.domain)}.${showName(node.opType)} in node "${showName(node.name)}"`);
      if (node.opType === 'Constant') {
        ctx.constants.set(node.outputs[0], constantFromNode(node, ctx));
        continue;
      }
      const scaleMul = scaleMuls.get(node);
      if (scaleMul) {
        steps.push({ inputs: node.inputs, outputs: node.outputs, run: compileScaleMul(node, ctx, scaleMul) });
        continue;
      }
      const compiler = OP_COMPILERS.get(node.opType);
      if (!compiler) throw unsupported(`unsupported operator ${showName(node.opType)} in node "${showName(node.name)}"`);
      steps.push({ inputs: node.inputs, outputs: node.outputs, run: compiler(node, ctx) });
    }
  } catch (e) {
    disposeAll();
    throw e;
  }

  const outputName = graph.outputs[0].name;
  const last = ctx.producer(outputName);
  const endsInSoftmax = last?.opType === 'Softmax';
  const logitsName = endsInSoftmax ? last!.inputs[0] : outputName;

  // Constants handed to ops as ordinary inputs, created on first use and owned by the program.
  const constantValues = new Map<string, Value>();
  function constantValue(name: string): Value | undefined {
    const cached = constantValues.get(name);
    if (cached) return cached;
    const variable = ctx.weights.get(name) ?? ctx.stats.get(name);
    // A parameter stored unchanged is read live, so other consumers see training's updates.
    if (variable && ctx.layouts.get(name) === AS_IS) return tensorValue(variable);
    const t: IrTensor | undefined = ctx.constant(name);
    if (!t) return undefined;
    let v: Value;
    if (t.kind === 'int') v = intsValue(t.dims.slice(), t.data.slice());
    else {
      const tensor = tf.keep(tf.tensor(t.data, t.dims, 'float32'));
      ctx.owned.push(tensor);
      v = tensorValue(tensor);
    }
    constantValues.set(name, v);
    return v;
  }

  // The most samples one eval-mode pass holds activations for (Program.limitBatch); larger batches run in chunks.
  let evalBatchLimit = Infinity;

  function forward(x: tf.Tensor4D, opts: ForwardOptions & { beforeSoftmax?: boolean }): tf.Tensor2D {
    // Eval mode has no batch statistics, so chunks give exactly the rows the whole batch would (training mode must
    // see its batch whole: the scan fits the training batch size to memory instead, train/batch-fit.ts).
    if (!opts.training && x.shape[0] > evalBatchLimit) {
      return tf.tidy(() => {
        const parts: tf.Tensor2D[] = [];
        for (let i = 0; i < x.shape[0]; i += evalBatchLimit) parts.push(forwardWhole(tf.slice(x, [i, 0, 0, 0], [Math.min(evalBatchLimit, x.shape[0] - i), -1, -1, -1]), opts));
        return tf.concat(parts) as tf.Tensor2D;
      });
    }
    return forwardWhole(x, opts);
  }

  function forwardWhole(x: tf.Tensor4D, opts: ForwardOptions & { beforeSoftmax?: boolean }): tf.Tensor2D {
    if (x.rank !== 4 || x.shape[1] !== h || x.shape[2] !== w || x.shape[3] !== c) {
      throw new Error(`forward expects NHWC [N, ${h}, ${w}, ${c}], got [${x.shape}]`);
    }
    if (opts.masks) {
      if (opts.masks.length !== ctx.maskSites.length) throw new Error(`expected ${ctx.maskSites.length} masks, got ${opts.masks.length}`);
      opts.masks.forEach((m, i) => {
        if (m.size !== ctx.maskSites[i].channels) throw new Error(`mask ${i} has ${m.size} values, site "${ctx.maskSites[i].name}" has ${ctx.maskSites[i].channels} channels`);
      });
    }
    const wanted = opts.beforeSoftmax ? logitsName : outputName;
    return tf.tidy(() => {
      // x is NHWC: for an NCHW graph input that is its NHWC storage; for an NHWC graph input it is the input itself.
      const env = new Map<string, Value>([[input.name, tensorValue(x, !nhwcInput)]]);
      const run: RunState = { opts, masks: opts.masks, batch: x.shape[0] };
      for (const step of steps) {
        const args = step.inputs.map((name) => {
          if (!name) return undefined;
          const v = env.get(name) ?? constantValue(name);
          if (!v) throw new InputError('MODEL_INVALID', file, `value "${showName(name)}" is used before it is produced`);
          return v;
        });
        const outs = step.run(args, run);
        step.outputs.forEach((name, i) => {
          if (name && outs[i]) env.set(name, outs[i]);
        });
        if (env.has(wanted)) break;
      }
      const out = env.get(wanted) ?? constantValue(wanted);
      if (!out) throw new InputError('MODEL_INVALID', file, `graph output "${showName(wanted)}" is never produced`);
      const t = plain(out);
      return (t.rank === 2 ? t : tf.reshape(t, [t.shape[0], -1])) as tf.Tensor2D;
    });
  }

  const outDims = graph.outputs[0].shape;
  let numClasses = typeof outDims[outDims.length - 1] === 'number' && outDims.length === 2 ? (outDims[1] as number) : 0;
  // One forward pass of a single zero sample, always: it gives the class count when the file does not declare it,
  // and it makes every size computed at run time (ConstantOfShape, Range, Tile, Pad, windows...) meet its cap now,
  // before any data set is read, as an InputError naming the node.
  let probe: number;
  yield { done: graph.nodes.length, total: graph.nodes.length };
  try {
    probe = tf.tidy(() => forward(tf.zeros([1, h, w, c]) as tf.Tensor4D, { training: false }).shape[1]);
  } catch (e) {
    disposeAll();
    throw e;
  }
  if (!numClasses) numClasses = probe;

  async function toOnnxLayout(name: string, t: tf.Tensor): Promise<Float32Array> {
    const layout = ctx.layouts.get(name);
    if (!layout) throw new Error(`"${name}" is not a parameter of this program`);
    const out = tf.tidy(() => layout.toOnnx(t));
    try {
      return (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
  }

  function disposeAll(): void {
    for (const v of ctx.weights.values()) v.dispose();
    for (const v of ctx.stats.values()) v.dispose();
    for (const t of ctx.owned) t.dispose();
    ctx.owned.length = 0;
  }

  return {
    inputName: input.name,
    inputShape: [c, h, w],
    inputLayout: nhwcInput ? 'NHWC' : 'NCHW',
    numClasses,
    maskSites: ctx.maskSites,
    maskSite: ctx.maskSite,
    bnFolded: ctx.maskSite === 'conv-output',
    endsInSoftmax,
    weights: ctx.weights,
    stats: ctx.stats,
    forward,
    limitBatch(n: number): void {
      if (!(n >= 1)) throw new Error(`batch limit ${n}`);
      evalBatchLimit = Math.floor(n);
    },
    assign(initializers: ReadonlyMap<string, IrTensor>): void {
      for (const map of [ctx.weights, ctx.stats]) {
        for (const [name, variable] of map) {
          const init = initializers.get(name);
          if (!init) continue;
          const layout = ctx.layouts.get(name)!;
          tf.tidy(() => {
            const value = layout.toTf(init);
            if (value.shape.join() !== variable.shape.join()) throw new InputError('MODEL_INVALID', file, `initializer "${showName(name)}" has shape [${init.dims}], expected the original's`);
            variable.assign(value);
          });
        }
      }
    },
    toOnnxLayout,
    async readInitializers(): Promise<Map<string, Float32Array>> {
      const out = new Map<string, Float32Array>();
      for (const map of [ctx.weights, ctx.stats]) {
        for (const [name, variable] of map) {
          out.set(name, await toOnnxLayout(name, variable));
        }
      }
      return out;
    },
    dispose: disposeAll,
  };
}
