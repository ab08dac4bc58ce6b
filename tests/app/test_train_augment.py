"""The Train page's augmentation control: rows that fit the data, edits into the state,
the state document, options turned off when new data do not take them, and a real run."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.pages.train_page import TrainPage
from app.state import AppState
from core.data.load import LoadOptions, load_dataset
from core.train.augment_options import IMAGE_OPTIONS
from core.train.config import TrainConfig
from core.train.events import RunFinished

RUN_TIMEOUT_MS = 60_000


def _load(state: AppState, source: str, size: int | None = None) -> None:
    options = LoadOptions(demo_size=size)
    state.set_dataset(load_dataset(source, options), source, options)


@pytest.fixture
def page(qtbot: QtBot) -> Iterator[TrainPage]:
    state = AppState()
    _load(state, "demo:motif", 80)
    page = TrainPage(state)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    yield page
    page.shutdown()


def test_only_the_options_that_fit_the_data_are_shown(qtbot: QtBot, page: TrainPage) -> None:
    box = page.form.augment
    assert box.visible_options() == ("shift", "rc", "mutate")  # one-hot DNA
    assert box.fields["shift"].suffix() == " positions"
    _load(page.state, "demo:digits")
    assert box.visible_options() == IMAGE_OPTIONS
    assert box.fields["shift"].suffix() == " px"
    _load(page.state, "demo:xor", 60)
    assert box.visible_options() == () and "Tables have no augmentation" in box.note.text()
    for name, widget in box.fields.items():
        assert len(widget.toolTip()) > 40, name  # each option teaches itself


def test_an_edit_reaches_the_state_and_round_trips_through_the_document(
        qtbot: QtBot, page: TrainPage) -> None:
    box = page.form.augment
    with qtbot.waitSignal(page.state.trainConfigChanged):
        qtbot.mouseClick(box.fields["rc"], Qt.MouseButton.LeftButton)
    assert page.state.train_config.augment == {"rc": True}
    with qtbot.waitSignal(page.state.trainConfigChanged):
        box.fields["mutate"].setValue(0.02)
    assert page.state.train_config.augment == {"rc": True, "mutate": 0.02}
    doc = json.loads(json.dumps(page.state.to_document()))
    other = AppState()
    assert other.apply_document(doc) == []
    assert other.train_config.augment == {"rc": True, "mutate": 0.02}
    page.form.set_config(TrainConfig())  # showing a config reports nothing back
    assert page.state.train_config.augment == {"rc": True, "mutate": 0.02}
    page.form.set_config(other.train_config)
    assert page.form.config().augment == {"rc": True, "mutate": 0.02}


def test_new_data_turn_off_what_they_cannot_take_and_say_so(qtbot: QtBot,
                                                            page: TrainPage) -> None:
    page.state.set_train_config(TrainConfig(augment={"shift": 2, "rc": True}))
    assert page.form.augment.fields["rc"].isChecked()
    with qtbot.waitSignal(page.state.trainConfigChanged):
        _load(page.state, "demo:digits")
    assert page.state.train_config.augment == {"shift": 2}  # a shift fits images too
    assert "Augmentation rc turned off: it does not fit images" in page.message_bar.text
    assert not page.form.augment.fields["rc"].isChecked()


def test_a_run_trains_with_the_chosen_augmentation(qtbot: QtBot) -> None:
    state = AppState()
    _load(state, "demo:digits")
    page = TrainPage(state)
    qtbot.addWidget(page)
    page.show()
    state.set_train_config(TrainConfig(epochs=1, batch_size=128,
                                       augment={"rotate": 10.0, "noise": 0.05}))
    try:
        with qtbot.waitSignal(page.run_event, timeout=RUN_TIMEOUT_MS,
                              check_params_cb=lambda ev: isinstance(ev, RunFinished)):
            qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: state.run is not None, timeout=RUN_TIMEOUT_MS)
        assert state.run.config.augment == {"rotate": 10.0, "noise": 0.05}
        assert state.run.data.layout == "image"
    finally:
        page.shutdown()
