"""Issue 11, the window's share: what it shows is what it does, and it fits the screen."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.main_window import MainWindow
from app.pages.train_page import TrainPage
from app.state import AppState
from app.widgets.wheel_guard import guard_wheel
from core.data.options import LoadOptions
from core.nn.spec import LayerSpec, NetworkSpec
from core.train.config import TrainConfig

TIMEOUT_MS = 60_000


def _wheel(widget: QWidget, steps: int = -1) -> None:
    """What a mouse wheel over the middle of ``widget`` sends."""
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        QPoint(0, 120 * steps), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def _loaded_page(qtbot: QtBot, demo: str = "demo:xor") -> TrainPage:
    from core.data.load import load_dataset

    state = AppState()
    options = LoadOptions(demo_size=120)
    state.set_dataset(load_dataset(demo, options), demo, options)
    page = TrainPage(state)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    return page


def test_the_wheel_scrolls_the_form_instead_of_changing_an_unfocused_field(
        qtbot: QtBot) -> None:
    page = _loaded_page(qtbot)
    guard_wheel(page)
    page.resize(1200, 400)  # the form scrolls
    qtbot.wait(10)
    l1, optimizer = page.form.l1, page.form.optimizer
    l1.setValue(1e-3)
    before_opt = optimizer.currentText()
    bar = page.form.parentWidget().parentWidget().parentWidget().verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(0)
    _wheel(l1)
    _wheel(optimizer)
    assert l1.value() == 1e-3 and optimizer.currentText() == before_opt
    assert page.state.train_config.l1 == 1e-3
    assert bar.value() > 0, "the wheel should have scrolled the form"
    l1.setFocus()
    qtbot.waitUntil(l1.hasFocus)
    _wheel(l1, steps=1)
    assert l1.value() == 2e-3  # a focused field takes the wheel, as before


def test_the_form_shows_the_kernel_that_trains(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    bases = "ACGT"
    rows = ["sequence,label"] + [
        "".join(bases[(i * 7 + j * (i % 3 + 1)) % 4] for j in range(9)) + f",{i % 2}"
        for i in range(60)]
    path.write_text("\n".join(rows) + "\n")
    from core.data.load import load_dataset
    from core.data.summary import summarize  # noqa: F401  (the Data page's summary)

    state = AppState()
    options = LoadOptions()
    state.set_dataset(load_dataset(str(path), options), str(path), options)
    state.set_summary({"input_shape": [9, 4]})
    page = TrainPage(state)
    qtbot.addWidget(page)
    page.network.set_preset("cnn1d")
    page.network.set_preset_options({"kernel": 15})
    note = page.network.notes["kernel"]
    assert not note.isHidden() and note.text() == "fitted to 9 for length 9"
    page.network.set_preset_options({"kernel": 3})
    assert note.isHidden()


def test_start_and_step_are_off_with_the_reason_beside_them(qtbot: QtBot) -> None:
    page = _loaded_page(qtbot)
    assert page.start_reason.isHidden() and page.step_button.isEnabled()
    page.state.set_summary({"input_shape": [2]})
    wide = NetworkSpec([LayerSpec("Conv1D", {"filters": 4, "kernel": 9})], name="too wide")
    page.state.set_network(wide)
    assert not page.start_button.isEnabled() and not page.step_button.isEnabled()
    assert not page.start_reason.isHidden()
    assert "Network page" in page.start_reason.text()
    opened: list[str] = []
    page.open_page.connect(opened.append)
    page.start_reason.linkActivated.emit("network")
    assert opened == ["network"]
    page.step()  # the shortcut still reaches it: nothing starts
    assert page.worker is None


def test_metric_panel_names_the_task_before_a_run(qtbot: QtBot) -> None:
    page = _loaded_page(qtbot, "demo:diabetes")
    assert page.metric_panel.title == "R\u00b2"
    assert page.state.run is None


def test_results_of_a_previous_dataset_are_not_left_as_if_current(qtbot: QtBot) -> None:
    from core.data.load import load_dataset

    page = _loaded_page(qtbot)
    page.state.set_train_config(TrainConfig(epochs=2))
    with qtbot.waitSignal(page.state.runFinished, timeout=TIMEOUT_MS):
        page.start()
    assert len(page.results_model.frame) > 0
    options = LoadOptions(demo_size=80)
    page.state.set_dataset(load_dataset("demo:circle", options), "demo:circle", options)
    assert len(page.results_model.frame) == 0
    assert "press Start" in page.results_label.text()


def test_window_links_open_the_page_they_name(qtbot: QtBot) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.pages["train"].open_page.emit("network")
    assert window.current_page_name() == "network"


def _small_screen(monkeypatch, width: int = 1280, height: int = 800) -> None:
    from PySide6.QtCore import QRect

    monkeypatch.setattr(MainWindow, "available_geometry",
                        lambda self: QRect(0, 0, width, height))


def test_the_window_fits_a_1280x800_screen_on_every_page(qtbot: QtBot, monkeypatch) -> None:
    _small_screen(monkeypatch)
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.pages["data"].load_finished, timeout=TIMEOUT_MS):
        window.open_source("demo:breast-cancer")
    assert window.state.dataset is not None and window.state.dataset.name.startswith("breast")
    for name in window.pages:
        window.show_page(name)
        qtbot.wait(20)
        hint = window.minimumSizeHint()
        assert hint.width() <= 1280 and hint.height() <= 800 - 32, (name, hint)
        assert window.frameGeometry().width() <= 1280, name
        assert window.height() <= 800 - 32, name


def test_a_saved_geometry_too_big_for_this_screen_is_not_restored(qtbot: QtBot,
                                                                   monkeypatch) -> None:
    first = MainWindow()
    qtbot.addWidget(first)
    first.resize(1900, 1050)
    first.close()
    _small_screen(monkeypatch)
    second = MainWindow()
    qtbot.addWidget(second)
    assert second.width() <= 1280 and second.height() <= 800


def _window_mid_run(qtbot: QtBot) -> MainWindow:
    from core.train.events import EpochFinished

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.pages["data"].load_source("demo:xor", LoadOptions(demo_size=200))
    qtbot.waitUntil(lambda: window.state.dataset is not None, timeout=TIMEOUT_MS)
    train = window.show_page("train")
    window.state.set_train_config(TrainConfig(epochs=1000))
    train.start()
    with qtbot.waitSignal(train.run_event, timeout=TIMEOUT_MS,
                          check_params_cb=lambda ev: isinstance(ev, EpochFinished)):
        pass
    return window


def test_closing_mid_run_asks_and_can_keep_the_run(qtbot: QtBot, monkeypatch) -> None:
    import app.main_window as main_window

    window = _window_mid_run(qtbot)
    asked: list[bool] = []
    monkeypatch.setattr(main_window, "ask_close_while_training",
                        lambda parent: asked.append(True) or "cancel")
    window.close()
    assert asked == [True] and window.isVisible() and window.state.training
    monkeypatch.setattr(main_window, "ask_close_while_training", lambda parent: "stop")
    with qtbot.waitSignal(window.state.runFinished, timeout=TIMEOUT_MS):
        window.close()
    assert window.isVisible()
    run = window.state.run
    assert run is not None and run.result.stopped_because == "stopped" and run.metrics
    asked.clear()
    monkeypatch.setattr(main_window, "ask_close_while_training",
                        lambda parent: asked.append(True) or "cancel")
    window.close()  # no run any more: closes without asking
    assert asked == [] and not window.isVisible()


def test_status_bar_says_the_real_threads_and_preferences_change_them(qtbot: QtBot) -> None:
    import os

    import torch

    from app.main_window import cpu_text
    from app.widgets.preferences import PreferencesDialog, default_threads

    before = torch.get_num_threads()
    window = MainWindow()
    qtbot.addWidget(window)
    try:
        window.warm_up_engine()
        cores = os.cpu_count() or 1
        assert torch.get_num_threads() == default_threads(cores)
        assert window.device_label.text() == cpu_text(default_threads(cores))
        assert f"of {cores} core" in window.device_label.text()
        window.set_training_threads(1)
        assert torch.get_num_threads() == 1
        assert window.device_label.text().startswith("CPU: 1 training thread of")
        assert window.training_threads() == 1
        dialog = PreferencesDialog(1, window)
        dialog.restore_defaults()
        assert dialog.threads.value() == default_threads(cores)
        assert "leaving one for the window" in dialog.threads.toolTip()
    finally:
        torch.set_num_threads(before)
        window.settings.remove("engine/threads")


def test_shortcuts_table_rows_are_action_then_key(qtbot: QtBot) -> None:
    import re

    window = MainWindow()
    qtbot.addWidget(window)
    rows = window.shortcut_rows()
    key = re.compile(r"^((Ctrl|Shift|Alt|Meta)\+)*([A-Z0-9.,]|F\d+|Return|Space|Esc|"
                     r"wheel|Del|Delete|Backspace|Tab|Up|Down|Left|Right|Home|End|"
                     r"PgUp|PgDown)$", re.IGNORECASE)
    assert ("Trees: fit the tree", "Ctrl+Return") in rows
    for what, keys in rows:
        assert key.match(keys), (what, keys)
        assert not key.match(what), (what, keys)


def test_file_dialogs_open_beside_the_data_then_where_the_user_was(
        qtbot: QtBot, tmp_path: Path, monkeypatch) -> None:
    from app.settings import app_settings, dialog_dir, remember_dialog_dir

    app_settings().remove("dialogs")
    data = tmp_path / "project" / "reads.csv"
    data.parent.mkdir()
    data.write_text("x,label\n1,0\n")
    assert dialog_dir("export") == str(Path.home())  # never the program's own folder
    assert dialog_dir("export", str(data)) == str(data.parent)
    out = tmp_path / "exports"
    out.mkdir()
    remember_dialog_dir("export", str(out / "loss.png"))
    assert dialog_dir("export", str(data)) == str(out)
    assert dialog_dir("network", str(data)) == str(data.parent)


def test_export_plot_dialog_starts_beside_the_data(qtbot: QtBot, tmp_path: Path,
                                                   monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog, QInputDialog

    from app.settings import app_settings

    app_settings().remove("dialogs")  # no folder remembered from another test
    monkeypatch.setattr(QInputDialog, "getItem", lambda *args: ("Loss", True))
    data = tmp_path / "lab" / "kept.csv"
    data.parent.mkdir()
    data.write_text("x,label\n" + "".join(f"{i},{i % 2}\n" for i in range(20)))
    window = MainWindow()
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.pages["data"].load_finished, timeout=TIMEOUT_MS):
        window.open_source(str(data))
    window.show_page("train")
    asked: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda parent, title, start, filters: asked.append(start) or ("", ""))
    window.export_plot()
    assert asked and Path(asked[0]).parent == data.parent
