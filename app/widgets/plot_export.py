"""Export any pyqtgraph plot as PNG or SVG (pyqtgraph.exporters) and its data as CSV.

Every plot in Mendel gets the same three actions, from its right-click menu
(``install_export_actions``) and from a toolbar button (``ExportButton``). Files are
written to a temporary name and renamed, so an interrupted export leaves nothing behind.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters as pg_exporters
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF
from PySide6.QtGui import QAction, QImage, QPainter
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

from core.errors import ExportError
from core.export.atomic import write_bytes_atomic, write_text_atomic

MIN_PNG_WIDTH = 400  # pixels: a small plot still reads in a document
FORMATS = {"png": "PNG image (*.png)", "svg": "SVG drawing (*.svg)", "csv": "CSV data (*.csv)"}


def _accept_closed_paths() -> None:
    """pyqtgraph 0.14's SVG exporter reads every token of a path as "x,y", but Qt 6.12's
    SVG generator ends closed paths (each plot's clip rectangle) with a bare "Z", so every
    SVG export failed with "not enough values to unpack". Drop the "Z" tokens before the
    exporter reads the path and put a final one back afterwards."""
    import sys

    module = sys.modules[pg_exporters.SVGExporter.__module__]
    original = module.correctCoordinates
    if getattr(original, "accepts_closed_paths", False):
        return

    def correct(node, defs, item, options):  # noqa: ANN001, ANN202 - pyqtgraph's signature
        closed = []
        for path in node.getElementsByTagName("path"):
            tokens = path.getAttribute("d").split()
            if "Z" in tokens or "z" in tokens:
                closed.append(path)
                path.setAttribute("d", " ".join(t for t in tokens if t not in ("Z", "z")))
        result = original(node, defs, item, options)
        for path in closed:
            path.setAttribute("d", path.getAttribute("d").rstrip() + " Z")
        return result

    correct.accepts_closed_paths = True  # type: ignore[attr-defined]
    module.correctCoordinates = correct


_accept_closed_paths()
Plot = pg.PlotWidget | pg.PlotItem
ErrorHandler = Callable[[str], None]


def plot_item(plot: Plot) -> pg.PlotItem:
    return plot.getPlotItem() if isinstance(plot, pg.PlotWidget) else plot


def export_plot(plot: Plot, path: str | Path) -> Path:
    """Write ``plot`` to ``path``; the suffix (.png, .svg, .csv) picks the format."""
    path = Path(path)
    kind = path.suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise ExportError(f"cannot export a plot as {path.suffix or 'a file without suffix'}; "
                          "use .png, .svg or .csv", str(path))
    try:
        if kind == "png":
            write_bytes_atomic(path, plot_png_bytes(plot))
        elif kind == "svg":
            svg = pg_exporters.SVGExporter(plot_item(plot)).export(toBytes=True)
            write_bytes_atomic(path, bytes(svg))
        else:
            write_text_atomic(path, plot_csv_text(plot))
    except OSError as exc:
        raise ExportError(f"cannot write the file: {exc.strerror or exc}", str(path)) from None
    return path


def plot_png_bytes(plot: Plot, scale: float = 2.0) -> bytes:
    """The plot rendered at ``scale`` times its on-screen size (crisp in documents)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image = plot_image(plot, scale)
    # Dots per inch to match: a document places the picture at its on-screen size (96 dpi).
    dots_per_metre = round(96 * image.width() / max(plot_item(plot).sceneBoundingRect()
                                                      .width(), 1) / 0.0254)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def plot_image(plot: Plot, scale: float = 2.0) -> QImage:
    """The plot drawn as a high-DPI screen of ``scale`` device pixels per pixel would show
    it (at least ``MIN_PNG_WIDTH`` pixels wide): every part, legend included, is ``scale``
    times its size on screen.

    pyqtgraph's ImageExporter scales its painter instead, which items that ignore
    transformations (the legend, pixel-sized arrows) do not follow: in a 2x export the
    legend kept its on-screen size. A device pixel ratio scales those items too, and
    changes nothing on the items themselves. Lines keep their widths in pixels (pyqtgraph's
    pens are cosmetic), so they come out finer than on screen, as in pyqtgraph's export.
    """
    item = plot_item(plot)
    exporter = pg_exporters.ImageExporter(item)  # for its export mode and background
    source = exporter.getSourceRect()  # never empty: a PlotItem has a minimum size
    ratio = max(scale, MIN_PNG_WIDTH / source.width())
    image = QImage(round(source.width() * ratio), round(source.height() * ratio),
                   QImage.Format.Format_ARGB32)
    image.setDevicePixelRatio(ratio)
    background = exporter.params["background"]
    image.fill(background)
    painter = QPainter(image)
    try:
        # resolutionScale 1: the device pixel ratio already sizes pixel-sized scatter symbols
        exporter.setExportMode(True, {"antialias": True, "background": background,
                                      "painter": painter, "resolutionScale": 1.0})
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        target = QRectF(0, 0, image.width() / ratio, image.height() / ratio)
        exporter.getScene().render(painter, target, source)
    finally:
        exporter.setExportMode(False)
        painter.end()
    image.setDevicePixelRatio(1.0)
    return image


def plot_series(plot: Plot) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, x, y) of every curve, scatter and bar series, at full resolution."""
    series: list[tuple[str, np.ndarray, np.ndarray]] = []
    for n, item in enumerate(plot_item(plot).items):
        if isinstance(item, pg.PlotDataItem):
            x, y = item.getOriginalDataset()
            name = item.name()
        elif isinstance(item, pg.ScatterPlotItem):
            x, y = item.getData()
            name = item.name()
        elif isinstance(item, pg.BarGraphItem):
            opts = item.opts
            x = opts.get("x") if opts.get("x") is not None else opts.get("x0")
            y = opts.get("height")
            name = opts.get("name")
        else:
            continue
        if x is None or y is None or len(y) == 0:
            continue
        series.append((name or f"series {n + 1}", np.asarray(x), np.asarray(y)))
    return series


def plot_csv_text(plot: Plot) -> str:
    """Wide CSV: an x and a y column per series; shorter series leave blank cells.

    A plot whose items do not carry its data (a heat map, named bars) holds the table to
    write as ``export_table`` (a DataFrame, or a function making one) on its PlotItem; that
    table is written instead.
    """
    table = getattr(plot_item(plot), "export_table", None)
    if callable(table):  # made at export time (see app.plots.base.set_export_table)
        table = table()
    if table is not None:
        return table.to_csv(index=False, lineterminator="\n")
    series = plot_series(plot)
    if not series:
        raise ExportError("this plot holds no data to export yet")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f"{name} {axis}" for name, _, _ in series for axis in ("x", "y")])
    for row in range(max(len(y) for _, _, y in series)):
        cells: list[str] = []
        for _, x, y in series:
            cells += [_cell(x, row), _cell(y, row)]
        writer.writerow(cells)
    return out.getvalue()


def _cell(values: np.ndarray, row: int) -> str:
    if row >= len(values):
        return ""
    v = values[row]
    return repr(float(v)) if isinstance(v, (float, np.floating)) else str(v)


def ask_and_export(parent: QWidget | None, plot: Plot, name: str, kind: str) -> Path | None:
    """Ask for a file name (suggesting ``name.kind``) and export; None if cancelled."""
    path, _ = QFileDialog.getSaveFileName(parent, f"Export {name}", f"{_slug(name)}.{kind}",
                                          FORMATS[kind])
    if not path:
        return None
    if Path(path).suffix.lower() != f".{kind}":
        path += f".{kind}"
    return export_plot(plot, path)


def export_actions(parent: QWidget, plot: Plot, name: str,
                   on_error: ErrorHandler | None = None) -> list[QAction]:
    """Three actions (PNG, SVG, CSV) that ask for a file name and export ``plot``."""
    actions = []
    labels = {"png": "Export as PNG image\u2026", "svg": "Export as SVG drawing\u2026",
              "csv": "Export data as CSV\u2026"}
    for kind, label in labels.items():
        action = QAction(label, parent)
        action.triggered.connect(_Exporter(parent, plot, name, kind, on_error).run)
        actions.append(action)
    return actions


class _Exporter:
    """A bound export job (a plain object so the action's slot is a method, not a lambda)."""

    def __init__(self, parent: QWidget, plot: Plot, name: str, kind: str,
                 on_error: ErrorHandler | None) -> None:
        self.parent, self.plot, self.name, self.kind, self.on_error = (
            parent, plot, name, kind, on_error)

    def run(self) -> None:
        try:
            ask_and_export(self.parent, self.plot, self.name, self.kind)
        except ExportError as exc:
            if self.on_error is None:
                raise
            self.on_error(str(exc))


def install_export_actions(widget: pg.PlotWidget, name: str,
                           on_error: ErrorHandler | None = None) -> None:
    """Put the export actions in the plot's right-click menu (replacing pyqtgraph's dialog)."""
    widget.scene().contextMenu = export_actions(widget, widget, name, on_error)


class ExportButton(QToolButton):
    """A small toolbar button whose menu exports its plot as PNG, SVG or CSV."""

    def __init__(self, plot: pg.PlotWidget, name: str, on_error: ErrorHandler | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setText("Export")
        self.setToolTip(f"Save the {name} plot as a PNG image, an SVG drawing or CSV data")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setMenu(_export_menu(self, plot, name, on_error))


def _export_menu(parent: QWidget, plot: pg.PlotWidget, name: str,
                 on_error: ErrorHandler | None) -> QMenu:
    menu = QMenu(parent)
    for action in export_actions(parent, plot, name, on_error):
        menu.addAction(action)
    return menu


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
        self._on_error = on_error
        install_export_actions(plot, title, on_error)

    def set_hint(self, hint: str, tooltip: str | None = None) -> None:
        self.hint.setText(hint)
        self.hint.setToolTip(tooltip or hint)

    def set_title(self, title: str) -> None:
        """Rename the plot (header and the names suggested for exported files)."""
        self.title = title
        self.title_label.setText(f"<b>{title}</b>")
        self.export_button.setMenu(_export_menu(self.export_button, self.plot, title,
                                                self._on_error))
        install_export_actions(self.plot, title, self._on_error)


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-") or "plot"
