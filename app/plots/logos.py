"""Sequence logos and mutagenesis heat maps (``core.explain``).

- ``attribution_logo``: each position's letters stacked by importance, positive ones above
  the axis and negative ones below (the saliency / integrated-gradients view of one
  sequence, or a class's mean).
- ``information_logo``: a position weight matrix as letters scaled by probability times
  the column's information content in bits (the classic motif logo of a filter).
- ``mutagenesis_heatmap``: position x letter, the change of the output when that letter
  is put there; the sequence's own letters are outlined.

Letters are glyph outlines (``QPainterPath.addText``) stretched to their box in data
coordinates, so the logo scales with the plot and exports as vector paths in SVG.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush, QColor, QFont, QPainterPath, QPen, QTransform
from PySide6.QtWidgets import QGraphicsPathItem

from app.plots.base import label_axis, new_plot, set_export_table
from app.plots.colors import diverging_rgb

# The colours of most logo tools (WebLogo, logomaker): A green, C blue, G orange, T/U red.
NUCLEOTIDE_COLORS = {"A": "#109648", "C": "#255C99", "G": "#F7B32B", "T": "#D62839",
                     "U": "#D62839", "N": "#9a9a9a"}
# Amino acids by chemistry (WebLogo's scheme): polar green, basic blue, acidic red,
# hydrophobic black, the rest purple.
_AMINO_GROUPS = (("STYCQNG", "#109648"), ("KRH", "#255C99"), ("DE", "#D62839"),
                 ("AVLIPWFM", "#202020"))
GAP = 0.05  # space between stacked letters' boxes, as a share of a letter's height


def letter_color(letter: str) -> str:
    letter = letter.upper()
    if letter in NUCLEOTIDE_COLORS:
        return NUCLEOTIDE_COLORS[letter]
    return next((c for group, c in _AMINO_GROUPS if letter in group), "#7b3294")


@lru_cache(maxsize=64)
def _glyph(letter: str) -> QPainterPath:
    """The letter's outline in a bold font, moved to (0, 0) and scaled to a 1 x 1 box
    with y pointing up (pyqtgraph's data coordinates)."""
    font = QFont("DejaVu Sans", 64)
    font.setBold(True)
    path = QPainterPath()
    path.addText(0, 0, font, letter)
    box = path.boundingRect()
    if box.width() <= 0 or box.height() <= 0:
        return path
    to_unit = QTransform()
    to_unit.scale(1.0 / box.width(), -1.0 / box.height())  # flip: text y grows downwards
    to_unit.translate(-box.left(), -box.bottom())
    return to_unit.map(path)


def _letter_item(letter: str, x: float, y: float, width: float,
                 height: float) -> QGraphicsPathItem:
    """A letter filling the box from (x, y) up by ``height`` (down when negative)."""
    t = QTransform()
    t.translate(x, y if height >= 0 else y + height)
    t.scale(width, abs(height))
    item = QGraphicsPathItem(t.map(_glyph(letter)))
    item.setBrush(QBrush(QColor(letter_color(letter))))
    item.setPen(QPen(pg.mkColor(0, 0, 0, 0)))
    return item


def _stack(item: pg.PlotItem, heights: np.ndarray, alphabet: Sequence[str]) -> tuple[float,
                                                                                    float]:
    """Draw every column's letters (smallest nearest the axis); (lowest, highest) drawn."""
    low = high = 0.0
    for pos in range(heights.shape[0]):
        column = heights[pos]
        for sign in (1.0, -1.0):
            chosen = [(abs(h), a) for h, a in zip(column, alphabet, strict=True)
                      if h * sign > 0]
            base = 0.0
            for h, letter in sorted(chosen):
                drawn = h * (1 - GAP)
                item.addItem(_letter_item(letter, pos + 0.05, base + sign * h * GAP / 2,
                                          0.9, sign * drawn))
                base += sign * h
            low, high = min(low, base), max(high, base)
    return low, high


def attribution_logo(plot: pg.PlotWidget | None, attributions: np.ndarray,
                     alphabet: Sequence[str], sequence: str | None = None,
                     title: str = "attribution") -> pg.PlotWidget:
    """``attributions``: (length, letters) of one sequence (gradient x input keeps only
    the sequence's own letter, so one letter per position) or a class's mean."""
    a = np.nan_to_num(np.asarray(attributions, dtype=np.float64))
    plot = new_plot(plot, "position", title, legend=False)
    item = plot.getPlotItem()
    low, high = _stack(item, a, alphabet)
    item.addItem(pg.InfiniteLine(0.0, angle=0, pen=pg.mkPen("#606060", width=1)))
    _frame(plot, a.shape[0], low, high, sequence)
    frame = pd.DataFrame(a, columns=list(alphabet))
    frame.insert(0, "position", np.arange(1, len(a) + 1))
    set_export_table(plot, frame)
    return plot


def information_logo(plot: pg.PlotWidget | None, probabilities: np.ndarray,
                     alphabet: Sequence[str]) -> pg.PlotWidget:
    """A PWM (rows: positions, columns: letters, rows summing to 1) in bits."""
    p = np.clip(np.nan_to_num(np.asarray(probabilities, dtype=np.float64)), 0.0, 1.0)
    sums = p.sum(axis=1, keepdims=True)
    p = np.divide(p, sums, out=np.full_like(p, 1.0 / p.shape[1]), where=sums > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.nansum(np.where(p > 0, p * np.log2(p), 0.0), axis=1)
    info = np.log2(p.shape[1]) - entropy
    plot = new_plot(plot, "position", "bits", legend=False)
    item = plot.getPlotItem()
    _stack(item, p * info[:, None], alphabet)
    _frame(plot, p.shape[0], 0.0, float(np.log2(p.shape[1])), None)
    frame = pd.DataFrame(p, columns=list(alphabet))
    frame.insert(0, "position", np.arange(1, len(p) + 1))
    frame["information_bits"] = info
    set_export_table(plot, frame)
    return plot


def mutagenesis_heatmap(plot: pg.PlotWidget | None, effects: np.ndarray,
                        alphabet: Sequence[str], sequence: str | None = None,
                        what: str = "change of the output") -> pg.PlotWidget:
    """``effects``: (length, letters), the output with that letter minus the output of
    the sequence itself (0 at its own letters). Orange lowers, blue raises the output."""
    e = np.asarray(effects, dtype=np.float64)
    plot = new_plot(plot, "position", "", legend=False)
    item = plot.getPlotItem()
    # a robust scale: one huge effect must not wash every other cell out to grey
    finite = np.abs(e[np.isfinite(e)])
    scale = float(np.percentile(finite, 98)) if finite.size else 0.0
    scale = scale or float(finite.max(initial=0.0)) or 1.0
    rgb = diverging_rgb(e / scale)  # (length, letters, 3), beyond the scale: full colour
    image = pg.ImageItem(np.ascontiguousarray(rgb))  # image x = position, y = letter
    image.setRect(QRectF(0.5, -0.5, e.shape[0], e.shape[1]))
    item.addItem(image)
    if sequence is not None:
        index = {a: i for i, a in enumerate(alphabet)}
        for pos, letter in enumerate(sequence[: e.shape[0]]):
            row = index.get(letter.upper())
            if row is not None:
                box = QGraphicsPathItem()
                path = QPainterPath()
                path.addRect(QRectF(pos + 0.5, row - 0.5, 1.0, 1.0))
                box.setPath(path)
                box.setPen(pg.mkPen("#9a9a9a", width=1))
                item.addItem(box)
    label_axis(plot, "left", list(range(len(alphabet))), list(alphabet), 4)
    item.showGrid(x=False, y=False)
    item.getViewBox().setRange(xRange=(0.5, e.shape[0] + 0.5),
                               yRange=(-0.5, len(alphabet) - 0.5), padding=0)
    item.setTitle(f"{what}: orange lowers, blue raises (\u00b1{scale:.3g})", size="9pt")
    frame = pd.DataFrame(e, columns=list(alphabet))
    frame.insert(0, "position", np.arange(1, len(e) + 1))
    set_export_table(plot, frame)
    return plot


def _frame(plot: pg.PlotWidget, length: int, low: float, high: float,
           sequence: str | None) -> None:
    """The view around the letters; the sequence's letters as x ticks when they fit."""
    item = plot.getPlotItem()
    span = (high - low) or 1.0
    item.getViewBox().setRange(xRange=(0, length), yRange=(low - 0.05 * span,
                                                          high + 0.05 * span), padding=0)
    item.showGrid(x=False, y=True, alpha=0.15)
    if sequence is not None and length <= 80:
        label_axis(plot, "bottom", [i + 0.5 for i in range(length)],
                   list(sequence[:length]), 1)
    else:
        step = max(1, length // 10)
        label_axis(plot, "bottom", [i + 0.5 for i in range(0, length, step)],
                   [str(i + 1) for i in range(0, length, step)], 6)
