/**
 * Which BatchNormalization + Relu pairs compile fused (graph/fusion.ts): only where the BN output has the Relu as
 * its one reader and is not a graph output, since the fused op never materialises the BN output. The values the
 * fused op computes are checked against the two ops in wasm-kernels.test.ts; every real-model test runs through it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bnOutputsFusedWithRelu } from '../../../src/engine/graph/fusion';
import type { IrGraph, IrNode } from '../../../src/engine/onnx/ir';

const node = (name: string, opType: string, inputs: string[], outputs: string[]): IrNode => ({ name, opType, domain: '', inputs, outputs, attrs: {} });

function graph(nodes: IrNode[], outputs: string[]): IrGraph {
  return {
    name: 'g', irVersion: 8, opset: 13, producer: 'test', initializers: new Map(),
    inputs: [{ name: 'x', elemType: 1, shape: [1, 1, 4, 4] }] as IrGraph['inputs'],
    outputs: outputs.map((name) => ({ name, elemType: 1, shape: [] })) as IrGraph['outputs'],
    nodes,
  };
}

const bn = (i: string, o: string) => node(`bn_${o}`, 'BatchNormalization', [i, 's', 'b', 'm', 'v'], [o]);

describe('BatchNorm + ReLU fusion', () => {
  it('fuses a BN whose only reader is a Relu', () => {
    const g = graph([node('c', 'Conv', ['x', 'w'], ['c']), bn('c', 'n'), node('r', 'Relu', ['n'], ['r']), node('f', 'Flatten', ['r'], ['y'])], ['y']);
    assert.deepEqual([...bnOutputsFusedWithRelu(g)], ['n']);
  });

  it('does not fuse when the BN output has another reader, feeds something else, or is a graph output', () => {
    // A residual block reads the BN output twice (Relu and Add).
    const twoReaders = graph([bn('x', 'n'), node('r', 'Relu', ['n'], ['r']), node('a', 'Add', ['n', 'r'], ['y'])], ['y']);
    assert.equal(bnOutputsFusedWithRelu(twoReaders).size, 0);
    const notRelu = graph([bn('x', 'n'), node('a', 'Sigmoid', ['n'], ['y'])], ['y']);
    assert.equal(bnOutputsFusedWithRelu(notRelu).size, 0);
    const output = graph([bn('x', 'n'), node('r', 'Relu', ['n'], ['y'])], ['y', 'n']);
    assert.equal(bnOutputsFusedWithRelu(output).size, 0);
  });
});
