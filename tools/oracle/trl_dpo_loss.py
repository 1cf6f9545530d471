"""TRL v1.9.0 DPOTrainer._compute_loss (non-Liger path), written from its formulas in float64.

One function covers every `loss_type`, the `loss_weights` sum, `f_divergence_type`,
`ld_alpha` (LD-DPO), `use_weighting` (WPO) and the metrics TRL logs. The batch is
`[chosen_0..B-1, rejected_0..B-1]`; `mask` is TRL's `completion_mask[:, 1:]` (the label at
position t is a completion token), so it lines up with the per-token log-probs.

TRL facts this relies on (trl/trainer/dpo_trainer.py and dpo_config.py at v1.9.0):
  * every per-pair loss is averaged over pairs and summed with its weight (default 1.0);
  * `bco_pair` has no running reward mean any more (RunningMoments left DPOTrainer in the
    "Refactor DPO" commit, e3b7897c8): the loss is stateless;
  * `exo_pair` refuses label_smoothing == 0 (log ε would be -inf);
  * the WPO weights are computed under no_grad: they scale the loss but carry no gradient;
  * the logged rewards are β·(logps − ref_logps) whatever the f-divergence (never the scores),
    with logps the LD-weighted sums when ld_alpha is set.
"""
import torch
import torch.nn.functional as F

LOSS_TYPES = {"sigmoid", "hinge", "ipo", "exo_pair", "nca_pair", "robust", "bco_pair",
              "sppo_hard", "aot", "aot_unpaired", "apo_zero", "apo_down", "discopop",
              "sft", "sigmoid_norm"}
F_DIVERGENCES = {"reverse_kl", "forward_kl", "js_divergence", "alpha_divergence"}
DEFAULTS = {"beta": 0.1, "label_smoothing": 0.0, "loss_weights": None, "ld_alpha": None,
            "f_divergence_type": "reverse_kl", "f_alpha_divergence_coef": 0.5,
            "use_weighting": False, "discopop_tau": 0.05}


def sequence_logps(per_token, mask, ld_alpha):
    """[2B,T] masked per-token log-probs -> [2B] sums; with ld_alpha, tokens past the
    pair's shared length (min of the chosen and rejected completion lengths) count α."""
    if ld_alpha is None:
        return per_token.sum(1)
    pos = mask.cumsum(1)                                   # 1-based completion position
    lens = mask.sum(1)
    b = lens.shape[0] // 2
    shared = torch.minimum(lens[:b], lens[b:]).repeat(2)[:, None]
    shared_mask = ((pos > 0) & (pos <= shared)).double()
    tail_mask = (pos > shared).double()
    return (per_token * shared_mask).sum(1) + ld_alpha * (per_token * tail_mask).sum(1)


def f_scores(logratios, kind, alpha):
    """The f-divergence's f'(π/π_ref) with constants dropped (f-DPO), from log-ratios."""
    if kind == "reverse_kl":
        return logratios
    if kind == "forward_kl":
        return -torch.exp(-logratios)
    if kind == "js_divergence":
        return F.logsigmoid(logratios)
    if abs(alpha - 1.0) < 1e-6:                            # limit case: reverse KL
        return logratios
    # TRL clamps the exponent at 80 (its float32 limit) before exp.
    return torch.exp(torch.clamp((alpha - 1.0) * logratios, max=80.0)) / (alpha - 1.0)


def wpo_weights(per_token, logits, mask):
    """[2B] WPO weights exp(mean_t [log π(y_t) − log Σ_v π(v)²]) over completion tokens,
    with no gradient (TRL computes them under torch.no_grad)."""
    with torch.no_grad():
        log_sum_p2 = torch.logsumexp(2.0 * logits, -1) - 2.0 * torch.logsumexp(logits, -1)
        aligned = (per_token - log_sum_p2) * mask
        return torch.exp(aligned.sum(1) / mask.sum(1).clamp(min=1))


def per_pair_loss(kind, c, p, ref):
    """One loss type's [B] per-pair loss. c: settings; p/ref: dicts of chosen/rejected tensors."""
    beta, eps = c["beta"], c["label_smoothing"]
    sw, sl, delta = p["score_w"], p["score_l"], p["score_w"] - p["score_l"]
    lsig = F.logsigmoid
    if kind == "sigmoid":
        return -lsig(beta * delta)
    if kind == "hinge":
        return torch.relu(1 - beta * delta)
    if kind in ("ipo", "sigmoid_norm"):
        d = sw / p["len_w"].clamp(min=1.0) - sl / p["len_l"].clamp(min=1.0)
        return (d - 1 / (2 * beta)) ** 2 if kind == "ipo" else -lsig(beta * d)
    if kind == "exo_pair":
        if eps == 0.0:
            raise ValueError("exo_pair needs label_smoothing > 0 (TRL raises the same)")
        z = beta * delta
        return (torch.sigmoid(z) * (lsig(z) - torch.log1p(torch.tensor(-eps)))
                + torch.sigmoid(-z) * (lsig(-z) - torch.log(torch.tensor(eps))))
    if kind == "nca_pair":
        rw, rl = beta * sw, beta * sl
        return -lsig(rw) - 0.5 * lsig(-rw) - 0.5 * lsig(-rl)
    if kind == "robust":
        return (-(1 - eps) * lsig(beta * delta) + eps * lsig(-beta * delta)) / (1 - 2 * eps)
    if kind == "bco_pair":
        return -lsig(beta * sw) - lsig(-beta * sl)
    if kind == "sppo_hard":
        return (sw - 0.5 / beta) ** 2 + (sl + 0.5 / beta) ** 2
    if kind in ("aot", "aot_unpaired"):
        if kind == "aot":   # sort policy and reference chosen−rejected gaps separately
            d = (torch.sort(p["logps_w"] - p["logps_l"]).values
                 - torch.sort(ref["logps_w"] - ref["logps_l"]).values)
        else:               # sort chosen and rejected log-ratios separately
            d = torch.sort(p["ratio_w"]).values - torch.sort(p["ratio_l"]).values
        return -lsig(beta * d) * (1 - eps) - lsig(-beta * d) * eps
    if kind == "apo_zero":
        return 1 - torch.sigmoid(beta * p["ratio_w"]) + torch.sigmoid(beta * p["ratio_l"])
    if kind == "apo_down":
        return torch.sigmoid(beta * p["ratio_w"]) + 1 - torch.sigmoid(beta * delta)
    if kind == "discopop":
        z = beta * delta
        mix = torch.sigmoid(z / c["discopop_tau"])
        return -lsig(z) * (1 - mix) + torch.exp(-z) * mix
    if kind == "sft":   # token-mean NLL over every chosen completion token, one scalar
        b = p["logits"].shape[0] // 2
        sel = p["mask"][:b].bool()
        nll = F.cross_entropy(p["logits"][:b][sel], p["labels"][:b][sel])
        return nll.expand(b)
    raise ValueError(f"unknown loss_type {kind!r}")


def trl_dpo_loss(settings, pol_tok, pol_logits, ref_tok, labels, mask):
    """TRL's DPO loss and logged metrics for one batch.

    settings: DPOConfig fields (missing ones take TRL's defaults); pol_tok/ref_tok: [2B,T]
    masked per-token log-probs (policy with grad); pol_logits: [2B,T,V]; labels, mask: [2B,T].
    Returns (loss scalar with grad, metrics dict of floats without grad_norm)."""
    c = {**DEFAULTS, **settings}
    types = c["loss_type"]
    weights = c["loss_weights"] or [1.0] * len(types)
    assert len(weights) == len(types), "loss_weights must match loss_type"
    assert set(types) <= LOSS_TYPES and c["f_divergence_type"] in F_DIVERGENCES
    if c["use_weighting"] and {"aot", "aot_unpaired"} & set(types):
        raise NotImplementedError("TRL refuses use_weighting with aot / aot_unpaired")
    logps = sequence_logps(pol_tok, mask, c["ld_alpha"])
    ref_logps = sequence_logps(ref_tok, mask, c["ld_alpha"])
    b = logps.shape[0] // 2
    lens = mask.sum(1)
    ratio = logps - ref_logps
    score = f_scores(ratio, c["f_divergence_type"], c["f_alpha_divergence_coef"])
    p = {"logps_w": logps[:b], "logps_l": logps[b:], "ratio_w": ratio[:b], "ratio_l": ratio[b:],
         "score_w": score[:b], "score_l": score[b:], "len_w": lens[:b], "len_l": lens[b:],
         "logits": pol_logits, "labels": labels, "mask": mask}
    ref = {"logps_w": ref_logps[:b], "logps_l": ref_logps[b:]}
    wpo = wpo_weights(pol_tok, pol_logits, mask) if c["use_weighting"] else None
    loss = 0.0
    for kind, weight in zip(types, weights):
        per_pair = per_pair_loss(kind, c, p, ref)
        if wpo is not None:
            per_pair = per_pair * (wpo[:b] * wpo[b:])
        loss = loss + per_pair.mean() * weight
    return loss, dpo_metrics(c["beta"], logps.detach(), ref_logps, pol_logits.detach(), mask, loss)


def dpo_metrics(beta, logps, ref_logps, logits, mask, loss):
    """TRL's logged rewards/*, logps/*, logits/* (logits: vocab-mean, token-weighted)."""
    b = logps.shape[0] // 2
    rw, rl = beta * (logps[:b] - ref_logps[:b]), beta * (logps[b:] - ref_logps[b:])
    vocab_mean = logits.mean(-1)
    half = lambda x, s: x[:b] if s == 0 else x[b:]
    avg_logits = [(half(vocab_mean, s) * half(mask, s)).sum() / half(mask, s).sum() for s in (0, 1)]
    return {"loss": float(loss), "rewards/chosen": float(rw.mean()),
            "rewards/rejected": float(rl.mean()), "rewards/margins": float((rw - rl).mean()),
            "rewards/accuracies": float((rw > rl).double().mean()),
            "logps/chosen": float(logps[:b].mean()), "logps/rejected": float(logps[b:].mean()),
            "logits/chosen": float(avg_logits[0]), "logits/rejected": float(avg_logits[1])}
