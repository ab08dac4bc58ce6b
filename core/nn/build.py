"""Turn a checked ``NetworkSpec`` into a torch module.

One torch module per layer of the spec (and per residual child), so ``layer_modules``
can hand the GUI the module behind each ``LayerInfo.path`` for forward hooks; each such
module returns exactly the layer's output in Mendel's layout (sequences channels-last).
Everything is traceable: ``torch.jit.trace`` and the TorchScript-based ONNX exporter see
only tensor operations, no data-dependent Python control flow.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from core.nn.attention import CodeEmbedding, PositionalEncoding, SelfAttention, TransformerBlock
from core.nn.layers import ACTIVATION_KINDS, resolved_params
from core.nn.shapes import (
    LayerInfo,
    Path,
    Shape,
    channel_axis,
    check,
    residual_projection,
    same_padding,
)
from core.nn.spec import LayerSpec, NetworkSpec


class ChannelsLast(nn.Module):
    """Runs torch's channels-first 1-D layers on Mendel's (N, length, channels) sequences."""

    def __init__(self, *modules: nn.Module) -> None:
        super().__init__()
        self.body = nn.Sequential(*modules)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x.transpose(1, 2)).transpose(1, 2)


class Recurrent(nn.Module):
    """An LSTM or GRU on (N, length, channels) that returns every step or a final summary.

    The "last" summary is the final hidden state of the top layer; when bidirectional it
    joins the forward direction's last step with the backward direction's first step, the
    two states that have read the whole sequence (``output[:, -1]`` would not be).
    """

    def __init__(self, rnn: nn.LSTM | nn.GRU, return_sequence: bool) -> None:
        super().__init__()
        self.rnn = rnn
        self.return_sequence = return_sequence

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, state = self.rnn(x)
        if self.return_sequence:
            return out
        h = state[0] if isinstance(state, tuple) else state
        return torch.cat([h[-2], h[-1]], dim=1) if self.rnn.bidirectional else h[-1]


class GlobalPool(nn.Module):
    """Mean or max over every position: axis 1 of (N, L, C), axes 2 and 3 of (N, C, H, W)."""

    def __init__(self, mode: str, dims: tuple[int, ...]) -> None:
        super().__init__()
        self.mode = mode
        self.dims = dims

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=self.dims) if self.mode == "avg" else x.amax(dim=self.dims)


class Residual(nn.Module):
    """y = skip(x) + inner(x); ``skip`` is the identity or a learned channel projection."""

    def __init__(self, inner: nn.Sequential, skip: nn.Module) -> None:
        super().__init__()
        self.inner = inner
        self.skip = skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.skip(x) + self.inner(x)


class Reshape(nn.Module):
    """(N, ...) -> (N, *shape); ``shape`` is fully resolved, so only the batch axis is -1."""

    def __init__(self, shape: Shape) -> None:
        super().__init__()
        self.shape = shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape((-1, *self.shape))


class Network(nn.Sequential):
    """The built model: one child per row of the summary's top level, output layer last."""

    def __init__(self, modules: Sequence[nn.Module], input_shape: Shape, n_outputs: int) -> None:
        super().__init__(*modules)
        self.input_shape = input_shape
        self.n_outputs = n_outputs


def make_activation(name: str, softmax_dim: int = -1, slope: float = 0.01) -> nn.Module:
    """The torch module for an activation name (lower-case kind or "none"). Softmax
    normalizes over ``softmax_dim``: the channel (or Dense unit) axis of the batch tensor."""
    kind = ACTIVATION_KINDS.get(name, "Identity" if name in ("none", "identity") else name)
    if kind == "Softmax":
        return nn.Softmax(dim=softmax_dim)
    if kind == "LeakyReLU":
        return nn.LeakyReLU(slope)
    return getattr(nn, kind)()


def _with_activation(layer: nn.Module, activation: str, softmax_dim: int = -1) -> nn.Module:
    if activation == "none":
        return layer
    return nn.Sequential(layer, make_activation(activation, softmax_dim))


def _conv(kind: str, p: dict[str, Any], s: Shape) -> nn.Module:
    one_d = kind == "Conv1D"
    sizes, channels = (s[:1], s[1]) if one_d else (s[1:], s[0])
    k, stride, dil = p["kernel"], p["stride"], p["dilation"]
    pads = [same_padding(n, k, stride, dil) if p["padding"] == "same" else (0, 0) for n in sizes]
    symmetric = all(a == b for a, b in pads)
    conv_cls = nn.Conv1d if one_d else nn.Conv2d
    conv = conv_cls(channels, p["filters"], k, stride=stride, dilation=dil,
                    padding=tuple(a for a, _ in pads) if symmetric else 0)
    parts: list[nn.Module] = [conv]
    if not symmetric:  # torch pads both sides alike; an uneven 'same' needs its own pad
        flat = [n for pair in reversed(pads) for n in pair]  # (left, right, top, bottom)
        parts.insert(0, nn.ConstantPad1d(tuple(flat), 0.0) if one_d
                     else nn.ConstantPad2d(tuple(flat), 0.0))
    if one_d:
        body: nn.Module = ChannelsLast(*parts)
    else:
        body = nn.Sequential(*parts) if len(parts) > 1 else conv
    return _with_activation(body, p["activation"], -1 if one_d else 1)


def _pool(kind: str, p: dict[str, Any]) -> nn.Module:
    pool, stride = p["pool"], p["stride"] or p["pool"]
    cls = getattr(nn, kind[:-1] + "d")  # MaxPool1D -> nn.MaxPool1d
    module = cls(pool, stride)
    return ChannelsLast(module) if kind.endswith("1D") else module


def _norm(kind: str, s: Shape) -> nn.Module:
    ch = s[channel_axis(s)]
    if kind == "LayerNorm":
        # Over all (C, H, W) values of an image, with a scale and shift per channel.
        return nn.GroupNorm(1, ch) if len(s) == 3 else nn.LayerNorm(ch)
    if len(s) == 3:
        return nn.BatchNorm2d(ch)
    return ChannelsLast(nn.BatchNorm1d(ch)) if len(s) == 2 else nn.BatchNorm1d(ch)


def _upsampling(kind: str, p: dict[str, Any], s: Shape, out: Shape) -> nn.Module:
    """Upsample and ConvTranspose (1-D ones on channels-last sequences), and Reshape."""
    one_d = kind.endswith("1D")
    if kind == "Reshape":
        return Reshape(out)
    if kind.startswith("Upsample"):
        mode = p["mode"] if p["mode"] == "nearest" else ("linear" if one_d else "bilinear")
        # a whole-number factor, so nearest and linear sizes are exact in torch and ONNX
        up = nn.Upsample(scale_factor=float(p["factor"]), mode=mode,
                         **({} if mode == "nearest" else {"align_corners": False}))
        return ChannelsLast(up) if one_d else up
    cls = nn.ConvTranspose1d if one_d else nn.ConvTranspose2d
    conv = cls(s[channel_axis(s)], p["filters"], p["kernel"], stride=p["stride"])
    return _with_activation(ChannelsLast(conv) if one_d else conv, p["activation"],
                            -1 if one_d else 1)


def _attention(kind: str, p: dict[str, Any], s: Shape) -> nn.Module:
    if kind == "Embedding":
        return CodeEmbedding(p["vocab"], p["dim"])
    if kind == "PositionalEncoding":
        return PositionalEncoding(s[0], s[1], p["mode"] == "learned")
    if kind == "MultiHeadAttention":
        return SelfAttention(s[1], p["heads"], p["dropout"])
    return TransformerBlock(s[1], p["heads"], p["ff"], p["dropout"])


def _layer_module(layer: LayerSpec, s: Shape, out: Shape) -> nn.Module:
    """The module of a non-residual layer whose input shape is ``s`` and output ``out``."""
    kind, p = layer.kind, resolved_params(layer)
    if kind in ("Embedding", "PositionalEncoding", "MultiHeadAttention", "TransformerBlock"):
        return _attention(kind, p, s)
    if kind.startswith(("Upsample", "ConvTranspose", "Reshape")):
        return _upsampling(kind, p, s, out)
    if kind == "Dense":
        return _with_activation(nn.Linear(s[-1], p["units"]), p["activation"])
    if kind == "Flatten":
        return nn.Flatten()
    if kind in ("Conv1D", "Conv2D"):
        return _conv(kind, p, s)
    if kind.startswith("Global"):
        return GlobalPool("avg" if "Avg" in kind else "max", (1,) if len(s) == 2 else (2, 3))
    if "Pool" in kind:
        return _pool(kind, p)
    if kind in ("LSTM", "GRU"):
        cls = nn.LSTM if kind == "LSTM" else nn.GRU
        rnn = cls(s[1], p["hidden"], num_layers=p["num_layers"], batch_first=True,
                  bidirectional=p["bidirectional"])
        return Recurrent(rnn, p["return"] == "sequence")
    if kind in ("BatchNorm", "LayerNorm"):
        return _norm(kind, s)
    if kind == "Dropout":
        return nn.Dropout(p["rate"])
    return make_activation(kind.lower(), 1 if len(s) == 3 else -1, p.get("slope", 0.01))


class _Builder:
    """Makes the modules of a stack, reading each layer's input shape off the summary."""

    def __init__(self, rows: list[LayerInfo]) -> None:
        self.shapes = {r.path: r.output_shape for r in rows}

    def stack(self, layers: Sequence[LayerSpec], s: Shape, prefix: Path) -> list[nn.Module]:
        modules = []
        for i, layer in enumerate(layers):
            path = (*prefix, i)
            modules.append(self.layer(layer, s, path))
            s = self.shapes[path]
        return modules

    def layer(self, layer: LayerSpec, s: Shape, path: Path) -> nn.Module:
        if layer.kind != "Residual":
            return _layer_module(layer, s, self.shapes[path])
        inner = nn.Sequential(*self.stack(layer.layers or [], s, path))
        proj = residual_projection(s, self.shapes[path])
        if proj is None:
            skip: nn.Module = nn.Identity()
        elif len(s) == 3:
            skip = nn.Conv2d(s[0], proj, 1)  # a 1x1 convolution mixes channels only
        else:
            skip = nn.Linear(s[-1], proj)  # on (L, C) the same as a 1x1 convolution
        return Residual(inner, skip)


def build_model(spec: NetworkSpec, input_shape: Sequence[int], n_outputs: int) -> Network:
    """A fresh, randomly initialized torch model for ``spec``; call ``torch.manual_seed``
    first for reproducible weights. Raises ``SpecError`` when the spec does not fit."""
    summary = check(spec, input_shape, n_outputs)
    s = summary.input_shape
    builder = _Builder(summary.layers)
    modules = builder.stack(spec.layers, s, ())
    hidden = builder.shapes[(len(spec.layers) - 1,)] if spec.layers else s
    if len(hidden) > 1:
        modules.append(nn.Flatten())
    n_out = summary.layers[-1].output_shape[0]
    modules.append(nn.Linear(math.prod(hidden), n_out))
    return Network(modules, s, n_out)


def layer_modules(model: nn.Module) -> list[tuple[Path, nn.Module]]:
    """(path, module) for every layer of a built model, in the order and with the paths of
    ``infer(...).layers``, residual children included; hook a module to watch that layer."""
    found: list[tuple[Path, nn.Module]] = []

    def walk(parent: nn.Module, prefix: Path) -> None:
        for i, module in enumerate(parent.children()):
            found.append(((*prefix, i), module))
            if isinstance(module, Residual):
                walk(module.inner, (*prefix, i))

    walk(model, ())
    return found
