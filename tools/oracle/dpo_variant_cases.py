"""The dpo-oracle.json cases for TRL v1.9.0's remaining DPO losses and options.

Each case is a DPOConfig (the fields that differ from TRL's defaults, plus beta) run through
trl_dpo_loss on dpo_oracle's batch; the fixture records its loss, autograd gradient w.r.t.
every policy weight, TRL's logged metrics and the config itself. NOTES states, per case, the
formula implemented; it is written into the fixture as `notes`.
"""
import itertools

import torch
import torch.nn.functional as F

from tiny_gpt2 import EOS_ID, SEED, flat, pad_rows, r9
from trl_dpo_loss import trl_dpo_loss

DISCOPOP_TAU, F_ALPHA_DIVERGENCE_COEF, LD_ALPHA = 0.05, 0.5, 0.5
COMBINED_LOSS_TYPE, COMBINED_LOSS_WEIGHTS = ["sigmoid", "exo_pair", "sft"], [1.0, 0.5, 0.25]


def case_configs(beta, label_smoothing):
    """Case name -> DPOConfig fields. label_smoothing (0.1) is set on every case because
    exo_pair requires it, and aot / aot_unpaired read it too; the other losses ignore it."""
    base = {"beta": beta, "label_smoothing": label_smoothing}
    one = lambda t, **kw: {**base, "loss_type": [t], **kw}
    return {
        "exo_pair": one("exo_pair"),
        "nca_pair": one("nca_pair"),
        "bco_pair": one("bco_pair"),
        "bco_pair_second_step": one("bco_pair"),
        "sppo_hard": one("sppo_hard"),
        "aot": one("aot"),
        "aot_own_batch": one("aot"),
        "aot_unpaired": one("aot_unpaired"),
        "apo_down": one("apo_down"),
        "discopop": one("discopop", discopop_tau=DISCOPOP_TAU),
        "forward_kl": one("sigmoid", f_divergence_type="forward_kl"),
        "js_divergence": one("sigmoid", f_divergence_type="js_divergence"),
        "alpha_divergence": one("sigmoid", f_divergence_type="alpha_divergence",
                                f_alpha_divergence_coef=F_ALPHA_DIVERGENCE_COEF),
        "use_weighting": one("sigmoid", use_weighting=True),
        "ld_alpha": one("sigmoid", ld_alpha=LD_ALPHA),
        "combined_exo_sft": {**base, "loss_type": COMBINED_LOSS_TYPE,
                             "loss_weights": COMBINED_LOSS_WEIGHTS},
    }


# ρ_w = log π(y_w|x) − log π_ref(y_w|x) (summed over completion tokens), ρ_l likewise;
# s = f'-score of ρ (ρ itself under reverse_kl); δ = s_w − s_l; every loss is a mean over pairs.
NOTES = {
    "exo_pair": "EXO-pref (Eq. 16): with z = βδ and ε = label_smoothing, σ(z)(logσ(z) − log(1−ε)) + "
                "σ(−z)(logσ(−z) − log ε). TRL raises a ValueError for ε = 0 (log 0), so ε = 0.1.",
    "nca_pair": "NCA: −logσ(βs_w) − ½ logσ(−βs_w) − ½ logσ(−βs_l).",
    "bco_pair": "BCO (pair): −logσ(βs_w) − logσ(−βs_l). In TRL v1.9.0 DPOTrainer there is no "
                "RunningMoments reward shift δ (it was removed in the 'Refactor DPO' commit "
                "e3b7897c8; only trl.experimental.bco's BCOTrainer keeps one), so the first step "
                "uses no shift at all.",
    "bco_pair_second_step": "The same batch and weights passed a second time. TRL v1.9.0's DPO "
                            "bco_pair is stateless, so this equals bco_pair exactly: an engine that "
                            "carries a running reward mean between steps fails this case.",
    "sppo_hard": "SPPO (hard labels): (s_w − 1/(2β))² + (s_l + 1/(2β))², on summed (not length-"
                 "averaged) log-ratios.",
    "aot": "AOT (paired): g = sort_over_batch(log π(y_w) − log π(y_l)), g_ref = sort_over_batch("
           "log π_ref(y_w) − log π_ref(y_l)), each sorted ascending on its own; d = g − g_ref; "
           "−(1−ε)logσ(βd) − ε logσ(−βd), ε = label_smoothing = 0.1. Gradients flow through the sort "
           "(a permutation). On this batch both sorts give the same order, so the loss and "
           "gradients equal the unsorted form (the sigmoid_smoothed values): see aot_own_batch.",
    "aot_own_batch": "AOT (paired) exactly as in `aot`, on the case's own `batch` (same weights "
                     "and layout, other seeded rows and lengths), where the "
                     "policy's and the reference's gaps sort into different orders, so skipping "
                     "the sort changes the loss. `logps` holds that batch's per-row sums.",
    "aot_unpaired": "AOT (unpaired): d = sort(ρ_w) − sort(ρ_l) (each ascending over the batch); "
                    "−(1−ε)logσ(βd) − ε logσ(−βd), ε = 0.1.",
    "apo_down": "APO-down (Eq. 8): σ(βρ_w) + 1 − σ(βδ).",
    "discopop": "DiscoPOP (Eq. 5): z = βδ, m = σ(z/τ) with τ = discopop_tau = 0.05 (m is not "
                "detached); −logσ(z)(1 − m) + exp(−z)m.",
    "forward_kl": "Sigmoid loss −logσ(βδ) with f-DPO scores s = −exp(−ρ) (forward KL, f'(t) = 1 − 1/t "
                  "without the constant). Logged rewards stay βρ.",
    "js_divergence": "Sigmoid loss −logσ(βδ) with s = logσ(ρ) (Jensen–Shannon, f'(t) = log(2t/(1+t)) "
                     "without log 2). Logged rewards stay βρ.",
    "alpha_divergence": "Sigmoid loss −logσ(βδ) with s = exp((α−1)ρ)/(α−1), α = "
                        "f_alpha_divergence_coef = 0.5, i.e. s = −2exp(−ρ/2); TRL clamps (α−1)ρ at "
                        "80 before exp (inactive here) and uses s = ρ when |α−1| < 1e-6. Logged "
                        "rewards stay βρ.",
    "use_weighting": "WPO (Eq. 2) on the sigmoid loss: per row, w = exp(mean over completion tokens of "
                     "[log π(y_t) − log Σ_v π(v)²]), where log Σ_v π(v)² = logsumexp(2z_t) − "
                     "2·logsumexp(z_t) from the policy logits z_t; the mean divides by the row's "
                     "completion length clamped at ≥ 1; w is computed under no_grad (a constant "
                     "for the gradient). Per-pair loss × w_chosen·w_rejected, then the mean. "
                     "Metrics are unweighted.",
    "ld_alpha": "LD-DPO on the sigmoid loss, α = ld_alpha = 0.5: per pair, ℓ = min(chosen, rejected "
                "completion lengths); each row's log-prob is Σ of its first ℓ completion tokens + "
                "α·Σ of the rest, for policy and reference alike. These weighted log-probs replace "
                "the sums everywhere, so logps/* and rewards/* change too.",
    "combined_exo_sft": "loss_type ['sigmoid', 'exo_pair', 'sft'], loss_weights [1, 0.5, 0.25]: "
                        "Σ_k w_k·mean_pairs(loss_k), sft being the token-mean NLL over all chosen "
                        "completion tokens (ε = 0.1 for exo). The metrics do not depend on the "
                        "losses: they equal the sigmoid case's except loss and grad_norm.",
}


def aot_batch(pol0, ref, token_logps, lens):
    """A batch where AOT's sorting changes which gaps are compared. With 3 pairs of fixed
    lengths the policy's and the reference's chosen−rejected gaps always sort into the same
    order (the lengths spread them by nats; the policy moves them by tenths), so sorting is
    a no-op on the main batch. This draws 30 seeded pairs with the main batch's prompt and
    completion lengths (cycled) and keeps the 3 whose two orders differ with every pair of
    gaps farthest apart (≥ 0.05, so float32 sorts them the same way)."""
    prompt_lens, chosen_lens, rejected_lens = lens
    g = torch.Generator().manual_seed(SEED + 100)
    rnd = lambda n: torch.randint(0, 22, (n,), generator=g).tolist()
    pairs = []
    for k in range(30):
        s = k % len(prompt_lens)
        prompt = rnd(prompt_lens[s])
        pairs.append((prompt_lens[s], prompt + rnd(chosen_lens[s] - 1) + [EOS_ID],
                      prompt + rnd(rejected_lens[s] - 1) + [EOS_ID]))
    pool = pad_rows([c for _, c, _ in pairs] + [r for _, _, r in pairs], [p for p, _, _ in pairs] * 2)
    with torch.no_grad():
        gaps = [x[:30] - x[30:] for x in (token_logps(w, *pool)[0].sum(1) for w in (pol0, ref))]
    best, best_sep = None, 0.05
    for pick in itertools.combinations(range(30), 3):
        gp, gr = gaps[0][list(pick)], gaps[1][list(pick)]
        sep = min(abs(z[i] - z[j]).item() for z in (gp, gr) for i in range(3) for j in range(i))
        if sep >= best_sep and not torch.equal(torch.argsort(gp), torch.argsort(gr)):
            best, best_sep = pick, sep
    if best is None:
        raise RuntimeError("no seeded batch makes AOT's sort matter")
    rows = [pairs[i][1] for i in best] + [pairs[i][2] for i in best]
    return pad_rows(rows, [pairs[i][0] for i in best] * 2)


def run_case(cfg, names, pol0, ref_tok, batch, token_logps):
    """Fresh policy graph -> (loss, grads dict, metrics dict with grad_norm)."""
    input_ids, labels, mask = batch
    pol = {n: pol0[n].clone().requires_grad_(True) for n in names}
    pol_tok, pol_logits = token_logps(pol, input_ids, labels, mask)
    loss, metrics = trl_dpo_loss(cfg, pol_tok, pol_logits, ref_tok, labels, mask)
    grads = dict(zip(names, torch.autograd.grad(loss, [pol[n] for n in names])))
    metrics["grad_norm"] = float(torch.sqrt(sum((g ** 2).sum() for g in grads.values())))
    return loss, grads, metrics


def finite_difference_check(case, cfg, names, pol0, ref_tok, batch, token_logps, grads, h=1e-4):
    """Richardson-extrapolated central difference of the loss along a seeded direction vs
    autograd (1e-6 relative; truncation error O(h⁴))."""
    input_ids, labels, mask = batch
    g = torch.Generator().manual_seed(4321)
    direction = {n: torch.randn(pol0[n].shape, generator=g) for n in names}

    def loss_at(step):
        with torch.no_grad():
            w = {n: pol0[n] + step * direction[n] for n in names}
            tok, logits = token_logps(w, input_ids, labels, mask)
            return trl_dpo_loss(cfg, tok, logits, ref_tok, labels, mask)[0].item()

    central = lambda s: (loss_at(s) - loss_at(-s)) / (2 * s)
    fd = (4 * central(h / 2) - central(h)) / 3
    analytic = sum((grads[n] * direction[n]).sum().item() for n in names)
    rel = abs(fd - analytic) / max(abs(analytic), 1e-12)
    print(f"[check] {case} grad . dir: autograd={analytic:.12g} finite-diff={fd:.12g} rel_err={rel:.3e}")
    assert rel < 1e-6, f"finite-difference gradient check failed for {case}"


def variant_cases(beta, label_smoothing, names, pol0, ref, batch, token_logps, existing, lens):
    """Returns the new `losses` entries. `existing` (old loss name -> loss value, plus the
    sigmoid metrics) must be reproduced by trl_dpo_loss, an independent second path.
    lens: (prompt, chosen, rejected) lengths of the main batch, for aot_batch."""
    with torch.no_grad():
        ref_tok = token_logps(ref, *batch)[0]
    base = {"beta": beta, "label_smoothing": label_smoothing}
    for old, cfg in (("sigmoid", {"loss_type": ["sigmoid"]}), ("hinge", {"loss_type": ["hinge"]}),
                     ("ipo", {"loss_type": ["ipo"]}), ("robust", {"loss_type": ["robust"]}),
                     ("sigmoid_norm", {"loss_type": ["sigmoid_norm"]}),
                     ("apo_zero", {"loss_type": ["apo_zero"]}), ("sft", {"loss_type": ["sft"]}),
                     ("combined", {"loss_type": ["sigmoid", "sft"], "loss_weights": [1.0, 0.5]}),
                     ("sigmoid", {"loss_type": ["sigmoid"], "ld_alpha": 1.0}),
                     ("sigmoid", {"loss_type": ["sigmoid"], "f_divergence_type": "alpha_divergence",
                                  "f_alpha_divergence_coef": 1.0})):
        loss, _, metrics = run_case({**base, **cfg}, names, pol0, ref_tok, batch, token_logps)
        assert abs(loss.item() - existing[old]) < 1e-8 * max(1.0, abs(existing[old])), (old, cfg)
        if old == "sigmoid":
            for k, v in existing["metrics"].items():
                assert abs(metrics[k] - v) < 1e-8 * max(1.0, abs(v)), (k, metrics[k], v)
    print("[check] trl_dpo_loss reproduces the existing sigmoid/hinge/ipo/robust/sigmoid_norm/"
          "apo_zero/sft/combined losses and the sigmoid metrics (ld_alpha=1, alpha=1 too)")

    configs = case_configs(beta, label_smoothing)
    own = aot_batch(pol0, ref, token_logps, lens)
    with torch.no_grad():
        own_ref_tok = token_logps(ref, *own)[0]
        own_pol_tok = token_logps(pol0, *own)[0]
    out = {}
    for case, cfg in configs.items():
        case_batch, case_ref = (own, own_ref_tok) if case == "aot_own_batch" else (batch, ref_tok)
        loss, grads, metrics = run_case(cfg, names, pol0, case_ref, case_batch, token_logps)
        if case in ("discopop", "aot_own_batch", "ld_alpha", "alpha_divergence"):
            finite_difference_check(case, cfg, names, pol0, case_ref, case_batch, token_logps, grads)
        out[case] = {"loss": r9(loss.item()),
                     "grads": {n: flat(grads[n]) for n in names},
                     "metrics": {k: r9(v) for k, v in metrics.items()},
                     "config": cfg}
    out["aot_own_batch"]["batch"] = {"input_ids": own[0].tolist(), "labels": own[1].tolist(),
                                     "completion_mask": own[2].tolist()}
    out["aot_own_batch"]["logps"] = {"policy": flat(own_pol_tok.sum(1)),
                                     "reference": flat(own_ref_tok.sum(1))}
    assert out["bco_pair_second_step"] == out["bco_pair"], "bco_pair must be stateless"
    assert out["aot"]["loss"] == existing["sigmoid_smoothed"], "expected the no-op sort on the main batch"
    rho = own_pol_tok.sum(1) - own_ref_tok.sum(1)
    h = beta * (rho[:3] - rho[3:])
    unsorted = (-(1 - label_smoothing) * F.logsigmoid(h) - label_smoothing * F.logsigmoid(-h)).mean()
    print(f"[check] aot_own_batch loss {out['aot_own_batch']['loss']} vs unsorted {unsorted.item():.9g}")
    assert abs(out["aot_own_batch"]["loss"] - unsorted.item()) > 1e-3, "AOT's sort must matter"
    return out
