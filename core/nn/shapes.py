"""Shape inference: what each layer outputs, how many weights it has, and what is wrong.

``infer`` walks a ``NetworkSpec`` the way the built model will run it and never raises for a
layer problem: it collects one actionable message per broken layer, so the Network page can
mark every broken card at once. Shapes exclude the batch axis. Sequences are channels-last
(length, channels); images are channels-first (channels, height, width); tables are (F,).
Parameter counts equal ``sum(p.numel())`` of the module ``core.nn.build`` makes for the layer.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from core.budget import human_bytes
from core.errors import SpecError
from core.nn import shapes_extra
from core.nn.layers import resolved_params, validate_params
from core.nn.shape_base import Context as _Context
from core.nn.shape_base import Shape, channel_axis
from core.nn.shape_base import ShapeProblem as _Problem
from core.nn.shape_base import need_image as _need_image
from core.nn.shape_base import need_sequence as _need_sequence
from core.nn.spec import LayerSpec, NetworkSpec, size_problem

Path = tuple[int, ...]

# Buffers each optimizer keeps per weight (torch's defaults): Adam, AdamW and Adadelta two
# running averages, RMSprop and Adagrad one, plain SGD none. Momentum adds a velocity
# buffer to SGD and RMSprop. Names as the summary prints them.
_OPTIMIZER_STATE = {"sgd": 0, "adam": 2, "adamw": 2, "adadelta": 2, "rmsprop": 1, "adagrad": 1}
_OPTIMIZER_NAMES = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "adadelta": "Adadelta",
                    "rmsprop": "RMSprop", "adagrad": "Adagrad"}


def optimizer_state(optimizer: str, momentum: float = 0.0) -> int:
    """Extra float32 values an optimizer keeps per weight, e.g. 2 for Adam's moments."""
    name = optimizer.lower()
    if name not in _OPTIMIZER_STATE:
        raise SpecError(f"unknown optimizer {optimizer!r}; use {', '.join(_OPTIMIZER_STATE)}")
    return _OPTIMIZER_STATE[name] + (1 if momentum > 0 and name in ("sgd", "rmsprop") else 0)


def optimizer_name(optimizer: str, momentum: float = 0.0) -> str:
    """How the summary names an optimizer: "Adam", "SGD", "SGD with momentum"."""
    name = _OPTIMIZER_NAMES.get(optimizer.lower(), optimizer)
    return name + (" with momentum" if momentum > 0 and name in ("SGD", "RMSprop") else "")


@dataclass
class LayerInfo:
    """One row of the summary: a layer of the stack, a residual child, or an automatic layer."""

    path: Path  # index in the stack; (3, 0) is the first inner layer of block 3
    kind: str
    label: str  # e.g. "Conv1D 32×9 relu"
    output_shape: Shape | None  # None when unknown because of an error at or before it
    n_params: int
    error: str | None = None
    auto: bool = False  # the Flatten / output Dense added from the task
    # values per example the layer keeps inside for the backward pass besides its output
    # (attention's length x length scores); part of the memory estimate
    inner_values: int = 0
    activation: str = "none"  # the layer's own activation (a Dense or convolution's)
    recurrent_values: int = 0  # an LSTM or GRU: steps x hidden units x directions x layers

    @property
    def number(self) -> str:
        """The layer's number as the user sees the stack: "4", or "4.1" for a block's child."""
        return ".".join(str(i + 1) for i in self.path)


@dataclass
class NetworkSummary:
    input_shape: Shape
    layers: list[LayerInfo]
    total_params: int
    output_shape: Shape | None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def memory_per_batch(self, batch_size: int, optimizer: str = "adam",
                         momentum: float = 0.0) -> int:
        """Bytes needed to train batches of ``batch_size`` with ``optimizer``: the weights,
        their gradients and the optimizer's buffers (``optimizer_state``), what each layer
        keeps per example for the backward pass, and torch's working memory; calibrated
        against measured peak memory (``core.nn.memory``, which this delegates to)."""
        from core.nn.memory import summary_memory  # memory reads this module's types

        return summary_memory(self, batch_size, optimizer, momentum)


def same_padding(length: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """Zeros to add before and after an axis so a 'same' convolution outputs
    ceil(length / stride) positions; the odd one goes after, as in Keras."""
    out = -(-length // stride)
    total = max((out - 1) * stride + dilation * (kernel - 1) + 1 - length, 0)
    return total // 2, total - total // 2


def _window_out(size: int, span: int, stride: int) -> int:
    return (size - span) // stride + 1


def _conv(kind: str, p: dict[str, Any], s: Shape, ctx: _Context) -> tuple[Shape, int]:
    k, stride, dil, filters = p["kernel"], p["stride"], p["dilation"], p["filters"]
    span = dil * (k - 1) + 1
    what = f"kernel {k}" + (f" with dilation {dil}" if dil > 1 else "")
    if kind == "Conv1D":
        _need_sequence(kind, s, ctx)
        sizes, channels = s[:1], s[1]
    else:
        _need_image(kind, s, ctx)
        sizes, channels = s[1:], s[0]
    if p["padding"] == "same":
        out = tuple(-(-n // stride) for n in sizes)
    elif min(sizes) < span:
        if kind == "Conv1D":
            got = f"length >= {span}, input length is {sizes[0]}"
        else:
            got = f"height and width >= {span}, input is {sizes[0]}×{sizes[1]}"
        raise _Problem(f"{what} needs {got}; use a smaller kernel or padding 'same'")
    else:
        out = tuple(_window_out(n, span, stride) for n in sizes)
    n_params = channels * filters * k ** len(sizes) + filters
    return ((*out, filters) if kind == "Conv1D" else (filters, *out)), n_params


def _pool(kind: str, p: dict[str, Any], s: Shape, ctx: _Context) -> tuple[Shape, int]:
    pool, stride = p["pool"], p["stride"] or p["pool"]
    if kind.endswith("1D"):
        _need_sequence(kind, s, ctx)
        if s[0] < pool:
            raise _Problem(f"pool {pool} needs length >= {pool}, input length is {s[0]}; "
                           "use a smaller pool or remove a layer that shortens the sequence")
        return (_window_out(s[0], pool, stride), s[1]), 0
    _need_image(kind, s, ctx)
    if min(s[1:]) < pool:
        raise _Problem(f"pool {pool} needs height and width >= {pool}, input is "
                       f"{s[1]}×{s[2]}; use a smaller pool or remove a layer that shrinks it")
    return (s[0], _window_out(s[1], pool, stride), _window_out(s[2], pool, stride)), 0


def _global_pool(s: Shape, ctx: _Context) -> tuple[Shape, int]:
    if len(s) == 1:
        hint = ("move it before the layer that removed the positions" if ctx.input_rank > 1
                else "flat features have no positions to pool over; remove it")
        raise _Problem(f"needs a sequence (length, channels) or image (channels, height, width)"
                       f" input, got {s}; {hint}")
    return (s[channel_axis(s)],), 0


def _recurrent(kind: str, p: dict[str, Any], s: Shape, ctx: _Context) -> tuple[Shape, int]:
    _need_sequence(kind, s, ctx)
    hidden, dirs = p["hidden"], 2 if p["bidirectional"] else 1
    gates = 4 if kind == "LSTM" else 3
    n_params = 0
    for layer in range(p["num_layers"]):
        n_in = s[1] if layer == 0 else hidden * dirs
        n_params += dirs * gates * (n_in * hidden + hidden * hidden + 2 * hidden)
    out = (hidden * dirs,) if p["return"] == "last" else (s[0], hidden * dirs)
    return out, n_params


def _layer_shape(kind: str, p: dict[str, Any], s: Shape, ctx: _Context) -> tuple[Shape, int]:
    """Output shape and parameter count of a non-residual layer, or a ``_Problem``."""
    if kind in shapes_extra.KINDS:
        return shapes_extra.layer_shape(kind, p, s, ctx)
    if kind == "Dense":
        return (*s[:-1], p["units"]), s[-1] * p["units"] + p["units"]
    if kind == "Flatten":
        return (math.prod(s),), 0
    if kind in ("Conv1D", "Conv2D"):
        return _conv(kind, p, s, ctx)
    if "Pool" in kind and not kind.startswith("Global"):
        return _pool(kind, p, s, ctx)
    if kind.startswith("Global"):
        return _global_pool(s, ctx)
    if kind in ("LSTM", "GRU"):
        return _recurrent(kind, p, s, ctx)
    if kind in ("BatchNorm", "LayerNorm"):
        return s, 2 * s[channel_axis(s)]
    return s, 0  # Dropout and the activations keep the shape and have no weights


def layer_label(layer: LayerSpec) -> str:
    """A short name for a card or summary row, e.g. "Conv1D 32×9 relu" or "LSTM 64 last"."""
    if validate_params(layer):
        return layer.kind
    p, kind = resolved_params(layer), layer.kind
    if kind in shapes_extra.KINDS:
        text = shapes_extra.label(kind, p)
    elif kind == "Dense":
        text = f"Dense {p['units']}"
    elif kind in ("Conv1D", "Conv2D"):
        dims = 1 if kind == "Conv1D" else 2
        text = f"{kind} {p['filters']}" + f"×{p['kernel']}" * dims
        text += f" stride {p['stride']}" if p["stride"] != 1 else ""
        text += " same" if p["padding"] == "same" else ""
        text += f" dilation {p['dilation']}" if p["dilation"] != 1 else ""
    elif "pool" in p:
        text = f"{kind} {p['pool']}"
        text += f" stride {p['stride']}" if p["stride"] not in (0, p["pool"]) else ""
    elif kind in ("LSTM", "GRU"):
        text = f"{kind} {p['hidden']}"
        text += f" ×{p['num_layers']}" if p["num_layers"] > 1 else ""
        text += " bidirectional" if p["bidirectional"] else ""
        text += f" {p['return']}"
    elif kind == "Dropout":
        text = f"Dropout {p['rate']:g}"
    elif kind == "LeakyReLU":
        text = f"LeakyReLU {p['slope']:g}"
    elif kind == "Residual":
        n = len(layer.layers or [])
        text = f"Residual ({n} layer{'s' if n != 1 else ''})"
    else:
        text = kind
    if p.get("activation", "none") != "none":
        text += f" {p['activation']}"
    return text


def residual_projection(inner_in: Shape, inner_out: Shape) -> int | None:
    """Output channels of the learned projection a residual block needs on its skip path:
    None when the shapes match (no projection), else the new channel count.
    Raises ``SpecError`` when more than the channel count changes."""
    if inner_out == inner_in:
        return None
    axis = channel_axis(inner_in)
    rest_in = inner_in[:axis] + inner_in[axis + 1:]
    rest_out = inner_out[:axis] + inner_out[axis + 1:] if len(inner_out) == len(inner_in) else None
    if rest_in != rest_out:
        raise _Problem(
            f"the inner layers change the shape from {inner_in} to {inner_out}; a residual "
            "block adds its input to its output, so only the channel count may change "
            "(use padding 'same', stride 1 and no pooling, Flatten or 'last' LSTM inside)"
        )
    return inner_out[axis]


class _Walker:
    """Walks a (possibly nested) stack, appending ``LayerInfo`` rows and error messages."""

    def __init__(self, ctx: _Context) -> None:
        self.ctx = ctx
        self.rows: list[LayerInfo] = []
        self.errors: list[str] = []

    def stack(self, layers: Sequence[LayerSpec], s: Shape | None, prefix: Path) -> Shape | None:
        for i, layer in enumerate(layers):
            s = self.layer(layer, s, (*prefix, i))
        return s

    def layer(self, layer: LayerSpec, s: Shape | None, path: Path) -> Shape | None:
        info = LayerInfo(path, layer.kind, layer_label(layer), None, 0)
        self.rows.append(info)
        problems = validate_params(layer)
        if layer.kind == "Residual" and layer.layers:
            inner_out = self.stack(layer.layers, s, path)
            children = [r for r in self.rows if r.path[:-1] == path]
            if not problems and s is not None and inner_out is not None:
                try:
                    proj = residual_projection(s, inner_out)
                except _Problem as exc:
                    problems.append(str(exc))
                else:
                    ch_in = s[channel_axis(s)]
                    extra = 0 if proj is None else ch_in * proj + proj
                    info.n_params = sum(c.n_params for c in children) + extra
                    info.output_shape = inner_out
                    if proj is not None:
                        info.label += " + projection"
        elif not problems and s is not None:
            try:
                p = resolved_params(layer)
                info.output_shape, info.n_params = _layer_shape(layer.kind, p, s, self.ctx)
                info.activation = str(p.get("activation", "none"))
                if layer.kind in ("LSTM", "GRU"):
                    info.recurrent_values = (s[0] * p["hidden"] * p["num_layers"]
                                             * (2 if p["bidirectional"] else 1))
                if layer.kind in shapes_extra.KINDS:
                    info.inner_values = shapes_extra.inner_values(layer.kind, p, s)
            except _Problem as exc:
                problems.append(str(exc))
        if problems:
            info.error = "; ".join(problems)
            self.errors.append(f"layer {info.number} {layer.kind}: {info.error}")
        return info.output_shape


def _check_input(input_shape: Sequence[int]) -> Shape | None:
    try:
        s = tuple(operator.index(n) for n in input_shape)
    except TypeError:
        return None
    return s if 1 <= len(s) <= 3 and all(n >= 1 for n in s) else None


def _check_outputs(n_outputs: int) -> int | None:
    try:
        n = operator.index(n_outputs)
    except TypeError:
        return None
    return n if n >= 1 and not isinstance(n_outputs, bool) else None


def infer(spec: NetworkSpec, input_shape: Sequence[int], n_outputs: int) -> NetworkSummary:
    """Shapes, parameter counts and problems of ``spec`` on inputs of ``input_shape``
    with ``n_outputs`` output units; the automatic Flatten and output Dense are included."""
    if problem := size_problem(spec.layers):  # before walking a million layers
        return NetworkSummary(tuple(_check_input(input_shape) or ()), [], 0, None, [problem])
    s = _check_input(input_shape)
    errors = []
    if s is None:
        errors.append(f"the input shape must be 1 to 3 positive sizes such as (30,), (60, 4) "
                      f"or (1, 28, 28); got {input_shape!r}")
    walker = _Walker(_Context(input_rank=len(s) if s else 0))
    hidden = walker.stack(spec.layers, s, ())
    errors += walker.errors
    rows, n = walker.rows, len(spec.layers)
    if hidden is not None and len(hidden) > 1:
        rows.append(LayerInfo((n,), "Flatten", "Flatten (auto)", (math.prod(hidden),), 0,
                              auto=True))
        hidden, n = (math.prod(hidden),), n + 1
    out = LayerInfo((n,), "Dense", f"Dense {n_outputs} (output)", None, 0, auto=True)
    rows.append(out)
    n_out = _check_outputs(n_outputs)
    if n_out is None:
        out.error = f"needs at least 1 unit, got {n_outputs!r}"
        errors.append(f"output layer: {out.error}")
    elif hidden is not None:
        out.output_shape = (n_out,)
        out.n_params = hidden[0] * n_out + n_out
    total = sum(r.n_params for r in rows if len(r.path) == 1)
    return NetworkSummary(s or (), rows, total, out.output_shape, errors)


def check(spec: NetworkSpec, input_shape: Sequence[int], n_outputs: int) -> NetworkSummary:
    """``infer``, raising ``SpecError`` with the first problem when there is one."""
    summary = infer(spec, input_shape, n_outputs)
    if summary.errors:
        raise SpecError(summary.errors[0])
    return summary


def summary_text(summary: NetworkSummary, batch_size: int = 32, optimizer: str = "adam",
                 momentum: float = 0.0) -> str:
    """A plain-text table in the style of torchinfo, for the clipboard and the CLI; the
    memory estimate is for ``optimizer`` (with ``momentum``) at ``batch_size``.

    A residual block's row counts only its own projection weights; its inner layers follow
    it indented, so the Param # column adds up to the total.
    """
    table = [("Layer (type)", "Output shape", "Param #"),
             ("Input", str(summary.input_shape), "--")]
    for info in summary.layers:
        own = info.n_params - sum(r.n_params for r in summary.layers if r.path[:-1] == info.path)
        name = "  " * (len(info.path) - 1) + (info.label if info.auto
                                               else f"{info.number} {info.label}")
        shape = "error" if info.error else str(info.output_shape) if info.output_shape else "?"
        table.append((name, shape, f"{own:,}" if own else "--"))
    widths = [max(len(row[c]) for row in table) for c in range(3)]
    line = "=" * (sum(widths) + 6)

    def fmt(row: tuple[str, str, str]) -> str:
        return f"{row[0]:<{widths[0]}}   {row[1]:<{widths[1]}}   {row[2]:>{widths[2]}}"

    out = [line, fmt(table[0]), line, *(fmt(r) for r in table[1:]), line,
           f"Total params: {summary.total_params:,}",
           f"Input values per example: {math.prod(summary.input_shape):,}"]
    if summary.ok:
        mem = human_bytes(summary.memory_per_batch(batch_size, optimizer, momentum))
        name = optimizer_name(optimizer, momentum)
        out.append(f"Estimated training memory (batch {batch_size}, {name}): {mem}")
    else:
        out.append(line)
        out += [f"Error: {e}" for e in summary.errors]
    out.append(line)
    return "\n".join(out)
