/**
 * The small graph IR the engine works on: what the ONNX reader produces and the graph compiler consumes.
 * Everything here is plain data (no protobuf objects, no tfjs), so it is easy to validate, test and serialise.
 * Layout is ONNX's own (NCHW); conversion to tfjs's NHWC happens once, in the graph compiler.
 */

/** A constant tensor. Float types decode to Float32Array; integer and bool types to plain numbers. */
export type IrTensor =
  | { kind: 'float'; dims: number[]; data: Float32Array }
  | { kind: 'int'; dims: number[]; data: number[] };

export type IrAttr = number | number[] | string | string[] | IrTensor;

export interface IrNode {
  /** Node name from the file, or a generated `OpType_index` when the exporter left it empty. */
  name: string;
  opType: string;
  domain: string;
  /** Input value names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, IrAttr>;
}

export interface IrValueInfo {
  name: string;
  /** ONNX TensorProto.DataType number (1 = float). */
  elemType: number;
  /** Static dims as numbers; symbolic or unknown dims as their name or null. */
  shape: (number | string | null)[];
}

export interface IrGraph {
  name: string;
  irVersion: number;
  /** Default-domain opset version. */
  opset: number;
  producer: string;
  /** Graph inputs that are not initializers (the real model inputs). */
  inputs: IrValueInfo[];
  outputs: IrValueInfo[];
  initializers: Map<string, IrTensor>;
  /** Nodes in topological order. */
  nodes: IrNode[];
  /** What normalisation on load changed (onnx/normalize.ts), in words for the report; absent when nothing. */
  notes?: string[];
  /**
   * Reshape nodes whose constant target shape may have the batch baked in as a leading 1 (a batch-1 export,
   * onnx/normalize.ts batchBakedReshapes): the compiler runs that 1 as the batch.
   */
  batchBakedReshapes?: string[];
  /** Expand nodes of a parameter to a constant shape in a batch-1 export (normalize.ts batchBakedExpands): likewise. */
  batchBakedExpands?: string[];
}

export function tensorSize(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
