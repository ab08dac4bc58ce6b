"""Pictures of model selection: a search's best value against the trial number, its
parallel coordinates and parameter importance, the learning-rate finder's curve and the
cross-validation folds' curves (``core.select``).

A trial is a plain dict: ``number``, ``params`` (name -> value), ``value`` (the
validation loss it reached, or None), ``state`` ("complete", "pruned", "fail",
"running"). Lower is better for every value drawn here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyqtgraph as pg

from app.plots.base import dashed_pen, label_axis, new_plot, set_export_table
from app.plots.colors import GUIDE, HELD_OUT, HIGHLIGHT, NETWORK, class_color

PRUNED = "#b0b0b0"


def best_so_far(plot: pg.PlotWidget | None, trials: Sequence[dict[str, Any]],
                metric: str = "validation loss") -> pg.PlotWidget:
    """Each finished trial's value (dots; pruned ones grey, at the value they were
    stopped at) and the best value so far as a step line."""
    plot = new_plot(plot, "trial", metric)
    item = plot.getPlotItem()
    rows = []
    best = math.inf
    for t in sorted(trials, key=lambda t: t["number"]):
        value = t.get("value")
        if value is None or not math.isfinite(value):
            continue
        if t.get("state") == "complete":
            best = min(best, value)
        rows.append((t["number"], value, t.get("state", ""),
                     best if math.isfinite(best) else None))
    done = [(n, v) for n, v, s, _ in rows if s == "complete"]
    pruned = [(n, v) for n, v, s, _ in rows if s == "pruned"]
    if pruned:
        item.addItem(pg.ScatterPlotItem([p[0] for p in pruned], [p[1] for p in pruned],
                                        symbol="x", size=8, pen=pg.mkPen(PRUNED),
                                        brush=PRUNED, name="pruned"))
    if done:
        item.addItem(pg.ScatterPlotItem([p[0] for p in done], [p[1] for p in done], size=7,
                                        brush=NETWORK, pen=None, name="trial"))
    steps = [(n, b) for n, _, _, b in rows if b is not None]
    if steps:
        item.plot([s[0] for s in steps], [s[1] for s in steps], pen=pg.mkPen(HIGHLIGHT,
                  width=2), name="best so far")
    set_export_table(plot, pd.DataFrame(rows, columns=["trial", metric, "state",
                                                       "best so far"]))
    return plot


def parallel_coordinates(plot: pg.PlotWidget | None, trials: Sequence[dict[str, Any]],
                         log_params: Sequence[str] = (),
                         short: dict[str, str] | None = None) -> pg.PlotWidget:
    """One vertical axis per parameter (scaled to its range; log where the search was),
    the value last; one line per finished trial, from pale orange (worst) to dark blue
    (best), the best drawn on top. ``short`` names the axes."""
    plot = new_plot(plot, "", "scaled to each parameter's range", legend=False)
    finished = [t for t in trials if t.get("state") == "complete" and t.get("value")
                is not None and math.isfinite(t["value"])]
    names = sorted({k for t in finished for k in t.get("params", {})})
    columns = [*names, "value"]
    if not finished or not names:
        return plot
    table = pd.DataFrame([{**t["params"], "value": t["value"], "trial": t["number"]}
                          for t in finished])
    scaled = np.zeros((len(finished), len(columns)))
    for j, name in enumerate(columns):
        scaled[:, j] = _scaled(table[name], name in log_params)
    values = table["value"].to_numpy(dtype=float)
    # by rank, not by value: one disastrous trial must not paint all the others "good"
    ranks = np.argsort(np.argsort(values, kind="stable"), kind="stable")
    goodness = 1.0 - ranks / max(len(values) - 1, 1)  # 1 = the best trial
    item = plot.getPlotItem()
    x = np.arange(len(columns), dtype=float)
    for j in range(len(columns)):
        item.addItem(pg.InfiniteLine(pos=float(j), angle=90, pen=dashed_pen(GUIDE, 1)))
    worst, best = pg.mkColor(HELD_OUT), pg.mkColor(NETWORK)
    for i in np.argsort(goodness):  # the best drawn last, on top
        g = float(goodness[i])
        color = pg.mkColor(*(round(a + (b - a) * g) for a, b in
                             zip(worst.getRgb()[:3], best.getRgb()[:3], strict=True)))
        color.setAlphaF(0.35 + 0.65 * g)
        item.plot(x, scaled[i], pen=pg.mkPen(color, width=1 + 2 * g))
    names = [(short or {}).get(c, c) for c in columns]
    label_axis(plot, "bottom", list(x), names, 10)
    item.getViewBox().setRange(xRange=(-0.3, len(columns) - 0.7), yRange=(-0.05, 1.05),
                               padding=0)
    item.showGrid(x=False, y=False)
    set_export_table(plot, table[["trial", *columns]])
    return plot


def _scaled(column: pd.Series, log: bool) -> np.ndarray:
    """A parameter's values in [0, 1]: numbers by their range (log10 for a log range),
    anything else (optimizer names) by its place among the sorted choices."""
    numeric = pd.to_numeric(column, errors="coerce")
    if numeric.notna().all():
        v = numeric.to_numpy(dtype=float)
        if log and (v > 0).all():
            v = np.log10(v)
    else:
        choices = sorted({str(c) for c in column})
        v = np.array([choices.index(str(c)) for c in column], dtype=float)
    span = float(v.max() - v.min())
    return np.full(len(v), 0.5) if span == 0 else (v - v.min()) / span


def importance(plot: pg.PlotWidget | None, importances: dict[str, float],
               x_label: str = "importance (share)") -> pg.PlotWidget:
    """How much each parameter (or feature) mattered, largest on top, as horizontal bars
    (a search's shares sum to 1; a permutation importance is a score drop)."""
    plot = new_plot(plot, x_label, "", legend=False)
    ranked = sorted(importances.items(), key=lambda kv: kv[1])
    if not ranked:
        return plot
    y = np.arange(len(ranked), dtype=float)
    widths = np.array([v for _, v in ranked], dtype=float)
    item = plot.getPlotItem()
    item.addItem(pg.BarGraphItem(x0=np.zeros(len(y)), y=y, height=0.6, width=widths,
                                 brush=NETWORK, pen=None))
    label_axis(plot, "left", list(y), [k for k, _ in ranked], 18)
    item.getViewBox().setRange(xRange=(min(0.0, float(widths.min()) * 1.08),
                                       max(float(widths.max()), 1e-9) * 1.08),
                               yRange=(-0.6, len(y) - 0.4), padding=0)
    set_export_table(plot, pd.DataFrame({"parameter": [k for k, _ in ranked][::-1],
                                         "importance": widths[::-1]}))
    return plot


def lr_finder(plot: pg.PlotWidget | None, lrs: Sequence[float], losses: Sequence[float],
              smoothed: Sequence[float] | None = None,
              suggestion: float | None = None) -> pg.PlotWidget:
    """Loss against learning rate on a log axis (raw light, smoothed dark) with the
    suggested rate as a vertical line."""
    plot = new_plot(plot, "learning rate", "training loss")
    item = plot.getPlotItem()
    item.setLogMode(x=True, y=False)
    lr = np.asarray(lrs, dtype=float)
    raw = np.asarray(losses, dtype=float)
    ok = np.isfinite(raw) & (lr > 0)
    if ok.any():
        item.plot(lr[ok], raw[ok], pen=pg.mkPen((31, 119, 180, 90), width=1), name="loss")
    table = {"learning rate": lr, "loss": raw}
    if smoothed is not None:
        sm = np.asarray(smoothed, dtype=float)
        good = np.isfinite(sm) & (lr > 0)
        if good.any():
            item.plot(lr[good], sm[good], pen=pg.mkPen(NETWORK, width=2), name="smoothed")
        table["smoothed"] = sm
    if suggestion is not None and suggestion > 0:
        line = pg.InfiniteLine(pos=math.log10(suggestion), angle=90,
                               pen=pg.mkPen(HELD_OUT, width=2),
                               label=f"suggested {suggestion:.2g}",
                               labelOpts={"position": 0.9, "color": HELD_OUT})
        item.addItem(line)
    if ok.any():  # early spikes or the final blow-up must not flatten the valley
        low, high = np.nanpercentile(raw[ok], [0, 95])
        item.getViewBox().setYRange(float(low), float(high) + 0.1 * float(high - low or 1))
    set_export_table(plot, pd.DataFrame(table))
    return plot


def fold_curves(plot: pg.PlotWidget | None, curves: Sequence[Sequence[float | None]],
                metric: str = "validation loss",
                names: Sequence[str] | None = None) -> pg.PlotWidget:
    """Each fold's (or trial's: ``names``) per-epoch validation curve, one colour each."""
    names = list(names) if names is not None else [f"fold {k + 1}" for k in range(len(curves))]
    plot = new_plot(plot, "epoch", metric)
    item = plot.getPlotItem()
    rows = []
    for k, curve in enumerate(curves):
        pts = [(e + 1, v) for e, v in enumerate(curve) if v is not None and math.isfinite(v)]
        if pts:
            item.plot([p[0] for p in pts], [p[1] for p in pts],
                      pen=pg.mkPen(class_color(k, max(len(curves), 3)), width=2),
                      name=names[k])
        rows += [{"curve": names[k], "epoch": e, metric: v} for e, v in pts]
    set_export_table(plot, pd.DataFrame(rows, columns=["curve", "epoch", metric]))
    return plot
