"""The recently opened files, as a menu that keeps itself up to date.

The list lives in the session state (``recent_sources``, newest first); every place that
offers it (the File menu, the Data page's Recent button) shows this one menu class, which
rebuilds itself on ``recentChanged`` and says which source was picked with ``chosen``,
so the owner only decides what opening means.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from core.errors import printable

if TYPE_CHECKING:
    from app.state import AppState


def source_label(source: str | None) -> str:
    """A short name for a path or demo: the file or folder name, 'demo:iris' as is."""
    if not source:
        return "no data"
    if source.startswith("demo:"):
        return source
    return printable(Path(source).name or source)  # a non-UTF-8 name's bytes as \xe9


class RecentMenu(QMenu):
    """``state.recent_sources`` as actions; disabled while the list is empty.

    ``numbered`` puts "&1 ", "&2 "... before the names (keyboard access in a menu bar).
    The full path is each action's tooltip and status tip.
    """

    chosen = Signal(str)  # the source of the action the user triggered

    def __init__(self, state: AppState, title: str = "", numbered: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.state = state
        self.numbered = numbered
        self.triggered.connect(self._on_triggered)
        state.recentChanged.connect(self.rebuild)
        self.rebuild()

    def rebuild(self) -> None:
        self.clear()
        for i, source in enumerate(self.state.recent_sources):
            name = source_label(source).replace("&", "&&")
            action = QAction(f"&{i + 1} {name}" if self.numbered else name, self)
            action.setData(source)
            action.setToolTip(source)
            action.setStatusTip(source)
            self.addAction(action)
        self.setEnabled(bool(self.state.recent_sources))

    def _on_triggered(self, action: QAction) -> None:
        source = action.data()
        if isinstance(source, str):
            self.chosen.emit(source)
