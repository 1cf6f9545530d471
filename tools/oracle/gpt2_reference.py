"""Independent PyTorch reference for Hugging Face GPT-2 checkpoints.

Written from the safetensors spec and transformers' modeling_gpt2 definition, without the
`safetensors` or `transformers` packages (neither is installed here). Importable:

    from gpt2_reference import read_safetensors, write_safetensors, gpt2_logits

`gpt2_logits` computes what GPT2LMHeadModel computes in eval mode (no dropout): learned
token and position embeddings, pre-LN blocks, Conv1D weights stored [in, out], q/k/v split
in that order, causal attention scaled by 1/sqrt(head_dim), gelu_new (tanh), a final ln_f
and the LM head tied to wte. The math runs in float64 so the reference's own rounding is
far below any tolerance a float32 implementation is held to.
"""

import json
import math
import struct

import torch

# dtype name in the safetensors header -> (torch dtype, bytes per element)
_DTYPES = {
    "F64": (torch.float64, 8),
    "F32": (torch.float32, 4),
    "F16": (torch.float16, 2),
    "BF16": (torch.bfloat16, 2),
    "I64": (torch.int64, 8),
    "I32": (torch.int32, 4),
    "U8": (torch.uint8, 1),
}
_NAMES = {dtype: name for name, (dtype, _) in _DTYPES.items()}


def _from_bytes(raw, dtype, shape):
    """Little-endian bytes -> tensor. bfloat16 goes through int16 because torch 1.13's
    frombuffer rejects some dtypes on some builds; the bit pattern is what matters."""
    if len(raw) == 0:
        return torch.zeros(shape, dtype=dtype)
    if dtype in (torch.float16, torch.bfloat16):
        bits = torch.frombuffer(bytearray(raw), dtype=torch.int16)
        return bits.view(dtype).reshape(shape).clone()
    return torch.frombuffer(bytearray(raw), dtype=dtype).reshape(shape).clone()


def read_safetensors(path):
    """Returns {name: tensor} in the file's dtypes (F32/F16/BF16 and the integer types)."""
    with open(path, "rb") as f:
        data = f.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    if header_len > len(data) - 8:
        raise ValueError(f"{path}: header length {header_len} runs past the end of the file")
    header = json.loads(data[8 : 8 + header_len].decode("utf-8"))
    body = data[8 + header_len :]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in _DTYPES:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {info['dtype']}")
        dtype, size = _DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        shape = list(info["shape"])
        if end - begin != math.prod(shape) * size:
            raise ValueError(f"{path}: tensor {name} byte length disagrees with its shape")
        tensors[name] = _from_bytes(body[begin:end], dtype, shape)
    return tensors


def _to_bytes(tensor):
    t = tensor.detach().contiguous().cpu()
    if t.dtype in (torch.float16, torch.bfloat16):
        t = t.view(torch.int16)
    # numpy is little-endian on every machine this runs on; assert it rather than assume.
    assert struct.pack("=H", 1) == struct.pack("<H", 1), "big-endian host"
    return t.numpy().tobytes()


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} as safetensors (tensors in insertion order, header padded with
    spaces to a multiple of 8, as the reference implementation does)."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    chunks = []
    offset = 0
    for name, tensor in tensors.items():
        if tensor.dtype not in _NAMES:
            raise ValueError(f"tensor {name}: dtype {tensor.dtype} cannot be written")
        raw = _to_bytes(tensor)
        header[name] = {
            "dtype": _NAMES[tensor.dtype],
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        chunks.append(raw)
        offset += len(raw)
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * ((8 - len(header_bytes) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        for raw in chunks:
            f.write(raw)


def _strip_prefix(tensors):
    """Accepts GPT2LMHeadModel names (`transformer.h.0...`) or GPT2Model names (`h.0...`)."""
    out = {}
    for name, tensor in tensors.items():
        key = name[len("transformer.") :] if name.startswith("transformer.") else name
        out[key] = tensor
    return out


def _gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def _layer_norm(x, gain, bias, eps):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)  # biased variance, as torch.nn.LayerNorm
    return (x - mean) / torch.sqrt(var + eps) * gain + bias


def gpt2_logits(tensors, config, input_ids):
    """GPT2LMHeadModel's logits in float64.

    tensors: {name: tensor}, with or without the `transformer.` prefix; `attn.bias` and
        `attn.masked_bias` buffers are ignored; an `lm_head.weight` is used if present.
    config: config.json as a dict (n_embd, n_layer, n_head, layer_norm_epsilon).
    input_ids: LongTensor [B, T]
    returns: DoubleTensor [B, T, V]
    """
    w = {k: v.to(torch.float64) for k, v in _strip_prefix(tensors).items()}
    n_layer = int(config["n_layer"])
    n_head = int(config["n_head"])
    d = int(config["n_embd"])
    eps = float(config.get("layer_norm_epsilon", 1e-5))
    head_dim = d // n_head
    batch, length = input_ids.shape

    h = w["wte.weight"][input_ids] + w["wpe.weight"][torch.arange(length)][None, :, :]
    causal = torch.tril(torch.ones(length, length, dtype=torch.bool))
    for i in range(n_layer):
        p = f"h.{i}."
        a = _layer_norm(h, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = a @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]
        q, k, v = qkv.split(d, dim=-1)

        def heads(t):
            return t.reshape(batch, length, n_head, head_dim).permute(0, 2, 1, 3)

        q, k, v = heads(q), heads(k), heads(v)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(head_dim)
        scores = scores.masked_fill(~causal, float("-inf"))
        context = torch.softmax(scores, dim=-1) @ v
        context = context.permute(0, 2, 1, 3).reshape(batch, length, d)
        h = h + context @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        m = _layer_norm(h, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        hidden = _gelu_new(m @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
        h = h + hidden @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    h = _layer_norm(h, w["ln_f.weight"], w["ln_f.bias"], eps)
    # GPT2LMHeadModel's lm_head is a bias-free Linear whose weight is tied to wte.
    head = w.get("lm_head.weight", w["wte.weight"])
    return h @ head.T
