#!/usr/bin/python3
"""PyTorch's train-mode reference for the graph compiler's BatchNorm tests (test/engine/graph/batchnorm.test.ts).

Writes OUT_DIR/model.onnx (eval export with BatchNormalization kept) and OUT_DIR/ref.npz:
  x, r                      input batch (NCHW) and the loss weights: loss = sum(net(x) * r)
  y                         train-mode output (batch statistics)
  grad:NAME                 d loss / d parameter, by ONNX initializer name (= state_dict name)
  stats:NAME                running mean/var after that one train-mode forward (momentum 0.1)
Run: /usr/bin/python3 test/engine/graph/make_bn_reference.py OUT_DIR
"""
import sys
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn as nn

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
torch.manual_seed(0)
net = nn.Sequential(
    nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
    nn.Conv2d(4, 3, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(3), nn.ReLU(),
    nn.Flatten(), nn.Linear(3 * 3 * 3, 5), nn.BatchNorm1d(5),
)
with torch.no_grad():
    for m in net:
        if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
            m.weight.uniform_(0.5, 1.5)
            m.bias.uniform_(-0.5, 0.5)
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
net.eval()
torch.onnx.export(net, torch.zeros(1, 2, 5, 5), str(out / 'model.onnx'), opset_version=13, input_names=['input'],
                  output_names=['logits'], dynamic_axes={'input': {0: 'N'}, 'logits': {0: 'N'}},
                  training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
names = {i.name for i in onnx.load(str(out / 'model.onnx')).graph.initializer}

x = torch.randn(6, 2, 5, 5)
r = torch.randn(6, 5)
net.train()
y = net(x)
(y * r).sum().backward()
arrays = {'x': x.numpy(), 'r': r.numpy(), 'y': y.detach().numpy()}
for name, p in net.named_parameters():
    assert name in names, f'{name} is not an ONNX initializer ({sorted(names)})'
    arrays[f'grad:{name}'] = p.grad.numpy()
for name, b in net.named_buffers():
    if 'running' in name:
        arrays[f'stats:{name}'] = b.numpy()
np.savez(out / 'ref.npz', **arrays)
