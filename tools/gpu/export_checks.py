"""The GPU run's export checks: the folders tools/gpu/write-exports.ts wrote, read by the
libraries users load them with, their logits compared with the app's own (logits.json).

Usage: export_checks.py --check safetensors|transformers|peft --exports DIR --out OUT.json

  safetensors   torch only: tools/oracle/check_exports.py on the built-in GPT-2 and the tiny
                Llama, each with its merged export and PEFT adapter (the safetensors format read
                byte by byte, PEFT's merge done by hand), and the Hugging Face-layout export
                (hf/) through the float64 GPT-2 reference
  transformers  AutoModelForCausalLM.from_pretrained on builtin/, builtin-merged/, llama/,
                llama-merged/ and hf/ (logits, loading info), AutoTokenizer on builtin/ and hf/
  peft          PeftModel.from_pretrained(base, <name>-adapter/) for both: logits with the
                adapter, and merge_and_unload() against the merged export

OUT.json: {"status": "ok" | "failed", "reason"?, versions, "checks": [{name, ok, ...}]}.
A library that is not installed fails the check with "<library> not installed".
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE = os.path.join(HERE, "..", "oracle")
# float32 forward (TF.js) against float32 (PyTorch) or float64 (reference), on logits of size ~1-6.
TOLERANCE = 1e-4
# Base model, merged export and PEFT adapter of the built-in GPT-2 and of a tiny Llama.
TRIOS = ("builtin", "llama")


class Missing(Exception):
    """A library the check needs is not installed."""


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def compare(name, got, want, scale=1.0, **detail):
    import torch

    diff = (torch.as_tensor(got, dtype=torch.float64) - torch.as_tensor(want, dtype=torch.float64)).abs().max().item()
    tolerance = TOLERANCE * max(1.0, scale)
    return {"name": name, "ok": diff <= tolerance, "max_abs_diff": diff, "tolerance": tolerance, **detail}


def check_safetensors(exports, app):
    try:
        import torch
    except ImportError as error:
        raise Missing("torch not installed") from error
    sys.path.insert(0, ORACLE)
    from check_exports import check_model_folder  # noqa: E402
    from gpt2_reference import gpt2_logits  # noqa: E402

    checks = []
    for name in TRIOS:
        args = [sys.executable, os.path.join(ORACLE, "check_exports.py"), "--base", os.path.join(exports, name),
                "--merged", os.path.join(exports, f"{name}-merged"), "--adapter", os.path.join(exports, f"{name}-adapter"),
                "--ts", os.path.join(exports, f"{name}-ts.json")]
        done = subprocess.run(args, capture_output=True, text=True, check=False)
        lines = done.stdout.strip().splitlines()
        try:
            oracle = json.loads(lines[-1])
        except (IndexError, json.JSONDecodeError):
            oracle = {"failures": [f"check_exports.py printed no result: {done.stderr.strip()[-300:]}"]}
        checks.append({"name": f"{name} + merged + PEFT adapter (tools/oracle/check_exports.py)",
                       "ok": done.returncode == 0 and not oracle["failures"], **oracle})

    failures = []
    config, tensors = check_model_folder(os.path.join(exports, "hf"), failures)
    ids = torch.tensor(app["hf"]["input_ids"], dtype=torch.long)
    reference = gpt2_logits(tensors, config, ids)
    checks.append(compare("hf export: app logits vs float64 GPT-2 reference", app["hf"]["logits"], reference,
                          scale=reference.abs().max().item(), layout_failures=failures))
    checks[-1]["ok"] = checks[-1]["ok"] and not failures
    return {"torch": torch.__version__}, checks


def transformers_model(folder):
    from transformers import AutoModelForCausalLM

    try:
        model, info = AutoModelForCausalLM.from_pretrained(folder, output_loading_info=True)
    except TypeError:  # a transformers without output_loading_info
        model, info = AutoModelForCausalLM.from_pretrained(folder), {}
    return model.eval(), {k: sorted(map(str, v)) for k, v in info.items() if v}


def attempt(name, check):
    """One check; an exception is its failure (with the reason), not the end of the others."""
    try:
        return check()
    except Exception as error:  # noqa: BLE001
        print(f"export_checks: {name}: {type(error).__name__}: {error}", file=sys.stderr)
        return {"name": name, "ok": False, "error": f"{type(error).__name__}: {error}"[:500]}


def logits_of(model, ids):
    import torch

    with torch.no_grad():
        return model(torch.tensor(ids, dtype=torch.long)).logits.double()


def check_transformers(exports, app):
    try:
        import torch
        import transformers
        from transformers import AutoTokenizer
    except ImportError as error:
        raise Missing("transformers not installed") from error

    def model_check(name):
        model, info = transformers_model(os.path.join(exports, name))
        # A weight the loader missed would be initialised at random: the logits would show it.
        got = logits_of(model, app[name]["input_ids"])
        result = compare(f"{name}: AutoModelForCausalLM.from_pretrained logits vs the app's", got, app[name]["logits"],
                         scale=got.abs().max().item(), model_class=type(model).__name__, dtype=str(model.dtype),
                         loading_info=info)
        result["ok"] = result["ok"] and model.dtype == torch.float32
        return result

    def tokenizer_check(name):
        tokenizer = AutoTokenizer.from_pretrained(os.path.join(exports, name))
        rows = [{"text": r["text"], "app": r["ids"], "transformers": tokenizer.encode(r["text"], add_special_tokens=False)}
                for r in app["tokenizers"][name]]
        return {"name": f"{name}: AutoTokenizer.from_pretrained ids vs the app's", "ok": all(r["app"] == r["transformers"] for r in rows),
                "tokenizer_class": type(tokenizer).__name__, "rows": rows}

    checks = [attempt(f"{name}: AutoModelForCausalLM", lambda name=name: model_check(name)) for name in ("builtin", "builtin-merged", "llama", "llama-merged", "hf")]
    checks += [attempt(f"{name}: AutoTokenizer", lambda name=name: tokenizer_check(name)) for name in ("builtin", "hf")]
    return {"torch": torch.__version__, "transformers": transformers.__version__}, checks


def check_peft(exports, app):
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError as error:
        raise Missing("transformers not installed") from error
    try:
        import peft
        from peft import PeftModel
    except ImportError as error:
        raise Missing("peft not installed") from error
    def adapter_checks(name):
        ids = app[f"{name}-adapted"]["input_ids"]
        loaded = {}

        def adapter_check():
            base, _ = transformers_model(os.path.join(exports, name))
            model = loaded["model"] = PeftModel.from_pretrained(base, os.path.join(exports, f"{name}-adapter")).eval()
            adapted_modules = sum(1 for _, m in model.named_modules() if hasattr(m, "lora_A") and len(getattr(m, "lora_A")) > 0)
            got = logits_of(model, ids)
            result = compare(f"{name}-adapter: PeftModel.from_pretrained logits vs the app's (base + adapter)", got,
                             app[f"{name}-adapted"]["logits"], scale=got.abs().max().item(), adapted_modules=adapted_modules,
                             model_class=type(model).__name__)
            result["ok"] = result["ok"] and adapted_modules > 0
            return result

        def merge_check():
            if "model" not in loaded:
                raise RuntimeError("the adapter did not load")
            merged = logits_of(loaded["model"].merge_and_unload(), ids)
            return compare(f"{name}-adapter: merge_and_unload() logits vs the app's merged export", merged,
                           app[f"{name}-merged"]["logits"], scale=merged.abs().max().item())

        return [attempt(f"{name}-adapter: PeftModel.from_pretrained", adapter_check),
                attempt(f"{name}-adapter: merge_and_unload", merge_check)]

    checks = [c for name in TRIOS for c in adapter_checks(name)]
    return {"torch": torch.__version__, "peft": peft.__version__, "transformers": transformers.__version__}, checks


CHECKS = {"safetensors": check_safetensors, "transformers": check_transformers, "peft": check_peft}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", required=True, choices=sorted(CHECKS))
    parser.add_argument("--exports", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    result = {"check": args.check, "exports": args.exports}
    try:
        logits = os.path.join(args.exports, "logits.json")
        if not os.path.exists(logits):
            raise Missing(f"no exports in {args.exports} (logits.json missing)")
        versions, checks = CHECKS[args.check](args.exports, load_json(logits))
        failed = [c["name"] for c in checks if not c["ok"]]
        result.update(status="failed" if failed else "ok", **versions, checks=checks)
        if failed:
            result["reason"] = "failed: " + "; ".join(failed)
    except Missing as error:
        result.update(status="failed", reason=str(error))
    except Exception as error:  # noqa: BLE001 - the run goes on; the reason says what broke
        result.update(status="failed", reason=f"{type(error).__name__}: {error}"[:500])
        print(f"export_checks: {args.check}: {result['reason']}", file=sys.stderr)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    sys.exit(0 if result["status"] == "ok" else 1)


if __name__ == "__main__":
    main()
