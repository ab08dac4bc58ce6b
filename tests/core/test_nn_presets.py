"""Presets: each builds, checks and runs on the inputs it suits, and says what suits instead."""

from __future__ import annotations

import pytest
import torch

from core.errors import SpecError
from core.nn.build import build_model
from core.nn.presets import PRESETS, make_preset, suggest_preset
from core.nn.shapes import check
from core.nn.spec import NetworkSpec

MATCHING = {
    "linear": [(2,), (30,), (60, 4), (1, 8, 8)],
    "mlp": [(2,), (30,), (60, 4), (1, 28, 28)],
    "cnn1d": [(60, 4), (8, 4), (3, 20), (1, 4)],
    "cnn2d": [(1, 28, 28), (1, 8, 8), (3, 16, 12), (3, 2, 2)],
    "rnn": [(60, 4), (8, 4)],
    "resmlp": [(2,), (30,), (60, 4)],
    "deepbind": [(60, 4), (8, 4), (3, 20)],
    "basset": [(600, 4), (60, 4), (8, 4)],
    "danq": [(600, 4), (60, 4), (8, 4)],
    "transformer": [(60, 4), (8, 4), (60,)],
    "resnet1d": [(600, 4), (60, 4), (8, 4)],
    "autoencoder": [(2,), (30,), (60, 4), (1, 8, 8)],
}


def test_every_preset_is_described() -> None:
    assert set(PRESETS) == set(MATCHING)
    for name, preset in PRESETS.items():
        assert preset.name == name
        assert preset.title and preset.description and "\n" not in preset.description
        assert set(preset.modalities) <= {"sequence", "tabular", "image"}


@pytest.mark.parametrize(
    ("name", "shape"), [(n, s) for n, shapes in MATCHING.items() for s in shapes])
def test_preset_builds_checks_and_runs(name: str, shape: tuple[int, ...]) -> None:
    torch.manual_seed(0)
    spec = make_preset(name, shape, 3)
    assert spec.name == PRESETS[name].title
    summary = check(spec, shape, 3)
    model = build_model(spec, shape, 3).eval()
    y = model(torch.randn(4, *shape))
    assert y.shape == (4, 3) and torch.isfinite(y).all()
    assert summary.total_params == sum(p.numel() for p in model.parameters())
    assert NetworkSpec.from_json(spec.to_json()) == spec


def test_linear_is_one_unit_per_output() -> None:
    spec = make_preset("linear", (1,), 1)
    assert spec.layers == []
    model = build_model(spec, (1,), 1)
    assert sum(p.numel() for p in model.parameters()) == 2  # intercept and slope


def test_mlp_options() -> None:
    spec = make_preset("mlp", (1, 28, 28), 10, hidden=(128,), activation="tanh", dropout=0.5)
    assert [layer.to_dict() for layer in spec.layers] == [
        {"kind": "Flatten"},
        {"kind": "Dense", "units": 128, "activation": "tanh"},
        {"kind": "Dropout", "rate": 0.5},
    ]
    assert check(spec, (1, 28, 28), 10).total_params == 784 * 128 + 128 + 128 * 10 + 10
    assert [la.kind for la in make_preset("mlp", (30,), 2).layers] == ["Dense", "Dense"]


def test_cnn1d_recipe_and_short_sequences() -> None:
    kinds = ["Conv1D", "MaxPool1D", "Dropout", "Conv1D", "MaxPool1D", "Flatten", "Dropout",
             "Dense"]
    long = make_preset("cnn1d", (60, 4), 2)
    assert [la.kind for la in long.layers] == kinds
    assert [la.params.get("kernel") for la in long.layers if la.kind == "Conv1D"] == [9, 5]
    assert [la.params.get("pool") for la in long.layers if la.kind == "MaxPool1D"] == [3, 2]
    short = make_preset("cnn1d", (8, 4), 2)  # the course's 8-mers: too short to pool
    assert [la.kind for la in short.layers] == [k for k in kinds if k != "MaxPool1D"]
    assert [la.params.get("kernel") for la in short.layers if la.kind == "Conv1D"] == [7, 5]


def test_cnn2d_is_the_course_network_on_28x28() -> None:
    spec = make_preset("cnn2d", (1, 28, 28), 10)
    summary = check(spec, (1, 28, 28), 10)
    assert [(r.label, r.output_shape, r.n_params) for r in summary.layers] == [
        ("Conv2D 24×3×3 relu", (24, 26, 26), 240),
        ("MaxPool2D 2", (24, 13, 13), 0),
        ("Conv2D 36×3×3 relu", (36, 11, 11), 7812),
        ("MaxPool2D 2", (36, 5, 5), 0),
        ("Flatten", (900,), 0),
        ("Dense 128 relu", (128,), 115328),
        ("Dense 10 (output)", (10,), 1290),
    ]


def test_cnn2d_keeps_small_digits_usable() -> None:
    summary = check(make_preset("cnn2d", (1, 8, 8), 10), (1, 8, 8), 10)
    shapes = [r.output_shape for r in summary.layers]
    assert shapes[:5] == [(24, 8, 8), (24, 4, 4), (36, 4, 4), (36, 2, 2), (144,)]


def test_rnn_and_resmlp_options() -> None:
    spec = make_preset("rnn", (20, 4), 2, cell="gru", hidden=8, bidirectional=True, layers=2)
    assert spec.layers[0].to_dict() == {"kind": "GRU", "hidden": 8, "num_layers": 2,
                                        "bidirectional": True, "return": "last"}
    res = make_preset("resmlp", (10,), 2, blocks=3, dropout=0.0)
    assert [la.kind for la in res.layers] == ["Dense", "Residual", "Residual", "Residual"]
    assert [la.kind for la in res.layers[1].layers] == ["Dense"]


@pytest.mark.parametrize(
    ("name", "shape", "message"),
    [
        ("cnn1d", (30,), "preset 'cnn1d' needs a sequence input (length, channels), got (30,);"
                         " use 'mlp' instead"),
        ("cnn1d", (1, 28, 28), "use 'cnn2d' instead"),
        ("cnn2d", (60, 4), "preset 'cnn2d' needs an image input (channels, height, width), "
                           "got (60, 4); use 'cnn1d' instead"),
        ("rnn", (30,), "preset 'rnn' needs a sequence input"),
    ],
)
def test_preset_that_cannot_fit_names_one_that_does(name: str, shape: tuple, message: str
                                                     ) -> None:
    with pytest.raises(SpecError) as err:
        make_preset(name, shape, 2)
    assert message in str(err.value)


def test_bad_names_and_options() -> None:
    with pytest.raises(SpecError, match="unknown preset 'cnn'; choose one of linear, mlp"):
        make_preset("cnn", (4,), 2)
    with pytest.raises(SpecError, match="preset 'mlp' has no option 'hiden'; its options: "
                                        "hidden, activation, dropout"):
        make_preset("mlp", (4,), 2, hiden=(8,))
    with pytest.raises(SpecError, match="preset 'linear' has no option 'hidden'"):
        make_preset("linear", (4,), 2, hidden=(8,))
    with pytest.raises(SpecError, match=r"preset 'mlp' does not fit input \(4,\): layer 1 "
                                        r"Dense: units must be between"):
        make_preset("mlp", (4,), 2, hidden=(0,))
    with pytest.raises(SpecError, match="cell must be 'lstm' or 'gru'"):
        make_preset("rnn", (5, 4), 2, cell="transformer")


def test_suggest_preset() -> None:
    assert suggest_preset("sequence", (60, 4)) == "cnn1d"
    assert suggest_preset("sequence", (64,)) == "mlp"  # k-mer profile
    assert suggest_preset("image", (1, 28, 28)) == "cnn2d"
    assert suggest_preset("tabular", (30,)) == "mlp"
    for modality, shape in (("sequence", (60, 4)), ("image", (1, 8, 8)), ("tabular", (2,))):
        make_preset(suggest_preset(modality, shape), shape, 2)


def test_fitted_options_say_when_a_kernel_was_shrunk() -> None:
    from core.nn.presets import fitted_options

    assert fitted_options("cnn1d", (9, 4), 2, {"kernel": 15}) == {
        "kernel": "fitted to 9 for length 9"}
    assert fitted_options("cnn1d", (200, 4), 2, {"kernel": 9}) == {}
    assert fitted_options("mlp", (9,), 2, {"hidden": (8,)}) == {}
    spec = make_preset("cnn1d", (9, 4), 2, kernel=15)
    assert spec.layers[0].params["kernel"] == 9
