"""No page or widget code runs on the training thread, and Start trains what the state says."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

import app.workers
from app.pages.train_page import TrainPage
from app.state import AppState
from core.data.load import LoadOptions, load_dataset
from core.data.splits import SplitOptions
from core.train.config import TrainConfig

RUN_TIMEOUT_MS = 60_000
APP = Path(app.workers.__file__).resolve().parent
WATCHED = (str(APP / "pages"), str(APP / "widgets"))
CORE = str(APP.parent / "core")


def _page(qtbot: QtBot, demo: str = "demo:circle") -> TrainPage:
    state = AppState()
    options = LoadOptions(demo_size=200)
    state.set_dataset(load_dataset(demo, options), demo, options)
    page = TrainPage(state)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    return page


def test_no_page_or_widget_method_runs_on_the_training_thread(qtbot: QtBot,
                                                              monkeypatch: Any) -> None:
    calls: list[str] = []
    core_calls = [0]  # proof that the profiler watched the training thread
    original = app.workers.Worker.run

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event != "call":
            return
        if frame.f_code.co_filename.startswith(WATCHED):
            calls.append(f"{frame.f_code.co_filename}:{frame.f_code.co_name}")
        elif frame.f_code.co_filename.startswith(CORE):
            core_calls[0] += 1

    def watched_run(self: Any) -> None:
        sys.setprofile(profile)  # this thread only
        try:
            original(self)
        finally:
            sys.setprofile(None)

    monkeypatch.setattr(app.workers.Worker, "run", watched_run)
    page = _page(qtbot, "demo:iris")  # four inputs: the hidden-layer view, no surface
    page.live_views.setCurrentIndex(1)  # projected on the worker
    page.state.set_train_config(TrainConfig(epochs=12, batch_size=8))
    embeddings: list[int] = []
    page.epoch_embedding.connect(lambda epoch, emb, path: embeddings.append(epoch))
    threads: list[str] = []
    page.epoch_weights.connect(lambda e, s: threads.append(threading.current_thread().name))
    with qtbot.waitSignal(page.state.runFinished, timeout=RUN_TIMEOUT_MS):
        page.start()
    qtbot.wait(20)
    assert embeddings, "the worker projected no epoch: the test would prove nothing"
    assert threads and set(threads) == {threading.main_thread().name}
    assert core_calls[0] > 100 and calls == []
    page.shutdown()


def test_start_trains_the_state_config_and_split_not_the_form(qtbot: QtBot) -> None:
    page = _page(qtbot, "demo:xor")
    page.state.set_split_options(SplitOptions(val_fraction=0.25, test_fraction=0.1, seed=5))
    page.state.set_train_config(TrainConfig(epochs=2, batch_size=32, seed=3))
    assert page.form.epochs.value() == 2  # the form follows the state
    split = page.state.split
    with qtbot.waitSignal(page.state.runFinished, timeout=RUN_TIMEOUT_MS):
        page.start()
    run = page.state.run
    assert run.split is split  # the Data page's split, not made again
    assert run.config.epochs == 2 and run.config.seed == 3 and run.split.seed == 5
    assert run.result.epochs_run == 2
    page.shutdown()
