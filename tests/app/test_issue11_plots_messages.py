"""Issue 11, item 8: message bars show the style's icons (no missing-glyph box) and no
message, however long, widens a 1280-pixel window."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMainWindow, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from app.pages.explore_page import ExplorePage
from app.state import AppState
from app.widgets.message_bar import ICONS, LEVELS, MessageBar
from core.data.load import load_dataset
from core.data.options import LoadOptions

LONG_PATH = "/home/someone/projects/" + "very-long-folder-name_" * 14 + "run-0042"


def in_window(qtbot: QtBot, widget: QWidget) -> QMainWindow:
    window = QMainWindow()
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.addWidget(widget)
    layout.addStretch(1)
    window.setCentralWidget(holder)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.mark.parametrize("level", LEVELS)
def test_each_level_shows_a_standard_icon_not_a_character(qtbot: QtBot, level: str) -> None:
    bar = MessageBar()
    window = in_window(qtbot, bar)
    bar.show_message("something happened", level)
    assert bar.icon_label.text() == ""  # no font character that may be missing
    pixmap = bar.icon_label.pixmap()
    assert not pixmap.isNull() and pixmap.width() > 0
    expected = bar.style().standardIcon(ICONS[level], None, bar).pixmap(pixmap.size())
    assert pixmap.toImage() == expected.toImage()
    assert window.isVisible()


def test_a_long_message_wraps_or_is_cut_but_never_widens_the_window(qtbot: QtBot) -> None:
    bar = MessageBar()
    window = in_window(qtbot, bar)
    one_line = bar.sizeHint().height()
    bar.show_message(f"Saved the run to {LONG_PATH} " + "and wrote its model card " * 12,
                     "success")
    qtbot.wait(50)
    assert window.width() <= 1280
    assert bar.minimumSizeHint().width() <= 1280
    assert window.minimumSizeHint().width() <= 1280
    assert bar.height() > one_line  # the words wrapped onto more lines
    assert LONG_PATH in bar.text and bar._label.toolTip() == bar.text


def test_a_page_with_a_long_error_keeps_its_width(qtbot: QtBot) -> None:
    state = AppState()
    state.set_dataset(load_dataset("demo:iris"), "demo:iris", LoadOptions())
    page = ExplorePage(state)
    window = in_window(qtbot, page)
    page.message_bar.show_error(f"cannot write {LONG_PATH}{LONG_PATH}: permission denied")
    qtbot.wait(50)
    assert window.width() <= 1280
    assert page.minimumSizeHint().width() <= 1280
