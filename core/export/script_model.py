"""A network spec as readable ``nn.Module`` source for the exported training script.

The code mirrors ``core.nn.build`` module for module, in the same order, so the script's
model has the same ``state_dict`` keys as Mendel's (weights load either way) and, seeded
alike, draws the same initial weights. The few wrapper modules Mendel uses (channels-last
1-D layers, recurrent summaries, attention...) are copied into the script from their
source, so their forward passes are Mendel's own, not a re-telling of them.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.errors import ExportError, MendelError
from core.nn import attention, build
from core.nn.layers import ACTIVATION_KINDS, resolved_params
from core.nn.shapes import Shape, channel_axis, check, residual_projection, same_padding
from core.nn.spec import LayerSpec, NetworkSpec

WIDTH = 99  # the script's line limit (ruff's 100, with room for a trailing comma)


@dataclass
class Call:
    """A constructor call in the generated code, e.g. ``nn.Linear(2, 64)``."""

    fn: str
    args: list[Call | str] = field(default_factory=list)

    def inline(self) -> str:
        return f"{self.fn}({', '.join(_inline(a) for a in self.args)})"


def _inline(arg: Call | str) -> str:
    return arg.inline() if isinstance(arg, Call) else arg


def render(arg: Call | str, indent: str, suffix: str = "") -> list[str]:
    """Source lines of ``arg`` at ``indent``: on one line when it fits, else one argument
    per line (the nesting then reads like the network's structure)."""
    one = f"{indent}{_inline(arg)}{suffix}"
    if len(one) <= WIDTH or not isinstance(arg, Call) or not arg.args:
        return [one]
    lines = [f"{indent}{arg.fn}("]
    for a in arg.args:
        lines += render(a, indent + "    ", ",")
    return [*lines, f"{indent}){suffix}"]


# --- the modules of each layer kind (core.nn.build, as code) ---------------------------


class _Needs:
    """The helper classes (copied from Mendel) the generated network uses."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def use(self, name: str) -> str:
        if name not in self.names:
            self.names.append(name)
        return name


def activation(name: str, softmax_dim: int = -1, slope: float = 0.01) -> Call:
    kind = ACTIVATION_KINDS.get(name, "Identity" if name in ("none", "identity") else name)
    if kind == "Softmax":
        return Call("nn.Softmax", [f"dim={softmax_dim}"])
    if kind == "LeakyReLU":
        return Call("nn.LeakyReLU", [repr(float(slope))])
    return Call(f"nn.{kind}")


def _with_activation(layer: Call, name: str, softmax_dim: int = -1) -> Call:
    return layer if name == "none" else Call("nn.Sequential",
                                             [layer, activation(name, softmax_dim)])


def _conv(kind: str, p: dict[str, Any], s: Shape, needs: _Needs) -> Call:
    one_d = kind == "Conv1D"
    sizes, channels = (s[:1], s[1]) if one_d else (s[1:], s[0])
    k, stride, dil = p["kernel"], p["stride"], p["dilation"]
    pads = [same_padding(n, k, stride, dil) if p["padding"] == "same" else (0, 0) for n in sizes]
    symmetric = all(a == b for a, b in pads)
    padding = repr(tuple(a for a, _ in pads)) if symmetric else "0"
    conv = Call("nn.Conv1d" if one_d else "nn.Conv2d",
                [str(channels), str(p["filters"]), str(k), f"stride={stride}",
                 f"dilation={dil}", f"padding={padding}"])
    parts: list[Call | str] = [conv]
    if not symmetric:  # torch pads both sides alike; an uneven 'same' needs its own pad
        flat = tuple(n for pair in reversed(pads) for n in pair)
        parts.insert(0, Call("nn.ConstantPad1d" if one_d else "nn.ConstantPad2d",
                             [repr(flat), "0.0"]))
    if one_d:
        body = Call(needs.use("ChannelsLast"), parts)
    else:
        body = Call("nn.Sequential", parts) if len(parts) > 1 else conv
    return _with_activation(body, p["activation"], -1 if one_d else 1)


def _pool(kind: str, p: dict[str, Any], needs: _Needs) -> Call:
    pool, stride = p["pool"], p["stride"] or p["pool"]
    module = Call(f"nn.{kind[:-1]}d", [str(pool), str(stride)])
    return Call(needs.use("ChannelsLast"), [module]) if kind.endswith("1D") else module


def _norm(kind: str, s: Shape, needs: _Needs) -> Call:
    ch = str(s[channel_axis(s)])
    if kind == "LayerNorm":
        return Call("nn.GroupNorm", ["1", ch]) if len(s) == 3 else Call("nn.LayerNorm", [ch])
    if len(s) == 3:
        return Call("nn.BatchNorm2d", [ch])
    norm = Call("nn.BatchNorm1d", [ch])
    return Call(needs.use("ChannelsLast"), [norm]) if len(s) == 2 else norm


def _upsampling(kind: str, p: dict[str, Any], s: Shape, out: Shape, needs: _Needs) -> Call:
    one_d = kind.endswith("1D")
    if kind == "Reshape":
        return Call(needs.use("Reshape"), [repr(tuple(out))])
    if kind.startswith("Upsample"):
        mode = p["mode"] if p["mode"] == "nearest" else ("linear" if one_d else "bilinear")
        args: list[Call | str] = [f"scale_factor={float(p['factor'])!r}", f"mode={mode!r}"]
        if mode != "nearest":
            args.append("align_corners=False")
        up = Call("nn.Upsample", args)
        return Call(needs.use("ChannelsLast"), [up]) if one_d else up
    conv = Call("nn.ConvTranspose1d" if one_d else "nn.ConvTranspose2d",
                [str(s[channel_axis(s)]), str(p["filters"]), str(p["kernel"]),
                 f"stride={p['stride']}"])
    body = Call(needs.use("ChannelsLast"), [conv]) if one_d else conv
    return _with_activation(body, p["activation"], -1 if one_d else 1)


def _attention(kind: str, p: dict[str, Any], s: Shape, needs: _Needs) -> Call:
    if kind == "Embedding":
        return Call(needs.use("CodeEmbedding"), [str(p["vocab"]), str(p["dim"])])
    if kind == "PositionalEncoding":
        if p["mode"] != "learned":
            needs.use("sinusoidal_table")
        return Call(needs.use("PositionalEncoding"),
                    [str(s[0]), str(s[1]), f"learned={p['mode'] == 'learned'!r}"])
    if kind == "MultiHeadAttention":
        return Call(needs.use("SelfAttention"), [str(s[1]), str(p["heads"]), repr(p["dropout"])])
    return Call(needs.use("TransformerBlock"),
                [str(s[1]), str(p["heads"]), str(p["ff"]), repr(p["dropout"])])


def _recurrent(kind: str, p: dict[str, Any], s: Shape, needs: _Needs) -> Call:
    rnn = Call(f"nn.{kind}", [str(s[1]), str(p["hidden"]), f"num_layers={p['num_layers']}",
                              "batch_first=True", f"bidirectional={p['bidirectional']!r}"])
    return Call(needs.use("Recurrent"), [rnn, f"return_sequence={p['return'] == 'sequence'!r}"])


LayerCode = Callable[[str, dict[str, Any], Shape, Shape, _Needs], Call]

# every layer kind the exporter writes; a kind missing here cannot be exported
EXPORTERS: dict[str, LayerCode] = {
    "Dense": lambda k, p, s, o, n: _with_activation(
        Call("nn.Linear", [str(s[-1]), str(p["units"])]), p["activation"]),
    "Flatten": lambda k, p, s, o, n: Call("nn.Flatten"),
    "Conv1D": lambda k, p, s, o, n: _conv(k, p, s, n),
    "Conv2D": lambda k, p, s, o, n: _conv(k, p, s, n),
    **{kind: (lambda k, p, s, o, n: _pool(k, p, n))
       for kind in ("MaxPool1D", "MaxPool2D", "AvgPool1D", "AvgPool2D")},
    **{kind: (lambda k, p, s, o, n: Call(n.use("GlobalPool"), [
        repr("avg" if "Avg" in k else "max"), "(1,)" if len(s) == 2 else "(2, 3)"]))
       for kind in ("GlobalAvgPool", "GlobalMaxPool")},
    "LSTM": lambda k, p, s, o, n: _recurrent(k, p, s, n),
    "GRU": lambda k, p, s, o, n: _recurrent(k, p, s, n),
    "BatchNorm": lambda k, p, s, o, n: _norm(k, s, n),
    "LayerNorm": lambda k, p, s, o, n: _norm(k, s, n),
    "Dropout": lambda k, p, s, o, n: Call("nn.Dropout", [repr(p["rate"])]),
    **{kind: (lambda k, p, s, o, n: activation(k.lower(), 1 if len(s) == 3 else -1,
                                                p.get("slope", 0.01)))
       for kind in ("ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softmax",
                    "Identity")},
    **{kind: (lambda k, p, s, o, n: _attention(k, p, s, n))
       for kind in ("Embedding", "PositionalEncoding", "MultiHeadAttention",
                    "TransformerBlock")},
    **{kind: (lambda k, p, s, o, n: _upsampling(k, p, s, o, n))
       for kind in ("Upsample1D", "Upsample2D", "ConvTranspose1D", "ConvTranspose2D",
                    "Reshape")},
}


@dataclass
class ModelCode:
    """The generated ``build_network`` function and the helper sources it needs."""

    function: str
    helpers: str
    imports_math: bool


class _Writer:
    def __init__(self, shapes: dict[tuple[int, ...], Shape]) -> None:
        self.shapes = shapes
        self.needs = _Needs()

    def stack(self, layers: Sequence[LayerSpec], s: Shape, prefix: tuple[int, ...]
              ) -> list[tuple[str, Call]]:
        out = []
        for i, layer in enumerate(layers):
            path = (*prefix, i)
            out.append((_label(layer, path), self.layer(layer, s, path)))
            s = self.shapes[path]
        return out

    def layer(self, layer: LayerSpec, s: Shape, path: tuple[int, ...]) -> Call:
        number = ".".join(str(i + 1) for i in path)
        if layer.kind == "Residual":
            inner = Call("nn.Sequential", [c for _, c in self.stack(layer.layers or [], s,
                                                                     path)])
            proj = residual_projection(s, self.shapes[path])
            if proj is None:
                skip = Call("nn.Identity")
            elif len(s) == 3:
                skip = Call("nn.Conv2d", [str(s[0]), str(proj), "1"])
            else:
                skip = Call("nn.Linear", [str(s[-1]), str(proj)])
            return Call(self.needs.use("Residual"), [inner, skip])
        code = EXPORTERS.get(layer.kind)
        if code is None:
            raise ExportError(f"layer {number} ({layer.kind}) cannot be exported as PyTorch "
                              "code yet; the run's ONNX or TorchScript file holds it")
        return code(layer.kind, resolved_params(layer), s, self.shapes[path], self.needs)


def _label(layer: LayerSpec, path: tuple[int, ...]) -> str:
    params = ", ".join(f"{k}={v}" for k, v in layer.params.items())
    return f"layer {'.'.join(str(i + 1) for i in path)}: {layer.kind}" + (
        f" ({params})" if params else "")


def model_code(spec: NetworkSpec, input_shape: Sequence[int], n_outputs: int) -> ModelCode:
    """``build_network()`` for ``spec``; ``ExportError`` naming a layer that cannot be."""
    try:
        summary = check(spec, input_shape, n_outputs)
    except MendelError as exc:
        raise ExportError(f"the run's network does not fit its data: {exc}") from None
    writer = _Writer({r.path: r.output_shape for r in summary.layers})
    children = writer.stack(spec.layers, summary.input_shape, ())
    hidden = writer.shapes[(len(spec.layers) - 1,)] if spec.layers else summary.input_shape
    if len(hidden) > 1:
        children.append(("automatic Flatten before the output layer", Call("nn.Flatten")))
    n_out = summary.layers[-1].output_shape[0]
    children.append((f"output layer: {n_out} unit(s)",
                     Call("nn.Linear", [str(math.prod(hidden)), str(n_out)])))
    lines = [
        "def build_network() -> nn.Sequential:",
        f'    """{spec.name or "The network"}: input {tuple(summary.input_shape)}, '
        f'{n_out} output(s).',
        "",
        "    Children and their order are Mendel's, so the state_dict keys (0.0.weight ...)",
        "    are the run's and its model.safetensors loads here unchanged.",
        '    """',
        "    return nn.Sequential(",
    ]
    for label, call in children:
        lines.append(f"        # {label}"[:WIDTH])
        lines += render(call, " " * 8, ",")
    lines.append("    )")
    helpers = [_helper_source(name) for name in _ordered(writer.needs.names)]
    uses_math = any(n in writer.needs.names for n in ("sinusoidal_table", "SelfAttention",
                                                      "TransformerBlock"))
    return ModelCode("\n".join(lines) + "\n", "\n\n".join(helpers), uses_math)


# helpers a helper relies on come first in the script
_DEPENDS = {"TransformerBlock": ["SelfAttention"], "PositionalEncoding": ["sinusoidal_table"]}
_SOURCES = {
    "ChannelsLast": build.ChannelsLast, "Recurrent": build.Recurrent,
    "GlobalPool": build.GlobalPool, "Residual": build.Residual, "Reshape": build.Reshape,
    "CodeEmbedding": attention.CodeEmbedding, "sinusoidal_table": attention.sinusoidal_table,
    "PositionalEncoding": attention.PositionalEncoding,
    "SelfAttention": attention.SelfAttention, "TransformerBlock": attention.TransformerBlock,
}


def _ordered(names: list[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        for dep in [*_DEPENDS.get(name, []), name]:
            if dep not in out:
                out.append(dep)
    return sorted(out, key=list(_SOURCES).index)


def _helper_source(name: str) -> str:
    """Mendel's own source of a helper; annotations that name Mendel's types made plain."""
    text = inspect.getsource(_SOURCES[name])
    return text.replace("shape: Shape", "shape: tuple[int, ...]").rstrip() + "\n"
