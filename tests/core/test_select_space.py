"""Search spaces: the JSON form, its errors, and the width / depth / dropout rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import MendelError, SpecError, TrainError
from core.nn.presets import make_preset
from core.nn.shapes import check
from core.nn.spec import LayerSpec, NetworkSpec
from core.select.design import n_blocks, vary
from core.select.space import SearchSpace, apply, default_space, own_values
from core.train.config import TrainConfig


def _units(spec: NetworkSpec) -> list[tuple[str, object]]:
    return [(la.kind, la.params.get("units", la.params.get("rate"))) for la in spec.layers]


def test_depth_repeats_or_trims_the_last_block_and_width_scales_every_layer() -> None:
    mlp = make_preset("mlp", (4,), 3)  # Dense 64, Dense 32
    assert _units(vary(mlp, depth=1)) == [("Dense", 64), ("Dense", 32), ("Dense", 32)]
    assert _units(vary(mlp, depth=-1)) == [("Dense", 64)]
    assert _units(vary(mlp, width=0.5)) == [("Dense", 32), ("Dense", 16)]
    with_drop = vary(mlp, depth=1, dropout=0.3, width=2.0)
    assert _units(with_drop) == [("Dense", 128), ("Dropout", 0.3), ("Dense", 64),
                                 ("Dropout", 0.3), ("Dense", 64), ("Dropout", 0.3)]
    assert _units(mlp) == [("Dense", 64), ("Dense", 32)]  # the template is untouched
    with pytest.raises(SpecError, match="first always stays"):
        vary(mlp, depth=-2)
    cnn = make_preset("cnn1d", (60, 4), 2)
    shallow = vary(cnn, depth=-1)
    assert n_blocks(shallow) == n_blocks(cnn) - 1
    assert [la.kind for la in shallow.layers].count("MaxPool1D") == 2  # shape layers stay
    check(vary(cnn, width=2.0, depth=1), (60, 4), 2)


def test_default_space_fits_the_design_and_holds_the_users_own_settings() -> None:
    config = TrainConfig(lr=0.02, weight_decay=3e-4)
    space = default_space(make_preset("mlp", (4,), 3), config, (4,), 3, n_train=100)
    assert {"lr", "batch_size", "optimizer", "weight_decay", "dropout", "width",
            "depth"} <= set(space.params)
    assert space.fixed == {"momentum": 0.9}
    assert max(space.params["batch_size"].choices) < 100
    own = own_values(space, make_preset("mlp", (4,), 3), config, 100)
    assert own is not None and own["lr"] == 0.02 and own["weight_decay"] == 3e-4
    linear = default_space(make_preset("linear", (4,), 3), config, (4,), 3, 100)
    assert not {"width", "depth"} & set(linear.params)  # nothing there to widen or deepen


def test_a_space_file_round_trips_and_fixes_plain_values(tmp_path: Path) -> None:
    d = {"lr": {"low": 1e-4, "high": 0.1, "log": True}, "optimizer": ["adam", "sgd"],
         "depth": {"low": 0, "high": 2}, "epochs": 4}
    path = tmp_path / "space.json"
    path.write_text(json.dumps(d))
    space = SearchSpace.load(path)
    assert space.to_dict() == {**d, "optimizer": {"choices": ["adam", "sgd"]}}
    assert space.params["depth"].grid() == [0, 1, 2]
    spec, config = apply(make_preset("mlp", (4,), 3), TrainConfig(), {"epochs": 4, "lr": 1})
    assert config.epochs == 4 and config.lr == 1.0 and isinstance(config.lr, float)


@pytest.mark.parametrize(("text", "message"), [
    ("{", "not valid JSON"),
    ('{"lrr": 0.1}', "unknown setting 'lrr'"),
    ('{"lr": {"low": 1, "high": 0.1}}', "low (1) must be below high (0.1)"),
    ('{"lr": {"low": 0, "high": 0.1, "log": true}}', "log range needs low above 0"),
    ('{"depth": {"low": 0.5, "high": 2}}', "whole numbers"),
    ('{"lr": "fast"}', "lr must be a number"),
    ('{"optimizer": {"choices": []}}', "non-empty list"),
])
def test_a_bad_space_file_is_one_line_naming_the_file(tmp_path: Path, text: str,
                                                      message: str) -> None:
    path = tmp_path / "space.json"
    path.write_text(text)
    with pytest.raises(MendelError) as err:
        space = SearchSpace.load(path)
        space.check(make_preset("mlp", (4,), 3), TrainConfig(), (4,), 3)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_space_the_network_cannot_follow_fails_before_any_trial() -> None:
    space = SearchSpace.from_dict({"depth": {"low": -3, "high": 0},
                                   "optimizer": ["adam", "nope"]})
    with pytest.raises(SpecError, match="search space: depth = -3"):
        space.check(make_preset("mlp", (4,), 3), TrainConfig(), (4,), 3)
    space = SearchSpace.from_dict({"optimizer": ["adam", "nope"]})
    with pytest.raises(TrainError, match="optimizer = 'nope'"):
        space.check(make_preset("mlp", (4,), 3), TrainConfig(), (4,), 3)
    conv = NetworkSpec([LayerSpec("Conv1D", {"filters": 4, "kernel": 3})])
    with pytest.raises(SpecError, match="no Dropout or Dense layer"):
        SearchSpace.from_dict({"dropout": {"low": 0.1, "high": 0.5}}).check(
            conv, TrainConfig(), (20, 4), 2)
