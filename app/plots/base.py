"""What every renderer shares: a cleared plot to draw on, its exportable table, and
writing a drawing to PNG + SVG + CSV (the pages' Export button and ``mendel ... --out``
both end in ``app.plots.export``).

A renderer is ``name(plot_or_none, data...) -> pg.PlotWidget``: given a plot it clears it
and draws again (pages call it after each result), given None it makes a new plot (the
command line, through ``offscreen_app``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics, QPen
from PySide6.QtWidgets import QApplication, QLabel, QLayout, QSizePolicy, QWidget

from app.plots.colors import GUIDE
from app.plots.export import export_plot, plot_csv_text, plot_item

pg.setConfigOptions(background="w", foreground="#404040", antialias=True)

EXPORT_SIZE = (900, 620)


def dashed_pen(color: str = GUIDE, width: float = 1.5) -> QPen:
    """Guides (identity line, chance diagonal, zero line) are dashed and grey."""
    return pg.mkPen(color, width=width, style=Qt.PenStyle.DashLine)


def offscreen_app() -> QApplication:
    """The running QApplication, or a new one on the offscreen platform (command line)."""
    app = QApplication.instance()
    if app is None and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if app is None:
        app = QApplication(["mendel"])
    return app  # type: ignore[return-value]


def new_plot(plot: pg.PlotWidget | None, x_label: str, y_label: str,
             legend: bool = True, legend_corner: str = "top") -> pg.PlotWidget:
    """``plot`` cleared (items, ticks, legend, table, inverted axes) or a new plot.

    ``legend_corner`` is "top" (right) or "bottom" (right), wherever the data leaves room.
    """
    if plot is None:
        plot = pg.PlotWidget()
    item = plot.getPlotItem()
    item.clear()
    if item.legend is None and legend:
        leg = item.addLegend(offset=(-8, 8), labelTextSize="9pt")
        leg.setBrush(pg.mkBrush(255, 255, 255, 210))
        leg.setPen(pg.mkPen("#c8c8c8"))
    if item.legend is not None:
        item.legend.clear()
        item.legend.setVisible(legend)
        item.legend.setOffset((-8, 8) if legend_corner == "top" else (-8, -42))
    item.setLabel("bottom", x_label)
    item.setLabel("left", y_label)
    for side in ("bottom", "left"):
        axis = item.getAxis(side)
        axis.setTicks(None)
        # "0.5", never "500 (x0.001)": an empty SI range, then a recompute at scale 1
        # (disabling the prefix instead would freeze the scale of the current range;
        # setLabel resets the ranges, so this comes after it)
        axis.setSIPrefixEnableRanges(((0.0, 0.0),))
        axis.enableAutoSIPrefix(True)
    item.getAxis("left").setWidth(None)
    item.showGrid(x=True, y=True, alpha=0.15)
    vb = item.getViewBox()
    vb.invertY(False)
    vb.setAspectLocked(False)
    vb.enableAutoRange()
    set_export_table(plot, None)
    return plot


def set_export_table(plot: pg.PlotWidget | pg.PlotItem,
                     table: pd.DataFrame | Callable[[], pd.DataFrame | None] | None) -> None:
    """The table CSV export writes for this plot, when its items alone do not say it
    (a heat map's cells, horizontal bars with their names). A function instead of a
    table is called at export time: for a picture redrawn while a run trains."""
    plot_item(plot).export_table = table


def export_table(plot: pg.PlotWidget | pg.PlotItem) -> pd.DataFrame | None:
    table = getattr(plot_item(plot), "export_table", None)
    return table() if callable(table) else table


def label_axis(plot: pg.PlotWidget, side: str, positions: list[float],
               names: list[str], max_chars: int = 28) -> None:
    """Name the ticks of ``side`` ("left" or "bottom") and, on the left, widen the axis
    so that the longest name is shown whole (pyqtgraph keeps its numeric width)."""
    short = [n if len(n) <= max_chars else n[: max_chars - 1] + "\u2026" for n in names]
    axis = plot.getPlotItem().getAxis(side)
    axis.setTicks([[(float(p), s) for p, s in zip(positions, short, strict=True)]])
    if side == "left" and short:
        metrics = QFontMetrics(axis.style.get("tickFont") or QFont())
        room = 40 if axis.labelText else 16  # the axis title sits left of the names
        axis.setWidth(int(max(metrics.horizontalAdvance(s) for s in short)) + room)


class HintedPanel(Protocol):
    """A plot panel with a grey hint line (``app.widgets.plot_export.PlotPanel``)."""

    hint: QLabel


def shrinkable_hints(root: QWidget, panels: Sequence[HintedPanel]) -> None:
    """Let each panel's grey hint shrink (clipped) instead of widening the page, then
    drop the layouts' cached minimum sizes under ``root`` so the change takes effect."""
    for panel in panels:
        panel.hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    for layout in root.findChildren(QLayout):
        layout.invalidate()


def render_to_files(plot: pg.PlotWidget, out_dir: str | Path, stem: str,
                    formats: tuple[str, ...] = ("png", "svg", "csv")) -> list[Path]:
    """Write ``stem.png``, ``stem.svg`` and, when the plot holds data, ``stem.csv`` (or
    only the ``formats`` asked for).

    A plot never shown on screen is laid out at ``EXPORT_SIZE`` first (the exporters
    measure the scene). Raises ``ExportError`` when a file cannot be written.
    """
    from core.errors import ExportError

    if not plot.isVisible():
        plot.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        plot.resize(*EXPORT_SIZE)
        plot.show()
        QApplication.processEvents()
    out = Path(out_dir)
    written = []
    for kind in formats:
        if kind == "csv":
            try:
                plot_csv_text(plot)
            except ExportError:  # nothing to tabulate (an empty plot)
                continue
        written.append(export_plot(plot, out / f"{stem}.{kind}"))
    return written
