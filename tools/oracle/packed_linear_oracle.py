"""Golden values for packed 16-bit frozen weights (src/core/ops/packed-linear.ts), from PyTorch.

Written from the maths and from PyTorch's own memory layout, not from our code: a weight W
[M, K] in bfloat16 or float16 is packed by padding K to an even count with a zero column and
reinterpreting the bytes with `.view(torch.int32)` (little-endian: element 2j in the low half
of word j). The linear op is y = x · Wᵀ and its input gradient dx = dy · W, both in float64
from the float32 inputs, W widened exactly. The embedding gather is W[ids].

    /usr/bin/python3 tools/oracle/packed_linear_oracle.py \
        --out src/core/testing/oracle/packed-linear-oracle.json

`special` lists 16-bit patterns (NaN with payloads, ±inf, subnormals, ±0) with their float32
bits, for bit-exact round-trip checks.
"""
import argparse
import json

import torch

DTYPES = {"bf16": torch.bfloat16, "f16": torch.float16}


def packed_words(w16):
    m, k = w16.shape
    if k % 2:
        w16 = torch.cat([w16, torch.zeros(m, 1, dtype=w16.dtype)], dim=1)
    return w16.contiguous().view(torch.int32)


def case(name, fmt, n, m, k, seed):
    g = torch.Generator().manual_seed(seed)
    w16 = (torch.randn(m, k, generator=g, dtype=torch.float64) * 0.5).to(DTYPES[fmt])
    x = torch.randn(n, k, generator=g, dtype=torch.float64).to(torch.float32)
    dy = torch.randn(n, m, generator=g, dtype=torch.float64).to(torch.float32)
    ids = torch.randint(0, m, (n,), generator=g)
    w64 = w16.to(torch.float64)
    xv = x.to(torch.float64).requires_grad_(True)
    y = xv @ w64.T
    (dx,) = torch.autograd.grad((y * dy.to(torch.float64)).sum(), xv)
    assert torch.allclose(dx, dy.to(torch.float64) @ w64)
    return {
        "name": name,
        "format": fmt,
        "shape": {"N": n, "M": m, "K": k},
        "weight": w16.to(torch.float32).flatten().tolist(),
        "words": packed_words(w16).flatten().tolist(),
        "x": x.flatten().tolist(),
        "dy": dy.flatten().tolist(),
        "ids": ids.tolist(),
        "y": y.detach().flatten().tolist(),
        "dx": dx.flatten().tolist(),
        "gathered": w64[ids].flatten().tolist(),
    }


def special_patterns(fmt):
    bits = [0x0000, 0x8000, 0x0001, 0x8001, 0x03FF, 0x0400, 0x7BFF, 0x3C00, 0xBC00]
    if fmt == "bf16":
        bits += [0x7F80, 0xFF80, 0x7FC0, 0x7F81, 0xFFC1, 0x007F, 0x0080, 0x7F7F]
    else:
        bits += [0x7C00, 0xFC00, 0x7E00, 0x7C01, 0xFE01, 0x0200]
    w16 = torch.tensor(bits, dtype=torch.int32).to(torch.int16).view(DTYPES[fmt])
    f32 = w16.to(torch.float32).view(torch.int32).tolist()
    return {"bits16": bits, "float32Bits": [v & 0xFFFFFFFF for v in f32]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    cases = [
        case("bf16 odd K (GPT-2-like tiny)", "bf16", 3, 5, 7, 1),
        case("bf16 tile edges", "bf16", 17, 33, 40, 2),
        case("f16 odd K", "f16", 4, 6, 9, 3),
        case("f16 one output", "f16", 2, 1, 33, 4),
    ]
    out = {
        "note": "packed_linear_oracle.py: W in bf16/f16, words = W padded to even K then .view(int32); y = x W^T, dx = dy W, gathered = W[ids], float64",
        "cases": cases,
        "special": {fmt: special_patterns(fmt) for fmt in DTYPES},
    }
    with open(args.out, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
