"""k-mer pictures: the spectrum (each k-mer's count, or how many k-mers occur how often)
and the Jaccard heat map between sequences or files (``core.classic.kmers``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from app.plots.base import label_axis, new_plot, set_export_table
from app.plots.colors import NETWORK, sequential_rgb
from core.classic.kmers import count_histogram, kmer_names

MAX_BARS_K = 2  # up to 16 k-mers: one named bar each; above, the count distribution
MAX_ANNOTATED = 12  # cells of the heat map that carry their number
MAX_LABELS = 20  # names along each axis of the heat map
EMPTY_CELL = (200, 200, 200)  # NaN: two sequences without any k-mer


def spectrum(plot: pg.PlotWidget | None, counts: np.ndarray, k: int) -> pg.PlotWidget:
    """k <= 2: one bar per k-mer (its count). Larger k: the k-mer spectrum of genome
    papers, how many distinct k-mers (y) occur a given number of times (x); k-mers never
    seen are left out. CSV export writes the bars drawn."""
    counts = np.asarray(counts, dtype=np.int64)
    if k <= MAX_BARS_K:
        plot = new_plot(plot, f"{k}-mer", "count", legend=False)
        names = [str(n) for n in kmer_names(k)]
        x = np.arange(len(counts), dtype=np.float64)
        plot.getPlotItem().addItem(pg.BarGraphItem(x=x, height=counts, width=0.7,
                                                   brush=NETWORK, pen=None))
        label_axis(plot, "bottom", list(x), names, 8)
        total = max(int(counts.sum()), 1)
        set_export_table(plot, pd.DataFrame({"kmer": names, "count": counts,
                                             "frequency": counts / total}))
        return plot
    plot = new_plot(plot, f"times a {k}-mer occurs", f"distinct {k}-mers", legend=False)
    edges, per_bin = count_histogram(counts)
    item = plot.getPlotItem()
    item.addItem(pg.BarGraphItem(x0=edges[:-1], x1=edges[1:], height=per_bin, brush=NETWORK,
                                 pen=pg.mkPen("w", width=0.5)))
    item.getViewBox().setRange(xRange=(float(edges[0]), float(edges[-1])),
                               yRange=(0, max(int(per_bin.max()), 1) * 1.05), padding=0.02)
    low, high = np.ceil(edges[:-1]).astype(np.int64), np.floor(edges[1:]).astype(np.int64)
    set_export_table(plot, pd.DataFrame({"occurrences from": low, "occurrences to": high,
                                         f"distinct {k}-mers": per_bin}))
    return plot


def jaccard_heatmap(plot: pg.PlotWidget | None, matrix: np.ndarray,
                    names: Sequence[str]) -> pg.PlotWidget:
    """Jaccard similarity of every pair (white 0 to blue 1; grey where undefined), the
    first name at the top left, numbers in the cells of a small matrix."""
    plot = new_plot(plot, "", "", legend=False)
    item = plot.getPlotItem()
    m = np.asarray(matrix, dtype=np.float64)
    n = m.shape[0]
    rgb = sequential_rgb(m)
    rgb[np.isnan(m)] = EMPTY_CELL
    image = pg.ImageItem(np.ascontiguousarray(np.transpose(rgb, (1, 0, 2))))  # (x, y, rgb)
    image.setRect(QRectF(-0.5, -0.5, n, n))
    item.addItem(image)
    if n <= MAX_ANNOTATED:
        for i in range(n):
            for j in range(n):
                text = "\u2013" if np.isnan(m[i, j]) else f"{m[i, j]:.2f}"
                dark = not np.isnan(m[i, j]) and m[i, j] > 0.55
                label = pg.TextItem(text, color="w" if dark else "#202020", anchor=(0.5, 0.5))
                label.setPos(j, i)
                item.addItem(label)
    short = [str(s) for s in names]
    for side, most in (("bottom", MAX_LABELS // 2), ("left", MAX_LABELS)):  # names are wide
        step = max(1, -(-n // most))  # every name while they fit, else every step-th
        shown = list(range(0, n, step))
        label_axis(plot, side, shown, [short[i] for i in shown], 10 if side == "bottom" else 18)
    item.showGrid(x=False, y=False)
    vb = item.getViewBox()
    vb.invertY(True)
    vb.setRange(xRange=(-0.5, n - 0.5), yRange=(-0.5, n - 0.5), padding=0)
    vb.setMouseEnabled(False, False)
    table = pd.DataFrame(m, columns=short)
    table.insert(0, "name", short)
    set_export_table(plot, table)
    return plot
