// Accuracy of an ONNX file on an .npz by onnxruntime, the independent oracle the tests check exported models with.
import * as ort from 'onnxruntime-node';
import { readNpz } from '../src/engine/data/npz';

/** Accuracy of `model` on `npz` (uint8 NCHW → [0, 1], labels y). */
export async function ortAccuracy(model: string, npz: string): Promise<number> {
  const { arrays } = await readNpz(npz);
  const x = arrays.get('x')!;
  const y = arrays.get('y')!;
  const session = await ort.InferenceSession.create(model);
  const [n, ...rest] = x.shape;
  const per = rest.reduce((a, b) => a * b, 1);
  const xs = Float32Array.from(x.data as Uint8Array, (v) => v / 255);
  let correct = 0;
  for (let i = 0; i < n; i += 250) {
    const m = Math.min(250, n - i);
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', xs.subarray(i * per, (i + m) * per), [m, ...rest]) });
    const logits = out[session.outputNames[0]].data as Float32Array;
    const k = logits.length / m;
    for (let r = 0; r < m; r++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (logits[r * k + c] > logits[r * k + best]) best = c;
      if (best === Number((y.data as ArrayLike<number | bigint>)[i + r])) correct++;
    }
  }
  return correct / n;
}
