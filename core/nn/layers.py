"""The layer registry: every layer kind a network may hold, its parameters and their limits.

The Network page builds its palette, forms and tooltips from ``LAYER_KINDS``; shape
inference (``core.nn.shapes``) and the torch builder (``core.nn.build``) read the same
entries, so a parameter exists in exactly one place.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from core.nn.spec import LayerSpec

GROUPS = (
    "Core",
    "Convolution and pooling",
    "Recurrent",
    "Normalization and regularization",
    "Activation",
    "Residual block",
    "Attention and embedding",
    "Upsampling and reshaping",
)

# Lower-case activation names a Dense or convolution layer can apply after itself;
# "none" (the identity) is offered besides these.
ACTIVATIONS = ["relu", "leakyrelu", "elu", "gelu", "silu", "sigmoid", "tanh", "softmax"]
ACTIVATION_KINDS = {
    "relu": "ReLU",
    "leakyrelu": "LeakyReLU",
    "elu": "ELU",
    "gelu": "GELU",
    "silu": "SiLU",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "softmax": "Softmax",
}


@dataclass(frozen=True)
class ParamSpec:
    """One editable parameter: its type, default, limits and a one-sentence tooltip."""

    name: str
    type: str  # "int", "float", "bool", "choice" or "shape" (sizes as text: "8,16", "-1,4")
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    help: str = ""


@dataclass
class LayerKind:
    """A layer kind as the palette shows it; ``description`` teaches the concept in a line."""

    kind: str
    group: str
    description: str
    params: list[ParamSpec] = field(default_factory=list)

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)


def _activation(default: str) -> ParamSpec:
    return ParamSpec(
        "activation", "choice", default, choices=("none", *ACTIVATIONS),
        help="Non-linearity applied to the layer's output; 'none' keeps it linear.",
    )


def _stride(help_text: str, default: int = 1, minimum: int = 1) -> ParamSpec:
    return ParamSpec("stride", "int", default, minimum, 64, help=help_text)


def _conv_params(kernel_help: str) -> list[ParamSpec]:
    return [
        ParamSpec("filters", "int", 32, 1, 4096,
                  help="Number of pattern detectors; each gives one output channel."),
        ParamSpec("kernel", "int", 3, 1, 1024, help=kernel_help),
        _stride("Step between neighbouring windows; 2 halves the output size."),
        ParamSpec("padding", "choice", "valid", choices=("valid", "same"),
                  help="'valid' uses only windows inside the input (output shrinks); "
                       "'same' pads with zeros so the output keeps the input size."),
        ParamSpec("dilation", "int", 1, 1, 64,
                  help="Gap between kernel taps; 2 lets a kernel of 3 span 5 positions."),
        _activation("relu"),
    ]


def _pool_params() -> list[ParamSpec]:
    return [
        ParamSpec("pool", "int", 2, 1, 64, help="Window size the pool summarizes into one value."),
        _stride("Step between windows; 0 means the same as the pool size (no overlap).",
                default=0, minimum=0),
    ]


def _recurrent_params() -> list[ParamSpec]:
    return [
        ParamSpec("hidden", "int", 64, 1, 4096,
                  help="Size of the memory vector carried along the sequence."),
        ParamSpec("num_layers", "int", 1, 1, 8,
                  help="Recurrent layers stacked on top of each other."),
        ParamSpec("bidirectional", "bool", False,
                  help="Also read the sequence backwards and join both readings."),
        ParamSpec("return", "choice", "last", choices=("last", "sequence"),
                  help="'last' gives one summary vector; 'sequence' gives a vector per position."),
    ]


def _heads(default: int = 4) -> ParamSpec:
    return ParamSpec("heads", "int", default, 1, 64,
                     help="Attention heads working side by side; each reads "
                          "channels / heads of the channels, so heads must divide them.")


def _dropout(default: float, what: str) -> ParamSpec:
    return ParamSpec("dropout", "float", default, 0.0, 0.9,
                     help=f"Fraction of {what} zeroed at each training step (a regularizer).")


def _upsample_params(linear_help: str) -> list[ParamSpec]:
    return [
        ParamSpec("factor", "int", 2, 1, 16,
                  help="How many times longer each spatial axis becomes."),
        ParamSpec("mode", "choice", "nearest", choices=("nearest", "linear"),
                  help=linear_help),
    ]


def _conv_transpose_params(kernel_help: str) -> list[ParamSpec]:
    return [
        ParamSpec("filters", "int", 32, 1, 4096,
                  help="Number of learned patterns painted into the output; one per channel."),
        ParamSpec("kernel", "int", 2, 1, 64, help=kernel_help),
        _stride("Step between painted patches; 2 doubles the output size.", default=2),
        _activation("relu"),
    ]


def _activation_kind(kind: str, description: str) -> LayerKind:
    return LayerKind(kind, "Activation", description)


_KINDS = [
    LayerKind("Dense", "Core",
              "Every output is a weighted sum of all inputs plus a bias (a fully connected layer).",
              [ParamSpec("units", "int", 64, 1, 65536, help="Number of neurons (outputs)."),
               _activation("relu")]),
    LayerKind("Flatten", "Core",
              "Lays all values of an example out in one long vector, e.g. before Dense layers."),
    LayerKind("Conv1D", "Convolution and pooling",
              "Slides small learned filters along a sequence to detect motifs wherever they are.",
              _conv_params("Window length each filter looks at (the motif width).")),
    LayerKind("Conv2D", "Convolution and pooling",
              "Slides small learned filters over an image to detect local patterns such as edges.",
              _conv_params("Side of the square window each filter looks at.")),
    LayerKind("MaxPool1D", "Convolution and pooling",
              "Keeps the strongest signal of each window, shortening the sequence.",
              _pool_params()),
    LayerKind("MaxPool2D", "Convolution and pooling",
              "Keeps the strongest signal of each square window, shrinking the image.",
              _pool_params()),
    LayerKind("AvgPool1D", "Convolution and pooling",
              "Averages each window, shortening the sequence smoothly.", _pool_params()),
    LayerKind("AvgPool2D", "Convolution and pooling",
              "Averages each square window, shrinking the image smoothly.", _pool_params()),
    LayerKind("GlobalAvgPool", "Convolution and pooling",
              "Averages each channel over all positions: one number per channel."),
    LayerKind("GlobalMaxPool", "Convolution and pooling",
              "Keeps each channel's strongest signal anywhere: 'is the motif present?'."),
    LayerKind("LSTM", "Recurrent",
              "Reads a sequence step by step, with gates deciding what to remember and forget.",
              _recurrent_params()),
    LayerKind("GRU", "Recurrent",
              "A lighter LSTM: reads a sequence step by step with two gates instead of three.",
              _recurrent_params()),
    LayerKind("BatchNorm", "Normalization and regularization",
              "Rescales each channel with statistics of the batch, which steadies training."),
    LayerKind("LayerNorm", "Normalization and regularization",
              "Rescales each example's features (per position of a sequence) to mean 0, "
              "variance 1; unlike BatchNorm it ignores the rest of the batch."),
    LayerKind("Dropout", "Normalization and regularization",
              "Randomly zeroes values while training so the network cannot rely on any one.",
              [ParamSpec("rate", "float", 0.2, 0.0, 0.95,
                         help="Fraction of values set to zero at each training step.")]),
    _activation_kind("ReLU", "Keeps positive values and sets negative ones to zero."),
    LayerKind("LeakyReLU", "Activation",
              "Like ReLU, but lets a small fraction of negative values through.",
              [ParamSpec("slope", "float", 0.01, 0.0, 1.0,
                         help="Factor applied to negative values.")]),
    _activation_kind("ELU", "Like ReLU, but bends smoothly towards -1 for negative values."),
    _activation_kind("GELU", "A smooth ReLU used in transformers: weights each value by its size."),
    _activation_kind("SiLU", "A smooth ReLU (x times sigmoid of x), also called swish."),
    _activation_kind("Sigmoid", "Squashes each value into 0..1."),
    _activation_kind("Tanh", "Squashes each value into -1..1."),
    _activation_kind("Softmax", "Turns the channel values into positive shares that sum to 1."),
    _activation_kind("Identity", "Passes values through unchanged (a placeholder)."),
    LayerKind("Residual", "Residual block",
              "Adds the block's input to the output of its inner layers (a skip connection), "
              "so deep networks train easily."),
    LayerKind("Embedding", "Attention and embedding",
              "Looks up a learned vector for each integer code, so letters become "
              "trainable points in space (use the integer encoding).",
              [ParamSpec("vocab", "int", 32, 2, 100_000,
                         help="Number of distinct codes (code 0 is padding); at least the "
                              "alphabet size + 1: 5 for DNA, 21 for protein."),
               ParamSpec("dim", "int", 16, 1, 4096,
                         help="Length of the vector each code becomes (the output channels).")]),
    LayerKind("PositionalEncoding", "Attention and embedding",
              "Adds a signal that says where each position is, because attention alone "
              "cannot tell the order of a sequence.",
              [ParamSpec("mode", "choice", "sinusoidal", choices=("sinusoidal", "learned"),
                         help="'sinusoidal' adds fixed waves of many wavelengths (no weights); "
                              "'learned' trains one vector per position.")]),
    LayerKind("MultiHeadAttention", "Attention and embedding",
              "Lets every position look at every other and mix in what is relevant to it "
              "(self-attention): long-range interactions in one layer.",
              [_heads(), _dropout(0.0, "attention weights")]),
    LayerKind("TransformerBlock", "Attention and embedding",
              "Self-attention then a small per-position MLP, each with layer norm and a skip "
              "connection: the building block of transformers.",
              [_heads(),
               ParamSpec("ff", "int", 128, 1, 65536,
                         help="Width of the feed-forward layer applied at every position."),
               _dropout(0.1, "attention weights and feed-forward outputs")]),
    LayerKind("Upsample1D", "Upsampling and reshaping",
              "Stretches a sequence by repeating (or interpolating) each position, "
              "e.g. to go back up after pooling.",
              _upsample_params("'nearest' repeats each position; 'linear' interpolates "
                               "between neighbours.")),
    LayerKind("Upsample2D", "Upsampling and reshaping",
              "Enlarges an image by repeating (or interpolating) each pixel.",
              _upsample_params("'nearest' repeats each pixel; 'linear' interpolates "
                               "bilinearly between neighbours.")),
    LayerKind("ConvTranspose1D", "Upsampling and reshaping",
              "A learned upsampling: each position paints a learned pattern into a longer "
              "output (the reverse of a strided convolution).",
              _conv_transpose_params("Length of the pattern each position paints.")),
    LayerKind("ConvTranspose2D", "Upsampling and reshaping",
              "A learned upsampling: each pixel paints a learned square patch into a larger "
              "image (the reverse of a strided convolution).",
              _conv_transpose_params("Side of the square patch each pixel paints.")),
    LayerKind("Reshape", "Upsampling and reshaping",
              "Rearranges the same values into another shape, e.g. a vector of 64 into an "
              "8x8 image or a sequence of 16 positions with 4 channels.",
              [ParamSpec("shape", "shape", "-1,1",
                         help="1 to 3 sizes separated by commas, such as 8,16 or 1,8,8; one "
                              "may be -1 to take whatever is left.")]),
]

LAYER_KINDS: dict[str, LayerKind] = {k.kind: k for k in _KINDS}


def default_layer(kind: str) -> LayerSpec:
    """A new layer of ``kind`` with every parameter at its default (what the palette adds)."""
    lk = LAYER_KINDS.get(kind)
    if lk is None:
        raise KeyError(kind)
    params = {p.name: p.default for p in lk.params}
    return LayerSpec(kind, params, [] if kind == "Residual" else None)


def parse_shape(value: Any) -> tuple[int, ...]:
    """The sizes of a "shape" parameter: text such as "8,16", "-1, 4" or "(1, 8, 8)", or a
    JSON list of ints. 1 to 3 sizes, each positive or -1 (at most one -1, which shape
    inference resolves against the input). Raises ``ValueError`` saying what is wrong."""
    if isinstance(value, str):
        tokens = value.strip().strip("()[]").replace(",", " ").split()
    elif isinstance(value, (list, tuple)):
        tokens = list(value)
    else:
        raise ValueError(f"must be sizes such as 8,16, got {value!r}")
    try:
        sizes = tuple(_size(t) for t in tokens)
    except (TypeError, ValueError):
        raise ValueError(f"must be whole numbers separated by commas, such as 8,16 or "
                         f"-1,4; got {value!r}") from None
    if not 1 <= len(sizes) <= 3:
        raise ValueError(f"must hold 1 to 3 sizes, such as 64, 8,16 or 1,8,8; got {value!r}")
    if sizes.count(-1) > 1:
        raise ValueError(f"may have only one -1 (the size left over), got {value!r}")
    if any(n == 0 or n < -1 for n in sizes):
        raise ValueError(f"sizes must be positive (or one -1), got {value!r}")
    return sizes


def _size(token: Any) -> int:
    if isinstance(token, bool) or (isinstance(token, float) and not token.is_integer()):
        raise ValueError(token)
    return int(token)  # "8", 8 and 8.0 alike; "x", "1.5" and None raise


def shape_text(sizes: tuple[int, ...]) -> str:
    """The normalized text of a "shape" parameter: (8, 16) -> "8,16"."""
    return ",".join(str(n) for n in sizes)


def _check_value(p: ParamSpec, value: Any) -> str | None:
    """Why ``value`` is not acceptable for ``p``, or None when it is."""
    if p.type == "shape":
        try:
            parse_shape(value)
        except ValueError as exc:
            return f"{p.name} {exc}"
        return None
    if p.type == "bool":
        return None if isinstance(value, bool) else f"{p.name} must be true or false, got {value!r}"
    if p.type == "choice":
        if isinstance(value, str) and value.lower() in (p.choices or ()):
            return None
        return f"{p.name} must be one of {', '.join(p.choices or ())}; got {value!r}"
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    if p.type == "int" and not (numeric and float(value).is_integer()):
        return f"{p.name} must be a whole number, got {value!r}"
    if p.type == "float" and not numeric:
        return f"{p.name} must be a number, got {value!r}"
    if (p.minimum is not None and value < p.minimum) or (
        p.maximum is not None and value > p.maximum
    ):
        return f"{p.name} must be between {p.minimum:g} and {p.maximum:g}, got {value!r}"
    return None


def validate_params(layer: LayerSpec) -> list[str]:
    """Problems with this layer's own kind and parameters (not its inner layers, not shapes)."""
    lk = LAYER_KINDS.get(layer.kind)
    if lk is None:
        near = difflib.get_close_matches(layer.kind, LAYER_KINDS, n=1)
        hint = f"did you mean {near[0]}?" if near else f"known kinds: {', '.join(LAYER_KINDS)}"
        return [f"unknown layer kind {layer.kind!r}; {hint}"]
    problems = []
    names = [p.name for p in lk.params]
    for name, value in layer.params.items():
        p = lk.param(name)
        if p is None:
            near = difflib.get_close_matches(name, names, n=1)
            if near:
                hint = f"did you mean {near[0]!r}?"
            else:
                hint = f"it takes {', '.join(names)}" if names else "it takes no parameters"
            problems.append(f"unknown parameter {name!r}; {hint}")
            continue
        problem = _check_value(p, value)
        if problem:
            problems.append(problem)
    if layer.kind == "Residual":
        if not layer.layers:
            problems.append("a residual block needs at least one inner layer")
    elif layer.layers is not None:
        hint = "; stack recurrent layers with num_layers" if lk.param("num_layers") else ""
        problems.append("only a Residual block can hold inner layers" + hint)
    return problems


def resolved_params(layer: LayerSpec) -> dict[str, Any]:
    """Every parameter of a valid layer, defaults filled in and values normalized
    (whole-number floats from JSON become ints, choices lower-case, a "shape" a tuple of
    ints such as (-1, 4), its -1 still unresolved)."""
    lk = LAYER_KINDS[layer.kind]
    out: dict[str, Any] = {}
    for p in lk.params:
        value = layer.params.get(p.name, p.default)
        if p.type == "int":
            value = int(value)
        elif p.type == "float":
            value = float(value)
        elif p.type == "choice":
            value = value.lower()
        elif p.type == "shape":
            value = parse_shape(value)
        out[p.name] = value
    return out
