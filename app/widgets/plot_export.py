"""The Export actions of every plot: PNG, SVG and CSV, asked for with a file dialog.

Every plot in Mendel gets the same three actions, from its right-click menu
(``install_export_actions``) and from a toolbar button (``ExportButton``, in each
``PlotPanel``). The writing itself is ``app.plots.export`` (no widgets), shared with
``mendel ... --out`` (``FORMATS`` and ``export_plot`` are importable from here too).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.plots.export import FORMATS, Plot, export_plot
from app.settings import dialog_path, remember_dialog_dir
from core.errors import ExportError

ErrorHandler = Callable[[str], None]
log = logging.getLogger(__name__)


def ask_and_export(parent: QWidget | None, plot: Plot, name: str, kind: str) -> Path | None:
    """Ask for a file name (suggesting ``name.kind``) and export; None if cancelled."""
    path, _ = QFileDialog.getSaveFileName(parent, f"Export {name}",
                                          dialog_path("export", f"{_slug(name)}.{kind}"),
                                          FORMATS[kind])
    if not path:
        return None
    remember_dialog_dir("export", path)
    if Path(path).suffix.lower() != f".{kind}":
        path += f".{kind}"
    return export_plot(plot, path)


EXPORT_LABELS = {"png": "Export as PNG image\u2026", "svg": "Export as SVG drawing\u2026",
                 "csv": "Export data as CSV\u2026"}


class ExportAction(QAction):
    """One Export entry: asks for a file name and writes its plot in one format.

    The action itself holds the job and its ``triggered`` calls its own method: PySide6
    keeps a connection to a method only while the method's object lives, and a plain
    helper object made per action was collected at once (every Export entry went dead).
    ``name`` may change (a renamed plot suggests its new name).
    """

    def __init__(self, plot: Plot, name: str, kind: str, on_error: ErrorHandler | None,
                 parent: QWidget) -> None:
        super().__init__(EXPORT_LABELS[kind], parent)
        self.plot, self.name, self.kind, self.on_error = plot, name, kind, on_error
        self.triggered.connect(self.run)

    def run(self) -> None:
        try:
            ask_and_export(self._dialog_parent(), self.plot, self.name, self.kind)
        except ExportError as exc:
            report = self.on_error or nearest_message_bar(self._dialog_parent())
            if report is None:
                log.warning("%s", exc)
            else:
                report(str(exc))

    def _dialog_parent(self) -> QWidget | None:
        parent = self.parent()
        return parent if isinstance(parent, QWidget) else None


def nearest_message_bar(widget: QWidget | None) -> ErrorHandler | None:
    """The ``show_error`` of the message bar of the page (or window) that holds ``widget``:
    an export that fails where no handler was given still says why, in one line, where the
    user is looking (not as a traceback on the console)."""
    from app.widgets.message_bar import MessageBar

    while widget is not None:
        for name in ("message_bar", "messages"):
            bar = getattr(widget, name, None)
            if isinstance(bar, MessageBar):
                return bar.show_error
        widget = widget.parentWidget()
    return None


def export_actions(parent: QWidget, plot: Plot, name: str,
                   on_error: ErrorHandler | None = None) -> list[ExportAction]:
    """Three actions (PNG, SVG, CSV), owned by ``parent``, that export ``plot``."""
    return [ExportAction(plot, name, kind, on_error, parent) for kind in EXPORT_LABELS]


def install_export_actions(widget: pg.PlotWidget, name: str,
                           on_error: ErrorHandler | None = None) -> list[ExportAction]:
    """Put the export actions in the plot's right-click menu (replacing pyqtgraph's dialog);
    they belong to ``widget``, so they work as long as the plot is shown."""
    actions = export_actions(widget, widget, name, on_error)
    widget.scene().contextMenu = actions
    return actions


class ExportButton(QToolButton):
    """A small toolbar button whose menu exports its plot as PNG, SVG or CSV."""

    def __init__(self, plot: pg.PlotWidget, name: str, on_error: ErrorHandler | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setText("Export")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self)
        self.menu_actions = export_actions(self, plot, name, on_error)
        for action in self.menu_actions:
            menu.addAction(action)
        self.setMenu(menu)
        self.set_name(name)

    def set_name(self, name: str) -> None:
        """The plot's new name, for the tooltip and the file names suggested."""
        self.setToolTip(f"Save the {name} plot as a PNG image, an SVG drawing or CSV data")
        for action in self.menu_actions:
            action.name = name


class PlotPanel(QWidget):
    """A plot under a one-line header: its title, an optional hint and the Export button.

    It also puts the export actions in the plot's right-click menu, so every plot in the
    application exports the same way.
    """

    def __init__(self, plot: pg.PlotWidget, title: str, hint: str = "",
                 on_error: ErrorHandler | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = plot
        self.title = title
        header = QHBoxLayout()
        header.setContentsMargins(4, 0, 0, 0)
        self.title_label = QLabel(f"<b>{title}</b>", self)
        header.addWidget(self.title_label)
        self.hint = QLabel(hint, self)
        self.hint.setStyleSheet("color: #707070;")
        self.hint.setToolTip(hint)
        # A long hint is cut, never widens the panel: side-by-side plots keep their widths
        # (and a new hint during a run must not resize, and so redraw, its neighbours).
        self.hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        header.addWidget(self.hint, 1)
        self.export_button = ExportButton(plot, title, on_error, self)
        self.export_button.setAutoRaise(True)
        header.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(plot, 1)
        self._menu_actions = install_export_actions(plot, title, on_error)

    def set_hint(self, hint: str, tooltip: str | None = None) -> None:
        self.hint.setText(hint)
        self.hint.setToolTip(tooltip or hint)

    def set_title(self, title: str) -> None:
        """Rename the plot (header and the names suggested for exported files)."""
        self.title = title
        self.title_label.setText(f"<b>{title}</b>")
        self.export_button.set_name(title)
        for action in self._menu_actions:
            action.name = title


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-") or "plot"
