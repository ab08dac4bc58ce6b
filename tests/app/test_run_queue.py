"""The run queue: three learning rates queued on the Train page run one after another,
each with the options it was queued with."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.pages.train_page import TrainPage
from app.state import AppState
from core.data.load import load_dataset
from core.data.options import LoadOptions
from core.train.config import TrainConfig

RUN_TIMEOUT_MS = 60_000


def _page(qtbot: QtBot) -> TrainPage:
    state = AppState()
    options = LoadOptions(demo_size=120)
    state.set_dataset(load_dataset("demo:xor", options), "demo:xor", options)
    page = TrainPage(state)
    qtbot.addWidget(page)
    page.show()
    state.set_train_config(TrainConfig(epochs=2, batch_size=16, lr=0.01))
    return page


def test_queued_runs_train_one_after_another_with_their_own_options(qtbot: QtBot) -> None:
    page = _page(qtbot)
    finished: list[float] = []
    page.state.runFinished.connect(lambda: finished.append(page.state.run.config.lr))
    for lr in (0.01, 0.02, 0.05):  # the user edits the rate and queues each
        page.state.set_train_config(replace(page.state.train_config, lr=lr))
        qtbot.mouseClick(page.queue.queue_button, Qt.MouseButton.LeftButton)
    assert page.running  # the first started at once; two wait
    assert page.queue.label.text() == "2 queued"
    assert "lr 0.05" in page.queue.label.toolTip()
    page.state.set_train_config(replace(page.state.train_config, lr=0.5))  # later edit
    qtbot.waitUntil(lambda: len(finished) == 3 and not page.running, timeout=3 * RUN_TIMEOUT_MS)
    assert finished == [0.01, 0.02, 0.05]
    assert page.queue.label.text() == "" and not page.queue.clear_button.isVisible()
    page.shutdown()


def test_clear_queue_and_shutdown_start_nothing_more(qtbot: QtBot) -> None:
    page = _page(qtbot)
    for _ in range(3):
        qtbot.mouseClick(page.queue.queue_button, Qt.MouseButton.LeftButton)
    assert len(page.queue.requests) == 2
    page.queue.clear_button.click()
    assert page.queue.requests == []
    page.queue.add(page.request())
    page.shutdown()  # joins the running one; the queued one must not start
    assert not page.running and page.queue.requests == []


def test_continue_picks_up_the_last_run_where_it_ended(qtbot: QtBot) -> None:
    page = _page(qtbot)
    assert not page.continue_button.isEnabled()  # nothing to continue yet
    with qtbot.waitSignal(page.state.runFinished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    first = page.state.run
    assert first.result.epochs_run == 2 and page.continue_button.isEnabled()
    page.state.set_train_config(replace(page.state.train_config, epochs=3))  # 3 more
    with qtbot.waitSignal(page.state.runFinished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(page.continue_button, Qt.MouseButton.LeftButton)
    run = page.state.run
    assert run is not first and run.result.resumed_from == 2 and run.result.epochs_run == 5
    assert len(run.result.history.rows) == 5  # the whole history, epochs 1-5
    page.shutdown()
