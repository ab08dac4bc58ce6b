"""The session state: one document that round-trips every field, signals only on change."""

from __future__ import annotations

import json

import pytest
from pytestqt.qtbot import QtBot

from app.state import DOCUMENT_FIELDS, DOCUMENT_VERSION, FIELDS, AppState
from core.data.options import EncodingOptions, LoadOptions
from core.data.splits import SplitOptions
from core.nn.spec import LayerSpec, NetworkSpec
from core.train.config import TrainConfig


def _everything_changed() -> AppState:
    """A state in which every document field differs from its default."""
    state = AppState()
    state.set_source("reads.fasta", LoadOptions(format="fasta", labels="labels.csv",
                                                image_size=(32, 32), features=["a", "b"],
                                                skip_bad_files=True, demo_seed=3))
    state.set_encoding(EncodingOptions(encoding="kmer", k=5, both_strands=True,
                                       image_size=(28, 28), grayscale=True))
    state.set_split_options(SplitOptions(val_fraction=0.2, test_fraction=0.1, seed=7,
                                         use_file_split=True))
    spec = NetworkSpec([LayerSpec("dense", {"units": 8}), LayerSpec("relu")], name="mine")
    state.set_network(spec, "mine.json")
    state.set_preset("cnn1d", {"filters": 16, "kernel": 9})
    state.set_train_config(TrainConfig(epochs=3, betas=(0.8, 0.9), early_stopping=4,
                                       seed=11, batch_size=None, extra={"note": "x"}))
    state.set_baselines(["knn", "naive_bayes"])
    state.set_recent(["b.csv", "a.fasta"])
    return state


def test_every_document_field_round_trips_through_json(qtbot: QtBot) -> None:
    state = _everything_changed()
    doc = json.loads(json.dumps(state.to_document()))  # plain JSON types only
    assert doc["version"] == DOCUMENT_VERSION
    assert set(doc) == {"version", *DOCUMENT_FIELDS}
    fresh = AppState()
    assert fresh.apply_document(doc) == []
    for name in DOCUMENT_FIELDS:
        assert getattr(fresh, name) == getattr(state, name), name
    defaults = AppState()
    for name in DOCUMENT_FIELDS:  # the test really changed every field
        assert getattr(state, name) != getattr(defaults, name), name
    assert set(DOCUMENT_FIELDS) <= set(FIELDS)


def test_a_bad_field_is_named_and_the_rest_still_apply(qtbot: QtBot) -> None:
    doc = _everything_changed().to_document()
    doc["train_config"]["epochs"] = 0  # invalid
    doc["encoding"]["no_such_option"] = 1  # another version's option
    fresh = AppState()
    problems = fresh.apply_document(doc)
    assert len(problems) == 2
    assert problems[0].startswith("encoding:") and "no_such_option" in problems[0]
    assert problems[1].startswith("train_config:") and "epochs" in problems[1]
    assert fresh.train_config == TrainConfig() and fresh.encoding == EncodingOptions()
    assert fresh.split_options.seed == 7 and fresh.recent_sources == ["b.csv", "a.fasta"]
    assert AppState().apply_document({"version": 99})[0].startswith("document version 99")


def test_signals_fire_only_on_real_change(qtbot: QtBot) -> None:
    state = AppState()
    seen: list[str] = []
    for name in ("trainConfigChanged", "encodingChanged", "splitChanged", "networkChanged",
                 "presetChanged", "recentChanged", "loadOptionsChanged"):
        getattr(state, name).connect(lambda name=name: seen.append(name))
    state.set_train_config(TrainConfig())
    state.set_encoding(EncodingOptions())
    state.set_split_options(SplitOptions())
    state.set_network(None)
    state.set_recent([])
    state.set_source(None, LoadOptions())
    assert seen == []
    state.set_train_config(TrainConfig(epochs=2))
    state.set_train_config(TrainConfig(epochs=2))
    state.set_preset("mlp", {"hidden": (4,)})
    state.set_preset("mlp", {"hidden": (4,)})
    state.set_split_options(SplitOptions(seed=1))
    assert seen == ["trainConfigChanged", "presetChanged", "splitChanged"]


def test_an_impossible_split_changes_nothing(qtbot: QtBot) -> None:
    from core.data.load import load_dataset
    from core.errors import DataError

    state = AppState()
    options = LoadOptions(demo_size=60)
    state.set_dataset(load_dataset("demo:xor", options), "demo:xor", options)
    before, split = state.split_options, state.split
    with pytest.raises(DataError):
        state.set_split_options(SplitOptions(val_fraction=1.5))
    assert state.split_options is before and state.split is split
