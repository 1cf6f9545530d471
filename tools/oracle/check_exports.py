"""Independent check of DPO Studio's exports (Hugging Face model folder, PEFT LoRA adapter).

Written from the safetensors format, transformers' GPT-2 / Llama / Qwen2 / Qwen3 and PEFT's
LoRA semantics, without those packages (none is installed here). Given three exported
folders of one model:

  --base     the base model folder (config.json + model.safetensors)
  --merged   the model folder exported with the LoRA adapter merged in
  --adapter  the PEFT adapter folder (adapter_config.json + adapter_model.safetensors)
  --ts       JSON {"input_ids": [[...]], "merged": [B][T][V], "adapted": [B][T][V]}: logits the
             TypeScript engine computed from the merged weights and from base + adapters

it checks that
  1. the merged folder looks like what save_pretrained writes: GPT2LMHeadModel's
     `transformer.`-prefixed tensors without lm_head, or the Llama family's
     `model.layers.N…` names in the module's order with lm_head only when untied; every
     tensor in config.json's torch_dtype; metadata {"format": "pt"};
  2. applying the adapter to the base weights the way PEFT merges LoRA — for GPT-2's Conv1D
     (fan_in_fan_out) W[in, out] += (lora_alpha / r) * (B @ A)^T, for nn.Linear
     W[out, in] += (lora_alpha / r) * B @ A — gives the merged export's logits (float64
     references gpt2_reference.gpt2_logits and llama_reference.causal_lm_logits);
  3. the adapter is not a no-op (its logits differ from the base model's);
  4. the TypeScript logits match the reference's.
It prints one JSON line of measured differences and exits 1 if any check fails.
"""

import argparse
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2_reference import gpt2_logits, read_safetensors  # noqa: E402
import llama_reference  # noqa: E402

LLAMA_TYPES = ("llama", "qwen2", "qwen3")
ARCHITECTURES = {"gpt2": "GPT2LMHeadModel", "llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM", "qwen3": "Qwen3ForCausalLM"}
DTYPES = {"float32": "F32", "bfloat16": "BF16", "float16": "F16"}
# The reference runs in float64 from float32 weights; these bound float32 rounding.
MERGE_TOL = 1e-5  # merged export (weights rounded once to float32) vs PEFT merge in float64
TS_TOL = 1e-4  # float32 TF.js forward vs float64 reference, absolute on logits of size ~1


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def safetensors_metadata(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n).decode("utf-8"))
    return header.get("__metadata__", {}), {k: v for k, v in header.items() if k != "__metadata__"}


def check_model_folder(folder, failures):
    config = read_json(os.path.join(folder, "config.json"))
    model_type = config.get("model_type")
    if model_type not in ARCHITECTURES:
        failures.append(f"{folder}/config.json: model_type {model_type!r} is not one this check knows")
        model_type = "gpt2"
    if config.get("architectures") != [ARCHITECTURES[model_type]]:
        failures.append(f"{folder}/config.json: architectures is {config.get('architectures')!r}, expected {[ARCHITECTURES[model_type]]!r}")
    dtype = DTYPES.get(config.get("torch_dtype"))
    if dtype is None:
        failures.append(f"{folder}/config.json: torch_dtype {config.get('torch_dtype')!r} is not a float dtype")
    path = os.path.join(folder, "model.safetensors")
    metadata, header = safetensors_metadata(path)
    if metadata != {"format": "pt"}:
        failures.append(f"{path}: metadata {metadata!r}, expected {{'format': 'pt'}}")
    for name, info in header.items():
        if info["dtype"] != dtype:
            failures.append(f"{path}: tensor {name} is {info['dtype']}, but config.json says {config.get('torch_dtype')}")
    if model_type == "gpt2":
        for name in header:
            if not name.startswith("transformer."):
                failures.append(f"{path}: tensor {name} lacks the transformer. prefix")
        if "lm_head.weight" in header:
            failures.append(f"{path}: holds lm_head.weight, but GPT-2's head is tied to wte")
    else:
        want = {name: list(shape) for name, shape in llama_reference.parameter_shapes(config)}
        got = {name: list(info["shape"]) for name, info in header.items()}
        wrong = sorted(n for n in set(want) | set(got) if want.get(n) != got.get(n))
        if wrong:
            failures.append(f"{path}: tensors {wrong[:5]} are missing, extra or misshapen for {ARCHITECTURES[model_type]}")
    return config, read_safetensors(path)


def logits_of(tensors, config, ids):
    if config.get("model_type") in LLAMA_TYPES:
        return llama_reference.causal_lm_logits(tensors, config, ids)
    return gpt2_logits(tensors, config, ids)


def apply_peft_adapter(base, adapter_dir, llama):
    """PEFT's merge: Conv1D (fan_in_fan_out) W += scale * (B @ A)^T; nn.Linear W += scale * B @ A."""
    cfg = read_json(os.path.join(adapter_dir, "adapter_config.json"))
    assert cfg["peft_type"] == "LORA" and cfg["fan_in_fan_out"] is (not llama) and cfg["bias"] == "none", cfg
    prefix, stored = ("base_model.model.", "") if llama else ("base_model.model.transformer.", "transformer.")
    scale = float(cfg["lora_alpha"]) / float(cfg["r"])
    adapter = read_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"))
    weights = {k: v.to(torch.float64).clone() for k, v in base.items()}
    modules = sorted({name[: -len(".lora_A.weight")] for name in adapter if name.endswith(".lora_A.weight")})
    if not modules:
        raise ValueError("adapter_model.safetensors holds no lora_A weights")
    for module in modules:
        assert module.startswith(prefix), module
        a = adapter[module + ".lora_A.weight"].to(torch.float64)  # [r, in]
        b = adapter[module + ".lora_B.weight"].to(torch.float64)  # [out, r]
        assert a.shape[0] == cfg["r"] and b.shape[1] == cfg["r"], (module, a.shape, b.shape)
        assert module.split(".")[-1] in cfg["target_modules"], module
        target = stored + module[len(prefix) :] + ".weight"
        delta = b @ a if llama else (b @ a).T  # nn.Linear is [out, in]; Conv1D [in, out]
        weights[target] = weights[target] + scale * delta
    return weights, len(modules)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for name in ("base", "merged", "adapter", "ts"):
        parser.add_argument(f"--{name}", required=True)
    args = parser.parse_args()
    failures = []

    config, merged = check_model_folder(args.merged, failures)
    _, base = check_model_folder(args.base, failures)
    ts = read_json(args.ts)
    ids = torch.tensor(ts["input_ids"], dtype=torch.long)

    llama = config.get("model_type") in LLAMA_TYPES
    merged_logits = logits_of(merged, config, ids)
    peft_weights, module_count = apply_peft_adapter(base, args.adapter, llama)
    peft_logits = logits_of(peft_weights, config, ids)
    base_logits = logits_of(base, config, ids)
    ts_merged = torch.tensor(ts["merged"], dtype=torch.float64)
    ts_adapted = torch.tensor(ts["adapted"], dtype=torch.float64)

    result = {
        "adapted_modules": module_count,
        "merged_vs_peft": (merged_logits - peft_logits).abs().max().item(),
        "adapter_effect": (peft_logits - base_logits).abs().max().item(),
        "ts_merged_vs_reference": (ts_merged - merged_logits).abs().max().item(),
        "ts_adapted_vs_reference": (ts_adapted - peft_logits).abs().max().item(),
        "logit_scale": merged_logits.abs().max().item(),
    }
    if result["merged_vs_peft"] > MERGE_TOL:
        failures.append(f"merged export and PEFT-applied adapter differ by {result['merged_vs_peft']:.3g} > {MERGE_TOL}")
    if result["adapter_effect"] < 100 * MERGE_TOL:
        failures.append(f"the adapter barely changes the logits ({result['adapter_effect']:.3g}): the check would not see a bad merge")
    for key in ("ts_merged_vs_reference", "ts_adapted_vs_reference"):
        if result[key] > TS_TOL:
            failures.append(f"{key}: {result[key]:.3g} > {TS_TOL}")
    result["failures"] = failures
    print(json.dumps(result))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
