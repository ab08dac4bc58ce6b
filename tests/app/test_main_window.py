"""The main window: pages, menus, status bar, settings, drops, export, clean shutdown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QAction, QDropEvent
from pytestqt.qtbot import QtBot

from app import main_window
from app.main_window import DEMO_SOURCE, MainWindow, about_html, parse_argv
from app.workers import live_workers
from core.data.options import LoadOptions
from core.train.config import TrainConfig
from core.train.events import EpochFinished

TIMEOUT_MS = 60_000


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def _load(qtbot: QtBot, win: MainWindow, source: str) -> None:
    with qtbot.waitSignal(win.pages["data"].load_finished, timeout=TIMEOUT_MS) as blocker:
        win.open_source(source)
    assert blocker.args == [True], win.pages["data"].message_bar.text


def _menu_action(win: MainWindow, text: str) -> QAction:
    actions = [a for a in win.findChildren(QAction) if a.text().replace("&", "") == text]
    assert actions, text
    return actions[0]


def test_navigation_lists_the_pages_that_exist_in_workflow_order(window: MainWindow) -> None:
    names = [window.nav.item(i).data(Qt.ItemDataRole.UserRole)
             for i in range(window.nav.count())]
    assert names == ["data", "network", "train", "tune", "runs", "evaluate", "explain",
                     "explore", "trees"]
    assert [window.nav.item(i).text() for i in range(window.nav.count())] == [
        "Data", "Network", "Train", "Tune", "Runs", "Evaluate", "Explain", "Explore", "Trees"]
    window.nav.setCurrentRow(names.index("train"))
    assert window.stack.currentWidget() is window.pages["train"]
    assert window.current_page_name() == "train"
    _menu_action(window, "Data").trigger()  # View menu
    assert window.current_page_name() == "data"


def test_loading_a_demo_from_the_menu_updates_every_page_and_the_status(
        qtbot: QtBot, window: MainWindow) -> None:
    demos = window.demo_menu.actions()
    xor = next(a for a in demos if a.data() == "demo:xor")
    with qtbot.waitSignal(window.pages["data"].load_finished, timeout=TIMEOUT_MS):
        xor.trigger()
    assert window.state.dataset.name == "xor"
    assert "xor: 500 samples, 2 classes" in window.dataset_label.text()
    assert window.pages["train"].start_button.isEnabled()
    assert window.pages["train"].network.preset_name == "mlp"


def test_warm_up_loads_the_engine_and_names_the_device(window: MainWindow) -> None:
    assert not window.engine_ready
    window.warm_up_engine()
    assert window.engine_ready
    assert window.device_label.text().startswith(("CPU", "cuda", "Apple"))


def test_argv_chooses_what_to_open() -> None:
    assert parse_argv(["--demo"]) == DEMO_SOURCE
    assert parse_argv(["reads.fa"]) == "reads.fa"
    assert parse_argv([]) is None and parse_argv(["gui"]) is None


def test_about_names_every_library_version() -> None:
    html = about_html()
    for name in ("Mendel", "Python", "Qt", "PySide6", "PyTorch", "scikit-learn", "NumPy"):
        assert f"<td>{name}</td>" in html


def test_dropping_a_file_loads_it(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "drop.csv"
    path.write_text("x,y,label\n" + "".join(f"{i},{i % 4},{i % 2}\n" for i in range(20)))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.pages["data"].load_finished, timeout=TIMEOUT_MS):
        window.dropEvent(event)
    assert window.state.source == str(path) and window.current_page_name() == "data"


def test_settings_keep_recent_files_and_last_options(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "kept.csv"
    path.write_text("x,label\n" + "".join(f"{i},{i % 2}\n" for i in range(20)))
    first = MainWindow()
    qtbot.addWidget(first)
    _load(qtbot, first, str(path))
    first.pages["train"].form.epochs.setValue(12)
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    assert second.state.recent_sources[0] == str(path)
    assert second.recent_menu.actions()[0].data() == str(path)
    assert second.state.train_config.epochs == 12
    assert second.pages["train"].form.epochs.value() == 12
    second.pages["train"].reset_options()
    second.close()


def test_export_plot_and_model_after_a_run(qtbot: QtBot, window: MainWindow,
                                           tmp_path: Path) -> None:
    _load(qtbot, window, "demo:xor")
    train = window.show_page("train")
    export_model = window.export_model_action
    if export_model is not None:
        assert not export_model.isEnabled()
    train.state.set_train_config(TrainConfig(epochs=2))
    with qtbot.waitSignal(window.state.runFinished, timeout=TIMEOUT_MS):
        train.start()
    assert window.state.run is not None
    if export_model is None:
        pytest.skip("core.export.bundle is not available")
    assert export_model.isEnabled()
    worker = window.save_run(str(tmp_path / "run"))
    qtbot.waitUntil(lambda: window.message_bar.level == "success", timeout=TIMEOUT_MS)
    assert worker.wait(5000)
    assert "Saved the run" in window.message_bar.text
    assert (tmp_path / "run" / "model.onnx").exists()
    assert (tmp_path / "run" / "history.csv").read_text().count("\n") == 3


def test_closing_mid_run_stops_and_joins_every_worker(qtbot: QtBot, monkeypatch) -> None:
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    win.pages["data"].load_source("demo:xor", LoadOptions(demo_size=200))
    qtbot.waitUntil(lambda: win.state.dataset is not None, timeout=TIMEOUT_MS)
    train = win.show_page("train")
    train.state.set_train_config(TrainConfig(epochs=1000))
    train.start()
    with qtbot.waitSignal(train.run_event, timeout=TIMEOUT_MS,
                          check_params_cb=lambda ev: isinstance(ev, EpochFinished)):
        pass
    assert live_workers()
    seen: list[bool] = []
    stop_all = main_window.stop_all_workers
    monkeypatch.setattr(main_window, "ask_close_while_training", lambda parent: "quit")
    monkeypatch.setattr(main_window, "stop_all_workers",
                        lambda: seen.append(win.isVisible()) or stop_all())
    win.close()
    assert seen == [False]  # gone from the screen before it waits for the workers
    assert not live_workers()  # and the autouse guard checks no QThread is left running
