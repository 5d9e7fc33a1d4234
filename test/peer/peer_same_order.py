#!/usr/bin/env python3
"""Runs the PyTorch peer (../shared/peer/rnp_torch.py) unchanged, except that its mini-batch order comes from the
same seeded generator the project uses (mulberry32 + Fisher-Yates, src/engine/train/random.ts), so both sides see
identical batches and their masks can be compared value by value. Extra output: the full masks per layer.

Usage: peer_same_order.py SEED [rnp_torch.py arguments...]   (prints the peer's JSON with "masks" added)
"""
import json
import sys
from pathlib import Path

import torch

PEER = Path(__file__).resolve().parents[3] / 'shared' / 'peer'
sys.path.insert(0, str(PEER))
import rnp_torch  # noqa: E402

M32 = 0xFFFFFFFF


def mulberry32(seed):
    a = seed & M32

    def rng():
        nonlocal a
        a = (a + 0x6D2B79F5) & M32
        t = a
        t = ((t ^ (t >> 15)) * (t | 1)) & M32
        t = t ^ ((t + (((t ^ (t >> 7)) * (t | 61)) & M32)) & M32)
        return ((t ^ (t >> 14)) & M32) / 4294967296
    return rng


def permutation(n, rng):
    p = list(range(n))
    for i in range(n - 1, 0, -1):
        j = int(rng() * (i + 1))
        p[i], p[j] = p[j], p[i]
    return torch.tensor(p, dtype=torch.long)


def main():
    seed = int(sys.argv[1])
    rng = mulberry32(seed)

    def batches(x, y, bs, shuffle, gen):
        idx = permutation(len(x), rng) if shuffle else torch.arange(len(x))
        for i in range(0, len(x), bs):
            j = idx[i:i + bs]
            yield x[j], y[j]

    rnp_torch.batches = batches
    captured = {}
    original_recover = rnp_torch.recover

    def recover(net, x, y, a, gen):
        masks = original_recover(net, x, y, a, gen)
        captured.update({k: [round(float(v), 6) for v in m] for k, m in masks.items()})
        return masks

    rnp_torch.recover = recover
    sys.argv = ['rnp_torch.py'] + sys.argv[2:]
    import io
    import contextlib
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rnp_torch.main()
    out = json.loads(buf.getvalue().strip().splitlines()[-1])
    out['masks'] = captured
    print(json.dumps(out))


if __name__ == '__main__':
    main()
