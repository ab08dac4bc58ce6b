"""What every page of the main window is: the base class the window talks to.

A page is built as ``Page(state, parent)``, reads and updates the one ``AppState`` and
answers the window's four questions through the methods below (the defaults say "none"),
so the window calls them directly instead of probing each page with ``getattr``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from app.state import AppState
    from app.widgets.plot_export import PlotPanel


class Page(QWidget):
    """One workflow step of the window (Data, Network, Train...)."""

    title = "Page"  # the navigation label
    open_page = Signal(str)  # "network", "data"...: the window shows that page

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state

    def plot_panels(self) -> list[PlotPanel]:
        """The plots File ▸ Export plot offers while this page is shown."""
        return []

    def shortcuts(self) -> list[tuple[str, str]]:
        """(what, key) rows for Help ▸ Keyboard shortcuts."""
        return []

    def page_shown(self) -> None:
        """Called each time the user opens the page."""

    def shutdown(self) -> None:
        """Stop and join this page's workers; called before the window closes."""
