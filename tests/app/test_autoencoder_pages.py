"""A reconstruct run (an autoencoder) on the Train and Evaluate pages: reconstruction
figures beside PCA, the bottleneck chosen in the hidden-layer view, originals beside
their reconstructions, and no classification view left half-drawn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.pages.train_page import TrainPage
from app.plots.base import export_table
from app.state import AppState
from core.data.load import LoadOptions, load_dataset
from core.nn.spec import LayerSpec, NetworkSpec
from core.train.config import TrainConfig
from core.train.run import run_training
from tests.app.test_evaluate_page import make_window

RUN_TIMEOUT_MS = 90_000
DIGITS = LoadOptions(task="reconstruct")
# 8x8 digits through a code of 4 values (the output Dense of 64 units comes from the task)
AUTOENCODER = NetworkSpec([
    LayerSpec("Flatten"),
    LayerSpec("Dense", {"units": 32, "activation": "relu"}),
    LayerSpec("Dense", {"units": 4, "activation": "none"}),
    LayerSpec("Dense", {"units": 32, "activation": "relu"}),
], name="autoencoder")


@pytest.fixture
def page(qtbot: QtBot) -> Iterator[TrainPage]:
    state = AppState()
    state.set_dataset(load_dataset("demo:digits", DIGITS), "demo:digits", DIGITS)
    state.set_network(AUTOENCODER)
    page = TrainPage(state)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    page.state.set_train_config(TrainConfig(epochs=3, batch_size=64, lr=0.01))
    yield page
    page.shutdown()


def test_train_page_shows_reconstruction_beside_pca(qtbot: QtBot, page: TrainPage) -> None:
    assert page.form.reconstruct_noise.isEnabled()
    assert not page.form.class_weights.isEnabled()
    with qtbot.waitSignal(page.state.runFinished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    outcome = page.state.run
    assert outcome is not None and outcome.succeeded, outcome.result.message
    assert outcome.data.task == "reconstruct" and outcome.data.n_outputs == 64
    frame = page.results_model.frame
    assert frame["metric"].tolist() == ["r2", "mse", "mae", "samples"]
    assert "PCA (test)" in frame.columns
    assert "reconstruction R\u00b2" in page.results_label.text()
    assert "PCA" in page.results_label.text()
    assert page.metric_plot.data("train")[0].tolist() == [1.0, 2.0, 3.0]  # live R²
    assert page.message_bar.level != "error"
    view = page.embedding_view
    page.live_views.setCurrentWidget(view)  # a hidden tab computes nothing
    assert "bottleneck" in view.layer.currentText() and view.layer.currentData() == (2,)
    assert [p.name() for p in view.points] == [str(d) for d in range(10)]  # labels colour
    view.set_outcome(outcome)
    qtbot.waitUntil(lambda: view.coords is not None, timeout=10_000)
    table = export_table(view.plot)
    assert table is not None and list(table.columns) == ["class", "PC1", "PC2"]


def test_evaluate_page_shows_originals_beside_reconstructions(qtbot: QtBot) -> None:
    ds = load_dataset("demo:digits", DIGITS)
    outcome = run_training(ds, network=AUTOENCODER,
                           config=TrainConfig(epochs=3, batch_size=64, lr=0.01))
    window = make_window(qtbot, outcome)
    page = window.page
    assert page.stack.currentIndex() == 1
    ev = page.evaluation
    assert ev is not None and ev.task == "reconstruct" and ev.confusion is None
    assert "reconstruction R\u00b2" in page.summary.text()
    assert page.scatter_panel.isVisible() and not page.confusion_panel.isVisible()
    assert not page.per_class_box.isVisible()
    assert [c for c in page.errors_model.frame.columns][-2:] == ["sample", "reconstruction"]
    assert len(page.errors_model.rebuilt) == len(page.errors_model.frame) > 0
    comparison = page.comparison_model.frame
    assert "PCA" in comparison.columns
    assert page.message_bar.level != "error"
