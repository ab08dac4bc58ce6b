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

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics, QPen
from PySide6.QtWidgets import QApplication, QLabel, QLayout, QSizePolicy, QWidget

from app.plots.colors import GUIDE, LEGEND_BRUSH, LEGEND_TIP
from app.plots.export import export_plot, plot_csv_text, plot_item

pg.setConfigOptions(background="w", foreground="#404040", antialias=True)

EXPORT_SIZE = (900, 620)
# Share of the view a legend is taken to cover when its corner is chosen (place_legend).
LEGEND_WIDTH_SHARE, LEGEND_ROW_SHARE = 0.45, 0.09
CORNERS = {"top-right": (-8, 8), "bottom-right": (-8, -8), "top-left": (8, 8),
           "bottom-left": (8, -8)}  # legend offsets inside the view box, by preference


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
        leg = item.addLegend(offset=CORNERS["top-right"], labelTextSize="9pt")
        style_legend(leg)
    if item.legend is not None:
        item.legend.clear()
        item.legend.setVisible(legend)
        item.legend.setOffset(CORNERS["top-right" if legend_corner == "top"
                                      else "bottom-right"])
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


def style_legend(legend: pg.LegendItem) -> None:
    """Every legend: see-through, with a thin frame, and draggable (pyqtgraph's legends
    move with the mouse; the tooltip says so)."""
    legend.setBrush(pg.mkBrush(*LEGEND_BRUSH))
    legend.setPen(pg.mkPen("#c8c8c8"))
    legend.setToolTip(LEGEND_TIP)


def place_legend(plot: pg.PlotWidget, preferred: str = "top-right") -> str:
    """Move the legend to the corner of the view that its data leave emptiest, so that it
    covers as few points and as little of the curves as it can; returns the corner.

    Curves count along their whole length (each segment sampled), not only at their
    vertices: a ROC curve runs through the top-left corner between two points.
    """
    item = plot.getPlotItem()
    legend = item.legend
    if legend is None or not legend.isVisible() or not legend.items:
        return preferred
    points = _drawn_points(item)
    if not len(points):
        return preferred
    vb = item.getViewBox()
    auto_x, auto_y = vb.autoRangeEnabled()
    (vx0, vx1), (vy0, vy1) = vb.viewRange()  # a range the renderer fixed is what shows
    (dx0, dy0), (dx1, dy1) = points.min(axis=0), points.max(axis=0)
    pad_x, pad_y = 0.04 * (dx1 - dx0), 0.04 * (dy1 - dy0)  # auto-range adds about this
    x0, x1 = (dx0 - pad_x, dx1 + pad_x) if auto_x else (vx0, vx1)
    y0, y1 = (dy0 - pad_y, dy1 + pad_y) if auto_y else (vy0, vy1)
    width, height = max(x1 - x0, 1e-12), max(y1 - y0, 1e-12)
    if vb.width() > 50 and vb.height() > 50:  # laid out: the legend's own share of it
        w = min((legend.width() + 16) / vb.width(), 1.0) * width
        h = min((legend.height() + 16) / vb.height(), 1.0) * height
    else:  # not shown yet (the command line): a typical legend's share
        w = LEGEND_WIDTH_SHARE * width
        h = min(LEGEND_ROW_SHARE * len(legend.items), 0.6) * height
    regions = {"top-right": (x1 - w, x1, y1 - h, y1), "bottom-right": (x1 - w, x1, y0, y0 + h),
               "top-left": (x0, x0 + w, y1 - h, y1), "bottom-left": (x0, x0 + w, y0, y0 + h)}
    order = [preferred, *(c for c in CORNERS if c != preferred)]
    px, py = points[:, 0], points[:, 1]

    def covered(corner: str) -> int:
        a, b, c, d = regions[corner]
        return int(np.count_nonzero((px >= a) & (px <= b) & (py >= c) & (py <= d)))

    best = min(order, key=lambda corner: (covered(corner), order.index(corner)))
    legend.setOffset(CORNERS[best])
    return best


def _drawn_points(item: pg.PlotItem, per_segment: int = 8) -> np.ndarray:
    """(M, 2) view coordinates of everything the legend could hide: scatter points, and
    curve vertices with ``per_segment`` points along each segment of a drawn line."""
    parts = []
    for child in item.items:
        if isinstance(child, pg.PlotDataItem):
            x, y = child.getOriginalDataset()
            if x is None or y is None or not len(x):
                continue
            x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
            if child.opts.get("pen") is not None and len(x) > 1:
                t = np.linspace(0.0, 1.0, per_segment, endpoint=False)
                x = (x[:-1, None] + (x[1:] - x[:-1])[:, None] * t).ravel()
                y = (y[:-1, None] + (y[1:] - y[:-1])[:, None] * t).ravel()
            parts.append(np.column_stack([x, y]))
        elif isinstance(child, pg.ScatterPlotItem):
            x, y = child.getData()
            if x is not None and len(x):
                parts.append(np.column_stack([np.asarray(x, np.float64),
                                              np.asarray(y, np.float64)]))
        elif isinstance(child, pg.BarGraphItem) and child.opts.get("x") is not None:
            # upright bars from 0, sampled by their height: a low bar hides little
            x = np.asarray(child.opts["x"], np.float64)
            top = np.asarray(child.opts.get("height"), np.float64)
            highest = float(np.nanmax(np.abs(top))) if len(top) else 0.0
            for xi, hi in zip(x, top, strict=False):
                k = max(1, round(2 * per_segment * abs(hi) / highest)) if highest else 1
                t = np.linspace(0.0, 1.0, k)
                parts.append(np.column_stack([np.full(k, xi), hi * t]))
    if not parts:
        return np.zeros((0, 2))
    points = np.concatenate(parts)
    return points[np.isfinite(points).all(axis=1)]


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
