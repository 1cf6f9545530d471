"""The benchmark's anchor: the same GPT-2 shape, batch and DPO/SFT math in PyTorch on the CPU.

Usage: torch_bench.py '<json>' where json = {"cases": [{model, config, pairs, length}],
"options": {warmup, measure, block}}. Prints {"runs": [...]} with the fields of the
TypeScript benchmark that apply (medians of per-step times, ms). Written for Debian's
python3-torch (1.13); float32, torch.optim.AdamW, reference log-probs cached or recomputed.
"""
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def init(cfg):
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
    return {k: t.requires_grad_(True) for k, t in w.items()}


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def logits(w, cfg, ids):
    n, t = ids.shape
    d, h = cfg["nEmbd"], cfg["nHead"]
    hd = d // h
    x = w["wte"][ids] + w["wpe"][:t][None]
    mask = torch.triu(torch.full((t, t), float("-inf")), diagonal=1)
    for i in range(cfg["nLayer"]):
        a = F.layer_norm(x, (d,), w[f"{i}.ln1_w"], w[f"{i}.ln1_b"], 1e-5) @ w[f"{i}.attn_w"] + w[f"{i}.attn_b"]
        q, k, v = (z.view(n, t, h, hd).transpose(1, 2) for z in a.split(d, dim=-1))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + mask, dim=-1) @ v
        x = x + att.transpose(1, 2).reshape(n, t, d) @ w[f"{i}.proj_w"] + w[f"{i}.proj_b"]
        m = gelu_new(F.layer_norm(x, (d,), w[f"{i}.ln2_w"], w[f"{i}.ln2_b"], 1e-5) @ w[f"{i}.fc_w"] + w[f"{i}.fc_b"])
        x = x + m @ w[f"{i}.fc2_w"] + w[f"{i}.fc2_b"]
    return F.layer_norm(x, (d,), w["lnf_w"], w["lnf_b"], 1e-5) @ w["wte"].T


def seq_logps(w, cfg, ids, labels, mask):
    lp = torch.log_softmax(logits(w, cfg, ids), dim=-1).gather(-1, labels[..., None])[..., 0]
    return (lp * mask).sum(-1)


def batch(cfg, rows, length):
    g = torch.Generator().manual_seed(5)
    ids = torch.randint(0, min(cfg["vocabSize"], 256), (rows, length), generator=g)
    labels = torch.roll(ids, -1, dims=1)
    mask = torch.zeros(rows, length)
    mask[:, length // 4:length - 1] = 1.0
    return ids, labels, mask


def timed(step, o):
    for _ in range(o["warmup"]):
        step()
    blocks = []
    for _ in range(max(1, o["measure"] // o["block"])):
        t0 = time.perf_counter()
        for _ in range(o["block"]):
            step()
        blocks.append((time.perf_counter() - t0) * 1000 / o["block"])
    return statistics.median(blocks)


def run_case(c, o):
    cfg, pairs, length = c["config"], c["pairs"], c["length"]
    ids, labels, mask = batch(cfg, 2 * pairs, length)
    policy = init(cfg)
    reference = {k: t.detach().clone() for k, t in policy.items()}
    opt = torch.optim.AdamW(policy.values(), lr=1e-4, weight_decay=0.0)
    with torch.no_grad():
        cached = seq_logps(reference, cfg, ids, labels, mask)

    def dpo(ref_lp):
        opt.zero_grad(set_to_none=True)
        lp = seq_logps(policy, cfg, ids, labels, mask)
        ref = ref_lp() if callable(ref_lp) else ref_lp
        margin = 0.1 * ((lp[:pairs] - ref[:pairs]) - (lp[pairs:] - ref[pairs:]))
        (-F.logsigmoid(margin)).mean().backward()
        torch.nn.utils.clip_grad_norm_(policy.values(), 1.0)
        opt.step()

    def uncached_ref():
        with torch.no_grad():
            return seq_logps(reference, cfg, ids, labels, mask)

    def sft():
        opt.zero_grad(set_to_none=True)
        (-seq_logps(policy, cfg, ids, labels, mask).sum() / mask.sum()).backward()
        torch.nn.utils.clip_grad_norm_(policy.values(), 1.0)
        opt.step()

    t0 = time.perf_counter()
    dpo(cached)
    first = (time.perf_counter() - t0) * 1000
    return {
        "backend": f"pytorch-cpu ({torch.get_num_threads()} threads)",
        "model": c["model"],
        "tokens": 2 * pairs * length,
        "dpo_ms": timed(lambda: dpo(cached), o),
        "dpo_uncached_ms": timed(lambda: dpo(uncached_ref), o),
        "sft_ms": timed(sft, o),
        "ref_cached": True,
        "first_step_ms": first,
    }


def main():
    request = json.loads(sys.argv[1])
    torch.manual_seed(0)
    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1)))
    print(json.dumps({"runs": [run_case(c, request["options"]) for c in request["cases"]]}))


if __name__ == "__main__":
    main()
