"""Shape rules, parameter counts and labels of the attention, embedding, upsampling and
reshaping kinds (``core.nn.shapes`` dispatches here for every kind in ``KINDS``).

Counts equal ``sum(p.numel())`` of the modules ``core.nn.build`` / ``core.nn.attention``
make: attention is 4 C² + 4 C (query, key, value and output projections with biases); a
sinusoidal position signal is a buffer, not a weight.
"""

from __future__ import annotations

import math
from typing import Any

from core.nn.shape_base import Context, Shape, ShapeProblem, need_image, need_sequence

KINDS = frozenset({
    "Embedding", "PositionalEncoding", "MultiHeadAttention", "TransformerBlock",
    "Upsample1D", "Upsample2D", "ConvTranspose1D", "ConvTranspose2D", "Reshape",
})


def _need_codes(s: Shape, ctx: Context) -> None:
    if len(s) == 1:
        return
    hint = ("an Embedding reads the integer codes, so put it first" if ctx.input_rank == 1
            else "choose the integer encoding on the Data page")
    raise ShapeProblem(f"needs a sequence of integer codes (length,), got {s}; {hint}")


def _need_positions(s: Shape, ctx: Context) -> None:
    """Attention reads (length, channels); the hints say how to get there."""
    if len(s) == 2:
        return
    if len(s) == 3:
        hint = "images need Conv2D layers; attention reads (length, channels) sequences"
    elif ctx.input_rank == 1:
        hint = ("add an Embedding layer before it (integer encoding) or choose one-hot "
                "encoding on the Data page")
    else:
        hint = "move it before the layer that removed the length axis"
    raise ShapeProblem(f"needs a sequence input (length, channels), got {s}; {hint}")


def _or_list(values: list[int]) -> str:
    text = [str(v) for v in values]
    return text[0] if len(text) == 1 else ", ".join(text[:-1]) + " or " + text[-1]


def _check_heads(heads: int, channels: int) -> None:
    if channels % heads == 0:
        return
    fits = [d for d in range(1, min(channels, 64) + 1) if channels % d == 0]
    raise ShapeProblem(
        f"{heads} heads do not divide the {channels} channels (each head reads channels / "
        f"heads of them); use {_or_list(fits)} heads, or change the channels before it")


def attention_params(channels: int) -> int:
    """Query, key, value and output projections, each C x C with a bias."""
    return 4 * channels * channels + 4 * channels


def _reshape(sizes: tuple[int, ...], s: Shape) -> Shape:
    total = math.prod(s)
    known = math.prod(n for n in sizes if n != -1)
    text = ",".join(str(n) for n in sizes)
    if -1 in sizes:
        if total % known:
            raise ShapeProblem(
                f"shape {text} needs the input's {total} values {s} to divide by {known}; "
                f"use sizes whose product divides {total}")
        return tuple(total // known if n == -1 else n for n in sizes)
    if known != total:
        raise ShapeProblem(
            f"shape {text} holds {known} values but the input {s} holds {total}; use sizes "
            f"that multiply to {total}, or -1 for one of them")
    return sizes


def layer_shape(kind: str, p: dict[str, Any], s: Shape, ctx: Context) -> tuple[Shape, int]:
    """Output shape and parameter count of a layer of ``KINDS``, or a ``ShapeProblem``."""
    if kind == "Embedding":
        _need_codes(s, ctx)
        return (s[0], p["dim"]), p["vocab"] * p["dim"]
    if kind == "Reshape":
        return _reshape(p["shape"], s), 0
    if kind.endswith("1D"):
        need_sequence(kind, s, ctx)
        channels, sizes = s[1], s[:1]
    elif kind.endswith("2D"):
        need_image(kind, s, ctx)
        channels, sizes = s[0], s[1:]
    else:
        _need_positions(s, ctx)
        channels = s[1]
    if kind == "PositionalEncoding":
        return s, (math.prod(s) if p["mode"] == "learned" else 0)
    if kind == "MultiHeadAttention":
        _check_heads(p["heads"], channels)
        return s, attention_params(channels)
    if kind == "TransformerBlock":
        _check_heads(p["heads"], channels)
        ff = p["ff"]
        # two LayerNorms (2 C each), attention, and the C -> ff -> C feed-forward
        return s, 4 * channels + attention_params(channels) + 2 * channels * ff + ff + channels
    if kind.startswith("Upsample"):
        out = tuple(n * p["factor"] for n in sizes)
        return ((*out, channels) if kind.endswith("1D") else (channels, *out)), 0
    # ConvTranspose1D / 2D: every input position paints a kernel-sized patch, stride apart
    k, filters = p["kernel"], p["filters"]
    out = tuple((n - 1) * p["stride"] + k for n in sizes)
    n_params = channels * filters * k ** len(sizes) + filters
    return ((*out, filters) if kind.endswith("1D") else (filters, *out)), n_params


def inner_values(kind: str, p: dict[str, Any], s: Shape) -> int:
    """Values per example a layer of ``KINDS`` keeps for the backward pass besides its
    output, roughly: attention's scores and their softmax (2 x heads x L x L) with the
    queries, keys, values and mixed values (4 L C); a transformer block adds its two norms,
    the first sum and the feed-forward's hidden values before and after GELU."""
    if kind not in ("MultiHeadAttention", "TransformerBlock"):
        return 0
    length, channels = s
    attention = 2 * p["heads"] * length * length + 4 * length * channels
    if kind == "MultiHeadAttention":
        return attention
    return attention + 3 * length * channels + 2 * length * p["ff"]


def label(kind: str, p: dict[str, Any]) -> str:
    """The card text of a layer of ``KINDS`` (without its activation)."""
    if kind == "Embedding":
        return f"Embedding {p['vocab']}→{p['dim']}"
    if kind == "PositionalEncoding":
        return f"PositionalEncoding {p['mode']}"
    if kind == "MultiHeadAttention":
        return f"MultiHeadAttention {p['heads']} heads"
    if kind == "TransformerBlock":
        return f"TransformerBlock {p['heads']} heads ff {p['ff']}"
    if kind.startswith("Upsample"):
        return f"{kind} ×{p['factor']} {p['mode']}"
    if kind == "Reshape":
        return "Reshape (" + ", ".join(str(n) for n in p["shape"]) + ")"
    dims = 1 if kind.endswith("1D") else 2
    text = f"{kind} {p['filters']}" + f"×{p['kernel']}" * dims
    return text + (f" stride {p['stride']}" if p["stride"] != 1 else "")
