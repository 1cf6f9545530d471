"""Lists the option names of TRL's DPOConfig and KTOConfig (and their trainers' keyword
arguments) at one release tag, read from a git mirror of TRL's source without importing it.

    /usr/bin/python3 tools/trl_config_fields.py > src/core/export/trl-config-fields.json
    /usr/bin/python3 tools/trl_config_fields.py --check src/core/export/trl-config-fields.json

A config's fields are the annotated assignments of its dataclass body plus those of every base
class defined inside TRL (DPOConfig -> _BaseConfig). The chain ends at transformers'
TrainingArguments, which is not in the mirror: the TrainingArguments fields the exported
scripts pass are listed by hand below, with the transformers docs they are documented in.
Also recorded: the values the configs declare as choices (KTOConfig's loss_type, …) and the
strings DPOTrainer compares loss_type and f_divergence_type with (its loss branches). The
export test checks the keyword arguments and these values of the generated scripts against
this file.
"""

import argparse
import ast
import json
import subprocess
import sys

MIRROR = "/work/.mirror/huggingface+trl/repo"
TAG = "v1.9.0"
CONFIGS = {"DPOConfig": "trl/trainer/dpo_config.py", "KTOConfig": "trl/trainer/kto_config.py"}
TRAINERS = {"DPOTrainer": "trl/trainer/dpo_trainer.py", "KTOTrainer": "trl/trainer/kto_trainer.py"}

# Inherited from transformers.TrainingArguments (not in TRL's source) and passed by the
# scripts. Each is documented in TrainingArguments' reference, e.g.
# https://huggingface.co/docs/transformers/v4.56.1/main_classes/trainer#transformers.TrainingArguments
# (and src/transformers/training_args.py of huggingface/transformers).
TRAINING_ARGUMENTS_USED = [
    "output_dir",
    "per_device_train_batch_size",
    "per_device_eval_batch_size",
    "gradient_accumulation_steps",
    "max_steps",
    "lr_scheduler_type",
    "warmup_steps",
    "optim",
    "weight_decay",
    "max_grad_norm",
    "seed",
    "eval_strategy",
    "eval_steps",
    "report_to",
]
TRAINING_ARGUMENTS_DOCS = "https://huggingface.co/docs/transformers/v4.56.1/main_classes/trainer#transformers.TrainingArguments"


def git(mirror, *args):
    return subprocess.run(["git", "-C", mirror, *args], check=True, capture_output=True, text=True).stdout


def classes_of(source):
    return {node.name: node for node in ast.parse(source).body if isinstance(node, ast.ClassDef)}


def relative_imports(source, path):
    """{imported name: module path} for `from .x import Name` lines of the file at `path`."""
    folder = path.rsplit("/", 1)[0]
    out = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            for alias in node.names:
                out[alias.asname or alias.name] = f"{folder}/{node.module.replace('.', '/')}.py"
    return out


def dataclass_fields(mirror, tag, path, name):
    """Field names of class `name` in `path` and its TRL-defined bases; and the chain of bases."""
    source = git(mirror, "show", f"{tag}:{path}")
    cls = classes_of(source)[name]
    fields, chain = [], [name]
    for base in cls.bases:
        base_name = base.id if isinstance(base, ast.Name) else ast.unparse(base)
        base_path = relative_imports(source, path).get(base_name)
        if base_path is None:
            chain.append(base_name)  # outside TRL (transformers.TrainingArguments)
            continue
        base_fields, base_chain = dataclass_fields(mirror, tag, base_path, base_name)
        fields += base_fields
        chain += base_chain
    for node in cls.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and not node.target.id.startswith("_"):
            fields.append(node.target.id)
    return list(dict.fromkeys(fields)), chain


def field_choices(mirror, tag, path, name):
    """{field: choices} for fields declared with field(metadata={"choices": [...]})."""
    cls = classes_of(git(mirror, "show", f"{tag}:{path}"))[name]
    out = {}
    for node in cls.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.value, ast.Call)):
            continue
        for kw in node.value.keywords:
            if kw.arg == "metadata" and isinstance(kw.value, ast.Dict):
                for key, value in zip(kw.value.keys, kw.value.values):
                    if isinstance(key, ast.Constant) and key.value == "choices":
                        out[node.target.id] = ast.literal_eval(value)
    return out


def compared_strings(mirror, tag, path, names):
    """{name: sorted strings} that the trainer compares `name` (or `self.name`) with using ==."""
    out = {name: set() for name in names}
    for node in ast.walk(ast.parse(git(mirror, "show", f"{tag}:{path}"))):
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
            left, right = node.left, node.comparators[0]
            name = left.id if isinstance(left, ast.Name) else left.attr if isinstance(left, ast.Attribute) else None
            if name in out and isinstance(right, ast.Constant) and isinstance(right.value, str):
                out[name].add(right.value)
    return {name: sorted(values) for name, values in out.items()}


def init_parameters(mirror, tag, path, name):
    source = git(mirror, "show", f"{tag}:{path}")
    init = next(n for n in classes_of(source)[name].body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    return [a.arg for a in init.args.args + init.args.kwonlyargs if a.arg != "self"]


def build(mirror, tag):
    out = {
        "trl": {"repository": "huggingface/trl", "tag": tag, "commit": git(mirror, "rev-parse", f"{tag}^{{commit}}").strip()},
        "generatedBy": "tools/trl_config_fields.py",
    }
    for name, path in CONFIGS.items():
        fields, chain = dataclass_fields(mirror, tag, path, name)
        choices = field_choices(mirror, tag, path, name)
        out[name] = {"source": path, "inherits": chain[1:], "fields": sorted(fields), "choices": choices}
    for name, path in TRAINERS.items():
        out[name] = {"source": path, "parameters": init_parameters(mirror, tag, path, name)}
    # DPOConfig declares no choices for these; the values are the branches of DPOTrainer's loss.
    out["DPOTrainer"]["comparedValues"] = compared_strings(mirror, tag, TRAINERS["DPOTrainer"], ["loss_type", "f_divergence_type"])
    out["TrainingArguments"] = {
        "note": "transformers' TrainingArguments is not in the TRL mirror; these are the inherited fields the exported scripts pass",
        "docs": TRAINING_ARGUMENTS_DOCS,
        "fields": sorted(TRAINING_ARGUMENTS_USED),
    }
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mirror", default=MIRROR)
    parser.add_argument("--tag", default=TAG)
    parser.add_argument("--check", help="compare with this JSON file instead of printing; exit 1 when it differs")
    args = parser.parse_args()
    text = json.dumps(build(args.mirror, args.tag), indent=2) + "\n"
    if args.check:
        with open(args.check, encoding="utf-8") as f:
            same = f.read() == text
        print(f"{args.check}: {'up to date' if same else 'differs from the mirror; regenerate it'}")
        sys.exit(0 if same else 1)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
