"""A streamed image folder (``core.data.lazy``) trains from the Train page as one in
memory does: the decoding workers run beside the window's training thread, the live
views decode the few rows they show, and the run ends with its results."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.pages.train_page import TrainPage
from app.state import AppState
from core.data.lazy import set_streaming
from core.data.load import LoadOptions, load_dataset
from core.train.config import TrainConfig


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[:16, :16]
    r = np.hypot(yy - 8, xx - 8)
    for cls, shape in (("ring", abs(r - 5) < 1.5), ("spot", r < 3)):
        (tmp_path / cls).mkdir()
        for i in range(40):
            img = np.clip(0.7 * shape + rng.normal(0.2, 0.1, (16, 16)), 0, 1)
            Image.fromarray((img * 255).astype(np.uint8)).save(tmp_path / cls / f"{i}.png")
    set_streaming("always")
    yield tmp_path
    set_streaming(None)


def test_a_streamed_folder_trains_from_the_train_page(qtbot: QtBot, folder: Path) -> None:
    state = AppState()
    options = LoadOptions()
    state.set_dataset(load_dataset(str(folder), options), str(folder), options)
    page = _train_streamed(qtbot, state)
    try:
        assert page.loss_plot.data("train")[0].tolist() == [1.0, 2.0]
    finally:
        page.shutdown()


def _train_streamed(qtbot: QtBot, state: AppState) -> TrainPage:
    """Two epochs from the Train page's Start button, as a user clicks; the page (to shut
    down) once the run has ended streamed and whole."""
    page = TrainPage(state)
    qtbot.addWidget(page)
    page.show()
    state.set_train_config(TrainConfig(epochs=2, batch_size=16))
    with qtbot.waitSignal(state.runFinished, timeout=120_000):
        qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    outcome = state.run
    assert outcome is not None and outcome.data.streamed
    assert outcome.result.epochs_run == 2 and outcome.result.failed is None
    assert "Network (test)" in page.results_model.frame.columns
    return page


@pytest.fixture
def reads(tmp_path: Path) -> Iterator[Path]:
    """80 DNA reads of 30-60 letters in 25-letter lines; 'bound' ones hold TGACTCA."""
    rng = np.random.default_rng(2)
    lines = []
    for i in range(80):
        seq = list(rng.choice(list("ACGT"), int(rng.integers(30, 61))))
        if i % 2 == 0:
            seq[5:12] = list("TGACTCA")
        text = "".join(seq)
        body = "\n".join(text[a:a + 25] for a in range(0, len(text), 25))
        lines.append(f">r{i}|{'bound' if i % 2 == 0 else 'free'}\n{body}\n")
    path = tmp_path / "reads.fa"
    path.write_text("".join(lines))
    set_streaming("always")
    yield path
    set_streaming(None)


def test_a_streamed_fasta_is_shown_explored_and_trained(qtbot: QtBot, reads: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The Data page previews and charts it from the index, Explore counts k-mers on a
    sample and runs PCA on the encoded rows, and the Train page trains on it streamed."""
    from app.pages.data_page import DataPage
    from app.pages.explore_page import ExplorePage
    from app.widgets import kmer_view
    from core.data.fasta_index import SequenceRecords

    state = AppState()
    data_page = DataPage(state)
    qtbot.addWidget(data_page)
    data_page.show()
    with qtbot.waitSignal(data_page.load_finished, timeout=30_000) as blocker:
        data_page.load_source(str(reads))
    assert blocker.args == [True], data_page.message_bar.text
    ds = state.dataset
    assert isinstance(ds.records, SequenceRecords)
    assert data_page.preview.table_model.frame["sequence"].iloc[3] == ds.records[3]
    assert data_page.charts.lengths_chart.bars.opts["height"].sum() == 80
    qtbot.waitUntil(lambda: state.summary is not None, timeout=30_000)
    assert any("streamed" in w for w in state.summary["warnings"])
    assert state.input_shape == (60, 4)

    monkeypatch.setattr(kmer_view, "STREAMED_SAMPLE", 30)
    explore = ExplorePage(state)
    qtbot.addWidget(explore)
    explore.show()
    view = explore.kmer_view
    with qtbot.waitSignal(view.jobs.stopped, timeout=60_000):
        view.run()
    assert view.result is not None and view.result.n_counted == 30
    assert "in a random 30 of the 80 sequences (the file is streamed;" in view.info.text()
    explore.page_shown()  # opening the page runs the PCA on the 80 encoded reads
    qtbot.waitUntil(lambda: explore.pca is not None, timeout=60_000)
    assert explore.pca.pca.n_samples == 80 and not explore.message_bar.isVisible()

    try:
        _train_streamed(qtbot, state).shutdown()
    finally:
        explore.shutdown()
        data_page.shutdown()
