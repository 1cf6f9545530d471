"""The GPU run's Python probe: which Python, torch and CUDA device, and which of the libraries
the export checks load exports with (transformers, peft, safetensors, tokenizers).

Usage: probe_python.py OUT.json. Status "ok" when torch imports (the PyTorch pieces can run);
CUDA and each library are reported either way.
"""
import importlib
import json
import platform
import sys


def version(module):
    try:
        return importlib.import_module(module).__version__
    except Exception as error:  # noqa: BLE001 - a broken install is reported, not raised
        return None if isinstance(error, ImportError) else f"broken: {type(error).__name__}: {error}"[:200]


def main():
    out = sys.argv[1]
    result = {"python": platform.python_version(), "executable": sys.executable}
    for module in ("transformers", "peft", "safetensors", "tokenizers", "accelerate"):
        result[module] = version(module)
    try:
        import torch

        result.update(status="ok", torch=torch.__version__, torch_cuda=torch.version.cuda, cuda=torch.cuda.is_available())
        if result["cuda"]:
            p = torch.cuda.get_device_properties(0)
            result.update(gpu=torch.cuda.get_device_name(0), gpu_memory_bytes=p.total_memory,
                          capability=f"{p.major}.{p.minor}", devices=torch.cuda.device_count())
        else:
            result["cuda_reason"] = f"torch {torch.__version__} sees no CUDA device (built with CUDA {torch.version.cuda})"
    except ImportError as error:
        result.update(status="failed", reason=f"torch not installed: {error}")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    libraries = ", ".join(f"{m} {result[m] or 'missing'}" for m in ("transformers", "peft", "safetensors", "tokenizers"))
    cuda = result.get("gpu") or result.get("cuda_reason") or result.get("reason")
    print(f"probe: Python {result['python']}, torch {result.get('torch', 'missing')}, CUDA: {cuda}; {libraries}")


if __name__ == "__main__":
    main()
