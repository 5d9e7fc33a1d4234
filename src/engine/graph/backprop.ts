/**
 * Gradients of a scalar loss with respect to variables, like tf.variableGrads, but releasing memory as the
 * backward pass walks the tape. Why: tfjs keeps every intermediate gradient and every tensor saved for backward
 * until the whole backward pass ends, so the peak is (saved activations + one gradient per activation); a
 * ResNet-18 step at batch 128 peaked near wasm's 4 GB ceiling. Here a tensor's gradient is freed as soon as the op
 * that produced the tensor has used it (every consumer comes later on the tape, so it is complete by then), and an
 * op's saved tensors are freed right after its gradient ran. Same kernels, same order, same sums: the results are
 * identical to tf.variableGrads'.
 * Uses the engine's tape (tfjs-core 4.x internals: state.activeTape, startTape/endTape, tape.js); nested in
 * another gradient computation it falls back to tf.variableGrads.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getFilteredNodesXToY, type TapeNode } from '@tensorflow/tfjs-core/dist/tape';

interface TapeEngine {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  tidy<T extends tf.TensorContainer>(name: string, f: () => T): T;
}

export interface VariableGrads {
  value: tf.Scalar;
  /** By variable name, as tf.variableGrads; only trainable variables the loss depends on. */
  grads: tf.NamedTensorMap;
}

export function leanVariableGrads(f: () => tf.Scalar, vars: readonly tf.Variable[]): VariableGrads {
  const engine = tf.engine() as unknown as TapeEngine;
  if (engine.state.gradientDepth > 0) return tf.variableGrads(f, vars as tf.Variable[]);
  const xs = vars.filter((v) => v.trainable);
  if (xs.length === 0) throw new Error('leanVariableGrads: no trainable variable');
  const y = engine.scopedRun(
    () => engine.startTape(),
    () => engine.endTape(),
    () => engine.tidy('forward', f),
  );
  if (!(y instanceof tf.Tensor) || y.rank !== 0) throw new Error('leanVariableGrads: the loss must be a scalar tensor');
  const fullTape = engine.state.activeTape ?? [];
  const tape = getFilteredNodesXToY(fullTape, xs, y);
  try {
    const grads = engine.tidy('backward', () => {
      const pending = new Map<number, tf.Tensor>([[y.id, tf.onesLike(y)]]);
      const varIds = new Set(xs.map((x) => x.id));
      for (let i = tape.length - 1; i >= 0; i--) {
        const node = tape[i];
        const dys = node.outputs.map((o) => pending.get(o.id) ?? null);
        if (!node.gradient) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
        const gradient = node.gradient;
        // One scope per op: whatever its gradient function allocates besides the input gradients is freed here.
        const dxs = engine.tidy(node.kernelName, () => {
          const fns = gradient(dys as tf.Tensor[]);
          const out: Record<string, tf.Tensor> = {};
          for (const name of Object.keys(node.inputs)) {
            if (!(name in fns)) throw new Error(`Cannot backprop through input ${name} of ${node.kernelName}.`);
            const dx = fns[name]();
            // An identity-like gradient may hand back the incoming gradient object, which is freed below.
            out[name] = dys.includes(dx) ? dx.clone() : dx;
          }
          return out;
        });
        for (const o of node.outputs) {
          const g = pending.get(o.id);
          if (g && !varIds.has(o.id)) {
            g.dispose();
            pending.delete(o.id);
          }
        }
        for (const t of node.saved ?? []) t.dispose();
        for (const name of Object.keys(node.inputs)) {
          const x = node.inputs[name];
          const dx = dxs[name];
          if (dx.dtype !== 'float32') throw new Error(`Gradient of ${node.kernelName} input ${name} has dtype ${dx.dtype}`);
          if (!tf.util.arraysEqual(dx.shape, x.shape)) throw new Error(`Gradient of ${node.kernelName} input ${name} has shape [${dx.shape}], input [${x.shape}]`);
          const cur = pending.get(x.id);
          if (!cur) pending.set(x.id, dx);
          else {
            pending.set(x.id, tf.add(cur, dx));
            cur.dispose();
            dx.dispose();
          }
        }
      }
      const named: tf.NamedTensorMap = {};
      for (const x of xs) {
        const g = pending.get(x.id);
        if (g) named[x.name] = g;
      }
      return named;
    });
    if (Object.keys(grads).length === 0) throw new Error('Cannot find a connection between any variable and the loss');
    return { value: y as tf.Scalar, grads };
  } finally {
    // Saved tensors of ops off the variables-to-loss path (never visited above).
    for (const node of fullTape) for (const t of node.saved ?? []) t.dispose();
    engine.state.activeTape = null;
  }
}
