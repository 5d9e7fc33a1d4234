/**
 * Issue #17: sizes a model computes from data or attributes are checked against the element caps before anything
 * is allocated, at compile time (the compiler's probe pass of one sample), as an InputError naming the node —
 * with the tester's own numbers and the default caps: ConstantOfShape int64 [1e9], Range(0, 3e9), Tile
 * [1,1,1e5,1e5], Pad 5e4, Conv pads 1e6, and a Conv kernel_shape that disagrees with its weight.
 */
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../../../src/engine/backend';
import { InputError, type ErrorCode } from '../../../src/engine/errors';
import { compileProgram } from '../../../src/engine/graph/compile';
import { checkElements } from '../../../src/engine/limits';
import type { IrGraph, IrNode, IrTensor } from '../../../src/engine/onnx/ir';

const FILE = '/models/bomb.onnx';
const int = (data: number[], dims = [data.length]): IrTensor => ({ kind: 'int', dims, data });

/** x [N,1,4,4] → nodes → output `out`. */
function graph(nodes: IrNode[], initializers: [string, IrTensor][] = [], out = 'y'): IrGraph {
  return {
    name: 'bomb',
    irVersion: 8,
    opset: 13,
    producer: 'test',
    inputs: [{ name: 'x', elemType: 1, shape: ['N', 1, 4, 4] }],
    outputs: [{ name: out, elemType: 1, shape: [] }],
    initializers: new Map(initializers),
    nodes,
  };
}
const node = (name: string, opType: string, inputs: string[], attrs: IrNode['attrs'] = {}, outputs = ['y']): IrNode => ({ name, opType, domain: '', inputs, outputs, attrs });

function rejects(g: IrGraph, code: ErrorCode, pattern: RegExp): void {
  const numTensors = tf.memory().numTensors;
  assert.throws(
    () => compileProgram(g, FILE),
    (e: unknown) => {
      assert.ok(e instanceof InputError, `expected an InputError, got ${String((e as Error)?.stack ?? e)}`);
      assert.equal(e.code, code, e.message);
      assert.equal(e.file, FILE);
      assert.match(e.message, pattern);
      return true;
    },
  );
  assert.equal(tf.memory().numTensors, numTensors, 'nothing is left allocated');
}

describe('sizes computed at run time meet the element caps', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  it('ConstantOfShape int64 [1e9]: maxIntElements, before new Array(1e9)', () => {
    const g = graph([node('fill', 'ConstantOfShape', ['shape'], { value: int([7], [1]) })], [['shape', int([1e9])]]);
    rejects(g, 'LIMIT_EXCEEDED', /^node "fill" \(ConstantOfShape\) output \[1000000000\] would have 1000000000 elements, more than the limit of 16777216 \(maxIntElements\)$/);
    const f = graph([node('fill', 'ConstantOfShape', ['shape'], { value: { kind: 'float', dims: [1], data: new Float32Array([1]) } })], [['shape', int([1e9])]]);
    rejects(f, 'LIMIT_EXCEEDED', /node "fill" \(ConstantOfShape\) output \[1000000000\] .*\(maxTensorElements\)/);
    rejects(graph([node('fill', 'ConstantOfShape', ['shape'])], [['shape', int([-3, 4])]]), 'MODEL_INVALID', /node "fill" \(ConstantOfShape\) output has an invalid size \[-3, 4\]/);
  });

  it('Range(0, 3e9) is refused from its count; a zero delta is invalid, not an endless loop', () => {
    const scalars: [string, IrTensor][] = [['start', int([0], [])], ['limit', int([3e9], [])], ['delta', int([1], [])], ['zero', int([0], [])]];
    rejects(graph([node('r', 'Range', ['start', 'limit', 'delta'])], scalars), 'LIMIT_EXCEEDED', /node "r" \(Range\) output would have 3000000000 elements/);
    rejects(graph([node('r', 'Range', ['start', 'limit', 'zero'])], scalars), 'MODEL_INVALID', /Range\(0, 3000000000, 0\) has no finite length in node "r"/);
  });

  it('Tile [1,1,1e5,1e5] (1.6e11 elements, minutes deaf to Ctrl-C before) fails at once', () => {
    rejects(graph([node('t', 'Tile', ['x', 'reps'])], [['reps', int([1, 1, 1e5, 1e5])]]), 'LIMIT_EXCEEDED', /node "t" \(Tile\) output \[1, 1, 400000, 400000\] would have 160000000000 elements/);
  });

  it('Pad 5e4 is refused from its output size; reflect pads must be smaller than the input', () => {
    const p = 5e4;
    rejects(graph([node('p', 'Pad', ['x', 'pads'])], [['pads', int([0, 0, p, p, 0, 0, p, p])]]), 'LIMIT_EXCEEDED', /node "p" \(Pad\) output \[1, 1, 100004, 100004\] would have 10000800016 elements/);
    rejects(graph([node('p', 'Pad', ['x', 'pads'], { mode: 'reflect' })], [['pads', int([0, 0, 4, 0, 0, 0, 0, 0])]]), 'MODEL_INVALID', /reflect pads .* as large as the input/);
  });

  it('Conv pads 1e6 and kernel_shape that disagrees with the weight are refused at compile time', () => {
    const w: [string, IrTensor] = ['w', { kind: 'float', dims: [2, 1, 3, 3], data: new Float32Array(18) }];
    rejects(graph([node('c', 'Conv', ['x', 'w'], { pads: [1e6, 1e6, 1e6, 1e6] })], [w]), 'MODEL_INVALID', /pads \[1000000,1000000,1000000,1000000\] exceed 4096 pixels in node "c" \(Conv\)/);
    rejects(graph([node('c', 'Conv', ['x', 'w'], { pads: [100, 100, 100, 100] })], [w]), 'MODEL_INVALID', /pads \[100, 100, 100, 100\] are larger than the 4×4 input plus the window in node "c"/);
    rejects(graph([node('c', 'Conv', ['x', 'w'], { kernel_shape: [5, 5] })], [w]), 'MODEL_INVALID', /kernel_shape \[5,5\] disagrees with the weight's 3×3 kernel .* in node "c" \(Conv\)/);
    rejects(graph([node('c', 'Conv', ['x', 'w'], { strides: [0, 1] })], [w]), 'MODEL_INVALID', /strides \[0,1\] must be integers from 1 to 4096/);
    // The valid neighbour still compiles: kernel_shape that agrees, pads 1.
    compileProgram(graph([node('c', 'Conv', ['x', 'w'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })], [w]), FILE).dispose();
  });

  it('pooling pads must be smaller than the window (onnxruntime\'s rule)', () => {
    rejects(graph([node('m', 'MaxPool', ['x'], { kernel_shape: [2, 2], pads: [2, 2, 2, 2] })]), 'MODEL_INVALID', /pads \[2,2,2,2\] must each be smaller than the 2×2 window in node "m" \(MaxPool\)/);
  });

  it('Expand, broadcasts and MatMul outputs are checked too (lowered caps)', () => {
    const k = 1000;
    const limits = { maxTensorElements: 10_000 };
    const expect = (g: IrGraph, pattern: RegExp) =>
      assert.throws(() => compileProgram(g, FILE, limits), (e: unknown) => e instanceof InputError && e.code === 'LIMIT_EXCEEDED' && pattern.test(e.message));
    expect(graph([node('e', 'Expand', ['x', 'shape'])], [['shape', int([k, 1, 4, 4])]]), /node "e" \(Expand\) output \[1000, 1, 4, 4\]/);
    expect(graph([node('a', 'Add', ['x', 'b'])], [['b', { kind: 'float', dims: [k, 1, 1, 1], data: new Float32Array(k) }]]), /node "a" \(Add\) output \[1000, 1, 4, 4\]/);
    const mm = graph([node('r', 'Reshape', ['x', 's'], {}, ['r']), node('mm', 'MatMul', ['r', 'w'])], [['s', int([16, 1])], ['w', { kind: 'float', dims: [1, k], data: new Float32Array(k) }]]);
    expect(mm, /node "mm" \(MatMul\) output \[16, 1000\]/);
  });

  it('checkElements: one helper, LIMIT_EXCEEDED over the cap, MODEL_INVALID for sizes that are not counts', () => {
    assert.equal(checkElements([2, 3], 'here', { file: null }), 6);
    assert.throws(() => checkElements([1e5, 1e5], 'here', { file: 'f' }), /here \[100000, 100000\] would have 10000000000 elements, more than the limit of 200000000 \(maxTensorElements\)$/);
    assert.throws(() => checkElements([1e10, 1e10], 'here', { file: 'f' }), /would have more than 2\^53 elements/);
    assert.throws(() => checkElements([2.5], 'here', { file: 'f' }), (e: unknown) => e instanceof InputError && e.code === 'MODEL_INVALID');
    assert.throws(() => checkElements(Number.NaN, 'here', { file: 'f' }), (e: unknown) => e instanceof InputError && e.code === 'MODEL_INVALID');
  });
});
