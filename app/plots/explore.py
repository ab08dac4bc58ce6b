"""Unsupervised views: the PCA scatter, scree and loadings, the k-means elbow and
silhouette curves."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyqtgraph as pg

from app.plots.base import dashed_pen, label_axis, new_plot, place_legend, set_export_table
from app.plots.colors import HELD_OUT, HIGHLIGHT, NETWORK, brush_table, class_colors

POINT_SIZE = 5
NO_GROUP = "#3b6ea8"


class UniformScatter(pg.ScatterPlotItem):
    """A ScatterPlotItem whose points all share one symbol, size, pen and brush.

    pyqtgraph looks each point's symbol up in its atlas in a Python loop (0.6 to 1.2 s
    for 100,000 points on the development machine); with one style for every point one
    lookup serves them all, and ``setData`` takes a third of the time. The pixels are
    the same (``tests/app/test_explore_page.py`` compares them). Per-point styles
    (``setBrush(list)`` and the like) must not be used on it.
    """

    def updateSpots(self, dataSet: np.ndarray | None = None) -> None:
        data = self.data if dataSet is None else dataSet
        if not (self.opts["pxMode"] and self.opts["useCache"]) or len(data) == 0:
            super().updateSpots(dataSet)
            return
        todo = data["sourceRect"]["w"] == 0
        if np.any(todo):
            style = (self.opts["symbol"], self.opts["size"], self.opts["pen"],
                     self.opts["brush"])
            data["sourceRect"][todo] = self.fragmentAtlas[[style]][0]
            self.invalidate()
        self._updateMaxSpotSizes(data=data)


def scatter(plot: pg.PlotWidget | None, x: np.ndarray, y: np.ndarray,
            groups: np.ndarray | None = None, group_names: Sequence[str] | None = None,
            x_label: str = "PC1", y_label: str = "PC2",
            centroids: np.ndarray | None = None,
            colors: list[str] | None = None) -> pg.PlotWidget:
    """Points coloured by group (class or cluster index); ``centroids`` (k, 2) on top.

    Made for 100,000 points: symbols are drawn in pixel mode from pyqtgraph's symbol
    atlas without outlines, each group's points go in with one ``setData``, and there is
    no item per point. One ``UniformScatter`` per group (not one item with a per-point
    brush array) because pyqtgraph 0.14 handles per-point brushes in Python: 100,000
    points took 4.5 s to set that way, 1.2 s as plain items per group, 0.2 s as
    ``UniformScatter`` per group, on the development machine.
    """
    plot = new_plot(plot, x_label, y_label)
    item = plot.getPlotItem()
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    alpha = 210 if len(x) < 20_000 else 150
    if groups is not None and group_names is not None:
        colors = colors or class_colors(len(group_names))
        brushes = brush_table(colors, alpha)
        g = np.asarray(groups, dtype=np.int64)
        for k, name in enumerate(group_names):
            mask = g == k
            points = UniformScatter(pxMode=True, size=POINT_SIZE, pen=None, symbol="o",
                                    brush=brushes[k], name=str(name), hoverable=False)
            points.setData(x=x[mask], y=y[mask])
            item.addItem(points)
    else:
        points = UniformScatter(pxMode=True, size=POINT_SIZE, pen=None, symbol="o",
                                brush=brush_table([NO_GROUP], alpha)[0], name="samples",
                                hoverable=False)
        points.setData(x=x, y=y)
        item.addItem(points)
        item.legend.setVisible(False)
    if centroids is not None and len(centroids):
        c = np.asarray(centroids, dtype=np.float64)
        item.addItem(pg.ScatterPlotItem(c[:, 0], c[:, 1], symbol="x", size=16,
                                        name="centroids", pen=pg.mkPen("w", width=0.8),
                                        brush=pg.mkBrush("#202020")))
    place_legend(plot)
    return plot


def scree(plot: pg.PlotWidget | None, ratio: np.ndarray) -> pg.PlotWidget:
    """Variance explained by each component (bars) and the running total (line)."""
    plot = new_plot(plot, "component", "variance explained (%)", legend_corner="bottom")
    item = plot.getPlotItem()
    r = np.asarray(ratio, dtype=np.float64) * 100
    k = np.arange(1, len(r) + 1)
    item.addItem(pg.BarGraphItem(x=k, height=r, width=0.7, brush=NETWORK, pen=None,
                                 name="each component"))
    item.addItem(pg.PlotDataItem(k, np.cumsum(r), pen=pg.mkPen(HELD_OUT, width=2),
                                 symbol="o", symbolSize=6, symbolBrush=HELD_OUT,
                                 symbolPen=None, name="cumulative"))
    item.getAxis("bottom").setTicks([[(float(i), f"PC{i}") for i in k]])
    top = min(100.0, float(np.cumsum(r)[-1]) * 1.08) if len(r) else 100.0
    item.getViewBox().setRange(yRange=(0, top), xRange=(0.4, len(r) + 0.6), padding=0.02)
    place_legend(plot, "bottom-right")
    return plot


def loadings(plot: pg.PlotWidget | None, features: Sequence[str], values: Sequence[float],
             component: str = "PC1") -> pg.PlotWidget:
    """Horizontal bars: the features that weigh most on ``component``, largest on top;
    blue bars push the score up, orange ones down."""
    plot = new_plot(plot, f"loading on {component}", "", legend=False)
    item = plot.getPlotItem()
    v = np.asarray(values, dtype=np.float64)
    n = len(v)
    pos = np.arange(n)[::-1].astype(np.float64)  # first feature on top
    brushes = [pg.mkBrush(NETWORK if val >= 0 else HELD_OUT) for val in v]
    item.addItem(pg.BarGraphItem(x0=np.minimum(v, 0), y=pos, width=np.abs(v), height=0.7,
                                 brushes=brushes, pen=None))
    label_axis(plot, "left", list(pos), list(features), 24)
    item.addItem(pg.InfiniteLine(0.0, angle=90, pen=dashed_pen()))
    item.showGrid(x=True, y=False, alpha=0.15)
    set_export_table(plot, pd.DataFrame({"feature": list(features), f"loading {component}": v}))
    return plot


def elbow(plot: pg.PlotWidget | None, ks: Sequence[int], inertia: Sequence[float],
          chosen_k: int | None = None) -> pg.PlotWidget:
    """Inertia (within-cluster sum of squares) against k; the bend suggests k."""
    plot = new_plot(plot, "number of clusters k", "inertia", legend=False)
    item = plot.getPlotItem()
    item.addItem(pg.PlotDataItem(list(ks), list(inertia), pen=pg.mkPen(NETWORK, width=2),
                                 symbol="o", symbolSize=7, symbolBrush=NETWORK, symbolPen=None,
                                 name="inertia"))
    _mark_k(item, chosen_k)
    item.getAxis("bottom").setTicks([[(float(k), str(k)) for k in ks]])
    return plot


def silhouette(plot: pg.PlotWidget | None, ks: Sequence[int],
               scores: Sequence[float | None], chosen_k: int | None = None) -> pg.PlotWidget:
    """Mean silhouette against k: higher means tighter, better separated clusters."""
    plot = new_plot(plot, "number of clusters k", "mean silhouette", legend=False)
    item = plot.getPlotItem()
    kept = [(k, s) for k, s in zip(ks, scores, strict=True) if s is not None]
    if kept:
        kk, ss = zip(*kept, strict=True)
        item.addItem(pg.PlotDataItem(list(kk), list(ss), pen=pg.mkPen(HELD_OUT, width=2),
                                     symbol="o", symbolSize=7, symbolBrush=HELD_OUT,
                                     symbolPen=None, name="silhouette"))
    _mark_k(item, chosen_k)
    item.getAxis("bottom").setTicks([[(float(k), str(k)) for k in ks]])
    return plot


def _mark_k(item: pg.PlotItem, k: int | None) -> None:
    if k is not None:
        item.addItem(pg.InfiniteLine(float(k), angle=90, pen=dashed_pen(HIGHLIGHT),
                                     label=f"k = {k}", labelOpts={"position": 0.92,
                                                                  "color": HIGHLIGHT}))
