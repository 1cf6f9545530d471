"""Self-checks kto_oracle.py runs before it writes kto-oracle.json (it stops on a failure)."""
import torch

from tiny_gpt2 import token_logps


def check_gradients(names, pol, ref, matched, kto_losses, grads, cases, h=1e-4):
    """Autograd vs a Richardson-extrapolated central difference along a seeded direction,
    1e-6 relative, for every case. TRL detaches the KL estimate, so the difference holds
    the case's kl fixed while the weights move."""
    g = torch.Generator().manual_seed(2468)
    direction = {n: torch.randn(pol[n].shape, generator=g) for n in names}
    for case, c in cases.items():
        policy, reference = (ref, pol) if c["policy_weights"] == "reference" else (pol, ref)
        kl = torch.tensor(c["kl"])
        with torch.no_grad():
            ref_logps = token_logps(reference, *matched)[0].sum(1)

        def loss_at(step):
            with torch.no_grad():
                w = {n: policy[n] + step * direction[n] for n in names}
                rho = token_logps(w, *matched)[0].sum(1) - ref_logps
                return kto_losses(c["loss_type"], rho, kl).mean().item()

        central = lambda s: (loss_at(s) - loss_at(-s)) / (2 * s)
        fd = (4 * central(h / 2) - central(h)) / 3
        analytic = sum((grads[case][n] * direction[n]).sum().item() for n in names)
        rel = abs(fd - analytic) / max(abs(analytic), 1e-12)
        print(f"[check] {case} grad . dir: autograd={analytic:.12g} finite-diff={fd:.12g} "
              f"rel_err={rel:.3e}")
        assert rel < 1e-6, f"finite-difference gradient check failed for {case}"


def check_policy_equals_reference(names, weights, matched, kl_rows, kto_case, attention_mask,
                                  labels, desirable_weight, undesirable_weight):
    """With policy == reference, ρ = 0 and the KL estimate is 0, so every KTO row loss is
    its weight times 1 − σ(0) = 1/2."""
    c, _ = kto_case("kto", weights, weights, matched, kl_rows, attention_mask, names)
    expected = sum(0.5 * (desirable_weight if y else undesirable_weight) for y in labels) / len(labels)
    print(f"[check] kto loss at policy==reference: {c['loss']} (expected {expected}), kl={c['kl']}")
    assert c["kl_raw"] == 0 and abs(c["loss"] - expected) < 1e-9
