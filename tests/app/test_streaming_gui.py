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
    page = TrainPage(state)
    qtbot.addWidget(page)
    page.show()
    state.set_train_config(TrainConfig(epochs=2, batch_size=16))
    try:
        with qtbot.waitSignal(state.runFinished, timeout=120_000):
            qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
        outcome = state.run
        assert outcome is not None and outcome.data.streamed
        assert outcome.result.epochs_run == 2 and outcome.result.failed is None
        assert page.loss_plot.data("train")[0].tolist() == [1.0, 2.0]
        assert "Network (test)" in page.results_model.frame.columns
    finally:
        page.shutdown()
