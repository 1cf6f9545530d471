"""The benchmark's anchor: the same GPT-2 or Llama shape, batch and DPO/SFT math in PyTorch.

Usage: torch_bench.py '<json>' [--out FILE] where json = {"cases": [{model, config, pairs,
length, lora?}], "options": {warmup, measure, block}, "device": "cpu" | "cuda" (default cpu),
"autocast": null | "bf16"}. Prints {"runs": [...]} with the fields of the TypeScript benchmark
that apply (medians of per-step times, ms); with --out it writes that object, plus
"status" and the torch/device description, to FILE instead, rewritten after each case with
status "running" until the last is done. Written for Debian's
python3-torch (1.13) and current PyTorch on CUDA; float32 weights (bf16 autocast when asked),
eager, torch.optim.AdamW, reference log-probs cached or recomputed. A case with "lora" trains
PEFT-style adapters (A [r, in], B [out, r], scale alpha / r) on the frozen base, which is also
the reference, as the app does. On CUDA each block ends with a synchronize, as the app's
block ends with one read-back; peak GPU bytes and CUDA kernels per step are recorded too.
A case that fails is recorded with its reason and the next one still runs.
"""
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

# PEFT target name -> our weight key; GPT-2's c_proj names both the attention and the MLP output.
LORA_MODULES = {"c_attn": ["attn_w"], "c_proj": ["proj_w", "fc2_w"], "c_fc": ["fc_w"]}


def init(cfg, device):
    g = torch.Generator().manual_seed(1)
    d, v, p = cfg["nEmbd"], cfg["vocabSize"], cfg["nPositions"]
    w = {"wte": torch.randn(v, d, generator=g) * 0.02, "wpe": torch.randn(p, d, generator=g) * 0.01}
    for i in range(cfg["nLayer"]):
        for name, shape in [("ln1_w", [d]), ("ln1_b", [d]), ("attn_w", [d, 3 * d]), ("attn_b", [3 * d]),
                            ("proj_w", [d, d]), ("proj_b", [d]), ("ln2_w", [d]), ("ln2_b", [d]),
                            ("fc_w", [d, 4 * d]), ("fc_b", [4 * d]), ("fc2_w", [4 * d, d]), ("fc2_b", [d])]:
            t = torch.ones(shape) if name.endswith("_w") and name.startswith("ln") else (
                torch.zeros(shape) if name.endswith("_b") else torch.randn(*shape, generator=g) * 0.02)
            w[f"{i}.{name}"] = t
    w["lnf_w"], w["lnf_b"] = torch.ones(d), torch.zeros(d)
    return {k: t.to(device).requires_grad_(True) for k, t in w.items()}


def init_lora(w, cfg, lora, device):
    """Adapters {key: (A [r, in], B [out, r])} for every targeted projection of every layer."""
    g = torch.Generator().manual_seed(2)
    r = lora["rank"]
    targets = LLAMA_MODULES if "all-linear" in lora["targets"] else lora["targets"]
    adapters = {}
    for i in range(cfg["nLayer"]):
        for target in targets:
            for key in [target] if is_llama(cfg) else LORA_MODULES[target]:
                shape = w[f"{i}.{key}"].shape
                fan_in, fan_out = (shape[1], shape[0]) if is_llama(cfg) else shape  # nn.Linear [out, in]; Conv1D [in, out]
                a = (torch.rand(r, fan_in, generator=g) * 2 - 1) / math.sqrt(fan_in)
                b = torch.randn(fan_out, r, generator=g) * 0.01
                adapters[f"{i}.{key}"] = (a.to(device).requires_grad_(True), b.to(device).requires_grad_(True))
    return adapters


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def logits(w, cfg, ids, adapters=None, scale=0.0):
    n, t = ids.shape
    d, h = cfg["nEmbd"], cfg["nHead"]
    hd = d // h
    x = w["wte"][ids] + w["wpe"][:t][None]
    mask = torch.triu(torch.full((t, t), float("-inf"), device=ids.device), diagonal=1)

    def linear(z, i, key, bias):
        y = z @ w[f"{i}.{key}"] + w[f"{i}.{bias}"]
        if adapters and f"{i}.{key}" in adapters:
            a, b = adapters[f"{i}.{key}"]
            y = y + scale * ((z @ a.T) @ b.T)
        return y

    for i in range(cfg["nLayer"]):
        a = linear(F.layer_norm(x, (d,), w[f"{i}.ln1_w"], w[f"{i}.ln1_b"], 1e-5), i, "attn_w", "attn_b")
        q, k, v = (z.view(n, t, h, hd).transpose(1, 2) for z in a.split(d, dim=-1))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + mask, dim=-1) @ v
        x = x + linear(att.transpose(1, 2).reshape(n, t, d), i, "proj_w", "proj_b")
        m = gelu_new(linear(F.layer_norm(x, (d,), w[f"{i}.ln2_w"], w[f"{i}.ln2_b"], 1e-5), i, "fc_w", "fc_b"))
        x = x + linear(m, i, "fc2_w", "fc2_b")
    return F.layer_norm(x, (d,), w["lnf_w"], w["lnf_b"], 1e-5) @ w["wte"].T


LLAMA_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def is_llama(cfg):
    return cfg.get("family") == "llama"


def init_llama(cfg, device):
    """A Llama-family model (the bench's shapes: q/k/v biases as Qwen2 has them, no other biases, no q/k norms), nn.Linear weights [out, in]."""
    unsupported = [k for k in ("outputBias", "mlpBias", "qkNorm", "ropeScaling") if cfg.get(k)]
    if unsupported:
        raise NotImplementedError(f"torch_bench's Llama has no {', '.join(unsupported)}")
    g = torch.Generator().manual_seed(1)
    d, v, hd, f = cfg["nEmbd"], cfg["vocabSize"], cfg["headDim"], cfg["intermediateSize"]
    q, kv = cfg["nHead"] * hd, cfg["nKvHead"] * hd
    w = {"embed": torch.randn(v, d, generator=g) * 0.02, "norm": torch.ones(d)}
    if not cfg.get("tieWordEmbeddings"):
        w["head"] = torch.randn(v, d, generator=g) * 0.02
    for i in range(cfg["nLayer"]):
        w[f"{i}.ln1"], w[f"{i}.ln2"] = torch.ones(d), torch.ones(d)
        for name, shape in [("q_proj", [q, d]), ("k_proj", [kv, d]), ("v_proj", [kv, d]), ("o_proj", [d, q]),
                            ("gate_proj", [f, d]), ("up_proj", [f, d]), ("down_proj", [d, f])]:
            w[f"{i}.{name}"] = torch.randn(*shape, generator=g) * 0.02
            if cfg.get("qkvBias") and name in ("q_proj", "k_proj", "v_proj"):
                w[f"{i}.{name}.bias"] = torch.zeros(shape[0])
    return {k: t.to(device).requires_grad_(True) for k, t in w.items()}


def rms_norm(x, gain, eps):
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps) * gain


def llama_logits(w, cfg, ids, adapters=None, scale=0.0):
    n, t = ids.shape
    nh, nkv, hd, eps = cfg["nHead"], cfg["nKvHead"], cfg["headDim"], cfg["layerNormEpsilon"]
    inv_freq = 1.0 / cfg["ropeTheta"] ** (torch.arange(0, hd, 2, device=ids.device, dtype=torch.float32) / hd)
    angles = torch.arange(t, device=ids.device, dtype=torch.float32)[:, None] * inv_freq[None]
    cos, sin = torch.cat([angles, angles], -1).cos(), torch.cat([angles, angles], -1).sin()
    mask = torch.triu(torch.full((t, t), float("-inf"), device=ids.device), diagonal=1)

    def linear(z, key):
        y = z @ w[key].T
        if key + ".bias" in w:
            y = y + w[key + ".bias"]
        if adapters and key in adapters:
            a, b = adapters[key]
            y = y + scale * ((z @ a.T) @ b.T)
        return y

    def rope(z):  # rotate-half, as transformers' Llama
        half = z.shape[-1] // 2
        return z * cos + torch.cat([-z[..., half:], z[..., :half]], -1) * sin

    x = w["embed"][ids]
    for i in range(cfg["nLayer"]):
        a = rms_norm(x, w[f"{i}.ln1"], eps)
        q = rope(linear(a, f"{i}.q_proj").view(n, t, nh, hd).transpose(1, 2))
        k = rope(linear(a, f"{i}.k_proj").view(n, t, nkv, hd).transpose(1, 2)).repeat_interleave(nh // nkv, dim=1)
        v = linear(a, f"{i}.v_proj").view(n, t, nkv, hd).transpose(1, 2).repeat_interleave(nh // nkv, dim=1)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + mask, dim=-1) @ v
        x = x + linear(att.transpose(1, 2).reshape(n, t, nh * hd), f"{i}.o_proj")
        m = rms_norm(x, w[f"{i}.ln2"], eps)
        x = x + linear(F.silu(linear(m, f"{i}.gate_proj")) * linear(m, f"{i}.up_proj"), f"{i}.down_proj")
    return rms_norm(x, w["norm"], eps) @ w.get("head", w["embed"]).T


def seq_logps(w, cfg, ids, labels, mask, adapters=None, scale=0.0):
    forward = llama_logits if is_llama(cfg) else logits
    lp = torch.log_softmax(forward(w, cfg, ids, adapters, scale).float(), dim=-1).gather(-1, labels[..., None])[..., 0]
    return (lp * mask).sum(-1)


def batch(cfg, rows, length, device):
    g = torch.Generator().manual_seed(5)
    ids = torch.randint(0, min(cfg["vocabSize"], 256), (rows, length), generator=g)
    labels = torch.roll(ids, -1, dims=1)
    mask = torch.zeros(rows, length)
    mask[:, length // 4:length - 1] = 1.0
    return ids.to(device), labels.to(device), mask.to(device)


def timed(step, o, sync):
    for _ in range(o["warmup"]):
        step()
    sync()
    blocks = []
    for _ in range(max(1, o["measure"] // o["block"])):
        t0 = time.perf_counter()
        for _ in range(o["block"]):
            step()
        sync()  # the app's block ends with one read-back
        blocks.append((time.perf_counter() - t0) * 1000 / o["block"])
    return statistics.median(blocks)


def cuda_kernels(step):
    """CUDA kernels (and copies) one step launches, by torch.profiler; None where it cannot tell."""
    try:
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            step()
            torch.cuda.synchronize()
        return sum(1 for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA)
    except Exception as error:  # noqa: BLE001 - a profiler problem must not lose the timings
        print(f"torch_bench: kernel count unavailable: {error}", file=sys.stderr)
        return None


def backend_name(device, autocast):
    if device == "cuda":
        return "pytorch-cuda " + ("bf16 autocast" if autocast == "bf16" else "fp32")
    return f"pytorch-cpu ({torch.get_num_threads()} threads)" + (" bf16 autocast" if autocast == "bf16" else "")


def run_case(c, o, device="cpu", autocast=None):
    cfg, pairs, length, lora = c["config"], c["pairs"], c["length"], c.get("lora")
    cuda = device == "cuda"
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    ids, labels, mask = batch(cfg, 2 * pairs, length, device)
    policy = (init_llama if is_llama(cfg) else init)(cfg, device)
    adapters, scale = None, 0.0
    if lora:
        for t in policy.values():
            t.requires_grad_(False)
        reference = policy  # LoRA: the frozen base is the reference
        adapters, scale = init_lora(policy, cfg, lora, device), lora["alpha"] / lora["rank"]
        trained = [t for pair in adapters.values() for t in pair]
    else:
        reference = {k: t.detach().clone() for k, t in policy.items()}
        trained = list(policy.values())
    opt = torch.optim.AdamW(trained, lr=1e-4, weight_decay=0.0)
    cast = (lambda: torch.autocast(device_type=device, dtype=torch.bfloat16)) if autocast == "bf16" else None

    def forward(w, with_adapters):
        if cast:
            with cast():
                return seq_logps(w, cfg, ids, labels, mask, adapters if with_adapters else None, scale)
        return seq_logps(w, cfg, ids, labels, mask, adapters if with_adapters else None, scale)

    with torch.no_grad():
        cached = forward(reference, False)

    def dpo(ref_lp):
        opt.zero_grad(set_to_none=True)
        lp = forward(policy, True)
        ref = ref_lp() if callable(ref_lp) else ref_lp
        margin = 0.1 * ((lp[:pairs] - ref[:pairs]) - (lp[pairs:] - ref[pairs:]))
        (-F.logsigmoid(margin)).mean().backward()
        torch.nn.utils.clip_grad_norm_(trained, 1.0)
        opt.step()

    def uncached_ref():
        with torch.no_grad():
            return forward(reference, False)

    def sft():
        opt.zero_grad(set_to_none=True)
        (-forward(policy, True).sum() / mask.sum()).backward()
        torch.nn.utils.clip_grad_norm_(trained, 1.0)
        opt.step()

    t0 = time.perf_counter()
    dpo(cached)
    sync()
    first = (time.perf_counter() - t0) * 1000
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    run = {
        "backend": backend_name(device, autocast),
        "model": c["model"],
        "tokens": 2 * pairs * length,
        "dpo_ms": timed(lambda: dpo(cached), o, sync),
    }
    if cuda:
        run["peak_bytes"] = torch.cuda.max_memory_allocated()
    run["dpo_uncached_ms"] = timed(lambda: dpo(uncached_ref), o, sync)
    run["sft_ms"] = timed(sft, o, sync)
    run["ref_cached"] = True
    run["first_step_ms"] = first
    if cuda:
        run["kernels_per_step"] = cuda_kernels(lambda: dpo(cached))
        run["sft_kernels_per_step"] = cuda_kernels(sft)
    return run


def describe(device):
    info = {"torch": torch.__version__, "device": device, "threads": torch.get_num_threads()}
    if device == "cuda":
        p = torch.cuda.get_device_properties(0)
        info.update(gpu=torch.cuda.get_device_name(0), cuda=torch.version.cuda, memory_bytes=p.total_memory,
                    capability=f"{p.major}.{p.minor}", allow_tf32=torch.backends.cuda.matmul.allow_tf32)
    return info


def main():
    args = sys.argv[1:]
    out = None
    if "--out" in args:
        i = args.index("--out")
        out, args = args[i + 1], args[:i] + args[i + 2:]
    request = json.loads(args[0])
    device, autocast = request.get("device", "cpu"), request.get("autocast")
    torch.manual_seed(0)
    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1)))
    if out is None:  # the Node benchmark's call: every case must run
        print(json.dumps({"runs": [run_case(c, request["options"], device, autocast) for c in request["cases"]]}))
        return
    if device == "cuda" and not torch.cuda.is_available():
        reason = f"torch {torch.__version__} sees no CUDA device (built with CUDA {torch.version.cuda})"
        with open(out, "w", encoding="utf-8") as f:
            json.dump({"status": "failed", "reason": reason, "torch": torch.__version__, "device": device, "runs": []}, f, indent=2)
        return
    def write(result):
        with open(out + ".part", "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
        os.replace(out + ".part", out)

    runs, about = [], describe(device)
    for c in request["cases"]:
        try:
            runs.append({"status": "ok", **run_case(c, request["options"], device, autocast)})
        except Exception as error:  # noqa: BLE001 - record it, keep the other cases' figures
            runs.append({"status": "failed", "model": c["model"], "backend": backend_name(device, autocast),
                         "reason": f"{type(error).__name__}: {error}"[:500]})
            if device == "cuda":
                torch.cuda.empty_cache()
        print(f"torch_bench: {json.dumps(runs[-1])}", file=sys.stderr)
        # What is done so far, should the caller's timeout stop the next case.
        write({"status": "running", **about, "runs": runs})
    ok = any(r["status"] == "ok" for r in runs)
    result = {"status": "ok" if ok else "failed", **about, "runs": runs}
    if not ok:
        result["reason"] = "; ".join(r["reason"] for r in runs) or "no cases"
    write(result)


if __name__ == "__main__":
    main()
