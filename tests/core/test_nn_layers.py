"""The layer registry: groups, parameter schemas and parameter validation."""

from __future__ import annotations

import pytest

from core.nn.layers import (
    ACTIVATIONS,
    LAYER_KINDS,
    default_layer,
    resolved_params,
    validate_params,
)
from core.nn.layers import GROUPS as LAYER_GROUPS
from core.nn.spec import LayerSpec

GROUPS = {
    "Core": {"Dense", "Flatten"},
    "Convolution and pooling": {
        "Conv1D", "Conv2D", "MaxPool1D", "MaxPool2D", "AvgPool1D", "AvgPool2D",
        "GlobalAvgPool", "GlobalMaxPool",
    },
    "Recurrent": {"LSTM", "GRU"},
    "Normalization and regularization": {"BatchNorm", "LayerNorm", "Dropout"},
    "Activation": {
        "ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softmax", "Identity",
    },
    "Residual block": {"Residual"},
    "Attention and embedding": {
        "Embedding", "PositionalEncoding", "MultiHeadAttention", "TransformerBlock",
    },
    "Upsampling and reshaping": {
        "Upsample1D", "Upsample2D", "ConvTranspose1D", "ConvTranspose2D", "Reshape",
    },
}


def test_groups_hold_exactly_the_documented_kinds() -> None:
    found: dict[str, set[str]] = {}
    for name, kind in LAYER_KINDS.items():
        assert kind.kind == name
        found.setdefault(kind.group, set()).add(name)
    assert found == GROUPS


@pytest.mark.parametrize("kind", sorted(LAYER_KINDS))
def test_schema_is_complete_and_defaults_are_valid(kind: str) -> None:
    lk = LAYER_KINDS[kind]
    assert lk.description and "\n" not in lk.description
    for p in lk.params:
        assert p.type in ("int", "float", "bool", "choice", "shape")
        assert p.help.endswith(".") and "\n" not in p.help
        if p.type == "choice":
            assert p.default in p.choices
        if p.type in ("int", "float"):
            assert p.minimum <= p.default <= p.maximum
    layer = default_layer(kind)
    assert layer.params == {p.name: p.default for p in lk.params}
    if kind == "Residual":
        assert layer.layers == []
        assert validate_params(layer) == ["a residual block needs at least one inner layer"]
        layer.layers = [default_layer("Dense")]
    assert validate_params(layer) == []


def test_groups_are_the_registry_groups_in_palette_order() -> None:
    assert set(LAYER_GROUPS) == set(GROUPS)
    assert LAYER_GROUPS[-2:] == ("Attention and embedding", "Upsampling and reshaping")


def test_activation_param_only_on_dense_and_convolutions() -> None:
    with_activation = {k for k, lk in LAYER_KINDS.items() if lk.param("activation")}
    assert with_activation == {"Dense", "Conv1D", "Conv2D", "ConvTranspose1D",
                               "ConvTranspose2D"}
    choices = LAYER_KINDS["Dense"].param("activation").choices
    assert choices == ("none", *ACTIVATIONS)
    activation_kinds = {k.lower() for k in GROUPS["Activation"]} - {"identity"}
    assert set(ACTIVATIONS) == activation_kinds


def test_recurrent_params() -> None:
    names = [p.name for p in LAYER_KINDS["LSTM"].params]
    assert names == ["hidden", "num_layers", "bidirectional", "return"]
    assert LAYER_KINDS["GRU"].param("return").choices == ("last", "sequence")


def test_default_layer_of_unknown_kind() -> None:
    with pytest.raises(KeyError):
        default_layer("Conv3D")


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        (LayerSpec("Conv1d"), "unknown layer kind 'Conv1d'; did you mean Conv1D?"),
        (LayerSpec("Capsule"), "unknown layer kind 'Capsule'; known kinds: Dense, "),
        (LayerSpec("Transformer"), "unknown layer kind 'Transformer'; did you mean "
                                   "TransformerBlock?"),
        (LayerSpec("Conv1D", {"filtres": 8}), "unknown parameter 'filtres'; did you mean"
                                              " 'filters'?"),
        (LayerSpec("Flatten", {"units": 8}), "unknown parameter 'units'; it takes no parameters"),
        (LayerSpec("Dense", {"units": "64"}), "units must be a whole number, got '64'"),
        (LayerSpec("Dense", {"units": 6.5}), "units must be a whole number, got 6.5"),
        (LayerSpec("Dense", {"units": True}), "units must be a whole number, got True"),
        (LayerSpec("Dense", {"units": 0}), "units must be between 1 and 65536, got 0"),
        (LayerSpec("Dropout", {"rate": 1.5}), "rate must be between 0 and 0.95, got 1.5"),
        (LayerSpec("Dropout", {"rate": "x"}), "rate must be a number, got 'x'"),
        (LayerSpec("LSTM", {"bidirectional": 1}), "bidirectional must be true or false, got 1"),
        (LayerSpec("Conv2D", {"padding": "full"}), "padding must be one of valid, same;"
                                                   " got 'full'"),
        (LayerSpec("Dense", {}, [LayerSpec("ReLU")]), "only a Residual block can hold inner"),
    ],
)
def test_validate_params_messages(layer: LayerSpec, message: str) -> None:
    problems = validate_params(layer)
    assert len(problems) == 1
    assert problems[0].startswith(message)


def test_validate_params_reports_every_problem() -> None:
    layer = LayerSpec("Conv1D", {"filters": -1, "kernel": 0, "colour": "red"})
    assert len(validate_params(layer)) == 3


def test_resolved_params_fill_defaults_and_normalize_json_values() -> None:
    layer = LayerSpec("Conv1D", {"filters": 16.0, "padding": "SAME", "activation": "GELU"})
    assert validate_params(layer) == []
    p = resolved_params(layer)
    assert p == {"filters": 16, "kernel": 3, "stride": 1, "padding": "same", "dilation": 1,
                 "activation": "gelu"}
    assert isinstance(p["filters"], int)
    assert resolved_params(LayerSpec("Dropout", {"rate": 0})) == {"rate": 0.0}
