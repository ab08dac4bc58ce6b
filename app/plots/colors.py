"""The colours every Mendel picture shares, so a class has one colour on every page.

Two classes take TensorFlow Playground's pair (class 0, "-1", orange; class 1, "+1",
blue), which the lectures' pictures taught; more classes take the tab10 palette, then
evenly spaced hues.
"""

from __future__ import annotations

import colorsys

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

PLAYGROUND_NEGATIVE = "#f59322"  # -1, class 0
PLAYGROUND_NEUTRAL = "#e8eaeb"  # 0
PLAYGROUND_POSITIVE = "#0877bd"  # +1, class 1
TAB10 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
         "#7f7f7f", "#bcbd22", "#17becf")
NETWORK = "#1f77b4"
HELD_OUT = "#ff7f0e"
GUIDE = "#9a9a9a"  # identity lines, chance diagonals, zero lines
HIGHLIGHT = "#d62728"
LEGEND_BRUSH = (255, 255, 255, 150)  # legends are see-through: a curve under one still shows
LEGEND_TIP = "Drag the legend to move it"


def class_color(index: int, n_classes: int) -> str:
    """The colour of class ``index`` (its place in ``Dataset.class_names``) of a dataset
    with ``n_classes`` classes: the one source of class colours, so that a class looks
    the same in every scatter, tree, curve and surface.

    Colour by index, never by the order in which a view happens to draw: a binary ROC
    draws one curve, for class 1, and it must be class 1's blue, not the first colour.
    """
    if n_classes <= 2:
        return (PLAYGROUND_NEGATIVE, PLAYGROUND_POSITIVE)[min(max(index, 0), 1)]
    if index < len(TAB10):
        return TAB10[index]
    r, g, b = colorsys.hsv_to_rgb(((index - len(TAB10)) * 0.618034) % 1.0, 0.65, 0.85)
    return QColor.fromRgbF(r, g, b).name()


def class_colors(n: int) -> list[str]:
    """One colour per class, in class order (hex strings; see ``class_color``)."""
    return [class_color(i, n) for i in range(max(n, 0))]


def rgb_table(colors: list[str]) -> np.ndarray:
    """(n, 3) uint8 RGB rows of hex colours."""
    return np.array([QColor(c).getRgb()[:3] for c in colors], dtype=np.uint8)


def brush_table(colors: list[str], alpha: int = 255) -> np.ndarray:
    """One QBrush per colour in an object array: ``table[labels]`` gives per-point
    brushes for a whole scatter in one numpy indexing step."""
    table = np.empty(len(colors), dtype=object)
    for i, c in enumerate(colors):
        q = QColor(c)
        q.setAlpha(alpha)
        table[i] = pg.mkBrush(q)
    return table


def diverging_rgb(values: np.ndarray, low: str = PLAYGROUND_NEGATIVE,
                  mid: str = PLAYGROUND_NEUTRAL, high: str = PLAYGROUND_POSITIVE) -> np.ndarray:
    """Values in [-1, 1] to RGB (..., 3) uint8 through Playground's orange-grey-blue
    (NaN, from a diverged network, is the neutral grey)."""
    v = np.clip(np.nan_to_num(np.asarray(values, dtype=np.float64)), -1.0, 1.0)[..., None]
    lo, md, hi = (rgb_table([c])[0].astype(np.float64) for c in (low, mid, high))
    out = np.where(v < 0, md + (lo - md) * (-v), md + (hi - md) * v)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def sequential_rgb(values: np.ndarray, high: str = PLAYGROUND_POSITIVE) -> np.ndarray:
    """Values in [0, 1] to RGB from white to ``high`` (heat maps such as confusion)."""
    v = np.clip(np.nan_to_num(np.asarray(values, dtype=np.float64)), 0.0, 1.0)[..., None]
    top = rgb_table([high])[0].astype(np.float64)
    out = 255.0 + (top - 255.0) * v
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)
