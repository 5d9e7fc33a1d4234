/**
 * The trainable program compiled from an IrGraph: the contract between the graph compiler (graph/compile.ts)
 * and the RNP passes (rnp/). Activations run NHWC (tfjs's fast kernels); weights live in tf.Variables.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { IrTensor } from '../onnx/ir';
import type { MaskSiteKind } from '../mask-site';

export interface MaskSite {
  /** ONNX node name of the BatchNormalization (or of the Conv, when BN was folded into it). */
  name: string;
  kind: MaskSiteKind;
  channels: number;
  /**
   * Initializer names this site's mask scales in the exported model: for 'batchnorm' the BN scale (gamma);
   * for 'conv-output' the conv weight and, if present, its bias (both zeroed when the channel is pruned).
   */
  params: string[];
}

export interface ForwardOptions {
  /** BatchNorm uses batch statistics (PyTorch's train mode). */
  training: boolean;
  /** In training mode, also update the BN running statistics (PyTorch momentum semantics). */
  updateStats?: boolean;
  /** One mask per mask site, in `maskSites` order, each of length `channels`. */
  masks?: readonly tf.Tensor1D[];
  /**
   * When the graph ends in Softmax (`Program.endsInSoftmax`), return the Softmax's input (the logits) instead of
   * the probabilities, so training can use a log-softmax cross-entropy. No effect otherwise.
   */
  beforeSoftmax?: boolean;
}

export interface Program {
  readonly inputName: string;
  /** Per-sample input shape as channels, height, width: [C, H, W] (whatever order the ONNX input declares them in). */
  readonly inputShape: [number, number, number];
  /** How the ONNX input orders them: NCHW (PyTorch's), or NHWC with a Transpose to NCHW as its only consumer. */
  readonly inputLayout: 'NCHW' | 'NHWC';
  readonly numClasses: number;
  /** Graph order. */
  readonly maskSites: readonly MaskSite[];
  /** Which ops carry the masks: BatchNorm scales, LayerNorm scales (no BatchNorm), or conv outputs (BN folded). */
  readonly maskSite: MaskSiteKind;
  /** maskSite === 'conv-output': the exporter folded BatchNorm into the convolutions. */
  readonly bnFolded: boolean;
  /** The graph's output is a Softmax: `forward` returns probabilities unless `beforeSoftmax` is set. */
  readonly endsInSoftmax: boolean;
  /**
   * Trainable parameters (conv/linear weights and biases, BN scale and bias) by initializer name.
   * To train only masks (RNP's recovery), set `trainable = false` on these variables: the compiled gradients then
   * skip conv/linear weight gradients (they come back as zeros), about a third of the backward pass.
   */
  readonly weights: ReadonlyMap<string, tf.Variable>;
  /** BatchNorm running mean/var by initializer name (not trainable). */
  readonly stats: ReadonlyMap<string, tf.Variable>;
  /**
   * x: NHWC float32 batch; returns the graph's first output [N, numClasses] (logits, or probabilities when
   * endsInSoftmax and not beforeSoftmax). Does not dispose x; intermediates are released (runs in a tidy).
   */
  forward(x: tf.Tensor4D, opts: ForwardOptions): tf.Tensor2D;
  /**
   * From now on, an eval-mode forward of more than `n` samples runs in chunks of at most `n` (the same rows, less
   * memory at once: a scan sets the batch it fitted to memory, train/batch-fit.ts). Training mode is not chunked.
   */
  limitBatch(n: number): void;
  /** Set weights and stats from ONNX-layout initializers (e.g. reset to the original, or load a pruned copy). */
  assign(initializers: ReadonlyMap<string, IrTensor>): void;
  /** Current weights and stats in ONNX layout (flat, row-major), by initializer name. */
  readInitializers(): Promise<Map<string, Float32Array>>;
  /**
   * Gradients (or any tensors shaped like the variables) back in ONNX layout, by initializer name, e.g. to compare
   * with PyTorch. Does not dispose its inputs.
   */
  toOnnxLayout(name: string, t: tf.Tensor): Promise<Float32Array>;
  dispose(): void;
}
