#!/usr/bin/env python3
"""Independent numeric oracle for LoRA on GPT-2 (PEFT semantics, Conv1D, fan_in_fan_out=True).

PEFT is not installed here, so its definitions are written out below from its
LoraLayer / Linear(fan_in_fan_out=True) code paths:
  * lora_A = nn.Linear(in_features, r, bias=False)   -> weight [r, in]
  * lora_B = nn.Linear(r, out_features, bias=False)  -> weight [out, r]
  * scaling = lora_alpha / r                         (use_rslora=False)
  * forward: result = base(x) + lora_B(lora_A(dropout(x))) * scaling
  * get_delta_weight = transpose(B @ A, fan_in_fan_out) * scaling   -> [in, out] for Conv1D
  * init: kaiming_uniform_(lora_A.weight, a=sqrt(5)); zeros_(lora_B.weight)
  * target_modules as a list: a module matches if its name equals a target or ends with
    "." + target.
The base GPT-2 is Hugging Face modeling_gpt2 without dropout (pre-LN, gelu_new, tied head).

Records base logits, LoRA logits (nonzero A and B, dropout off), logits of the merged
model, merged weights, gradients of sum(logits * G) with respect to every adapter, PEFT's
adapter names and shapes for several target lists, and kaiming_uniform_'s bound.

Usage (from the repository root):
  /usr/bin/python3 tools/oracle/lora_oracle.py --out src/core/testing/oracle/lora-oracle.json
"""
import argparse
import json
import math

import torch

torch.set_default_dtype(torch.float64)

CONFIG = {"vocab_size": 20, "n_positions": 8, "n_embd": 8, "n_layer": 2, "n_head": 2, "layer_norm_epsilon": 1e-5}
V, P, D = CONFIG["vocab_size"], CONFIG["n_positions"], CONFIG["n_embd"]
L, H, EPS = CONFIG["n_layer"], CONFIG["n_head"], CONFIG["layer_norm_epsilon"]
RANK, ALPHA = 4, 6.0
TARGETS = ["c_attn", "c_proj", "c_fc"]
BATCH, LENGTH = 2, 7
SEED = 4321


def r9(x):
    return float(f"{float(x):.9g}")


def flat(t):
    return [r9(v) for v in t.detach().reshape(-1).tolist()]


def f32(t):
    """Float32-representable values kept in float64 (the engine runs in float32)."""
    return t.to(torch.float32).to(torch.float64)


def conv1d_shapes():
    """(module name, in_features, out_features) of every Conv1D, in named_modules order."""
    out = []
    for i in range(L):
        out += [(f"h.{i}.attn.c_attn", D, 3 * D), (f"h.{i}.attn.c_proj", D, D),
                (f"h.{i}.mlp.c_fc", D, 4 * D), (f"h.{i}.mlp.c_proj", 4 * D, D)]
    return out


def all_module_names():
    names = ["wte", "wpe", "drop", "h"]
    for i in range(L):
        p = f"h.{i}"
        names += [p, f"{p}.ln_1", f"{p}.attn", f"{p}.attn.c_attn", f"{p}.attn.c_proj", f"{p}.attn.attn_dropout",
                  f"{p}.attn.resid_dropout", f"{p}.ln_2", f"{p}.mlp", f"{p}.mlp.c_fc", f"{p}.mlp.c_proj",
                  f"{p}.mlp.act", f"{p}.mlp.dropout"]
    return names + ["ln_f"]


def peft_matches(key, target_modules):
    return key in target_modules or any(key.endswith("." + t) for t in target_modules)


def peft_adapter_shapes(target_modules, rank):
    conv = {name: (i, o) for name, i, o in conv1d_shapes()}
    shapes = []
    for key in all_module_names():
        if key in conv and peft_matches(key, target_modules):
            i, o = conv[key]
            shapes.append([f"{key}.lora_A.weight", [rank, i]])
            shapes.append([f"{key}.lora_B.weight", [o, rank]])
    return shapes


def kaiming_bound(fan_in):
    gain = torch.nn.init.calculate_gain("leaky_relu", math.sqrt(5))
    return gain * math.sqrt(3.0 / fan_in)


def make_weights(gen):
    w = {"wte.weight": f32(torch.randn(V, D, generator=gen) * 0.3),
         "wpe.weight": f32(torch.randn(P, D, generator=gen) * 0.3)}
    for i in range(L):
        p = f"h.{i}."
        for ln in ("ln_1", "ln_2"):
            w[p + ln + ".weight"] = f32(1 + torch.randn(D, generator=gen) * 0.1)
            w[p + ln + ".bias"] = f32(torch.randn(D, generator=gen) * 0.1)
        for name, fin, fout in conv1d_shapes()[4 * i:4 * i + 4]:
            w[name + ".weight"] = f32(torch.randn(fin, fout, generator=gen) * 0.3)
            w[name + ".bias"] = f32(torch.randn(fout, generator=gen) * 0.1)
    w["ln_f.weight"] = f32(1 + torch.randn(D, generator=gen) * 0.1)
    w["ln_f.bias"] = f32(torch.randn(D, generator=gen) * 0.1)
    return w


def make_adapters(gen):
    adapters = {}
    for name, fin, fout in conv1d_shapes():
        a = torch.empty(RANK, fin, dtype=torch.float32)
        torch.nn.init.kaiming_uniform_(a, a=math.sqrt(5))  # torch 1.13: the global generator, seeded in main
        adapters[name + ".lora_A.weight"] = a.to(torch.float64).requires_grad_(True)
        # Nonzero B (PEFT starts it at zero) so the adapter term is exercised.
        adapters[name + ".lora_B.weight"] = f32(torch.randn(fout, RANK, generator=gen) * 0.2).requires_grad_(True)
    return adapters


def layer_norm(x, g, b):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + EPS) * g + b


def gelu_new(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def lora_conv1d(x, w, name, adapters, scaling):
    """PEFT lora.Linear around a Conv1D (fan_in_fan_out=True), dropout off."""
    result = x @ w[name + ".weight"] + w[name + ".bias"]
    if adapters is not None and name + ".lora_A.weight" in adapters:
        a, b = adapters[name + ".lora_A.weight"], adapters[name + ".lora_B.weight"]
        result = result + (x @ a.T) @ b.T * scaling
    return result


def gpt2(w, ids, adapters=None, scaling=0.0):
    bsz, t = ids.shape
    hd = D // H
    x = w["wte.weight"][ids] + w["wpe.weight"][:t]
    causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
    for i in range(L):
        p = f"h.{i}."
        a = layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"])
        qkv = lora_conv1d(a, w, p + "attn.c_attn", adapters, scaling)
        q, k, v = qkv.split(D, dim=-1)
        q, k, v = (z.view(bsz, t, H, hd).transpose(1, 2) for z in (q, k, v))
        s = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        s = s.masked_fill(~causal, torch.finfo(s.dtype).min)
        ctx = (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(bsz, t, D)
        x = x + lora_conv1d(ctx, w, p + "attn.c_proj", adapters, scaling)
        m = layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"])
        hid = gelu_new(lora_conv1d(m, w, p + "mlp.c_fc", adapters, scaling))
        x = x + lora_conv1d(hid, w, p + "mlp.c_proj", adapters, scaling)
    x = layer_norm(x, w["ln_f.weight"], w["ln_f.bias"])
    return x @ w["wte.weight"].T


def merge(w, adapters, scaling):
    merged = dict(w)
    for name, _, _ in conv1d_shapes():
        a, b = adapters[name + ".lora_A.weight"], adapters[name + ".lora_B.weight"]
        merged[name + ".weight"] = w[name + ".weight"] + (b @ a).T * scaling  # transpose(B@A, fan_in_fan_out)
    return merged


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    scaling = ALPHA / RANK
    w = make_weights(gen)
    adapters = make_adapters(gen)
    ids = torch.randint(0, V, (BATCH, LENGTH), generator=gen)
    grad_weights = f32(torch.randn(BATCH, LENGTH, V, generator=gen))

    base_logits = gpt2(w, ids)
    lora_logits = gpt2(w, ids, adapters, scaling)
    (lora_logits * grad_weights).sum().backward()
    with torch.no_grad():
        merged = merge(w, adapters, scaling)
        merged_logits = gpt2(merged, ids)
        diff = (merged_logits - lora_logits).abs().max().item()
        assert diff < 1e-10, f"merged and unmerged LoRA logits differ by {diff}"
        assert (lora_logits - base_logits).abs().max().item() > 1e-2, "adapters must change the logits"
        zero_b = {k: (torch.zeros_like(v) if "lora_B" in k else v) for k, v in adapters.items()}
        assert torch.equal(gpt2(w, ids, zero_b, scaling), base_logits), "B = 0 must give the base logits"
        for name, fin, _ in conv1d_shapes():
            assert adapters[name + ".lora_A.weight"].abs().max().item() <= kaiming_bound(fin)

    fixture = {
        "config": CONFIG,
        "lora": {"rank": RANK, "alpha": ALPHA, "dropout": 0.0, "targets": TARGETS, "scaling": scaling},
        "input_ids": ids.tolist(),
        "weights": {k: {"shape": list(v.shape), "data": flat(v)} for k, v in w.items()},
        "adapters": {k: {"shape": list(v.shape), "data": flat(v)} for k, v in adapters.items()},
        "base_logits": flat(base_logits),
        "lora_logits": flat(lora_logits),
        "merged_weights": {name + ".weight": flat(merged[name + ".weight"]) for name, _, _ in conv1d_shapes()},
        "grad_weights": flat(grad_weights),
        "adapter_grads": {k: flat(v.grad) for k, v in adapters.items()},
        "peft_adapter_shapes": {"+".join(t): peft_adapter_shapes(t, RANK)
                                for t in (["c_attn"], ["c_proj"], ["c_fc"], ["c_attn", "c_proj", "c_fc"])},
        "kaiming_uniform_bound": {str(fin): r9(kaiming_bound(fin)) for fin in (D, 4 * D, 768, 3072)},
    }
    with open(args.out, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
