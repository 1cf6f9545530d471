"""Golden values for DPO Studio's fused ops (src/core/ops/), from PyTorch in float64.

Written from the maths only, not from the TypeScript:
  RMSNorm    y = x / sqrt(mean(x^2) + eps) * gain                      (Llama, Qwen)
  LayerNorm  y = (x - mean) / sqrt(var + eps) * gain + bias            (GPT-2, biased variance)
  RoPE       y = x * cos + rotate_half(x) * sin, rotate_half(x) = [-x2, x1] (Hugging Face)
  SwiGLU     y = silu(gate) * up
  GELU       y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))     (GPT-2's "gelu_new")
  AdamW      torch.optim.AdamW on gradients pre-multiplied by a clip scale
Gradients come from autograd of sum(y * w) for a fixed weight tensor w (the upstream dy).

    /usr/bin/python3 tools/oracle/fused_ops_oracle.py --out src/core/testing/oracle/fused-ops-oracle.json

Inputs are not stored: they come from an exact integer hash the tests reproduce bit for bit
(GENERATOR), so the fixture holds only results.
"""
import argparse
import json
import math

import torch

GENERATOR = (
    "flat[i] = float32(offset + ((i * 2654435761 + seed * 40503 + 12345) mod 2^32 / 2^31 - 1) * scale), "
    "i over the row-major index; scale is a power of two so every step is exact in float64"
)


def hashed(shape, seed, scale, offset=0.0):
    count = math.prod(shape)
    values = [offset + ((i * 2654435761 + seed * 40503 + 12345) % 2**32 / 2**31 - 1) * scale for i in range(count)]
    return torch.tensor(values, dtype=torch.float64).to(torch.float32).reshape(shape).to(torch.float64)


def g10(t):
    return [float("%.10g" % v) for v in t.detach().reshape(-1).tolist()]


def spec(shape, seed, scale, offset=0.0):
    return {"shape": list(shape), "seed": seed, "scale": scale, "offset": offset}


def grads_of(y, w, inputs):
    return torch.autograd.grad((y * w).sum(), inputs)


def rms_norm_case(name, rows, d, eps):
    xs, gs, ws = spec([rows, d], 1, 2.0), spec([d], 2, 0.25, 1.0), spec([rows, d], 3, 1.0)
    x = hashed(**xs).requires_grad_(True)
    gain = hashed(**gs).requires_grad_(True)
    y = x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps) * gain
    dx, dgain = grads_of(y, hashed(**ws), (x, gain))
    return {"name": name, "epsilon": eps, "x": xs, "gain": gs, "dy": ws, "y": g10(y), "dx": g10(dx), "dgain": g10(dgain)}


def layer_norm_case(name, rows, d, eps):
    xs, gs, bs, ws = spec([rows, d], 4, 2.0, 0.5), spec([d], 5, 0.25, 1.0), spec([d], 6, 0.5), spec([rows, d], 7, 1.0)
    x = hashed(**xs).requires_grad_(True)
    gain = hashed(**gs).requires_grad_(True)
    bias = hashed(**bs).requires_grad_(True)
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    y = (x - mean) / torch.sqrt(var + eps) * gain + bias
    dx, dgain, dbias = grads_of(y, hashed(**ws), (x, gain, bias))
    return {"name": name, "epsilon": eps, "x": xs, "gain": gs, "bias": bs, "dy": ws,
            "y": g10(y), "dx": g10(dx), "dgain": g10(dgain), "dbias": g10(dbias)}


def rotary_case(name, heads, length, head_dim, start, theta):
    xs, ws = spec([heads, length, head_dim], 8, 2.0), spec([heads, length, head_dim], 9, 1.0)
    half = head_dim // 2
    inv = torch.tensor([1 / theta ** (2 * j / head_dim) for j in range(half)], dtype=torch.float64)
    angles = torch.arange(start, start + length, dtype=torch.float64)[:, None] * inv[None, :]
    angles = torch.cat([angles, angles], -1)  # [T, hd]: the frequencies repeated twice
    cos = torch.cos(angles).to(torch.float32).to(torch.float64)
    sin = torch.sin(angles).to(torch.float32).to(torch.float64)
    x = hashed(**xs).requires_grad_(True)
    rotated = torch.cat([-x[..., half:], x[..., :half]], -1)
    y = x * cos + rotated * sin
    (dx,) = grads_of(y, hashed(**ws), (x,))
    return {"name": name, "start": start, "theta": theta, "x": xs, "dy": ws, "y": g10(y), "dx": g10(dx)}


def swiglu_case(name, rows, width):
    gs, us, ws = spec([rows, width], 10, 4.0), spec([rows, width], 11, 2.0), spec([rows, width], 12, 1.0)
    gate = hashed(**gs).requires_grad_(True)
    up = hashed(**us).requires_grad_(True)
    y = gate * torch.sigmoid(gate) * up
    dgate, dup = grads_of(y, hashed(**ws), (gate, up))
    return {"name": name, "gate": gs, "up": us, "dy": ws, "y": g10(y), "dgate": g10(dgate), "dup": g10(dup)}


def gelu_case(name, rows, width):
    xs, ws = spec([rows, width], 13, 4.0), spec([rows, width], 14, 1.0)
    x = hashed(**xs).requires_grad_(True)
    y = 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    (dx,) = grads_of(y, hashed(**ws), (x,))
    return {"name": name, "x": xs, "dy": ws, "y": g10(y), "dx": g10(dx)}


def adamw_case(name, shape, steps, lr, weight_decay, clip_scales):
    ps = spec(shape, 15, 1.0)
    grads = [spec(shape, 16 + s, 0.5) for s in range(steps)]
    param = torch.nn.Parameter(hashed(**ps).clone())
    optimizer = torch.optim.AdamW([param], lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay)
    after = []
    for s in range(steps):
        param.grad = hashed(**grads[s]) * clip_scales[s]
        optimizer.step()
        after.append(g10(param))
    state = optimizer.state[param]
    return {"name": name, "param": ps, "grads": grads, "clipScales": clip_scales, "learningRate": lr,
            "weightDecay": weight_decay, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8,
            "paramAfterStep": after, "m": g10(state["exp_avg"]), "v": g10(state["exp_avg_sq"])}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    out = {
        "generator": GENERATOR,
        "rmsNorm": [rms_norm_case("rows 6, d 7", 6, 7, 1e-6), rms_norm_case("rows 5, d 64", 5, 64, 1e-5)],
        "layerNorm": [layer_norm_case("rows 5, d 9", 5, 9, 1e-5), layer_norm_case("rows 3, d 64", 3, 64, 1e-5)],
        "rotary": [rotary_case("6 heads, T 5, hd 8, from position 3", 6, 5, 8, 3, 10000.0),
                   rotary_case("2 heads, T 3, hd 64", 2, 3, 64, 0, 10000.0),
                   rotary_case("1 head, T 3, hd 128, theta 1e6", 1, 3, 128, 0, 1000000.0)],
        "swiGlu": [swiglu_case("rows 4, width 11", 4, 11)],
        "gelu": [gelu_case("rows 5, width 13", 5, 13)],
        "adamw": [adamw_case("[3, 5], three steps, decay 0.1, clipped", [3, 5], 3, 0.01, 0.1, [1.0, 0.5, 0.25]),
                  adamw_case("[7], two steps, no decay", [7], 2, 0.003, 0.0, [1.0, 1.0])],
    }
    with open(args_out := parser.parse_args().out, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {args_out}")


if __name__ == "__main__":
    main()
