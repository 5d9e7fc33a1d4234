/** Which compiler handles which ONNX operator (default domain). Anything not listed is MODEL_UNSUPPORTED. */
import type { OpCompiler } from '../context';
import { compileLogSoftmax, compileClip, compileSoftmax, compileUnary, UNARY_OPS } from './activation';
import { compileBatchNorm } from './batchnorm';
import { compileLayerNorm } from './layernorm';
import { compileGroupNormalization, compileInstanceNorm } from './groupnorm';
import { compileConv } from './conv';
import { BINARY_OPS, compileBinary, compilePRelu, compileVariadic, compileWhere } from './elementwise';
import { compileGemm, compileMatMul } from './linear';
import { compileAveragePool, compileGlobalAveragePool, compileGlobalMaxPool, compileMaxPool } from './pool';
import {
  compileCast, compileConstantOfShape, compileExpand, compileFlatten, compileGather, compileIdentity, compileRange,
  compileReshape, compileShape, compileSqueeze, compileUnsqueeze,
} from './shape';
import { compileConcat, compilePad, compileReduce, compileSlice, compileTile, compileTranspose, REDUCE_OPS } from './tensor';

export const OP_COMPILERS: ReadonlyMap<string, OpCompiler> = new Map<string, OpCompiler>([
  ['Conv', compileConv],
  ['BatchNormalization', compileBatchNorm],
  ['LayerNormalization', compileLayerNorm],
  ['InstanceNormalization', compileInstanceNorm],
  ['GroupNormalization', compileGroupNormalization],
  ['MaxPool', compileMaxPool],
  ['AveragePool', compileAveragePool],
  ['GlobalAveragePool', compileGlobalAveragePool],
  ['GlobalMaxPool', compileGlobalMaxPool],
  ['Gemm', compileGemm],
  ['MatMul', compileMatMul],
  ['Clip', compileClip],
  ['Softmax', compileSoftmax],
  ['LogSoftmax', compileLogSoftmax],
  ['Shape', (n) => compileShape(n)],
  ['Gather', (n) => compileGather(n)],
  ['Unsqueeze', (n) => compileUnsqueeze(n)],
  ['Squeeze', (n) => compileSqueeze(n)],
  ['Cast', (n) => compileCast(n)],
  ['Reshape', compileReshape],
  ['Flatten', (n) => compileFlatten(n)],
  ['ConstantOfShape', compileConstantOfShape],
  ['Identity', compileIdentity],
  ['Dropout', compileIdentity],
  ['Expand', compileExpand],
  ['Range', compileRange],
  ['Concat', compileConcat],
  ['Transpose', (n) => compileTranspose(n)],
  ['Slice', compileSlice],
  ['Pad', compilePad],
  ['Tile', compileTile],
  ...UNARY_OPS.map((op): [string, OpCompiler] => [op, compileUnary]),
  ...BINARY_OPS.map((op): [string, OpCompiler] => [op, (n, c) => (n.inputs.length === 2 ? compileBinary(n, c) : compileVariadic(n, c))]),
  ['Sum', compileVariadic],
  ['Mean', compileVariadic],
  ['PRelu', compilePRelu],
  ['Where', compileWhere],
  ...REDUCE_OPS.map((op): [string, OpCompiler] => [op, (n) => compileReduce(n)]),
]);
