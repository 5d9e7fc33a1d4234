/**
 * Test fixtures for the ONNX tests: the models make_models.py makes (real PyTorch exports + values read back by
 * onnx's Python reader; located and built by scripts/fixture-paths.ts, re-exported here), and small models crafted
 * with onnx-proto for the rejection tests.
 */
import { onnx } from 'onnx-proto';

// The fixture locations and the Python-made models live in scripts/ (the fuzzer uses them too).
export { PARITY_DIR, parityModels, pythonFixtures } from '../../../scripts/fixture-paths';

export interface CraftOptions {
  irVersion?: number;
  opset?: number;
  nodes?: onnx.INodeProto[];
  initializers?: onnx.ITensorProto[];
  inputs?: onnx.IValueInfoProto[];
  outputs?: onnx.IValueInfoProto[];
}

export function valueInfo(name: string, dims: number[] = [1, 1, 4, 4]): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } };
}

export function floatTensor(name: string, dims: number[], values: number[]): onnx.ITensorProto {
  const raw = new Uint8Array(new Float32Array(values).buffer);
  return { name, dataType: 1, dims, rawData: raw };
}

/** A valid minimal model: Y = X * W, W a 1×1×1×1 float initializer; options replace any part. */
export function craftModel(o: CraftOptions = {}): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: o.irVersion ?? 7,
    producerName: 'test',
    opsetImport: [{ domain: '', version: o.opset ?? 13 }],
    graph: {
      name: 'crafted',
      node: o.nodes ?? [{ name: 'mul', opType: 'Mul', input: ['X', 'W'], output: ['Y'] }],
      initializer: o.initializers ?? [floatTensor('W', [1, 1, 1, 1], [2])],
      input: o.inputs ?? [valueInfo('X')],
      output: o.outputs ?? [valueInfo('Y')],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
