/**
 * Compile-time state shared by the op compilers: the graph's constants, the trainable variables being created
 * (with how each was converted from its ONNX layout, so `assign` can redo it), BN running statistics, mask sites,
 * and the one way to reject a model we cannot run.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MaskSiteKind } from '../mask-site';
import { InputError, showName } from '../errors';
import { checkElements, DEFAULT_LIMITS, type Limits } from '../limits';
import type { IrAttr, IrGraph, IrNode, IrTensor } from '../onnx/ir';
import type { ForwardOptions, MaskSite } from './program';
import type { Layout } from './layouts';
import type { Value } from './values';


/** Per-call state a node sees at run time. */
export interface RunState {
  opts: ForwardOptions;
  /** Mask per mask-site index (undefined when no masks were passed). */
  masks: readonly tf.Tensor1D[] | undefined;
  /** Samples in this forward pass (what a batch-1 export's baked 1 stands for). */
  batch: number;
}

/** A compiled node: takes its input values (undefined for omitted optional inputs) and returns its outputs. */
export type NodeFn = (inputs: (Value | undefined)[], run: RunState) => Value[];

export type OpCompiler = (node: IrNode, ctx: CompileContext) => NodeFn;

let programCount = 0;

export class CompileContext {
  readonly weights = new Map<string, tf.Variable>();
  readonly stats = new Map<string, tf.Variable>();
  readonly layouts = new Map<string, Layout>();
  readonly maskSites: MaskSite[] = [];
  /** Outputs of Constant nodes, known at compile time. */
  readonly constants = new Map<string, IrTensor>();
  /** Tensors owned by the program that are not variables (float constants); disposed with it. */
  readonly owned: tf.Tensor[] = [];
  /** Registers one mask site for `node` (named after it) and returns its index, the masks' order in a forward pass. */
  addMaskSite(node: IrNode, kind: MaskSiteKind, channels: number, params: string[]): number {
    this.maskSites.push({ name: node.name, kind, channels, params });
    return this.maskSites.length - 1;
  }
  /** Which ops carry the masks (compile.ts decides before any op compiles). */
  maskSite: MaskSiteKind = 'batchnorm';
  /** BatchNormalization outputs that run fused with the Relu reading them (fusion.ts). */
  bnReluFused: ReadonlySet<string> = new Set();

  /** Distinguishes this program's variable names from every other program's in the process. */
  readonly id = ++programCount;

  constructor(
    readonly graph: IrGraph,
    readonly file: string,
    /** The caps sizes computed while the model runs are checked against (maxTensorElements, maxIntElements). */
    readonly limits: Pick<Limits, 'maxTensorElements' | 'maxIntElements'> = DEFAULT_LIMITS,
  ) {}

  /**
   * A float tensor of `dims` (or `count` elements) the node is about to allocate: LIMIT_EXCEEDED over
   * maxTensorElements, MODEL_INVALID for a negative or non-integer size; both name the node. Returns the count.
   */
  checkTensor(node: IrNode, dims: number | readonly number[], what = 'output'): number {
    return checkElements(dims, this.where(node, what), { file: this.file, cap: this.limits.maxTensorElements, capName: 'maxTensorElements' });
  }

  /** The same for an integer tensor computed in plain JS (shape arithmetic), against maxIntElements. */
  checkInts(node: IrNode, dims: number | readonly number[], what = 'output'): number {
    return checkElements(dims, this.where(node, what), { file: this.file, cap: this.limits.maxIntElements, capName: 'maxIntElements' });
  }

  private where(node: IrNode, what: string): string {
    return `node "${showName(node.name)}" (${showName(node.opType)}) ${what}`;
  }

  unsupported(node: IrNode, why: string): InputError {
    return new InputError('MODEL_UNSUPPORTED', this.file, `${why} in node "${showName(node.name)}" (${showName(node.opType)})`);
  }

  invalid(node: IrNode, why: string): InputError {
    return new InputError('MODEL_INVALID', this.file, `${why} in node "${showName(node.name)}" (${showName(node.opType)})`);
  }

  /** A compile-time constant (initializer or Constant output), or undefined. */
  constant(name: string): IrTensor | undefined {
    if (!name) return undefined;
    return this.graph.initializers.get(name) ?? this.constants.get(name);
  }

  /**
   * The variable for a float initializer used as a trainable parameter (or BN statistic), created once in `layout`.
   * A second consumer must want the same layout and role; otherwise the model is unsupported.
   */
  weight(node: IrNode, name: string, layout: Layout, into: 'weights' | 'stats' = 'weights'): tf.Variable {
    const map = into === 'weights' ? this.weights : this.stats;
    const existing = map.get(name);
    const key = `${into}:${layout.key}`;
    if (existing || this.layoutKeys.has(name)) {
      if (!existing || this.layoutKeys.get(name) !== key) throw this.unsupported(node, `initializer "${showName(name)}" is shared by ops needing different layouts`);
      return existing;
    }
    const init = this.graph.initializers.get(name);
    if (!init) throw this.unsupported(node, `parameter "${showName(name)}" is computed, not an initializer`);
    if (init.kind !== 'float') throw this.unsupported(node, `parameter "${showName(name)}" is not a float tensor`);
    // Names are global in tfjs: the program id keeps two programs compiled from one file apart.
    const v = tf.tidy(() => tf.variable(layout.toTf(init), into === 'weights', `program${this.id}/${into}/${name}`));
    map.set(name, v);
    this.layouts.set(name, layout);
    this.layoutKeys.set(name, key);
    return v;
  }

  private readonly layoutKeys = new Map<string, string>();


  /** The node producing a value, if any (undefined for graph inputs and initializers). */
  producer(name: string): IrNode | undefined {
    if (!this.producers) {
      this.producers = new Map();
      for (const n of this.graph.nodes) for (const o of n.outputs) if (o) this.producers.set(o, n);
    }
    return this.producers.get(name);
  }

  private producers: Map<string, IrNode> | undefined;
}

/** Attribute readers with ONNX defaults. */
export function attrInt(node: IrNode, name: string, dflt: number): number {
  const a = node.attrs[name];
  return typeof a === 'number' ? a : dflt;
}

export function attrFloat(node: IrNode, name: string, dflt: number): number {
  return attrInt(node, name, dflt);
}

export function attrInts(node: IrNode, name: string): number[] | undefined {
  const a: IrAttr | undefined = node.attrs[name];
  if (a === undefined) return undefined;
  if (Array.isArray(a)) return (a as (number | string)[]).map(Number);
  if (typeof a === 'number') return [a];
  return undefined;
}

export function attrString(node: IrNode, name: string, dflt: string): string {
  const a = node.attrs[name];
  return typeof a === 'string' ? a : dflt;
}
