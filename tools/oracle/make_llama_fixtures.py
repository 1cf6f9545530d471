"""Builds the tiny Llama-family fixtures (src/core/testing/fixtures/tiny-llama/).

Four seeded random checkpoints (llama with GQA, llama with Llama 3 RoPE scaling and biases,
qwen2, qwen3), each a config.json + BF16 model.safetensors + generation_config.json, and
one golden.json of float64 values from llama_reference.py: logits, masked log-probs, an
objective's gradients, LoRA log-probs and gradients, and two AdamW steps. See
tools/oracle/README.md.

    /usr/bin/python3 tools/oracle/make_llama_fixtures.py [--out DIR]
"""

import argparse
import contextlib
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llama_reference as ref  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_OUT = os.path.join(ROOT, "src", "core", "testing", "fixtures", "tiny-llama")

SEED = 20250501
TRANSFORMERS_VERSION = "4.51.3"

# The batch: 4 rows of 12, right-padded with id 0 (real tokens are drawn from 1..63).
LENGTHS = [12, 9, 12, 7]
PROMPT_LENGTHS = [4, 4, 5, 5]
WIDTH = 12
PAD = 0
COEFFICIENTS = [1.0, -0.5, 0.75, -1.25]
# A "quiet" token whose embedding row is scaled by 1/100 (mean square ~1e-5, the size of
# rms_norm_eps): at N(0, 0.3) a change of eps from 1e-6 to 1e-5 moves the logits by only
# ~1e-3, so this row makes the layers' first RMSNorm depend visibly on eps. It sits at real
# positions of every row (prompt and completion) and is >= 8, so logits_head's columns keep
# full-size embedding rows.
QUIET_TOKEN, QUIET_SCALE = 37, 0.01
QUIET_POSITIONS = [(0, 2), (1, 5), (2, 8), (3, 3)]

LORA_RANK, LORA_ALPHA = 2, 4.0
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

ADAMW = {"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.1}
ADAMW_RECORDED = ["model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight",
                  "model.layers.1.mlp.down_proj.weight"]

BUG_BAR = 1e-3


def llama_config(**over):
    c = {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "hidden_act": "silu",
        "hidden_size": 16,
        "initializer_range": 0.02,
        "intermediate_size": 24,
        "max_position_embeddings": 64,
        "mlp_bias": False,
        "model_type": "llama",
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "num_key_value_heads": 2,
        "pretraining_tp": 1,
        "rms_norm_eps": 1e-06,
        "rope_scaling": None,
        "rope_theta": 10000.0,
        "tie_word_embeddings": False,
        "torch_dtype": "bfloat16",
        "transformers_version": TRANSFORMERS_VERSION,
        "use_cache": True,
        "vocab_size": 64,
    }
    c.update(over)
    return dict(sorted(c.items()))


def qwen_config(model_type, **over):
    c = {
        "architectures": ["Qwen2ForCausalLM" if model_type == "qwen2" else "Qwen3ForCausalLM"],
        "attention_dropout": 0.0,
        "bos_token_id": 62,
        "eos_token_id": 63,
        "hidden_act": "silu",
        "hidden_size": 16,
        "initializer_range": 0.02,
        "intermediate_size": 24,
        "max_position_embeddings": 64,
        "max_window_layers": 2,
        "model_type": model_type,
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "num_key_value_heads": 2,
        "rms_norm_eps": 1e-06,
        "rope_scaling": None,
        "rope_theta": 1000000.0,
        "sliding_window": None,
        "tie_word_embeddings": False,
        "torch_dtype": "bfloat16",
        "transformers_version": TRANSFORMERS_VERSION,
        "use_cache": True,
        "use_sliding_window": False,
        "vocab_size": 64,
    }
    c.update(over)
    return dict(sorted(c.items()))


VARIANTS = {
    # Llama 2 style: eps 1e-5, no head_dim key (16 / 4 = 4 is implied), untied head.
    "llama-gqa": llama_config(rms_norm_eps=1e-05),
    # Llama 3.2 style: head_dim given, tied head, Llama 3 RoPE scaling. With head_dim 4 the
    # two frequencies are 1 (wavelength 2*pi: between 8/4 and 8/1, so smoothed) and
    # 500000^-0.5 (wavelength ~4443 > 8: divided by 8); none stays unchanged.
    "llama3-rope": llama_config(
        attention_bias=True, mlp_bias=True, head_dim=4, num_key_value_heads=1, rope_theta=500000.0,
        rope_scaling={"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                      "original_max_position_embeddings": 8, "rope_type": "llama3"},
        tie_word_embeddings=True, bos_token_id=1, eos_token_id=[2, 3]),
    # Qwen2.5 style: q/k/v biases (no o_proj bias), tied head, a (disabled) sliding window.
    "qwen2": qwen_config("qwen2", sliding_window=64, tie_word_embeddings=True),
    # Qwen3 style: head_dim 8 != 16 / 4, q_norm / k_norm, no biases, untied head.
    "qwen3": qwen_config("qwen3", attention_bias=False, head_dim=8),
}


def generation_config(c):
    return {"bos_token_id": c["bos_token_id"], "do_sample": True, "eos_token_id": c["eos_token_id"],
            "temperature": 0.6, "top_p": 0.9, "transformers_version": TRANSFORMERS_VERSION}


# ---------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------

def r9(x):
    return float(f"{float(x):.9g}") + 0.0  # + 0.0 turns -0.0 into 0.0


def flat(t):
    return [r9(v) for v in t.detach().reshape(-1).tolist()]


def nested(t):
    if t.dim() == 0:
        return r9(t)
    return [nested(s) for s in t]


def tensor_entry(t):
    return {"shape": list(t.shape), "data": flat(t)}


def make_weights(config, gen):
    """BF16 weights: matrices N(0, 0.3) (embeddings and lm_head too), norm gains
    1 + N(0, 0.2), biases N(0, 0.2), sampled in float32 and rounded to BF16; the quiet
    token's embedding row is scaled by QUIET_SCALE before rounding."""
    out = {}
    for name, shape in ref.parameter_shapes(config):
        noise = torch.randn(shape, generator=gen, dtype=torch.float32)
        if ref.is_norm_gain(name):
            value = 1.0 + 0.2 * noise
        elif name.endswith(".bias"):
            value = 0.2 * noise
        else:
            value = 0.3 * noise
        if name == "model.embed_tokens.weight":
            value[QUIET_TOKEN] *= QUIET_SCALE
        out[name] = value.to(torch.bfloat16)
    return out


def make_batch(gen):
    ids = torch.randint(1, 64, (len(LENGTHS), WIDTH), generator=gen)
    for row, t in QUIET_POSITIONS:
        ids[row, t] = QUIET_TOKEN
    for row, n in enumerate(LENGTHS):
        ids[row, n:] = PAD
    labels = torch.zeros_like(ids)
    labels[:, :-1] = ids[:, 1:]
    mask = torch.zeros(ids.shape, dtype=torch.float64)
    for row, (prompt, n) in enumerate(zip(PROMPT_LENGTHS, LENGTHS)):
        for t in range(WIDTH):
            if prompt <= t + 1 < n:
                mask[row, t] = 1.0
    return ids, labels, mask


def make_adapters(config, gen):
    out = {}
    for module, fan_in, fan_out in ref.module_shapes(config):
        if module.rsplit(".", 1)[1] not in LORA_TARGETS:
            continue
        out[module + ".lora_A.weight"] = 0.3 * torch.randn([LORA_RANK, fan_in], generator=gen, dtype=torch.float64)
        out[module + ".lora_B.weight"] = 0.3 * torch.randn([fan_out, LORA_RANK], generator=gen, dtype=torch.float64)
    return out


# ---------------------------------------------------------------------------------------
# Quantities
# ---------------------------------------------------------------------------------------

class Batch:
    def __init__(self, ids, labels, mask):
        self.ids, self.labels, self.mask = ids, labels, mask
        self.coefficients = torch.tensor(COEFFICIENTS, dtype=torch.float64)


def logps_of(weights, config, batch, adapters=None):
    logits = ref.causal_lm_logits(weights, config, batch.ids, adapters, LORA_ALPHA / LORA_RANK)
    per_token = ref.token_logps(logits, batch.labels, batch.mask)
    return logits, per_token, per_token.sum(-1)


def objective_of(weights, config, batch, adapters=None):
    _, _, logps = logps_of(weights, config, batch, adapters)
    return (batch.coefficients * logps).sum()


def float64_leaves(tensors):
    return {k: v.to(torch.float64).clone().requires_grad_(True) for k, v in tensors.items()}


def gradients(leaves, objective):
    names = list(leaves)
    grads = torch.autograd.grad(objective, [leaves[n] for n in names])
    return dict(zip(names, grads))


def adamw_steps(weights, config, batch):
    params = float64_leaves(weights)
    opt = torch.optim.AdamW(list(params.values()), **ADAMW)
    after = []
    for _ in range(2):
        opt.zero_grad()
        loss = -objective_of(params, config, batch)
        loss.backward()
        opt.step()
        with torch.no_grad():
            after.append(logps_of(params, config, batch)[2])
    manual = adamw_by_hand(weights, config, batch)
    gap = max(float((manual[k] - params[k]).abs().max()) for k in params)
    if gap > 1e-12:
        raise SystemExit(f"torch.optim.AdamW differs from the written-out update by {gap:.3g}")
    print(f"  AdamW: torch.optim.AdamW == the written-out update (max gap {gap:.2g})")
    return after, params


def adamw_by_hand(weights, config, batch):
    """The update torch.optim.AdamW performs, written out (the convention to match):
    p *= 1 - lr*wd; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
    p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)."""
    lr, (b1, b2), eps, wd = ADAMW["lr"], ADAMW["betas"], ADAMW["eps"], ADAMW["weight_decay"]
    p = {k: v.to(torch.float64).clone() for k, v in weights.items()}
    m = {k: torch.zeros_like(v) for k, v in p.items()}
    v2 = {k: torch.zeros_like(v) for k, v in p.items()}
    for t in (1, 2):
        leaves = float64_leaves(p)
        g = gradients(leaves, -objective_of(leaves, config, batch))
        for k in p:
            p[k] = p[k] * (1 - lr * wd)
            m[k] = b1 * m[k] + (1 - b1) * g[k]
            v2[k] = b2 * v2[k] + (1 - b2) * g[k] * g[k]
            p[k] = p[k] - (lr / (1 - b1 ** t)) * m[k] / (v2[k].sqrt() / math.sqrt(1 - b2 ** t) + eps)
    return p


# ---------------------------------------------------------------------------------------
# Self-checks
# ---------------------------------------------------------------------------------------

@contextlib.contextmanager
def patched(**functions):
    saved = {name: getattr(ref, name) for name in functions}
    for name, fn in functions.items():
        setattr(ref, name, fn)
    try:
        yield
    finally:
        for name, fn in saved.items():
            setattr(ref, name, fn)


def rope_interleaved(x, cos, sin):
    """GPT-J / Meta-original layout: pairs (x[2j], x[2j+1]) rotated by angle j."""
    half = x.shape[-1] // 2
    c = cos[..., :half].repeat_interleave(2, dim=-1)
    s = sin[..., :half].repeat_interleave(2, dim=-1)
    rotated = torch.stack([-x[..., 1::2], x[..., 0::2]], dim=-1).reshape(x.shape)
    return x * c + rotated * s


def bug_checks(name, weights, config, batch):
    """Each mutant must move some logit of the golden batch by more than BUG_BAR."""
    base = ref.causal_lm_logits(weights, config, batch.ids)
    fam = ref.family(config)
    mutants = {
        "interleaved rope": lambda: _logits(weights, config, batch, apply_rope=rope_interleaved),
        "eps x10": lambda: ref.causal_lm_logits(weights, {**config, "rms_norm_eps": 10 * config["rms_norm_eps"]}, batch.ids),
        "rmsnorm without gain": lambda: _logits(weights, config, batch, rms_norm=lambda x, g, eps: x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps)),
    }
    n_heads, n_kv = config["num_attention_heads"], ref.kv_heads(config)
    if 1 < n_kv < n_heads:
        mutants["gqa h % KV"] = lambda: _logits(weights, config, batch, kv_head_index=lambda h, H, KV: h % KV)
    if config.get("rope_scaling"):
        mutants["no llama3 scaling"] = lambda: ref.causal_lm_logits(weights, {**config, "rope_scaling": None}, batch.ids)
    if fam == "qwen3":
        mutants["q/k norm skipped"] = lambda: _logits(weights, config, batch, qk_norm=lambda x, g, eps: x)
    if ref.biased_modules(config):
        zeroed = {k: (torch.zeros_like(v) if k.endswith(".bias") else v) for k, v in weights.items()}
        mutants["biases ignored"] = lambda: ref.causal_lm_logits(zeroed, config, batch.ids)
    real = torch.zeros(batch.ids.shape, dtype=torch.bool)
    for row, n in enumerate(LENGTHS):
        real[row, :n] = True
    margins = {}
    for label, run in mutants.items():
        diff = float((run() - base)[real].abs().max())
        margins[label] = diff
        print(f"  {name:12s} mutant {label:22s} max |Δlogit| (real positions) = {diff:.3g}")
        if not diff > BUG_BAR:
            raise SystemExit(f"fixture too weak: {name}: mutant '{label}' moves logits by only {diff:.3g}")
    # Causality: logits at a prefix do not depend on what follows.
    prefix = ref.causal_lm_logits(weights, config, batch.ids[:, :7])
    if float((prefix - base[:, :7]).abs().max()) > 1e-12:
        raise SystemExit(f"{name}: reference is not causal")
    return margins


def equivalence_checks(name, weights, config, batch):
    """Two rewrites of the same model that must give the same logits:
    * Meta's original layout (interleaved RoPE) with q/k rows un-permuted the way
      transformers' convert_llama_weights_to_hf permutes them (llama only: qwen3's q/k norm
      gains would need the same permutation);
    * plain multi-head attention with every key/value head's rows repeated for its group
      (what repeat_kv does to the activations)."""
    base = ref.causal_lm_logits(weights, config, batch.ids)
    hd, n_heads, n_kv = ref.head_dim(config), config["num_attention_heads"], ref.kv_heads(config)
    checks = {}
    if ref.family(config) == "llama":
        def unpermute(t, heads):
            rows = t.shape[0]
            return t.reshape(heads, 2, hd // 2, *t.shape[1:]).transpose(1, 2).reshape(rows, *t.shape[1:])
        meta = dict(weights)
        for key, value in weights.items():
            for proj, heads in (("q_proj", n_heads), ("k_proj", n_kv)):
                if f"self_attn.{proj}." in key:
                    meta[key] = unpermute(value.to(torch.float64), heads)
        checks["meta layout + interleaved rope"] = lambda: _logits(meta, config, batch, apply_rope=rope_interleaved)
    group = n_heads // n_kv
    mha = dict(weights)
    for key, value in weights.items():
        if "self_attn.k_proj." in key or "self_attn.v_proj." in key:
            v = value.to(torch.float64)
            mha[key] = v.reshape(n_kv, hd, *v.shape[1:]).repeat_interleave(group, 0).reshape(n_heads * hd, *v.shape[1:])
    checks["kv heads repeated (MHA)"] = lambda: ref.causal_lm_logits(mha, {**config, "num_key_value_heads": n_heads}, batch.ids)
    for label, run in checks.items():
        gap = float((run() - base).abs().max())
        print(f"  {name:12s} equivalent: {label:30s} max |Δlogit| = {gap:.2g}")
        if gap > 1e-10:
            raise SystemExit(f"{name}: '{label}' should reproduce the logits but differs by {gap:.3g}")


def _logits(weights, config, batch, **functions):
    with patched(**functions):
        return ref.causal_lm_logits(weights, config, batch.ids)


def finite_difference_check(name, weights, config, batch, adapters=None, seed=7):
    """d objective along a random direction: autograd vs central differences (Richardson)."""
    gen = torch.Generator().manual_seed(seed)
    if adapters is None:
        base = {k: v.to(torch.float64) for k, v in weights.items()}
        leaves = float64_leaves(weights)
        g = gradients(leaves, objective_of(leaves, config, batch))
        point = base
        evaluate = lambda w: float(objective_of(w, config, batch))  # noqa: E731
    else:
        leaves = float64_leaves(adapters)
        g = gradients(leaves, objective_of(weights, config, batch, leaves))
        point = {k: v.clone() for k, v in adapters.items()}
        evaluate = lambda a: float(objective_of(weights, config, batch, a))  # noqa: E731
    direction = {k: torch.randn(v.shape, generator=gen, dtype=torch.float64) for k, v in point.items()}
    def central(h):
        plus = evaluate({k: point[k] + h * direction[k] for k in point})
        minus = evaluate({k: point[k] - h * direction[k] for k in point})
        return (plus - minus) / (2 * h)

    # Richardson extrapolation of two central differences cancels the h^2 term, so the
    # comparison is limited by float64 rounding rather than by the curvature.
    h = 2e-6
    numeric = (4 * central(h / 2) - central(h)) / 3
    analytic = float(sum((g[k] * direction[k]).sum() for k in point))
    rel = abs(numeric - analytic) / max(abs(analytic), 1e-12)
    what = "adapters" if adapters is not None else "weights"
    print(f"  {name:12s} finite difference ({what}): autograd {analytic:.9g} vs {numeric:.9g} (rel {rel:.2g})")
    if rel > 1e-6:
        raise SystemExit(f"{name}: autograd disagrees with the finite difference (rel {rel:.3g})")


def lora_checks(name, weights, config, batch, adapters, base_logps, lora_logps):
    zero_b = {k: (torch.zeros_like(v) if ".lora_B." in k else v) for k, v in adapters.items()}
    zero_logps = logps_of(weights, config, batch, zero_b)[2]
    if float((zero_logps - base_logps).abs().max()) > 1e-12:
        raise SystemExit(f"{name}: LoRA with B = 0 differs from the base")
    merged = ref.merge_lora(weights, adapters, LORA_ALPHA / LORA_RANK)
    merged_logps = logps_of(merged, config, batch)[2]
    gap = float((merged_logps - lora_logps).abs().max())
    if gap > 1e-10:
        raise SystemExit(f"{name}: merged LoRA differs from unmerged by {gap:.3g}")
    moved = float((lora_logps - base_logps).abs().max())
    print(f"  {name:12s} LoRA: B=0 == base, merged == unmerged (gap {gap:.2g}), |Δlogps| vs base {moved:.3g}")
    if moved < BUG_BAR:
        raise SystemExit(f"{name}: the adapters barely move the log-probs ({moved:.3g})")


# ---------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------

def write_json(path, obj, compact=False):
    with open(path, "w", encoding="utf-8") as f:
        if compact:
            json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        else:
            json.dump(obj, f, ensure_ascii=False, indent=2)
        f.write("\n")


def variant_golden(name, config, weights, batch, gen):
    print(f"{name}:")
    margins = bug_checks(name, weights, config, batch)
    equivalence_checks(name, weights, config, batch)
    finite_difference_check(name, weights, config, batch)

    with torch.no_grad():
        logits, per_token, logps = logps_of(weights, config, batch)
    objective = (batch.coefficients * logps).sum()
    leaves = float64_leaves(weights)
    grads = gradients(leaves, objective_of(leaves, config, batch))

    adapters = make_adapters(config, gen)
    with torch.no_grad():
        lora_logps = logps_of(weights, config, batch, adapters)[2]
    lora_checks(name, weights, config, batch, adapters, logps, lora_logps)
    finite_difference_check(name, weights, config, batch, adapters)
    adapter_leaves = float64_leaves(adapters)
    lora_grads = gradients(adapter_leaves, objective_of(weights, config, batch, adapter_leaves))

    after, params = adamw_steps(weights, config, batch)
    order = [n for n, _ in ref.parameter_shapes(config)]
    entry = {
        "inv_freq": flat(ref.rope_inv_freq(config)),
        "input_ids": batch.ids.tolist(),
        "lengths": LENGTHS,
        "prompt_lengths": PROMPT_LENGTHS,
        "labels": batch.labels.tolist(),
        "completion_mask": batch.mask.to(torch.int64).tolist(),
        "logits_head": nested(logits[..., :8]),
        "logsumexp": nested(torch.logsumexp(logits, -1)),
        "token_logps": nested(per_token),
        "logps": flat(logps),
        "coefficients": COEFFICIENTS,
        "objective": r9(objective),
        "grads": {n: tensor_entry(grads[n]) for n in order},
        "lora": {
            "rank": LORA_RANK,
            "alpha": LORA_ALPHA,
            "targets": LORA_TARGETS,
            "adapters": {k: tensor_entry(v) for k, v in adapters.items()},
            "logps": flat(lora_logps),
            "objective": r9((batch.coefficients * lora_logps).sum()),
            "grads": {k: tensor_entry(lora_grads[k]) for k in adapters},
        },
        "adamw": {
            "lr": ADAMW["lr"], "betas": list(ADAMW["betas"]), "eps": ADAMW["eps"],
            "weight_decay": ADAMW["weight_decay"],
            "logps_after": [flat(a) for a in after],
            "weights_after": {n: tensor_entry(params[n]) for n in ADAMW_RECORDED},
        },
    }
    return entry, margins


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT)
    out = parser.parse_args().out
    torch.set_num_threads(1)  # deterministic reductions, and polite on a shared machine

    gen = torch.Generator().manual_seed(SEED)
    batch = Batch(*make_batch(gen))
    golden = {
        "note": "float64 values of tools/oracle/llama_reference.py on each variant's BF16 weights "
                "(upcast exactly). Logits at pad positions use the causal mask only (no padding "
                "mask); pads are id 0. token_logps = mask * log_softmax(logits)[labels]; "
                "logps = row sums; objective = sum(coefficients * logps); grads = d objective / d "
                "weight (tied heads: one embed_tokens gradient). LoRA: y = base(x) + (alpha/r) "
                "(x A^T) B^T, grads w.r.t. the adapters with the base frozen. adamw: two "
                "torch.optim.AdamW steps minimizing -objective over every base weight (decay "
                "on all of them, no clipping), float64.",
        "variants": {},
    }
    all_margins = {}
    for name, config in VARIANTS.items():
        weights = make_weights(config, gen)
        entry, margins = variant_golden(name, config, weights, batch, gen)
        golden["variants"][name] = entry
        all_margins[name] = margins

        folder = os.path.join(out, name)
        os.makedirs(folder, exist_ok=True)
        write_json(os.path.join(folder, "config.json"), config)
        write_json(os.path.join(folder, "generation_config.json"), generation_config(config))
        # safetensors' own writer orders tensors by name; do the same.
        ref.write_safetensors(os.path.join(folder, "model.safetensors"),
                              {k: weights[k] for k in sorted(weights)}, {"format": "pt"})

        # The file must read back bit for bit.
        back = ref.read_safetensors(os.path.join(folder, "model.safetensors"))
        if set(back) != set(weights) or any(not torch.equal(back[k].view(torch.int16), weights[k].view(torch.int16)) for k in weights):
            raise SystemExit(f"{name}: model.safetensors does not read back")

    path = os.path.join(out, "golden.json")
    write_json(path, golden, compact=True)
    for root, _, files in sorted(os.walk(out)):
        for fname in sorted(files):
            p = os.path.join(root, fname)
            print(f"  {os.path.relpath(p, out):36s} {os.path.getsize(p):>10,d} bytes")
    size = os.path.getsize(path)
    if size > 2_000_000:
        raise SystemExit(f"golden.json is {size:,d} bytes (limit 2 MB)")


if __name__ == "__main__":
    main()
