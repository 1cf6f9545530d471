#!/usr/bin/env python3
"""Independent numeric oracle for KTO (TRL v1.9.0 KTOTrainer._compute_loss, non-Liger path).

Uses dpo_oracle's tiny GPT-2 and its weights (tiny_gpt2.make_weights: the same `policy` and
`reference` as dpo-oracle.json, not repeated here) on a seeded unpaired batch, in float64.

Output (src/core/testing/oracle/kto-oracle.json); N = 4 rows, T = 12, floats to 9 digits:
  beta, desirable_weight, undesirable_weight, eos_id, pad_id, config (the model)
  batch:
    prompt_ids, completion_ids, KL_completion_ids: N lists of ids (completions end in EOS;
      KL_completion_ids[i] = completion_ids[i-1], row 0 gets the last: TRL's
      [c[-1]] + c[:-1] over the batch)
    label: N booleans (true = desirable)
    input_ids, attention_mask, labels, completion_mask: [N][T], prompt + completion
    KL_input_ids, KL_attention_mask, KL_labels, KL_completion_mask: [N][T], prompt + KL
      completion. Right padding with pad_id; labels[t] = ids[t+1] (pad in the last column);
      completion_mask[t] = 1 iff the label at t is a completion token (TRL's mask[:, 1:]).
  completion_lengths: [N] (EOS included)
  cases: {kto, kto_swapped_roles, apo_zero_unpaired}, each:
    loss_type, policy_weights ("policy" or "reference": which dpo-oracle.json weights play
      the policy; the other set is the reference), kl_raw (mean over the N KL rows of
      policy − reference KL log-probs, before the clamp; null without KL), kl (TRL's KL
      estimate: kl_raw clamped at 0, detached; 0 for apo_zero_unpaired),
    logps: {policy, reference, KL_policy, KL_reference}: [N] completion log-prob sums
      (KL_* null without KL),
    row_losses: [N] per-row loss in batch order, already times desirable/undesirable weight,
    loss: the mean of row_losses over all N rows (TRL's losses.nanmean()),
    metrics: TRL's logged keys (see kto_metrics) plus loss and grad_norm,
    grads: {param name: flat row-major d loss / d policy weight}
  notes: one paragraph per case, the formula implemented.

Usage (from the repository root):
  /usr/bin/python3 tools/oracle/kto_oracle.py --out src/core/testing/oracle/kto-oracle.json
"""
import argparse
import json
import os

import torch

from tiny_gpt2 import (CONFIG, EOS_ID, PAD_ID, SEED, flat, make_weights, pad_rows,
                       param_shapes, r9, token_logps)
from kto_checks import check_gradients, check_policy_equals_reference

BETA, DESIRABLE_WEIGHT, UNDESIRABLE_WEIGHT = 0.5, 1.0, 1.5
LABELS = [True, False, True, True]
PROMPT_LENS = [2, 3, 1, 2]
COMPLETION_LENS = [3, 5, 2, 4]     # including EOS

NOTES = {
    "kto": "ρ = log π(y|x) − log π_ref(y|x) per row (completion sums). KL estimate z = "
           "max(0, mean_i[log π(y'_i|x_i) − log π_ref(y'_i|x_i)]) over the N mismatched KL rows, "
           "computed without gradient. Desirable rows: w_d·(1 − σ(β(ρ − z))); undesirable rows: "
           "w_u·(1 − σ(β(z − ρ))); loss = mean over all N rows (not a weighted mean).",
    "kto_swapped_roles": "The kto case with the two weight sets swapped (dpo-oracle.json's "
                         "`reference` is the policy and its `policy` the reference). Its raw KL "
                         "is negative, so the clamp sets z = 0 (while kto's z > 0).",
    "apo_zero_unpaired": "APO-zero, unpaired: desirable rows w_d·(1 − σ(βρ)), undesirable rows "
                         "w_u·σ(βρ); no KL rows are built (TRL's calculate_KL is false) and the "
                         "logged kl is 0; loss = mean over all N rows.",
}


def make_unpaired_batch():
    """Seed offset 27 is the first from 20 whose KL estimate is clearly positive (≈ 0.17) with
    the natural roles, so the kto case is not apo_zero_unpaired in disguise (a clamped KL of 0
    makes the two losses equal); the swapped roles then give the clamped case."""
    g = torch.Generator().manual_seed(SEED + 27)
    rnd = lambda k: torch.randint(0, 22, (k,), generator=g).tolist()
    prompts = [rnd(p) for p in PROMPT_LENS]
    completions = [rnd(c - 1) + [EOS_ID] for c in COMPLETION_LENS]
    kl_completions = [completions[-1]] + completions[:-1]
    matched = pad_rows([p + c for p, c in zip(prompts, completions)], PROMPT_LENS)
    kl = pad_rows([p + c for p, c in zip(prompts, kl_completions)], PROMPT_LENS)
    attention = lambda rows: [[1] * len(r) + [0] * (matched[0].shape[1] - len(r)) for r in rows]
    return prompts, completions, kl_completions, matched, kl, attention


def kto_losses(loss_type, rho, kl):
    """[N] per-row weighted losses in batch order."""
    labels = torch.tensor(LABELS)
    if loss_type == "kto":
        desirable, undesirable = 1 - torch.sigmoid(BETA * (rho - kl)), 1 - torch.sigmoid(BETA * (kl - rho))
    else:  # apo_zero_unpaired
        desirable, undesirable = 1 - torch.sigmoid(BETA * rho), torch.sigmoid(BETA * rho)
    return torch.where(labels, DESIRABLE_WEIGHT * desirable, UNDESIRABLE_WEIGHT * undesirable)


def kto_metrics(rho, logps, logits, mask, attention_mask, kl, loss, grads):
    """TRL's logged KTO metrics: per-group sums divided by the group's row count
    (rewards = β·ρ, logps); logits/* the vocab-mean logit averaged over the group's
    completion tokens; entropy over all completion tokens; num_tokens = attention_mask sum."""
    labels = torch.tensor(LABELS)
    groups = {"chosen": labels, "rejected": ~labels}
    m = {"loss": loss, "kl": kl}
    vocab_mean = logits.mean(-1)
    for name, sel in groups.items():
        m[f"rewards/{name}"] = (BETA * rho[sel]).sum() / sel.sum()
        m[f"logps/{name}"] = logps[sel].sum() / sel.sum()
        m[f"logits/{name}"] = (vocab_mean[sel] * mask[sel]).sum() / mask[sel].sum()
    m["rewards/margins"] = m["rewards/chosen"] - m["rewards/rejected"]
    p = torch.softmax(logits, -1)
    entropy = -(p * torch.log_softmax(logits, -1)).sum(-1)
    m["entropy"] = (entropy * mask).sum() / mask.sum()
    m["num_tokens"] = attention_mask.sum()
    m["grad_norm"] = torch.sqrt(sum((g ** 2).sum() for g in grads.values()))
    return {k: r9(v) for k, v in m.items()}


def kto_case(loss_type, policy, reference, matched, kl_rows, attention_mask, names):
    """One KTO step's loss, gradients and metrics; `policy` gets fresh leaves."""
    pol = {n: policy[n].clone().requires_grad_(True) for n in names}
    pol_tok, pol_logits = token_logps(pol, *matched)
    logps = pol_tok.sum(1)
    with torch.no_grad():
        ref_logps = token_logps(reference, *matched)[0].sum(1)
        if loss_type == "kto":
            kl_pol = token_logps(pol, *kl_rows)[0].sum(1)
            kl_ref = token_logps(reference, *kl_rows)[0].sum(1)
            kl_raw = (kl_pol - kl_ref).mean()
            kl = kl_raw.clamp(min=0)
        else:
            kl_pol = kl_ref = kl_raw = None
            kl = torch.zeros(())
    rho = logps - ref_logps
    rows = kto_losses(loss_type, rho, kl)
    loss = rows.mean()
    grads = dict(zip(names, torch.autograd.grad(loss, [pol[n] for n in names])))
    opt = lambda x: None if x is None else flat(x)
    return {
        "loss_type": loss_type,
        "kl_raw": None if kl_raw is None else r9(kl_raw),
        "kl": r9(kl),
        "logps": {"policy": flat(logps), "reference": flat(ref_logps),
                  "KL_policy": opt(kl_pol), "KL_reference": opt(kl_ref)},
        "row_losses": flat(rows),
        "loss": r9(loss),
        "metrics": kto_metrics(rho.detach(), logps.detach(), pol_logits.detach(), matched[2],
                               attention_mask, kl, loss.detach(), grads),
        "grads": {n: flat(grads[n]) for n in names},
    }, grads


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    names = [n for n, _, _ in param_shapes()]
    ref, pol = make_weights()
    prompts, completions, kl_completions, matched, kl_rows, attention = make_unpaired_batch()
    attention_mask = torch.tensor(attention([p + c for p, c in zip(prompts, completions)]))
    kl_attention = attention([p + c for p, c in zip(prompts, kl_completions)])

    cases, grads = {}, {}
    for case, loss_type, (p, r), role in (("kto", "kto", (pol, ref), "policy"),
                                          ("kto_swapped_roles", "kto", (ref, pol), "reference"),
                                          ("apo_zero_unpaired", "apo_zero_unpaired", (pol, ref), "policy")):
        cases[case], grads[case] = kto_case(loss_type, p, r, matched, kl_rows, attention_mask, names)
        cases[case]["policy_weights"] = role
    raw = [cases[c]["kl_raw"] for c in ("kto", "kto_swapped_roles")]
    assert raw[1] < 0 < raw[0], f"kto's KL must be positive and the swapped one clamped: {raw}"

    check_gradients(names, pol, ref, matched, kto_losses, grads, cases)
    check_policy_equals_reference(names, pol, matched, kl_rows, kto_case, attention_mask,
                                  LABELS, DESIRABLE_WEIGHT, UNDESIRABLE_WEIGHT)

    fixture = {
        "config": CONFIG, "beta": BETA, "desirable_weight": DESIRABLE_WEIGHT,
        "undesirable_weight": UNDESIRABLE_WEIGHT, "eos_id": EOS_ID, "pad_id": PAD_ID,
        "batch": {
            "prompt_ids": prompts, "completion_ids": completions,
            "KL_completion_ids": kl_completions, "label": LABELS,
            "input_ids": matched[0].tolist(), "attention_mask": attention_mask.tolist(),
            "labels": matched[1].tolist(), "completion_mask": matched[2].tolist(),
            "KL_input_ids": kl_rows[0].tolist(), "KL_attention_mask": kl_attention,
            "KL_labels": kl_rows[1].tolist(), "KL_completion_mask": kl_rows[2].tolist(),
        },
        "completion_lengths": flat(matched[2].sum(1)),
        "cases": cases,
        "notes": NOTES,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
    for case, c in cases.items():
        print(f"[info] {case}: loss={c['loss']} kl_raw={c['kl_raw']} kl={c['kl']} "
              f"row_losses={c['row_losses']}")
        print(f"[info] {case} metrics={c['metrics']}")
    print(f"[info] wrote {args.out} ({os.path.getsize(args.out)} bytes)")


if __name__ == "__main__":
    main()
