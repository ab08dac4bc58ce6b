"""How well a trained model does: confusion matrix, ROC and precision-recall curves,
predicted-versus-true and residual plots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFont

from app.plots.base import dashed_pen, label_axis, new_plot, place_legend, set_export_table
from app.plots.colors import NETWORK, class_color, class_colors, sequential_rgb
from app.plots.numbers import significant

MAX_ANNOTATED_CLASSES = 30  # more classes than this: colours only, no number in each cell
Curves = dict[str, tuple[np.ndarray, np.ndarray, float]]


def confusion_matrix(plot: pg.PlotWidget | None, matrix: np.ndarray, class_names: list[str],
                     normalized: bool = False) -> pg.PlotWidget:
    """Rows = true class (top to bottom), columns = predicted class; the number in each
    cell is its count, or its share of the row when ``normalized``."""
    plot = new_plot(plot, "predicted class", "true class", legend=False)
    item = plot.getPlotItem()
    m = np.asarray(matrix, dtype=np.float64)
    n = m.shape[0]
    scale = m if normalized else m / max(float(m.max()), 1.0)
    rgb = sequential_rgb(scale)
    image = pg.ImageItem(np.ascontiguousarray(np.transpose(rgb, (1, 0, 2))))  # (x, y, rgb)
    image.setRect(QRectF(-0.5, -0.5, n, n))
    item.addItem(image)
    if n <= MAX_ANNOTATED_CLASSES:
        size = "11pt" if n <= 6 else "9pt" if n <= 12 else "7pt"
        for i in range(n):
            for j in range(n):
                text = f"{m[i, j]:.2f}" if normalized else f"{int(m[i, j])}"
                dark = scale[i, j] > 0.55
                label = pg.TextItem(text, color="w" if dark else "#202020", anchor=(0.5, 0.5))
                label.setFont(_font(size, bold=i == j))
                label.setPos(j, i)
                item.addItem(label)
    label_axis(plot, "bottom", list(range(n)), class_names, 14)
    label_axis(plot, "left", list(range(n)), class_names, 18)
    item.showGrid(x=False, y=False)
    vb = item.getViewBox()
    vb.invertY(True)
    vb.setAspectLocked(False)
    vb.setRange(xRange=(-0.5, n - 0.5), yRange=(-0.5, n - 0.5), padding=0)
    vb.setMouseEnabled(False, False)
    table = pd.DataFrame(m, columns=[f"predicted {c}" for c in class_names])
    table.insert(0, "true class", class_names)
    set_export_table(plot, table)
    return plot


def _font(size: str, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSizeF(float(size.removesuffix("pt")))
    f.setBold(bold)
    return f


def _curves(plot: pg.PlotWidget | None, curves: Curves, x_label: str, y_label: str,
            what: str, colors: list[str] | None, chance: bool,
            class_names: list[str] | None, corner: str) -> pg.PlotWidget:
    """One curve per class, each in its class's colour: with ``class_names`` (the
    dataset's, in class order) a curve named after class k takes ``class_color(k)``,
    whichever curves are drawn (a binary problem draws only class 1's)."""
    plot = new_plot(plot, x_label, y_label, legend_corner="bottom")
    item = plot.getPlotItem()
    if chance:
        item.addItem(pg.PlotDataItem([0, 1], [0, 1], pen=dashed_pen(), name="chance"))
    if colors is None and class_names:
        n = len(class_names)
        colors = [class_color(class_names.index(name), n) if name in class_names else NETWORK
                  for name in curves]
    colors = colors or class_colors(max(len(curves), 1))
    for (name, (x, y, area)), color in zip(curves.items(), colors, strict=False):
        item.addItem(pg.PlotDataItem(np.asarray(x), np.asarray(y),
                                     name=f"{name} ({what} {significant(area)})",
                                     pen=pg.mkPen(color, width=2)))
    vb = item.getViewBox()
    vb.setRange(xRange=(0, 1), yRange=(0, 1.02), padding=0.02)
    vb.setLimits(xMin=-0.05, xMax=1.05, yMin=-0.05, yMax=1.1)
    place_legend(plot, corner)
    return plot


def roc(plot: pg.PlotWidget | None, curves: Curves, colors: list[str] | None = None,
        class_names: list[str] | None = None) -> pg.PlotWidget:
    """ROC curves (false-positive rate, true-positive rate), one per class, AUC in the
    legend; the dashed diagonal is a coin toss."""
    return _curves(plot, curves, "false-positive rate", "true-positive rate", "AUC", colors,
                   chance=True, class_names=class_names, corner="bottom-right")


def pr(plot: pg.PlotWidget | None, curves: Curves, colors: list[str] | None = None,
       class_names: list[str] | None = None) -> pg.PlotWidget:
    """Precision-recall curves, one per class, average precision in the legend."""
    return _curves(plot, curves, "recall", "precision", "AP", colors, chance=False,
                   class_names=class_names, corner="bottom-left")


def predicted_vs_true(plot: pg.PlotWidget | None, y_true: np.ndarray,
                      y_pred: np.ndarray) -> pg.PlotWidget:
    """Each sample at (true, predicted); perfect predictions lie on the identity line."""
    plot = new_plot(plot, "true value", "predicted value")
    item = plot.getPlotItem()
    t = np.asarray(y_true, dtype=np.float64).ravel()
    p = np.asarray(y_pred, dtype=np.float64).ravel()
    lo = float(min(t.min(), p.min())) if len(t) else 0.0
    hi = float(max(t.max(), p.max())) if len(t) else 1.0
    item.addItem(pg.PlotDataItem([lo, hi], [lo, hi], name="identity (perfect)", pen=dashed_pen()))
    item.addItem(pg.ScatterPlotItem(t, p, name="samples", size=6, pen=None,
                                    brush=pg.mkBrush(NETWORK + "99")))
    place_legend(plot, "top-left")
    return plot


def residuals(plot: pg.PlotWidget | None, y_true: np.ndarray,
              y_pred: np.ndarray) -> pg.PlotWidget:
    """Residual (predicted - true) against the prediction; a shapeless band around 0 is
    what a good model leaves."""
    plot = new_plot(plot, "predicted value", "residual (predicted \u2212 true)")
    item = plot.getPlotItem()
    t = np.asarray(y_true, dtype=np.float64).ravel()
    p = np.asarray(y_pred, dtype=np.float64).ravel()
    item.addItem(pg.InfiniteLine(0.0, angle=0, pen=dashed_pen()))
    item.addItem(pg.ScatterPlotItem(p, p - t, name="samples", size=6, pen=None,
                                    brush=pg.mkBrush(NETWORK + "99")))
    place_legend(plot)
    return plot
