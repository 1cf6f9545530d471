"""The tiny GPT-2 shared by the DPO and KTO oracles.

Computes exactly what Hugging Face transformers' modeling_gpt2.GPT2LMHeadModel
computes (no dropout, no padding mask: with right padding the real positions
are unaffected), in float64, from seeded weights that are float32 values.
Also holds the padding convention both fixtures use.
"""
import math

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

CONFIG = {"vocab_size": 24, "n_positions": 12, "n_embd": 4, "n_layer": 2,
          "n_head": 2, "layer_norm_epsilon": 1e-5}
V, P, D = CONFIG["vocab_size"], CONFIG["n_positions"], CONFIG["n_embd"]
L, H, EPS_LN = CONFIG["n_layer"], CONFIG["n_head"], CONFIG["layer_norm_epsilon"]
EOS_ID, PAD_ID = 22, 23
T = 12          # every row is right-padded to n_positions
SEED = 1234


def r9(x):
    """Round to 9 significant digits (round-trips float32 exactly)."""
    return float(f"{float(x):.9g}")


def flat(t):
    return [r9(v) for v in t.detach().reshape(-1).tolist()]


# ---------------------------------------------------------------- weights
def param_shapes():
    """Ordered (name, shape, kind) list; kind in {'mat', 'ln_w', 'ln_b'}.

    Conv1D weights are stored [in, out] as in transformers."""
    s = [("wte.weight", [V, D], "mat"), ("wpe.weight", [P, D], "mat")]
    for i in range(L):
        p = f"h.{i}."
        s += [(p + "ln_1.weight", [D], "ln_w"), (p + "ln_1.bias", [D], "ln_b"),
              (p + "attn.c_attn.weight", [D, 3 * D], "mat"),
              (p + "attn.c_attn.bias", [3 * D], "mat"),
              (p + "attn.c_proj.weight", [D, D], "mat"),
              (p + "attn.c_proj.bias", [D], "mat"),
              (p + "ln_2.weight", [D], "ln_w"), (p + "ln_2.bias", [D], "ln_b"),
              (p + "mlp.c_fc.weight", [D, 4 * D], "mat"),
              (p + "mlp.c_fc.bias", [4 * D], "mat"),
              (p + "mlp.c_proj.weight", [4 * D, D], "mat"),
              (p + "mlp.c_proj.bias", [D], "mat")]
    s += [("ln_f.weight", [D], "ln_w"), ("ln_f.bias", [D], "ln_b")]
    return s


def make_weights():
    """Reference ~ N(0,0.3) (LN: weight 1+N(0,0.1), bias N(0,0.1)); policy =
    reference + N(0,0.05). Sampled and summed in float32, returned as float64."""
    torch.manual_seed(SEED)
    ref32 = {}
    for name, shape, kind in param_shapes():
        z = torch.randn(shape, dtype=torch.float32)
        if kind == "mat":
            ref32[name] = z * 0.3
        elif kind == "ln_w":
            ref32[name] = 1.0 + z * 0.1
        else:
            ref32[name] = z * 0.1
    pol32 = {n: w + torch.randn(w.shape, dtype=torch.float32) * 0.05
             for n, w in ref32.items()}
    for n in ref32:
        assert ref32[n].dtype == torch.float32 and pol32[n].dtype == torch.float32
    to64 = lambda d: {n: w.to(torch.float64) for n, w in d.items()}
    return to64(ref32), to64(pol32)


# ---------------------------------------------------------------- GPT-2
def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def gpt2_logits(w, input_ids):
    """GPT2LMHeadModel forward (no dropout, no padding mask): [N,T] -> [N,T,V]."""
    n, t = input_ids.shape
    hd = D // H
    pos = torch.arange(t)
    h = w["wte.weight"][input_ids] + w["wpe.weight"][pos][None]
    causal = torch.tril(torch.ones(t, t, dtype=torch.bool))  # key <= query kept
    for i in range(L):
        p = f"h.{i}."
        # --- attention block (pre-LN)
        x = F.layer_norm(h, (D,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], EPS_LN)
        qkv = x @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]
        q, k, v = qkv.split(D, dim=-1)
        # [N,T,D] -> [N,H,T,hd] (i.e. view as [N,T,H,hd] then permute)
        sh = lambda z: z.view(n, t, H, hd).permute(0, 2, 1, 3)
        q, k, v = sh(q), sh(k), sh(v)
        scores = q @ k.transpose(-1, -2) / math.sqrt(hd)
        scores = scores.masked_fill(~causal, float("-inf"))
        a = torch.softmax(scores, dim=-1) @ v                # [N,H,T,hd]
        a = a.permute(0, 2, 1, 3).reshape(n, t, D)          # merge heads
        h = h + a @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        # --- MLP block (pre-LN)
        x = F.layer_norm(h, (D,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], EPS_LN)
        m = gelu_new(x @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
        h = h + m @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    h = F.layer_norm(h, (D,), w["ln_f.weight"], w["ln_f.bias"], EPS_LN)
    return h @ w["wte.weight"].T                             # tied lm_head


def pad_rows(token_rows, prompt_lens):
    """Right-pad token lists to T with PAD; labels[t] = ids[t+1] (PAD in the last
    column); completion_mask[t] = 1 iff prompt_len <= t+1 < row_len, i.e. the
    label at t is a completion token (TRL's completion_mask[:, 1:])."""
    assert all(len(r) <= T for r in token_rows), "row longer than n_positions"
    input_ids = torch.tensor([r + [PAD_ID] * (T - len(r)) for r in token_rows], dtype=torch.long)
    labels = torch.full_like(input_ids, PAD_ID)
    labels[:, :-1] = input_ids[:, 1:]
    mask = torch.zeros(len(token_rows), T)
    for i, (r, pl) in enumerate(zip(token_rows, prompt_lens)):
        for t in range(T):
            if pl <= t + 1 < len(r):
                mask[i, t] = 1.0
    return input_ids, labels, mask


def token_logps(w, input_ids, labels, mask):
    """Masked per-token log-probs [N,T] (0 off the completion) and logits [N,T,V]."""
    logits = gpt2_logits(w, input_ids)
    lp = torch.log_softmax(logits, dim=-1).gather(-1, labels[..., None])[..., 0]
    return lp * mask, logits
