"""Independent PyTorch reference for Hugging Face Llama-family causal LMs.

Covers what transformers' LlamaForCausalLM, Qwen2ForCausalLM and Qwen3ForCausalLM compute
in eval mode (no dropout, no KV cache), written from the published architecture (RMSNorm
pre-norm blocks, rotate-half RoPE with the Llama 3 frequency scaling, grouped-query
attention, SwiGLU MLP) without the `transformers` package. Importable:

    from llama_reference import causal_lm_logits, parameter_shapes, rope_inv_freq

Everything runs in float64: tensors of any dtype (BF16 from a checkpoint, float64 leaves
that require grad for autograd) are upcast with `.to(torch.float64)`, which keeps the
autograd graph when they already are float64.

Conventions (the ones a port has to match):
  * nn.Linear layout: weight [out, in], y = x W^T + b.
  * head_dim = config["head_dim"] if present (and not null), else hidden_size // heads.
  * q/k/v are reshaped [B, T, heads, head_dim] (head-major columns); query head h reads
    key/value head h // (H / KV) (repeat_kv / repeat_interleave order).
  * Qwen3: q_norm / k_norm are RMSNorms over head_dim, applied per head to q and k after
    the projection and before RoPE, with eps = rms_norm_eps.
  * RoPE: rotate-half (GPT-NeoX) layout. inv_freq[j] = 1 / theta^(2j / hd), j < hd/2, then
    the Llama 3 transform when rope_scaling.rope_type == "llama3"; angle = p * inv_freq
    with p = 0..T-1 (no padding offsets); emb = cat(angle, angle);
    x' = x cos(emb) + rotate_half(x) sin(emb), rotate_half(x) = cat(-x2, x1).
    (transformers computes inv_freq, cos and sin in float32; here they are float64.)
  * Attention: scores / sqrt(head_dim), causal mask only (no padding mask: a right-padded
    batch gives the same logits at real positions; pad positions attend to everything up
    to themselves, pads included), softmax, then o_proj.
  * Biases: llama adds q/k/v/o biases iff attention_bias and gate/up/down biases iff
    mlp_bias; qwen2 always has q/k/v biases and never an o_proj or MLP bias; qwen3 adds
    q/k/v/o biases iff attention_bias (false in every released model).
  * Head: lm_head.weight unless tie_word_embeddings (default false), then embed_tokens.
  * LoRA (PEFT semantics, optional): y = base(x) + scale * (x A^T) B^T with lora_A [r, in],
    lora_B [out, r], adapters keyed "<module>.lora_A.weight" / "<module>.lora_B.weight"
    where <module> is e.g. "model.layers.0.self_attn.q_proj".

The small module-level functions (rms_norm, qk_norm, apply_rope, kv_head_index, ...) are
looked up at call time so a test harness can swap one for a deliberately wrong version.
"""

import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2_reference import read_safetensors, write_safetensors  # noqa: E402,F401  (re-exported)

FAMILIES = ("llama", "qwen2", "qwen3")
ATTN_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj")
MLP_MODULES = ("gate_proj", "up_proj", "down_proj")


def family(config):
    model_type = config.get("model_type")
    if model_type not in FAMILIES:
        raise ValueError(f"unsupported model_type {model_type!r} (expected one of {FAMILIES})")
    return model_type


def head_dim(config):
    hd = config.get("head_dim")
    if hd is None:
        hidden, heads = int(config["hidden_size"]), int(config["num_attention_heads"])
        if hidden % heads:
            raise ValueError("hidden_size is not a multiple of num_attention_heads and no head_dim is given")
        return hidden // heads
    return int(hd)


def kv_heads(config):
    return int(config.get("num_key_value_heads") or config["num_attention_heads"])


def tied(config):
    return bool(config.get("tie_word_embeddings", False))


def biased_modules(config):
    """The projection names (q_proj, ..., down_proj) that carry a bias in this family."""
    fam = family(config)
    out = set()
    if fam == "llama":
        if config.get("attention_bias", False):
            out.update(ATTN_MODULES)
        if config.get("mlp_bias", False):
            out.update(MLP_MODULES)
    elif fam == "qwen2":
        out.update(("q_proj", "k_proj", "v_proj"))
    else:  # qwen3
        if config.get("attention_bias", False):
            out.update(ATTN_MODULES)
    return out


def module_shapes(config):
    """[(module name, in_features, out_features)] for every projection (LoRA targets)."""
    d = int(config["hidden_size"])
    inter = int(config["intermediate_size"])
    hd, h, kv = head_dim(config), int(config["num_attention_heads"]), kv_heads(config)
    out = []
    for i in range(int(config["num_hidden_layers"])):
        a, m = f"model.layers.{i}.self_attn.", f"model.layers.{i}.mlp."
        out += [(a + "q_proj", d, h * hd), (a + "k_proj", d, kv * hd), (a + "v_proj", d, kv * hd),
                (a + "o_proj", h * hd, d),
                (m + "gate_proj", d, inter), (m + "up_proj", d, inter), (m + "down_proj", inter, d)]
    return out


def parameter_shapes(config):
    """[(HF name, shape)] of every stored weight, in the order the module defines them
    (embed, per layer: q,k,v,o[,q_norm,k_norm], gate,up,down, the two norms; norm; lm_head)."""
    d = int(config["hidden_size"])
    hd = head_dim(config)
    biased = biased_modules(config)
    out = [("model.embed_tokens.weight", [int(config["vocab_size"]), d])]
    by_layer = {}
    for name, fan_in, fan_out in module_shapes(config):
        layer = int(name.split(".")[2])
        entries = by_layer.setdefault(layer, [])
        entries.append((name + ".weight", [fan_out, fan_in]))
        if name.rsplit(".", 1)[1] in biased:
            entries.append((name + ".bias", [fan_out]))
        if name.endswith("o_proj") and family(config) == "qwen3":
            entries.append((name.replace("o_proj", "q_norm") + ".weight", [hd]))
            entries.append((name.replace("o_proj", "k_norm") + ".weight", [hd]))
    for layer in sorted(by_layer):
        out += by_layer[layer]
        out += [(f"model.layers.{layer}.input_layernorm.weight", [d]),
                (f"model.layers.{layer}.post_attention_layernorm.weight", [d])]
    out.append(("model.norm.weight", [d]))
    if not tied(config):
        out.append(("lm_head.weight", [int(config["vocab_size"]), d]))
    return out


def is_norm_gain(name):
    return name.endswith(("layernorm.weight", "norm.weight"))


# ---------------------------------------------------------------------------------------
# Building blocks (module-level so a harness can substitute a mutant)
# ---------------------------------------------------------------------------------------

def rms_norm(x, gain, eps):
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps) * gain


def qk_norm(x, gain, eps):
    """Qwen3's per-head RMSNorm over head_dim (x is [..., heads, head_dim])."""
    return rms_norm(x, gain, eps)


def silu(x):
    return x * torch.sigmoid(x)


def llama3_scale_inv_freq(inv_freq, scaling):
    """transformers' _compute_llama3_parameters: keep high frequencies, divide low ones by
    `factor`, interpolate smoothly in between (by wavelength vs the original context)."""
    factor = float(scaling["factor"])
    low = float(scaling.get("low_freq_factor", 1.0))
    high = float(scaling.get("high_freq_factor", 4.0))
    old_len = float(scaling["original_max_position_embeddings"])
    low_freq_wavelen = old_len / low
    high_freq_wavelen = old_len / high
    wavelen = 2.0 * math.pi / inv_freq
    scaled = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth = (old_len / wavelen - low) / (high - low)
    smoothed = (1.0 - smooth) * scaled / factor + smooth * scaled
    medium = (wavelen >= high_freq_wavelen) & (wavelen <= low_freq_wavelen)
    return torch.where(medium, smoothed, scaled)


def rope_inv_freq(config):
    """float64 [head_dim / 2]."""
    hd = head_dim(config)
    theta = float(config.get("rope_theta", 10000.0))
    inv_freq = 1.0 / theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd)
    scaling = config.get("rope_scaling")
    if scaling:
        kind = scaling.get("rope_type", scaling.get("type"))
        if kind == "llama3":
            inv_freq = llama3_scale_inv_freq(inv_freq, scaling)
        elif kind not in (None, "default"):
            raise ValueError(f"rope_scaling type {kind!r} is not implemented by this reference")
    return inv_freq


def rope_cos_sin(config, length):
    """cos, sin: float64 [T, head_dim] with emb = cat(angles, angles)."""
    angles = torch.arange(length, dtype=torch.float64)[:, None] * rope_inv_freq(config)[None, :]
    emb = torch.cat([angles, angles], dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def apply_rope(x, cos, sin):
    """x: [B, heads, T, hd]; cos/sin: [T, hd]."""
    return x * cos + rotate_half(x) * sin


def kv_head_index(h, n_heads, n_kv):
    return h // (n_heads // n_kv)


# ---------------------------------------------------------------------------------------
# Forward
# ---------------------------------------------------------------------------------------

def causal_lm_logits(tensors, config, input_ids, adapters=None, lora_scale=1.0):
    """Logits of LlamaForCausalLM / Qwen2ForCausalLM / Qwen3ForCausalLM in float64.

    tensors: {HF name: tensor} (any float dtype); extra entries are ignored, missing
        expected ones raise KeyError.
    config: config.json as a dict.
    input_ids: LongTensor [B, T].
    adapters: optional {"<module>.lora_A.weight": [r, in], "<module>.lora_B.weight": [out, r]}
        applied as PEFT LoRA with `lora_scale` (= alpha / r); modules without an entry are
        left as they are.
    returns: DoubleTensor [B, T, V].
    """
    fam = family(config)
    eps = float(config.get("rms_norm_eps", 1e-6))
    n_heads, n_kv, hd = int(config["num_attention_heads"]), kv_heads(config), head_dim(config)
    if n_heads % n_kv:
        raise ValueError("num_attention_heads is not a multiple of num_key_value_heads")
    biased = biased_modules(config)
    adapters = adapters or {}

    def weight(name):
        if name not in tensors:
            raise KeyError(f"missing weight {name}")
        return tensors[name].to(torch.float64)

    def proj(module, x):
        y = x @ weight(module + ".weight").T
        if module.rsplit(".", 1)[1] in biased:
            y = y + weight(module + ".bias")
        a = adapters.get(module + ".lora_A.weight")
        if a is not None:
            b = adapters[module + ".lora_B.weight"]
            y = y + lora_scale * ((x @ a.to(torch.float64).T) @ b.to(torch.float64).T)
        return y

    batch, length = input_ids.shape
    embed = weight("model.embed_tokens.weight")
    x = embed[input_ids]
    cos, sin = rope_cos_sin(config, length)
    causal = torch.tril(torch.ones(length, length, dtype=torch.bool))
    kv_index = torch.tensor([kv_head_index(h, n_heads, n_kv) for h in range(n_heads)])
    for i in range(int(config["num_hidden_layers"])):
        p = f"model.layers.{i}."
        a = rms_norm(x, weight(p + "input_layernorm.weight"), eps)
        q = proj(p + "self_attn.q_proj", a).reshape(batch, length, n_heads, hd)
        k = proj(p + "self_attn.k_proj", a).reshape(batch, length, n_kv, hd)
        v = proj(p + "self_attn.v_proj", a).reshape(batch, length, n_kv, hd)
        if fam == "qwen3":
            q = qk_norm(q, weight(p + "self_attn.q_norm.weight"), eps)
            k = qk_norm(k, weight(p + "self_attn.k_norm.weight"), eps)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)  # [B, heads, T, hd]
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        k, v = k[:, kv_index], v[:, kv_index]
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        scores = scores.masked_fill(~causal, float("-inf"))
        context = torch.softmax(scores, dim=-1) @ v
        context = context.transpose(1, 2).reshape(batch, length, n_heads * hd)
        x = x + proj(p + "self_attn.o_proj", context)
        m = rms_norm(x, weight(p + "post_attention_layernorm.weight"), eps)
        x = x + proj(p + "mlp.down_proj", silu(proj(p + "mlp.gate_proj", m)) * proj(p + "mlp.up_proj", m))
    x = rms_norm(x, weight("model.norm.weight"), eps)
    head = embed if tied(config) else weight("lm_head.weight")
    return x @ head.T


def token_logps(logits, labels, mask):
    """log_softmax(logits)[label] per position, zeroed where mask == 0: [B, T]."""
    lp = torch.log_softmax(logits, dim=-1).gather(-1, labels[..., None])[..., 0]
    return torch.where(mask != 0, lp * mask, torch.zeros_like(lp))


def merge_lora(tensors, adapters, lora_scale):
    """Base weights with W + scale * B @ A folded in for every adapted module."""
    out = dict(tensors)
    for name in adapters:
        if name.endswith(".lora_A.weight"):
            module = name[: -len(".lora_A.weight")]
            a = adapters[name].to(torch.float64)
            b = adapters[module + ".lora_B.weight"].to(torch.float64)
            out[module + ".weight"] = tensors[module + ".weight"].to(torch.float64) + lora_scale * (b @ a)
    return out
