/**
 * The in-memory dataset every pass consumes: samples already in the model's input space, stored NHWC
 * (tfjs's layout), labels as Int32.
 */

export interface Dataset {
  /** File or folder it came from. */
  source: string;
  count: number;
  /** Per-sample shape in ONNX layout [C, H, W] (what the user and the model speak). */
  shape: [number, number, number];
  /** count*H*W*C floats, NHWC, after scaling and mean/std. */
  x: Float32Array;
  y: Int32Array;
  /** Per-channel mean/std that were applied (empty = none), so evidence can map back to pixel space. */
  mean: number[];
  std: number[];
  /** True when the file held uint8 pixels (scaled to [0,1] before mean/std). */
  fromUint8: boolean;
  /**
   * Only when asked for (LoadDatasetOptions.poisonFlags) and the .npz has an `is_poison` array: 1 where the file says
   * the sample is poisoned. Ground truth for judging a sample ranking; nothing trains or scores on it.
   */
  isPoison?: Uint8Array;
  /** An image folder whose class folders are names (not indices): classNames[label] is that folder's name. */
  classNames?: string[];
}
