#!/usr/bin/python3
"""Writes small single-op-family ONNX models for the graph compiler's op tests (test/engine/graph/ops.test.ts).

Each model takes input 'x' [2, C, H, W] and has one output; weights are seeded random. onnxruntime-node is the
oracle for the forward pass, so the models only need to be valid ONNX (checked with onnx.checker).
Run: /usr/bin/python3 test/engine/graph/make_op_models.py OUT_DIR   (writes OUT_DIR/NAME.onnx and manifest.json)
"""
import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(1234)


def W(*shape, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


class G:
    """A tiny graph builder: nodes in order, initializers by name."""

    def __init__(self, c, h, w):
        self.shape = [2, c, h, w]
        self.nodes, self.inits, self.n = [], [], 0

    def init(self, arr, name=None):
        self.n += 1
        name = name or f'p{self.n}'
        arr = np.asarray(arr)
        self.inits.append(numpy_helper.from_array(arr, name))
        return name

    def op(self, op_type, inputs, **attrs):
        self.n += 1
        out = f'v{self.n}'
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=f'{op_type}_{self.n}', **attrs))
        return out

    def conv(self, x, cin, cout, k=3, bias=True, **attrs):
        ins = [x, self.init(W(cout, cin // attrs.get('group', 1), k, k))]
        if bias:
            ins.append(self.init(W(cout)))
        return self.op('Conv', ins, kernel_shape=[k, k], **attrs)

    def bn(self, x, c):
        return self.op('BatchNormalization', [x, self.init(1 + W(c, scale=0.2)), self.init(W(c, scale=0.2)),
                                              self.init(W(c, scale=0.2)), self.init(0.5 + np.abs(W(c)))], epsilon=1e-3)

    def model(self, out, opset=13):
        g = helper.make_graph(self.nodes, 'op_test', [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['N'] + self.shape[1:])],
                              [helper.make_empty_tensor_value_info(out)], self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid('', opset)], producer_name='make_op_models')
        m.ir_version = 7
        # The output's real shape (rank differs per model) from onnx's own shape inference.
        inferred = onnx.shape_inference.infer_shapes(m)
        vi = {v.name: v for v in inferred.graph.value_info}
        if out in vi and vi[out].type.tensor_type.HasField('shape'):
            m.graph.output[0].CopyFrom(vi[out])
        else:  # data-dependent shape (Reshape from a Shape chain): rank 2 in these models
            m.graph.output[0].CopyFrom(helper.make_tensor_value_info(out, TensorProto.FLOAT, ['N', 'D']))
        onnx.checker.check_model(m, full_check=True)
        return m


MODELS = {}


def model(fn):
    MODELS[fn.__name__] = fn
    return fn


@model
def conv_basic():
    g = G(3, 6, 7)
    return g.model(g.conv('x', 3, 4, pads=[1, 1, 1, 1]))


@model
def conv_stride2_asym_nobias():
    g = G(3, 7, 8)
    return g.model(g.conv('x', 3, 5, bias=False, strides=[2, 2], pads=[0, 1, 1, 0]))


@model
def conv_same_upper():
    g = G(2, 7, 6)
    return g.model(g.conv('x', 2, 3, k=4, strides=[2, 2], auto_pad='SAME_UPPER'))


@model
def conv_same_lower():
    g = G(2, 7, 6)
    return g.model(g.conv('x', 2, 3, k=4, strides=[2, 2], auto_pad='SAME_LOWER'))


@model
def conv_valid_stride3():
    g = G(2, 9, 8)
    return g.model(g.conv('x', 2, 3, k=3, strides=[3, 2], auto_pad='VALID'))


@model
def conv_dilated():
    g = G(2, 8, 8)
    return g.model(g.conv('x', 2, 3, dilations=[2, 2], pads=[2, 1, 2, 1]))


@model
def conv_big_pad():
    g = G(2, 4, 4)
    return g.model(g.conv('x', 2, 2, k=2, pads=[2, 2, 2, 2]))


@model
def conv_grouped():
    g = G(4, 5, 5)
    return g.model(g.conv('x', 4, 6, group=2, pads=[1, 1, 1, 1]))


@model
def conv_depthwise_stride2():
    g = G(4, 7, 7)
    return g.model(g.conv('x', 4, 4, group=4, strides=[2, 2], pads=[1, 1, 1, 1]))


@model
def conv_depthwise_multiplier():
    g = G(3, 6, 6)
    return g.model(g.conv('x', 3, 6, group=3, pads=[0, 1, 1, 0]))


@model
def conv_bn_relu():
    g = G(3, 5, 5)
    return g.model(g.op('Relu', [g.bn(g.conv('x', 3, 4, pads=[1, 1, 1, 1]), 4)]))


@model
def maxpool_tiled_odd():
    g = G(3, 7, 9)
    return g.model(g.op('MaxPool', ['x'], kernel_shape=[2, 2], strides=[2, 2]))


@model
def maxpool_overlap_pad():
    g = G(2, 7, 7)
    return g.model(g.op('MaxPool', ['x'], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]))


@model
def maxpool_ceil():
    g = G(2, 8, 7)
    return g.model(g.op('MaxPool', ['x'], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1))


@model
def maxpool_same_upper():
    g = G(2, 7, 6)
    return g.model(g.op('MaxPool', ['x'], kernel_shape=[2, 2], strides=[2, 2], auto_pad='SAME_UPPER'))


@model
def avgpool_include_pad():
    g = G(2, 7, 6)
    return g.model(g.op('AveragePool', ['x'], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1))


@model
def avgpool_exclude_pad():
    g = G(2, 7, 6)
    return g.model(g.op('AveragePool', ['x'], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 0, 1, 1]))


@model
def avgpool_ceil():
    g = G(2, 7, 7)
    return g.model(g.op('AveragePool', ['x'], kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1))


@model
def global_pools():
    g = G(3, 4, 5)
    return g.model(g.op('Add', [g.op('GlobalAveragePool', ['x']), g.op('GlobalMaxPool', ['x'])]))


@model
def gemm_transb_alpha_beta():
    g = G(2, 3, 3)
    f = g.op('Flatten', ['x'])
    return g.model(g.op('Gemm', [f, g.init(W(5, 18)), g.init(W(5))], transB=1, alpha=0.5, beta=2.0))


@model
def gemm_transa():
    g = G(2, 3, 3)
    t = g.op('Transpose', [g.op('Flatten', ['x'])], perm=[1, 0])
    return g.model(g.op('Gemm', [t, g.init(W(18, 4)), g.init(W(1, 4))], transA=1))


@model
def matmul_add_bias():
    g = G(2, 3, 3)
    r = g.op('Reshape', ['x', g.init(np.array([0, -1], dtype=np.int64))])
    return g.model(g.op('Add', [g.op('MatMul', [r, g.init(W(18, 6))]), g.init(W(6))]))


@model
def broadcast_arith():
    g = G(3, 4, 5)
    c = g.conv('x', 3, 3, pads=[1, 1, 1, 1])
    a = g.op('Add', [c, g.init(W(3, 1, 1))])
    m = g.op('Mul', [g.init(W(1, 3, 1, 1)), a])
    s = g.op('Sub', [m, g.init(np.array(0.25, dtype=np.float32))])
    d = g.op('Div', [s, g.init(1.5 + np.abs(W(5)))])
    return g.model(g.op('Add', [d, g.op('Mul', [c, c])]))


@model
def activations():
    g = G(3, 4, 4)
    x = g.conv('x', 3, 4, pads=[1, 1, 1, 1])
    a = g.op('LeakyRelu', [x], alpha=0.1)
    b = g.op('Clip', [x, g.init(np.array(0, dtype=np.float32)), g.init(np.array(6, dtype=np.float32))])
    c = g.op('Sigmoid', [x])
    d = g.op('Tanh', [x])
    e = g.op('HardSigmoid', [x], alpha=0.3, beta=0.4)
    f = g.op('Clip', [x, g.init(np.array(-0.5, dtype=np.float32))])
    return g.model(g.op('Concat', [a, b, c, d, e, f], axis=1))


@model
def hardswish_opset14():
    g = G(2, 3, 3)
    return g.model(g.op('HardSwish', [g.conv('x', 2, 2, pads=[1, 1, 1, 1])]), opset=14)


@model
def clip_attrs_opset10():
    g = G(2, 3, 3)
    return g.model(g.op('Clip', [g.conv('x', 2, 2, pads=[1, 1, 1, 1])], min=-0.3, max=0.4), opset=10)


@model
def softmax_head():
    g = G(2, 3, 3)
    f = g.op('Flatten', ['x'])
    return g.model(g.op('Softmax', [g.op('Gemm', [f, g.init(W(6, 18)), g.init(W(6))], transB=1)], axis=1))


@model
def logsoftmax_opset11():
    g = G(2, 3, 3)
    f = g.op('Flatten', ['x'])
    return g.model(g.op('LogSoftmax', [g.op('Gemm', [f, g.init(W(6, 18)), g.init(W(6))], transB=1)], axis=1), opset=11)


@model
def shape_chain_reshape():
    # What PyTorch emits for x.view(x.size(0), -1) on an NCHW activation.
    g = G(2, 4, 3)
    c = g.conv('x', 2, 3, pads=[1, 1, 1, 1])
    s = g.op('Shape', [c])
    n = g.op('Gather', [s, g.init(np.array(0, dtype=np.int64))], axis=0)
    u = g.op('Unsqueeze', [n, g.init(np.array([0], dtype=np.int64))])
    shape = g.op('Concat', [u, g.init(np.array([-1], dtype=np.int64))], axis=0)
    cast = g.op('Cast', [shape], to=TensorProto.INT64)
    return g.model(g.op('Reshape', [c, cast]))


@model
def flatten_axis2():
    g = G(2, 3, 4)
    return g.model(g.op('Flatten', [g.conv('x', 2, 3, pads=[1, 1, 1, 1])], axis=2))


@model
def concat_transpose():
    g = G(2, 3, 4)
    a = g.conv('x', 2, 3, pads=[1, 1, 1, 1])
    b = g.conv('x', 2, 2, pads=[1, 1, 1, 1])
    c = g.op('Concat', [a, b], axis=1)
    return g.model(g.op('Transpose', [c], perm=[0, 2, 3, 1]))


@model
def concat_spatial():
    g = G(2, 3, 4)
    a = g.conv('x', 2, 3, pads=[1, 1, 1, 1])
    return g.model(g.op('Concat', [a, a], axis=-1))


@model
def pad_reflect_constant():
    g = G(2, 4, 4)
    a = g.op('Pad', ['x', g.init(np.array([0, 0, 1, 2, 0, 0, 2, 1], dtype=np.int64))], mode='reflect')
    b = g.op('Pad', [a, g.init(np.array([0, 1, 0, 1, 0, 0, 1, 0], dtype=np.int64)), g.init(np.array(0.5, dtype=np.float32))])
    return g.model(g.conv(b, 3, 2))


@model
def reduce_ops():
    g = G(3, 4, 4)
    c = g.conv('x', 3, 4, pads=[1, 1, 1, 1])
    m = g.op('ReduceMean', [c], axes=[2, 3], keepdims=0)
    s = g.op('ReduceSum', [c, g.init(np.array([1], dtype=np.int64))], keepdims=1)
    return g.model(g.op('Add', [g.op('Flatten', [s]), g.op('Tile', [m, g.init(np.array([1, 4], dtype=np.int64))])]))


@model
def slice_squeeze():
    g = G(3, 6, 5)
    c = g.conv('x', 3, 4, pads=[1, 1, 1, 1])
    s = g.op('Slice', [c, g.init(np.array([1, 0], dtype=np.int64)), g.init(np.array([3, 100], dtype=np.int64)),
                       g.init(np.array([1, 2], dtype=np.int64)), g.init(np.array([1, 2], dtype=np.int64))])
    m = g.op('ReduceMax', [s], axes=[3], keepdims=1)
    q = g.op('Squeeze', [m, g.init(np.array([3], dtype=np.int64))])
    u = g.op('Unsqueeze', [q, g.init(np.array([1], dtype=np.int64))])
    return g.model(g.op('Dropout', [g.op('Identity', [u])]))


@model
def prelu_sum_mean():
    g = G(3, 4, 4)
    c = g.conv('x', 3, 4, pads=[1, 1, 1, 1])
    p = g.op('PRelu', [c, g.init(W(4, 1, 1))])
    s = g.op('Sum', [p, c, g.op('Relu', [c])])
    m = g.op('Mean', [s, c])
    return g.model(g.op('Max', [m, p, g.op('Neg', [c])]))



@model
def where_shape_and_tensor():
    # torch's expand(-1) shape chain: Where(Equal(t, -1), Shape(x), t) on integers, then a Where on tensors.
    g = G(3, 4, 4)
    c = g.conv('x', 3, 4, pads=[1, 1, 1, 1])
    t = g.init(np.array([-1, 4, 1, 1], dtype=np.int64))
    target = g.op('Where', [g.op('Equal', [t, g.init(np.array(-1, dtype=np.int64))]), g.op('Shape', [c]), t])
    e = g.op('Expand', [g.init(W(1, 4, 1, 1)), target])
    r = g.op('Relu', [g.op('Add', [c, e])])
    return g.model(g.op('Where', [g.op('Equal', [r, g.init(np.zeros((1,), dtype=np.float32))]), g.init(W(4, 1, 1)), c]))

def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for name, fn in MODELS.items():
        m = fn()
        onnx.save(m, str(out / f'{name}.onnx'))
        manifest.append({'name': name, 'file': f'{name}.onnx', 'inputShape': [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim][1:],
                         'opset': m.opset_import[0].version})
    (out / 'manifest.json').write_text(json.dumps(manifest, indent=1))


if __name__ == '__main__':
    main()
