"""Issue 11, item 3, the Train page's live views: the decision surface says why it cannot
draw instead of showing empty axes, and the hidden-layer picture never passes for newer
than it is."""

from __future__ import annotations

import re

import pytest
from pytestqt.qtbot import QtBot

from app.state import AppState
from app.widgets.decision_surface import DecisionSurface
from core.data.load import load_dataset
from core.data.options import LoadOptions
from core.train.config import TrainConfig


def surface_for(qtbot: QtBot, demo: str) -> DecisionSurface:
    state = AppState()
    state.set_dataset(load_dataset(f"demo:{demo}"), f"demo:{demo}", LoadOptions())
    view = DecisionSurface(state)
    qtbot.addWidget(view)
    view.resize(700, 600)
    view.show()
    qtbot.waitExposed(view)
    return view


@pytest.mark.parametrize(("demo", "says"), [
    ("iris", "The decision surface needs a table of two numeric inputs; this data has 4."),
    ("motif", "The decision surface needs a table of two numeric inputs; this data is 2000 "
              "sequences."),
    ("digits", "The decision surface needs a table of two numeric inputs; this data is 1797 "
               "images."),
])
def test_the_surface_gives_a_reason_instead_of_empty_axes(qtbot: QtBot, demo: str,
                                                          says: str) -> None:
    view = surface_for(qtbot, demo)
    assert not view.plot.isVisible()  # no empty axes
    assert view.reason.isVisible() and view.reason.text() == says
    assert not view.feature_boxes["sin1"].isVisible()
    # a table it can draw brings the picture back
    view.state.set_dataset(load_dataset("demo:xor"), "demo:xor", LoadOptions())
    assert view.plot.isVisible() and not view.reason.isVisible()
    assert view.feature_boxes["sin1"].isVisible() and view.available


def test_hidden_layer_status_follows_the_training_when_the_picture_lags(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """An image run on the Train page, hidden-layer tab shown. The training thread projects
    only when that costs the run little (here: only after epoch 1, as when one projection
    is slow); the status then said "after epoch 1" for the whole run."""
    import core.train.snapshot as snapshot
    from app.pages.train_page import TrainPage

    monkeypatch.setattr(snapshot, "EMBEDDING_INTERVAL_S", 1e6)
    monkeypatch.setattr(snapshot, "WEIGHTS_INTERVAL_S", 0.0)  # weights after each epoch
    state = AppState()
    state.set_dataset(load_dataset("demo:digits"), "demo:digits", LoadOptions())
    page = TrainPage(state)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitExposed(page)
    view = page.embedding_view
    page.live_views.setCurrentWidget(view)
    assert view.isVisible()
    state.set_train_config(TrainConfig(epochs=4, batch_size=64, seed=0))
    seen: list[tuple[int, str]] = []
    page.epoch_weights.connect(lambda epoch, _weights: seen.append(
        (epoch, view.status.text())))
    with qtbot.waitSignal(state.runFinished, timeout=120_000):
        page.start()
    assert [e for e, _ in seen] == [1, 2, 3, 4]
    for epoch, text in seen[1:]:  # only epoch 1 was projected during the run
        if "after epoch" in text:
            assert f"Training is at epoch {epoch}" in text, text
    assert any("after epoch 1" in t and "Training is at epoch" in t for _, t in seen)
    # the finished run's model is drawn, and said to be the last epoch's
    qtbot.waitUntil(lambda: "after epoch 4" in view.status.text())
    assert "Training is at" not in view.status.text()
    assert re.search(r"\d+ samples, \d+ activations each", view.status.text())
    page.shutdown()
