"""Projects in the window: save and reopen a session, the unsaved mark, autosave and the
restore after a crash, moved and changed data, and each run kept in runs/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from app.main_window import MainWindow
from core.project.autosave import autosave_path
from core.project.project import open_project
from core.project.runs import list_runs
from core.train.config import TrainConfig

TIMEOUT_MS = 60_000


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    win = _window(qtbot)
    win.show()
    yield win
    win.project.dirty = False  # no "save changes?" box at teardown
    win.close()


def _window(qtbot: QtBot) -> MainWindow:
    """A window whose dialogs never block a test: unsaved changes are discarded."""
    win = MainWindow()
    qtbot.addWidget(win)
    win.project.ask_save_changes = lambda: "discard"
    return win


def _table(path: Path, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(80, 2))
    rows = ["a,b,label"] + [f"{a:.4f},{b:.4f},{int(a + b > 0)}" for a, b in x]
    path.write_text("\n".join(rows) + "\n")
    return path


def _load(qtbot: QtBot, win: MainWindow, source: str) -> None:
    with qtbot.waitSignal(win.pages["data"].load_finished, timeout=TIMEOUT_MS) as blocker:
        win.open_source(source)
    assert blocker.args == [True], win.pages["data"].message_bar.text


def _save_as(win: MainWindow, path: Path) -> None:
    win.project.ask_save_path = lambda: str(path)
    assert win.project.save_as()


def test_save_marks_and_reopen_restores_the_session(qtbot: QtBot, window: MainWindow,
                                                    tmp_path: Path) -> None:
    data = _table(tmp_path / "cells.csv")
    _load(qtbot, window, str(data))
    assert window.windowTitle().startswith("cells *")
    window.state.set_train_config(replace(window.state.train_config, lr=0.003, epochs=7))
    _save_as(window, tmp_path / "study")
    folder = tmp_path / "study.mendel"
    assert (folder / "project.json").is_file() and (folder / "runs").is_dir()
    assert window.windowTitle() == "study \u2014 Mendel"
    window.state.set_train_config(replace(window.state.train_config, epochs=8))
    assert window.windowTitle() == "study * \u2014 Mendel"
    assert window.project.save() and "*" not in window.windowTitle()

    other = _window(qtbot)
    with qtbot.waitSignal(other.pages["data"].load_finished, timeout=TIMEOUT_MS):
        assert other.project.open(str(folder))
    assert other.state.source == str(data)
    assert other.state.train_config.lr == 0.003 and other.state.train_config.epochs == 8
    assert other.windowTitle() == "study \u2014 Mendel"
    assert str(folder) in other.project.recent_projects()
    other.close()


def test_autosave_after_a_crash_is_offered_at_the_next_start(qtbot: QtBot, window: MainWindow,
                                                             tmp_path: Path) -> None:
    _load(qtbot, window, "demo:xor")
    window.state.set_train_config(replace(window.state.train_config, epochs=13))
    side = window.project.autosave()  # what the timer does every minute
    assert side == autosave_path(None, window.project.fallback_dir()) and side.is_file()
    # the process dies here: no closeEvent, the side file stays
    fresh = _window(qtbot)
    fresh.project.ask_yes_no = lambda title, text: True
    with qtbot.waitSignal(fresh.pages["data"].load_finished, timeout=TIMEOUT_MS):
        assert fresh.project.offer_restore()
    assert fresh.state.train_config.epochs == 13 and fresh.state.source == "demo:xor"
    fresh.project.dirty = False
    fresh.close()  # a normal close removes an unsaved session's autosave
    assert not side.exists()


def test_declining_the_restore_discards_the_autosave(qtbot: QtBot, window: MainWindow) -> None:
    window.state.set_train_config(TrainConfig(epochs=5))
    side = window.project.autosave()
    window.project.ask_yes_no = lambda title, text: False
    assert not window.project.offer_restore() and not side.exists()


def test_moved_data_asks_where_it_is_and_changed_data_warns(qtbot: QtBot, window: MainWindow,
                                                            tmp_path: Path) -> None:
    data = _table(tmp_path / "cells.csv")
    _load(qtbot, window, str(data))
    _save_as(window, tmp_path / "study")
    moved = tmp_path / "elsewhere" / "cells.csv"
    moved.parent.mkdir()
    shutil.move(data, moved)
    asked: list[str] = []
    window.project.ask_locate = lambda why: asked.append(why) or str(moved)
    with qtbot.waitSignal(window.pages["data"].load_finished, timeout=TIMEOUT_MS):
        assert window.project.open(str(tmp_path / "study.mendel"))
    assert asked and "cells.csv" in asked[0]
    assert window.state.source == str(moved)
    window.project.save()
    _table(moved, seed=1)  # same name, other content
    warnings: list[tuple[str, str]] = []
    window.project.message.connect(lambda text, level: warnings.append((text, level)))
    with qtbot.waitSignal(window.pages["data"].load_finished, timeout=TIMEOUT_MS):
        window.project.open(str(tmp_path / "study.mendel"))
    assert any(level == "warning" and "changed" in text for text, level in warnings)


def test_a_corrupt_project_is_one_line_and_the_session_stays(qtbot: QtBot, window: MainWindow,
                                                             tmp_path: Path) -> None:
    folder = tmp_path / "bad.mendel"
    folder.mkdir()
    (folder / "project.json").write_text("{not json")
    said: list[str] = []
    window.project.message.connect(lambda text, level: said.append(text))
    assert not window.project.open(str(folder))
    assert len(said) == 1 and "\n" not in said[0] and said[0].startswith("Cannot open")
    assert window.project.folder is None


def test_each_finished_run_is_kept_in_the_project(qtbot: QtBot, window: MainWindow,
                                                  tmp_path: Path) -> None:
    _load(qtbot, window, "demo:xor")
    _save_as(window, tmp_path / "runs-study")
    window.state.set_train_config(TrainConfig(epochs=2, batch_size=16))
    train = window.show_page("train")
    with qtbot.waitSignal(window.export_job.succeeded, timeout=2 * TIMEOUT_MS):
        train.start()
    rows = list_runs(open_project(tmp_path / "runs-study.mendel").folder)
    assert len(rows) == 1 and rows[0].epochs_run == 2 and rows[0].status != "incomplete"
