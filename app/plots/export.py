"""Writing any pyqtgraph plot as PNG or SVG (pyqtgraph.exporters) and its data as CSV.

The drawing half of exporting, with no widgets: the renderers' ``render_to_files``
(``mendel ... --out``) and the pages' Export menus (``app.widgets.plot_export``) both
write through ``export_plot``, so a plot exports the same way everywhere. Files are
written to a temporary name and renamed, so an interrupted export leaves nothing behind.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters as pg_exporters
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF
from PySide6.QtGui import QImage, QPainter

from app.file_guard import write_problem
from app.plots.pg_patch import accept_closed_paths
from core.atomic import write_bytes_atomic, write_text_atomic
from core.data.files import display
from core.errors import ExportError

MIN_PNG_WIDTH = 400  # pixels: a small plot still reads in a document
FORMATS = {"png": "PNG image (*.png)", "svg": "SVG drawing (*.svg)", "csv": "CSV data (*.csv)"}

accept_closed_paths()  # before any SVG export (see app.plots.pg_patch)
Plot = pg.PlotWidget | pg.PlotItem


def plot_item(plot: Plot) -> pg.PlotItem:
    """The PlotItem the exporters draw, from a PlotWidget or the item itself."""
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
        raise ExportError(write_problem(path, exc), display(path)) from None
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
