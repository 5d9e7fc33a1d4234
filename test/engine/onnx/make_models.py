"""Test fixtures for the ONNX reader/writer tests: small real PyTorch exports plus reference values computed by
PyTorch and read back by onnx's own Python reader (the independent oracle).
Usage: /usr/bin/python3 make_models.py OUT_DIR [EXTRA.onnx ...]   (EXTRA files are summarised into OUT_DIR/extra.json)
"""
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper, TensorProto

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(7)


class SmallCnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 4, 3)
        self.bn1 = torch.nn.BatchNorm2d(4)
        self.conv2 = torch.nn.Conv2d(4, 6, 3)
        self.fc = torch.nn.Linear(6 * 4 * 4, 10)

    def forward(self, x):
        x = torch.nn.functional.max_pool2d(torch.relu(self.bn1(self.conv1(x))), 2)
        x = torch.relu(self.conv2(x))
        return self.fc(torch.flatten(x, 1))


model = SmallCnn()
with torch.no_grad():  # non-trivial BN statistics so the BN node matters
    model.bn1.running_mean.uniform_(-0.5, 0.5)
    model.bn1.running_var.uniform_(0.5, 1.5)
    model.bn1.weight.uniform_(0.5, 1.5)
    model.bn1.bias.uniform_(-0.2, 0.2)
model.eval()
x = torch.rand(2, 1, 14, 14)
cnn_path = os.path.join(out, 'cnn.onnx')
torch.onnx.export(model, x, cnn_path, input_names=['input'], output_names=['logits'], opset_version=13,
                  do_constant_folding=False, training=torch.onnx.TrainingMode.PRESERVE,
                  dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}})
channel = 3
with torch.no_grad():
    logits = model(x)
    model.conv2.weight[channel] = 0
    model.conv2.bias[channel] = 0
    logits_zeroed = model(x)


def summarise(path):
    m = onnx.load(path)
    inits = {}
    for t in m.graph.initializer:
        a = numpy_helper.to_array(t, base_dir=os.path.dirname(path))
        inits[t.name] = {'dims': list(t.dims), 'dtype': int(t.data_type),
                         'values': a.astype(np.float64).ravel().tolist() if a.size <= 5000 else None,
                         'sum': float(a.astype(np.float64).sum())}
    return {'ir_version': m.ir_version, 'opset': [o.version for o in m.opset_import if o.domain in ('', 'ai.onnx')][0],
            'nodes': [n.op_type for n in m.graph.node], 'node_names': [n.name for n in m.graph.node],
            'inputs': [i.name for i in m.graph.input if i.name not in inits],
            'initializers': inits}


cnn = summarise(cnn_path)
cnn.update({'input': x.numpy().ravel().tolist(), 'input_shape': list(x.shape),
            'logits': logits.numpy().ravel().tolist(), 'logits_zeroed': logits_zeroed.numpy().ravel().tolist(),
            'zero_channel': channel, 'zero_params': ['conv2.weight', 'conv2.bias']})
json.dump(cnn, open(os.path.join(out, 'cnn.json'), 'w'))

# The same model with every tensor in a side file, as onnx's own external-data writer lays it out.
ext_dir = os.path.join(out, 'external')
os.makedirs(ext_dir, exist_ok=True)
onnx.save_model(onnx.load(cnn_path), os.path.join(ext_dir, 'model.onnx'), save_as_external_data=True,
                all_tensors_to_one_file=True, location='weights.bin', size_threshold=0)

# One initializer per element type and storage form, behind a trivial Identity graph.
rng = np.random.default_rng(3)
f16 = rng.standard_normal((2, 3)).astype(np.float16)
f64 = rng.standard_normal((4,)).astype(np.float64)
i64 = np.array([1, -2, 2 ** 40, -(2 ** 50), 9223372036854775807, -9223372036854775808], dtype=np.int64)
inits = [
    numpy_helper.from_array(f16, 'f16_raw'),
    helper.make_tensor('f16_typed', TensorProto.FLOAT16, [2, 3], f16.ravel().tolist()),  # stored as bits in int32_data
    numpy_helper.from_array(f64, 'f64_raw'),
    helper.make_tensor('f64_typed', TensorProto.DOUBLE, [4], f64.tolist()),
    helper.make_tensor('f32_typed', TensorProto.FLOAT, [3], [0.5, -1.25, 3.0]),
    numpy_helper.from_array(i64, 'i64_raw'),
    helper.make_tensor('i64_typed', TensorProto.INT64, [6], i64.tolist()),
    numpy_helper.from_array(np.array([7, -8, 9], dtype=np.int32), 'i32_raw'),
    numpy_helper.from_array(np.array([True, False, True]), 'bool_raw'),
    numpy_helper.from_array(np.array([0, 255, 17], dtype=np.uint8), 'u8_raw'),
    numpy_helper.from_array(np.array(2.5, dtype=np.float32), 'scalar'),
]
graph = helper.make_graph([helper.make_node('Identity', ['X'], ['Y'])], 'dtypes',
                          [helper.make_tensor_value_info('X', TensorProto.FLOAT, [1, 3])],
                          [helper.make_tensor_value_info('Y', TensorProto.FLOAT, [1, 3])], initializer=inits)
dt = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
dt.ir_version = 7
onnx.save(dt, os.path.join(out, 'dtypes.onnx'))
json.dump(summarise(os.path.join(out, 'dtypes.onnx')), open(os.path.join(out, 'dtypes.json'), 'w'))

extra = {p: summarise(p) for p in sys.argv[2:]}
json.dump(extra, open(os.path.join(out, 'extra.json'), 'w'))
print('ok')
