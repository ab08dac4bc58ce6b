"""core.project and AppState agree on the session document: the command line's
``session_document`` has the keys and version ``to_document`` writes, and a project made
by either (or the version-1 file) applies to the state without a skipped field."""

from __future__ import annotations

import shutil
from pathlib import Path

from app.state import DOCUMENT_FIELDS, DOCUMENT_VERSION, AppState
from core.data.options import EncodingOptions, LoadOptions
from core.data.splits import SplitOptions
from core.project import open_project, relocate, save_project, session_document
from core.project.schema import SESSION_VERSION
from core.project.session import SESSION_KEYS
from core.train.config import TrainConfig

V1_FIXTURE = Path(__file__).parents[1] / "core" / "data" / "project_v1.mendel"


def test_session_document_mirrors_to_document():
    assert SESSION_VERSION == DOCUMENT_VERSION
    assert SESSION_KEYS == ("version", *DOCUMENT_FIELDS)
    state_doc = AppState().to_document()
    ours = session_document(None, LoadOptions(), EncodingOptions(), SplitOptions(),
                            TrainConfig())
    assert tuple(ours) == tuple(state_doc)
    assert ours == {**state_doc, "baselines": ours["baselines"]}
    assert ours["baselines"] == list(AppState().baselines)


def test_a_cli_session_applies_to_the_state(tmp_path):
    doc = session_document("demo:xor", LoadOptions(demo_size=100),
                           EncodingOptions(standardize=False), SplitOptions(seed=4),
                           TrainConfig(epochs=7, lr=0.003), preset="mlp",
                           preset_options={"hidden": (8, 4)}, baselines=["knn"])
    folder = save_project(tmp_path / "p", doc)
    state = AppState()
    assert state.apply_document(open_project(folder).session) == []
    assert state.source == "demo:xor" and state.load_options.demo_size == 100
    assert state.train_config.epochs == 7 and state.split_options.seed == 4
    assert state.preset == ("mlp", {"hidden": [8, 4]}) and state.baselines == ("knn",)
    assert state.to_document() == {**doc, "recent_sources": []}


def test_the_state_round_trips_through_a_project(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("x,y\n1,a\n")
    state = AppState()
    state.set_source(str(data), LoadOptions(target="y"))
    state.set_train_config(TrainConfig(epochs=5))
    folder = save_project(tmp_path / "p", state.to_document())
    again = AppState()
    assert again.apply_document(open_project(folder).session) == []
    assert again.to_document() == state.to_document()


def test_the_version_1_project_applies_to_the_state(tmp_path):
    folder = tmp_path / "old.mendel"
    shutil.copytree(V1_FIXTURE, folder)
    data = tmp_path / "promoters.fa"
    data.write_text(">a|x\nACGT\n")
    opened = relocate(open_project(folder), data)
    state = AppState()
    assert state.apply_document(opened.session) == []
    assert state.source == str(data) and state.train_config.lr == 0.003
