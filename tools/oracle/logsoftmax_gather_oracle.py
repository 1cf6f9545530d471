"""Golden values for the fused log-softmax-and-gather op (token log-probs), from PyTorch.

Written from the maths only: logp[n, t] = log_softmax(logits[n, t])[labels[n, t]], computed
in float64 from the float32 inputs, with gradients from autograd (checked here against the
closed form dy * (onehot - softmax)). Writes one JSON fixture that the TypeScript tests read.

    /usr/bin/python3 tools/oracle/logsoftmax_gather_oracle.py \
        --out src/core/testing/oracle/logsoftmax-gather-oracle.json

Large cases do not store their logits: they come from an exact integer hash that the tests
reproduce bit for bit (see GENERATOR), so the fixture stays small.
"""
import argparse
import json

import torch

GENERATOR = (
    "logits.flat[i] = float32(((i * 2654435761 + seed * 40503 + 12345) mod 2^32 / 2^31 - 1) * scale), "
    "i over the row-major [N, T, V] index; scale is a power of two so every step is exact in float64"
)


def hashed_logits(shape, seed, scale):
    count = shape[0] * shape[1] * shape[2]
    values = [((i * 2654435761 + seed * 40503 + 12345) % 2**32 / 2**31 - 1) * scale for i in range(count)]
    return torch.tensor(values, dtype=torch.float64).to(torch.float32).reshape(shape)


def g10(values):
    """Ten significant digits: far below the tests' 1e-5 tolerance, and a small fixture."""
    return [float("%.10g" % v) for v in values]


def compute(logits32, labels, mask, token_weights, row_weights):
    x = logits32.to(torch.float64).clone().requires_grad_(True)
    logp = torch.log_softmax(x, dim=-1).gather(-1, labels.unsqueeze(-1)).squeeze(-1)  # [N, T]
    seq = (logp * mask).sum(-1)  # [N]
    (token_grad,) = torch.autograd.grad((logp * token_weights).sum(), x, retain_graph=True)
    (seq_grad,) = torch.autograd.grad((seq * row_weights).sum(), x)
    # The closed form the kernels implement: dlogits = dy * (onehot(label) - softmax(logits)).
    with torch.no_grad():
        onehot = torch.nn.functional.one_hot(labels, x.shape[-1]).to(torch.float64)
        closed = token_weights.unsqueeze(-1) * (onehot - torch.softmax(x, -1))
        assert torch.allclose(closed, token_grad, atol=1e-12), "autograd disagrees with the closed form"
        lse = torch.logsumexp(x, -1)
    return logp.detach(), lse, seq.detach(), token_grad, seq_grad


def case(name, logits32, labels, mask, token_weights, row_weights, full_grad, hashed=None):
    n, t, v = logits32.shape
    labels = torch.tensor(labels, dtype=torch.int64)
    mask = torch.tensor(mask, dtype=torch.float64)
    token_weights = torch.tensor(token_weights, dtype=torch.float64)
    row_weights = torch.tensor(row_weights, dtype=torch.float64)
    logp, lse, seq, token_grad, seq_grad = compute(logits32, labels, mask, token_weights, row_weights)
    out = {
        "name": name,
        "shape": [n, t, v],
        "labels": labels.tolist(),
        "mask": mask.tolist(),
        "tokenWeights": token_weights.tolist(),
        "rowWeights": row_weights.tolist(),
        "tokenLogProbs": [g10(row) for row in logp.tolist()],
        "logSumExp": [g10(row) for row in lse.tolist()],
        "sequenceLogProbs": g10(seq.tolist()),
        # Per position: sum over the vocabulary of |d loss / d logits| (checks the whole row).
        "tokenGradAbsSum": [g10(row) for row in token_grad.abs().sum(-1).tolist()],
        "sequenceGradAbsSum": [g10(row) for row in seq_grad.abs().sum(-1).tolist()],
    }
    if hashed is not None:
        out["hashed"] = hashed
    else:
        out["logits"] = logits32.to(torch.float64).tolist()
    if full_grad:
        out["tokenGrad"] = g10(token_grad.reshape(-1).tolist())
        out["sequenceGrad"] = g10(seq_grad.reshape(-1).tolist())
    else:
        # The label, the argmax, both ends and a few hashed columns of every position.
        at = []
        argmax = logits32.argmax(-1)
        for i in range(n):
            for j in range(t):
                cols = {int(labels[i, j]), int(argmax[i, j]), 0, v - 1}
                cols |= {(k * 7919 + i * 131 + j * 17) % v for k in range(12)}
                at += [[i, j, c] for c in sorted(cols)]
        out["gradAt"] = at
        out["tokenGradAt"] = g10([token_grad[i, j, c] for i, j, c in at])
        out["sequenceGradAt"] = g10([seq_grad[i, j, c] for i, j, c in at])
    return out


def edge_case():
    rows = [
        [2.5, -1.0, 0.25, 7.0, 3.0, -4.5, 1.0],  # label 3 is the argmax
        [80.0, -80.0, 0.0, 80.0, -80.0, 3.0, -3.0],  # extreme logits, label -80: logp ~ -160.7
        [0.0] * 7,  # uniform: logp = -log 7
        [-80.0, -80.0, 80.0, -80.0, -80.0, -80.0, -80.0],  # label 2 holds all the mass: logp ~ 0
        [0.5, 1.5, -2.0, 0.0, 2.0, -0.5, 1.25],
        [-80.0, 79.5, -79.0, 80.0, 0.0, -80.0, 40.0],
    ]
    logits = torch.tensor(rows, dtype=torch.float32).reshape(2, 3, 7)
    return case(
        "edge (V=7: argmax label, +-80, uniform, saturated)",
        logits,
        labels=[[3, 1, 6], [2, 4, 0]],
        mask=[[0, 1, 1], [1, 1, 0]],
        token_weights=[[0.5, -1.25, 2.0], [1.0, -0.75, 0.3]],
        row_weights=[1.5, -0.5],
        full_grad=True,
    )


def hashed_case(name, shape, seed, scale, full_grad):
    logits = hashed_logits(shape, seed, scale)
    n, t, v = shape
    labels = [[(i * t + j) * 7919 % v for j in range(t)] for i in range(n)]
    labels[0][0] = int(logits[0, 0].argmax())  # one position whose label is the argmax
    mask = [[1 if (i + j) % 3 else 0 for j in range(t)] for i in range(n)]
    mask[0][0] = 1
    token_weights = [[0.25 * ((i * t + j) % 5) - 0.6 for j in range(t)] for i in range(n)]
    row_weights = [1.0 - 0.75 * i for i in range(n)]
    return case(name, logits, labels, mask, token_weights, row_weights, full_grad, {"seed": seed, "scale": scale})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    fixture = {
        "about": "token log-probs log_softmax(logits)[label] and their gradients, PyTorch float64 autograd "
        "from float32 inputs (tools/oracle/logsoftmax_gather_oracle.py)",
        "torch": torch.__version__,
        "generator": GENERATOR,
        "gradients": "tokenGrad = d(sum tokenWeights * tokenLogProbs)/d logits; "
        "sequenceGrad = d(sum rowWeights * sequenceLogProbs)/d logits, sequenceLogProbs = sum_t mask * tokenLogProbs",
        "cases": [
            edge_case(),
            hashed_case("hashed V=1000", [2, 3, 1000], seed=7, scale=8.0, full_grad=True),
            hashed_case("hashed V=50257 (GPT-2)", [1, 2, 50257], seed=11, scale=16.0, full_grad=False),
        ],
    }
    with open(args.out, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
