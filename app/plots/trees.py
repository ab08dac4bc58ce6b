"""Decision-tree plots: score against depth (where overfitting starts) and feature
importances."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyqtgraph as pg

from app.plots.base import dashed_pen, label_axis, new_plot, place_legend, set_export_table
from app.plots.colors import HELD_OUT, HIGHLIGHT, NETWORK


def best_depth(depths: Sequence[int], test: Sequence[float | None]) -> int | None:
    """The shallowest depth with the best held-out score (None without held-out rows).

    The held-out rows must be validation rows whenever the depth is chosen for the user
    (the Trees page): a test split that chose the depth would no longer test it."""
    scored = [(s, -d) for d, s in zip(depths, test, strict=True) if s is not None]
    return -max(scored)[1] if scored else None


def depth_curve(plot: pg.PlotWidget | None, depths: Sequence[int], train: Sequence[float],
                test: Sequence[float | None], metric: str = "accuracy",
                current_depth: int | None = None, held_out: str = "held-out",
                mark_best: bool = True) -> pg.PlotWidget:
    """Training and held-out score of trees limited to each depth.

    With ``mark_best`` the best held-out depth is marked: deeper trees keep gaining on the
    training rows while the held-out score stalls or falls, which is overfitting.
    ``held_out`` names the rows scored ("validation" on the Trees page). Only validation
    rows may offer a best depth: ``mendel tree`` draws its test rows unmarked.
    """
    plot = new_plot(plot, "maximum depth", metric, legend_corner="bottom")
    item = plot.getPlotItem()
    d = list(depths)
    item.addItem(pg.PlotDataItem(d, list(train), pen=pg.mkPen(NETWORK, width=2), symbol="o",
                                 symbolSize=6, symbolBrush=NETWORK, symbolPen=None,
                                 name="training rows"))
    if any(s is not None for s in test):
        t = [np.nan if s is None else s for s in test]
        item.addItem(pg.PlotDataItem(d, t, pen=pg.mkPen(HELD_OUT, width=2), symbol="o",
                                     symbolSize=6, symbolBrush=HELD_OUT, symbolPen=None,
                                     name=f"{held_out} rows"))
        best = best_depth(d, list(test)) if mark_best else None
        if best is not None:  # a legend entry, not floating text the legend could cover
            values = [v for v in (*train, *t) if v is not None and np.isfinite(v)]
            item.addItem(pg.PlotDataItem([best, best], [min(values), max(values)],
                                         pen=dashed_pen(HIGHLIGHT),
                                         name=f"best {held_out} depth ({best})"))
    if current_depth is not None:
        item.addItem(pg.InfiniteLine(float(current_depth), angle=90,
                                     pen=dashed_pen("#606060", 1.0)))
    if d:
        step = max(1, len(d) // 15)
        item.getAxis("bottom").setTicks([[(float(v), str(v)) for v in d[::step]]])
    place_legend(plot, "bottom-right")
    return plot


def importances(plot: pg.PlotWidget | None, features: Sequence[str],
                values: Sequence[float], top: int = 15) -> pg.PlotWidget:
    """The ``top`` features by importance (share of impurity decrease), largest on top;
    features the tree never splits on are left out."""
    plot = new_plot(plot, "importance", "", legend=False)
    item = plot.getPlotItem()
    pairs = [(f, float(v)) for f, v in zip(features, values, strict=True) if v > 0]
    pairs.sort(key=lambda p: -p[1])
    pairs = pairs[:top]
    if pairs:
        names, vals = zip(*pairs, strict=True)
        pos = np.arange(len(vals))[::-1].astype(np.float64)
        item.addItem(pg.BarGraphItem(x0=0, y=pos, width=np.asarray(vals), height=0.7,
                                     brush=NETWORK, pen=None))
        label_axis(plot, "left", list(pos), list(names), 26)
        item.getViewBox().setRange(xRange=(0, max(vals) * 1.05), padding=0.02)
    item.showGrid(x=True, y=False, alpha=0.15)
    set_export_table(plot, pd.DataFrame(pairs, columns=["feature", "importance"]))
    return plot
