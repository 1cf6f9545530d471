#!/usr/bin/env python3
"""Independent numeric oracle for the DPO training engine.

Builds a tiny GPT-2 (implemented here exactly as Hugging Face transformers'
modeling_gpt2.GPT2LMHeadModel computes it, without dropout), a seeded policy /
reference weight pair and a seeded preference batch, then records:
  * per-row completion log-probs of policy and reference,
  * ten preference losses (TRL DPOTrainer / paper formulas) and their
    autograd gradients w.r.t. the policy weights,
  * TRL-style metrics for the sigmoid loss,
  * TRL v1.9.0's other loss types and options (exo_pair, nca_pair, bco_pair, sppo_hard,
    aot, aot_unpaired, apo_down, discopop, f-divergences, WPO weighting, LD-DPO, a
    weighted combination), each with loss, gradients, metrics and its DPOConfig
    (dpo_variant_cases.py, computed by trl_dpo_loss.py),
  * weights after 2 clipped optimizer steps (AdamW, Adam, RMSprop) from torch,
  * learning-rate multipliers of transformers' warmup schedules.

All math runs in float64; the weights themselves are float32-representable
because the engine under test runs in float32.

Usage (from the repository root):
  /usr/bin/python3 tools/oracle/dpo_oracle.py --out src/core/testing/oracle/dpo-oracle.json
"""
import argparse
import json
import math
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

from tiny_gpt2 import (CONFIG, EOS_ID, PAD_ID, SEED, flat,
                       make_weights, pad_rows, param_shapes, r9, token_logps)
import dpo_variant_cases as variants

# ---------------------------------------------------------------- constants
BETA, LABEL_SMOOTHING, SIMPO_GAMMA = 0.5, 0.1, 0.5
B = 3
PROMPT_LENS = [2, 3, 1]
CHOSEN_LENS = [4, 3, 6]     # completion lengths including EOS
REJECTED_LENS = [5, 2, 3]


# ---------------------------------------------------------------- batch
def make_batch():
    """Rows [chosen_0..2, rejected_0..2]; pair i shares its prompt."""
    g = torch.Generator().manual_seed(SEED + 1)
    rnd = lambda k: torch.randint(0, 22, (k,), generator=g).tolist()
    prompts = [rnd(p) for p in PROMPT_LENS]
    rows = [prompts[i] + rnd(comp_lens[i] - 1) + [EOS_ID]
            for comp_lens in (CHOSEN_LENS, REJECTED_LENS) for i in range(B)]
    return pad_rows(rows, PROMPT_LENS + PROMPT_LENS)


def row_logps(w, input_ids, labels, mask):
    lp, logits = token_logps(w, input_ids, labels, mask)
    return lp.sum(-1), logits


# ---------------------------------------------------------------- losses
def all_losses(pol_lp, ref_lp, lens):
    """Scalar batch losses (mean over pairs unless stated) by name."""
    pw, pl = pol_lp[:B], pol_lp[B:]
    rw, rl = ref_lp[:B], ref_lp[B:]
    lw, ll = lens[:B], lens[B:]
    rho_w, rho_l = pw - rw, pl - rl
    hh = rho_w - rho_l
    eps, lsig = LABEL_SMOOTHING, F.logsigmoid
    out = {}
    out["sigmoid"] = (-lsig(BETA * hh)).mean()
    out["sigmoid_smoothed"] = (-(1 - eps) * lsig(BETA * hh) - eps * lsig(-BETA * hh)).mean()
    out["robust"] = ((-(1 - eps) * lsig(BETA * hh) + eps * lsig(-BETA * hh)) / (1 - 2 * eps)).mean()
    h_ipo = (pw / lw - rw / lw) - (pl / ll - rl / ll)
    out["ipo"] = ((h_ipo - 1 / (2 * BETA)) ** 2).mean()
    out["hinge"] = torch.relu(1 - BETA * hh).mean()
    out["sigmoid_norm"] = (-lsig(BETA * (rho_w / lw - rho_l / ll))).mean()
    out["apo_zero"] = ((1 - torch.sigmoid(BETA * rho_w)) + torch.sigmoid(BETA * rho_l)).mean()
    out["sft"] = -pw.sum() / lw.sum()   # token mean over all chosen tokens
    out["simpo"] = (-lsig(BETA * (pw / lw - pl / ll) - SIMPO_GAMMA)).mean()
    out["combined"] = 1.0 * out["sigmoid"] + 0.5 * out["sft"]
    return out


LOSS_NAMES = ["sigmoid", "sigmoid_smoothed", "robust", "ipo", "hinge",
              "sigmoid_norm", "apo_zero", "sft", "simpo", "combined"]


# ---------------------------------------------------------------- schedules
def lr_constant(s, w, n):
    return s / max(1, w) if s < w else 1.0


def lr_linear(s, w, n):
    return s / max(1, w) if s < w else max(0.0, (n - s) / max(1, n - w))


def lr_cosine(s, w, n, cycles=0.5):
    if s < w:
        return s / max(1, w)
    progress = (s - w) / max(1, n - w)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * cycles * 2.0 * progress)))


# ---------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    names = [n for n, _, _ in param_shapes()]
    ref, pol0 = make_weights()
    input_ids, labels, mask = make_batch()
    lens = mask.sum(-1)

    with torch.no_grad():
        ref_lp, _ = row_logps(ref, input_ids, labels, mask)

    def fresh_policy():
        return {n: pol0[n].clone().requires_grad_(True) for n in names}

    # ---- losses and gradients (one fresh graph per loss)
    losses_json, grads = {}, {}
    for lname in LOSS_NAMES:
        pol = fresh_policy()
        pol_lp, _ = row_logps(pol, input_ids, labels, mask)
        loss = all_losses(pol_lp, ref_lp, lens)[lname]
        g = torch.autograd.grad(loss, [pol[n] for n in names])
        grads[lname] = dict(zip(names, g))
        losses_json[lname] = {"loss": r9(loss.item()),
                              "grads": {n: flat(gi) for n, gi in zip(names, g)}}

    # ---- policy log-probs / logits (no grad) and metrics for sigmoid loss
    with torch.no_grad():
        pol_lp, pol_logits = row_logps(pol0, input_ids, labels, mask)
        rho_w, rho_l = pol_lp[:B] - ref_lp[:B], pol_lp[B:] - ref_lp[B:]
        rew_w, rew_l = BETA * rho_w, BETA * rho_l
        vocab_mean = pol_logits.mean(-1)  # [2B,T] mean over vocab
        logit_c = (vocab_mean[:B] * mask[:B]).sum() / mask[:B].sum()
        logit_r = (vocab_mean[B:] * mask[B:]).sum() / mask[B:].sum()
        gnorm = torch.sqrt(sum((g ** 2).sum() for g in grads["sigmoid"].values()))
    metrics = {
        "loss": losses_json["sigmoid"]["loss"],
        "rewards/chosen": r9(rew_w.mean()),
        "rewards/rejected": r9(rew_l.mean()),
        "rewards/margins": r9((rew_w - rew_l).mean()),
        "rewards/accuracies": r9((rew_w > rew_l).double().mean()),
        "logps/chosen": r9(pol_lp[:B].mean()),
        "logps/rejected": r9(pol_lp[B:].mean()),
        "logits/chosen": r9(logit_c),
        "logits/rejected": r9(logit_r),
        "grad_norm": r9(gnorm),
    }

    # ---- TRL v1.9.0's other losses and options, each with its own metrics and config
    new_cases = variants.variant_cases(
        BETA, LABEL_SMOOTHING, names, pol0, ref, (input_ids, labels, mask), token_logps,
        {**{k: v["loss"] for k, v in losses_json.items()}, "metrics": metrics},
        (PROMPT_LENS, CHOSEN_LENS, REJECTED_LENS))

    # ---- sanity check 1: central finite difference along a random direction
    gfd = torch.Generator().manual_seed(SEED + 2)
    direction = {n: torch.randn(pol0[n].shape, generator=gfd) for n in names}

    def sig_loss(wts):
        lp, _ = row_logps(wts, input_ids, labels, mask)
        return all_losses(lp, ref_lp, lens)["sigmoid"].item()

    h_fd = 1e-5
    with torch.no_grad():
        lp_plus = sig_loss({n: pol0[n] + h_fd * direction[n] for n in names})
        lp_minus = sig_loss({n: pol0[n] - h_fd * direction[n] for n in names})
    fd = (lp_plus - lp_minus) / (2 * h_fd)
    analytic = sum((grads["sigmoid"][n] * direction[n]).sum().item() for n in names)
    rel = abs(fd - analytic) / max(abs(analytic), 1e-12)
    print(f"[check] sigmoid grad . dir: autograd={analytic:.12g} "
          f"finite-diff={fd:.12g} rel_err={rel:.3e}")
    assert rel < 1e-6, "finite-difference gradient check failed"

    # ---- sanity check 2: policy == reference gives ln 2 for the sigmoid loss
    with torch.no_grad():
        l_same = all_losses(ref_lp, ref_lp, lens)["sigmoid"].item()
    print(f"[check] sigmoid loss at policy==reference: {l_same:.15g} "
          f"(ln 2 = {math.log(2):.15g})")
    assert abs(l_same - math.log(2)) < 1e-12

    # ---- optimizers: same sigmoid gradient, clipped, applied twice
    def run_opt(make):
        params = [torch.nn.Parameter(pol0[n].clone()) for n in names]
        opt = make(params)
        for _ in range(2):
            opt.zero_grad()
            for p, n in zip(params, names):
                p.grad = grads["sigmoid"][n].clone()
            torch.nn.utils.clip_grad_norm_(params, max_norm=1.0)
            opt.step()
        return {n: flat(p) for n, p in zip(names, params)}

    optimizers = {
        "adamw": run_opt(lambda ps: torch.optim.AdamW(
            ps, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)),
        "adam": run_opt(lambda ps: torch.optim.Adam(
            ps, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)),
        "rmsprop": run_opt(lambda ps: torch.optim.RMSprop(
            ps, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0)),
    }

    # ---- schedules (warmup 3, total 10, steps 0..9)
    W, N = 3, 10
    schedules = {k: [r9(f(s, W, N)) for s in range(N)]
                 for k, f in (("constant", lr_constant), ("linear", lr_linear),
                              ("cosine", lr_cosine))}

    wjson = lambda d: {n: {"shape": list(d[n].shape), "data": flat(d[n])} for n in names}
    fixture = {
        "config": CONFIG,
        "beta": BETA, "label_smoothing": LABEL_SMOOTHING, "simpo_gamma": SIMPO_GAMMA,
        "eos_id": EOS_ID, "pad_id": PAD_ID,
        "batch": {"input_ids": input_ids.tolist(), "labels": labels.tolist(),
                  "completion_mask": mask.tolist()},
        "reference": wjson(ref), "policy": wjson(pol0),
        "logps": {"policy": flat(pol_lp), "reference": flat(ref_lp)},
        "completion_lengths": flat(lens),
        "losses": {**losses_json, **new_cases},
        "metrics": metrics,
        "optimizers": optimizers,
        "schedules": schedules,
        "discopop_tau": variants.DISCOPOP_TAU,
        "f_alpha_divergence_coef": variants.F_ALPHA_DIVERGENCE_COEF,
        "ld_alpha": variants.LD_ALPHA,
        "notes": variants.NOTES,
    }
    # Exported weights must be the exact float32 values.
    for n in names:
        for src in (ref, pol0):
            assert torch.equal(src[n].float().double(), src[n])

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
    print(f"[info] logps.policy={fixture['logps']['policy']}")
    print(f"[info] logps.reference={fixture['logps']['reference']}")
    print(f"[info] completion_lengths={fixture['completion_lengths']}")
    print("[info] losses: " + ", ".join(f"{k}={v['loss']}" for k, v in losses_json.items()))
    print(f"[info] metrics={metrics}")
    print(f"[info] wrote {args.out} ({os.path.getsize(args.out)} bytes)")


if __name__ == "__main__":
    main()
