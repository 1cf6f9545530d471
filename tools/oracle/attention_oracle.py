"""Golden values for causal (grouped-query) attention, forward and gradients, from PyTorch.

Written from the maths only, in float64 from float32 inputs:
    S = scale · Q_h · K_{⌊h/g⌋}ᵀ with S[i, j] = −inf for j > i (causal), P = softmax(S),
    O_h = P · V_{⌊h/g⌋}, lse[b, h, i] = log Σ_{j ≤ i} exp(S[i, j]),
gradients from autograd of Σ O · W (W a fixed weight tensor), and cross-checked against
a row-by-row softmax over the visible keys with K/V repeated per query head. Writes one JSON
fixture that the TypeScript tests and the WebGPU harness read.

    /usr/bin/python3 tools/oracle/attention_oracle.py --out src/core/testing/oracle/attention-oracle.json

Inputs are not stored: they come from an exact integer hash that the tests reproduce bit for bit
(see GENERATOR), so the fixture holds outputs only.
"""
import argparse
import json
import math

import torch

GENERATOR = (
    "x.flat[i] = float32(((i * 2654435761 + seed * 40503 + 12345) mod 2^32 / 2^31 - 1) * scale), "
    "i over the row-major index; seeds q 1, k 2, v 3, w 4; scale is a power of two (exact in float64)"
)
SEEDS = {"q": 1, "k": 2, "v": 3, "w": 4}


def hashed(shape, seed, scale):
    count = math.prod(shape)
    values = [((i * 2654435761 + seed * 40503 + 12345) % 2**32 / 2**31 - 1) * scale for i in range(count)]
    return torch.tensor(values, dtype=torch.float64).to(torch.float32).reshape(shape)


def g10(tensor):
    """Ten significant digits: far below the tests' tolerances, and a small fixture."""
    return [float("%.10g" % v) for v in tensor.flatten().tolist()]


def attention(q, k, v, scale):
    """q [B, H, T, hd], k and v [B, KV, T, hd] → (o [B, H, T, hd], lse [B, H, T])."""
    group = q.shape[1] // k.shape[1]
    heads = torch.arange(q.shape[1]) // group  # query head h reads K/V head ⌊h / g⌋
    kh, vh = k[:, heads], v[:, heads]
    t = q.shape[2]
    scores = scale * q @ kh.transpose(-1, -2)
    future = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
    scores = scores.masked_fill(future, float("-inf"))
    lse = torch.logsumexp(scores, -1)
    return torch.exp(scores - lse.unsqueeze(-1)) @ vh, lse


def case(name, batch, heads, kv_heads, length, head_dim, scales):
    shape_q = [batch, heads, length, head_dim]
    shape_kv = [batch, kv_heads, length, head_dim]
    inputs = {
        "q": hashed(shape_q, SEEDS["q"], scales["q"]),
        "k": hashed(shape_kv, SEEDS["k"], scales["k"]),
        "v": hashed(shape_kv, SEEDS["v"], scales["v"]),
        "w": hashed(shape_q, SEEDS["w"], scales["w"]),
    }
    q, k, v = (inputs[n].to(torch.float64).requires_grad_(True) for n in "qkv")
    w = inputs["w"].to(torch.float64)
    scale = 1 / math.sqrt(head_dim)
    o, lse = attention(q, k, v, scale)
    dq, dk, dv = torch.autograd.grad((o * w).sum(), [q, k, v])

    # A second implementation: K/V repeated per query head, softmax row by row over keys ≤ i.
    g = heads // kv_heads
    q2, k2, v2 = (x.detach().clone().requires_grad_(True) for x in (q, k, v))
    kr, vr = k2.repeat_interleave(g, 1), v2.repeat_interleave(g, 1)
    rows = [torch.softmax(scale * q2[:, :, i : i + 1] @ kr[:, :, : i + 1].transpose(-1, -2), -1) @ vr[:, :, : i + 1] for i in range(length)]
    o2 = torch.cat(rows, 2)
    grads2 = torch.autograd.grad((o2 * w).sum(), [q2, k2, v2])
    assert torch.allclose(o, o2, atol=1e-12), name
    for a, b in zip((dq, dk, dv), grads2):
        assert torch.allclose(a, b, atol=1e-12), name

    return {
        "name": name,
        "batch": batch,
        "heads": heads,
        "kvHeads": kv_heads,
        "length": length,
        "headDim": head_dim,
        "scale": scale,
        "scales": scales,
        "output": g10(o.detach()),
        "lse": g10(lse.detach()),
        "dq": g10(dq),
        "dk": g10(dk),
        "dv": g10(dv),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    unit = {"q": 1, "k": 1, "v": 1, "w": 1}
    peaked = {"q": 4, "k": 2, "v": 1, "w": 1}  # scores up to ~±30: a peaked softmax
    cases = [
        case("GPT-2 heads (H = KV = 2), T 5, hd 8, B 2", 2, 2, 2, 5, 8, unit),
        case("grouped K/V (H 4, KV 2), T 9, hd 16", 1, 4, 2, 9, 16, unit),
        case("one K/V head (H 3, KV 1), T 7, hd 64, peaked", 1, 3, 1, 7, 64, peaked),
        case("head_dim 128, one K/V head (H 2), T 6", 1, 2, 1, 6, 128, unit),
        case("T 1", 1, 2, 1, 1, 8, unit),
        case("T 40 (no tile multiple), H 2, KV 1, hd 16, peaked", 1, 2, 1, 40, 16, peaked),
    ]
    with open(args.out, "w") as f:
        json.dump({"generator": GENERATOR, "seeds": SEEDS, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
