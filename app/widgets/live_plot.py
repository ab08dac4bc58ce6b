"""Curves that grow while a run progresses, drawn without stalling the window.

The performance checklist of pyqtgraph's ``PlotDataItem`` (and its ``scrollingPlots``
example): each curve is created once; new points go into growing numpy buffers; the
curves get ``setData`` through the application's ``Pacer`` (one live view per turn of the
event loop), so however fast points arrive the plot redraws at most ``redraw_hz`` times
a second (10 by default: curves still look live, and each redraw's Python work holds the
GIL the training thread also needs);
``setDownsampling(auto=True, mode="peak")`` and ``setClipToView(True)`` (set on the plot,
inherited by each curve) bound the work per redraw by the pixels, not the points.
Hovering shows the exact value of the nearest point.

While a run fills a plot (``set_x_span``), the plot sets its own y range in ``redraw``
instead of pyqtgraph's auto-range: auto-range refits after the paint and asks for a second
one, and every refit regenerates the axis. The range here only moves when a point falls
outside it or the data have shrunk to under half of it (``sticky_range``), so most
redraws repaint the curves alone. Panning or zooming by hand hands the range back to
the user.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget

from app.plots.colors import LEGEND_BRUSH, LEGEND_TIP
from app.widgets.pacer import pacer

HOVER_RADIUS_PX = 24.0


@dataclass
class _Series:
    name: str
    curve: pg.PlotDataItem
    x: np.ndarray
    y: np.ndarray
    n: int = 0
    dirty: bool = False

    def append(self, x: float, y: float) -> None:
        if self.n == len(self.x):
            cap = max(64, 2 * self.n)
            self.x = np.resize(self.x, cap)
            self.y = np.resize(self.y, cap)
        self.x[self.n] = x
        self.y[self.n] = y
        self.n += 1
        self.dirty = True


def sticky_range(current: tuple[float, float], lo: float, hi: float, fill: float = 0.5,
                 margin: float = 0.08, grow: float = 0.3,
                 limits: tuple[float | None, float | None] = (None, None),
                 ) -> tuple[float, float] | None:
    """A new (bottom, top) for data spanning ``lo``..``hi``, or None to keep ``current``:
    kept while it holds the data and the data fill at least ``fill`` of it.

    A side the data overflowed gets ``grow`` of the span as room (curves that keep
    falling or rising would otherwise refit at every point); other sides get ``margin``.
    The range stays within ``limits`` (such as 0..1 for an accuracy) but for the margin.
    """
    bottom, top = current
    span = hi - lo
    if bottom <= lo and hi <= top and span >= fill * (top - bottom) and top > bottom:
        return None
    if span <= 0:
        pad = max(abs(hi) * 0.1, 1e-3)
        new_bottom, new_top = lo - pad, hi + pad
    else:
        refill = bottom <= lo and hi <= top  # the data shrank: no side overflowed
        new_bottom = lo - span * (grow if lo < bottom and not refill else margin)
        new_top = hi + span * (grow if hi > top and not refill else margin)
        pad = margin * span
    low_limit, high_limit = limits
    if low_limit is not None and lo >= low_limit:
        new_bottom = max(new_bottom, low_limit - pad)
    if high_limit is not None and hi <= high_limit:
        new_top = min(new_top, high_limit + pad)
    return new_bottom, new_top


class LivePlot(pg.PlotWidget):
    """A plot of named curves fed point by point (``append``) or whole (``set_data``)."""

    def __init__(self, x_label: str, y_label: str, parent: QWidget | None = None,
                 redraw_hz: float = 10.0, empty_text: str = "", log_y: bool = False,
                 legend: str = "top-right") -> None:
        super().__init__(parent)
        item = self.getPlotItem()
        item.setLabel("bottom", x_label)
        item.setLabel("left", y_label)
        for axis in ("bottom", "left"):  # "loss (x0.001)" confuses; show plain numbers
            item.getAxis(axis).enableAutoSIPrefix(False)
        item.setLogMode(y=log_y)
        # no grid: its lines cost about half of each repaint, and hovering gives exact values
        item.setMenuEnabled(True)
        item.setDownsampling(auto=True, mode="peak")  # every curve added inherits these
        item.setClipToView(True)
        corner = {"top-right": (-8, 8), "bottom-right": (-8, -8), "top-left": (8, 8)}
        self._legend = item.addLegend(offset=corner[legend], labelTextSize="9pt")
        # see-through and draggable (pyqtgraph's legends move with the mouse): a curve
        # that grows under it stays readable, and the user can put it elsewhere
        self._legend.setBrush(pg.mkBrush(*LEGEND_BRUSH))
        self._legend.setToolTip(LEGEND_TIP)
        self.x_label = x_label
        self._series: dict[str, _Series] = {}
        self.redraw_count = 0  # how often curves were pushed to pyqtgraph (benchmarks)
        self._log_y = log_y
        self._manage_y = False  # set_x_span: redraw fits y itself (see the module doc)
        # Values the y range never needs to pass (loss >= 0, accuracy <= 1; None: any).
        self.y_limits: tuple[float | None, float | None] = (None, None)
        item.getViewBox().sigRangeChangedManually.connect(self._on_manual_range)
        self._interval = 1.0 / redraw_hz
        self._last_redraw = -math.inf
        self._hover_text: pg.TextItem | None = None  # made on the first hover: hidden
        self._hover_dot: pg.ScatterPlotItem | None = None  # items still cost per redraw
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._empty = QLabel(empty_text, self)
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)
        self._empty.setStyleSheet("color: #808080; background: transparent;")
        self._empty.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._empty.setVisible(bool(empty_text))

    # -- curves ---------------------------------------------------------------------------
    def add_curve(self, key: str, name: str, color: str, width: float = 2.0,
                  faint: bool = False, symbol: str | None = None) -> pg.PlotDataItem:
        """Create a curve once; ``faint`` draws a thin translucent trace behind the others."""
        qcolor = QColor(color)
        if faint:
            qcolor.setAlpha(90)
        curve = pg.PlotDataItem(name=name, pen=pg.mkPen(qcolor, width=1 if faint else width),
                                symbol=symbol, symbolSize=5, symbolBrush=qcolor,
                                symbolPen=None, antialias=not faint)
        curve.setZValue(-1 if faint else 0)
        self.getPlotItem().addItem(curve)  # applies the plot's downsampling and clipping
        self._series[key] = _Series(name, curve, np.empty(0), np.empty(0))
        return curve

    def append(self, key: str, x: float, y: float) -> None:
        """Add one point; the curve redraws on the next timer tick."""
        self._series[key].append(x, y)
        self._schedule()

    def set_data(self, key: str, x: np.ndarray, y: np.ndarray) -> None:
        s = self._series[key]
        s.x = np.asarray(x, dtype=np.float64).copy()
        s.y = np.asarray(y, dtype=np.float64).copy()
        s.n = len(s.x)
        s.dirty = True
        self._schedule()

    def data(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """The points of a curve so far (including those not drawn yet)."""
        s = self._series[key]
        return s.x[: s.n].copy(), s.y[: s.n].copy()

    def curve(self, key: str) -> pg.PlotDataItem:
        return self._series[key].curve

    def keys(self) -> list[str]:
        return list(self._series)

    def clear_data(self) -> None:
        for s in self._series.values():
            s.n = 0
            s.dirty = True
        self._hide_hover()
        self.redraw()

    def set_x_span(self, lo: float, hi: float) -> None:
        """Fix the x axis (e.g. to every epoch of the run) while y keeps fitting the data:
        the reader sees how far the run has come, and the axis is not redrawn per point."""
        vb = self.getPlotItem().getViewBox()
        vb.disableAutoRange()
        vb.setXRange(lo, hi, padding=0.02)
        self._manage_y = True

    def set_empty_text(self, text: str) -> None:
        self._empty.setText(text)
        self._update_empty()

    def redraw(self) -> None:
        """Push the new points of every changed curve to pyqtgraph (main thread only)."""
        pacer().cancel(self)
        self._last_redraw = time.monotonic()
        self.redraw_count += 1
        for s in self._series.values():
            if s.dirty:
                s.curve.setData(s.x[: s.n], s.y[: s.n])
                s.dirty = False
        if self._manage_y:
            self._fit_y()
        self._update_empty()

    def _fit_y(self) -> None:
        ys = [s.y[: s.n] for s in self._series.values() if s.n and s.curve.isVisible()]
        y = np.concatenate(ys) if ys else np.zeros(0)
        y = y[np.isfinite(y) & (y > 0)] if self._log_y else y[np.isfinite(y)]
        if not len(y):
            return
        if self._log_y:
            y = np.log10(y)
        vb = self.getPlotItem().getViewBox()
        lo_limit, hi_limit = (None if v is None or (self._log_y and v <= 0)
                              else (math.log10(v) if self._log_y else v)
                              for v in self.y_limits)
        new = sticky_range(tuple(vb.viewRange()[1]), float(y.min()), float(y.max()),
                           limits=(lo_limit, hi_limit))
        if new is not None:
            vb.setYRange(*new, padding=0)

    def _on_manual_range(self, *_: object) -> None:
        self._manage_y = False

    @property
    def redraw_pending(self) -> bool:
        return pacer().pending(self)

    def _schedule(self) -> None:
        pacer().request(self.redraw, self._last_redraw + self._interval)

    def _update_empty(self) -> None:
        has_data = any(s.n for s in self._series.values())
        self._empty.setVisible(bool(self._empty.text()) and not has_data)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if "_empty" in self.__dict__:  # pyqtgraph resizes once inside __init__
            self._empty.setGeometry(self.rect().adjusted(40, 20, -20, -40))

    # -- hover ----------------------------------------------------------------------------
    def _on_mouse_moved(self, pos: QPointF) -> None:
        hit = self.nearest_point(pos)
        if hit is None:
            self._hide_hover()
            return
        name, x, y, view_point = hit
        text, dot = self._hover_items()
        text.setText(f"{name}\n{self.x_label} {x:g}: {y:.5g}")
        text.setPos(view_point)
        dot.setData([view_point.x()], [view_point.y()])
        text.show()
        dot.show()

    @property
    def hover_text(self) -> str:
        """What the hover label says now ("" when hidden)."""
        text = self._hover_text
        return text.toPlainText() if text is not None and text.isVisible() else ""

    def _hover_items(self) -> tuple[pg.TextItem, pg.ScatterPlotItem]:
        if self._hover_text is None or self._hover_dot is None:
            self._hover_text = pg.TextItem(color="#202020", fill=pg.mkBrush(255, 255, 255, 230),
                                           border=pg.mkPen("#909090"), anchor=(0, 1))
            self._hover_dot = pg.ScatterPlotItem(size=9, pen=pg.mkPen("#202020"), brush=None)
            for item in (self._hover_text, self._hover_dot):
                item.setZValue(100)
                self.getPlotItem().addItem(item, ignoreBounds=True)
        return self._hover_text, self._hover_dot

    def _hide_hover(self) -> None:
        for item in (self._hover_text, self._hover_dot):
            if item is not None:
                item.hide()

    def nearest_point(self, scene_pos: QPointF) -> tuple[str, float, float, QPointF] | None:
        """The visible data point nearest to ``scene_pos`` within a few pixels, if any."""
        vb = self.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        mouse = vb.mapSceneToView(scene_pos)
        log_x, log_y = self.getPlotItem().getAxis("bottom").logMode, \
            self.getPlotItem().getAxis("left").logMode
        best: tuple[float, str, float, float, QPointF] | None = None
        for s in self._series.values():
            if s.n == 0 or not s.curve.isVisible():
                continue
            xs = s.x[: s.n]
            mx = 10 ** mouse.x() if log_x else mouse.x()
            i = int(np.clip(np.searchsorted(xs, mx), 0, s.n - 1))
            for j in {max(i - 1, 0), i}:
                x, y = float(xs[j]), float(s.y[j])
                if not np.isfinite(y) or (log_y and y <= 0) or (log_x and x <= 0):
                    continue
                view_point = QPointF(np.log10(x) if log_x else x, np.log10(y) if log_y else y)
                d = (vb.mapViewToScene(view_point) - scene_pos).manhattanLength()
                if d <= HOVER_RADIUS_PX and (best is None or d < best[0]):
                    best = (d, s.name, x, y, view_point)
        return None if best is None else best[1:]
