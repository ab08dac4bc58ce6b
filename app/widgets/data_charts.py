"""The Data page's two charts: how the targets are spread, and how long the sequences are.

A user should see a skewed class balance or a few giant sequences before training, not
after; both charts are plain bar charts that export like every plot (``PlotPanel``).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QWidget

from app.widgets.plot_export import ErrorHandler, PlotPanel
from core.data.dataset import Dataset

BRUSH, PEN = "#4c8fc8", "#2b6a9f"


class BarChart(pg.PlotWidget):
    """A small bar chart (class balance, lengths, target values)."""

    def __init__(self, x_label: str, y_label: str) -> None:
        super().__init__()
        self.getPlotItem().setLabel("bottom", x_label)
        self.getPlotItem().setLabel("left", y_label)
        self.getPlotItem().showGrid(x=True, y=False, alpha=0.15)
        for axis in ("bottom", "left"):
            self.getPlotItem().getAxis(axis).enableAutoSIPrefix(False)
        self.setMinimumHeight(160)
        self.bars: pg.BarGraphItem | None = None

    def clear_bars(self) -> None:
        if self.bars is not None:
            self.removeItem(self.bars)
            self.bars = None

    def horizontal_bars(self, names: list[str], counts: list[int], name: str) -> None:
        """One bar per class, names on the left axis, first class on top."""
        self.clear_bars()
        y = np.arange(len(names), dtype=float)
        self.bars = pg.BarGraphItem(x0=0, y=y, height=0.7, width=np.asarray(counts, float),
                                    brush=BRUSH, pen=pg.mkPen(PEN), name=name)
        self.bars.opts["x"] = y  # exported as the series' x column: the class index
        self.addItem(self.bars)
        step = max(1, len(names) // 25)
        self.getAxis("left").setTicks([[(i, names[i]) for i in range(0, len(names), step)]])
        self.getPlotItem().invertY(True)
        self.getPlotItem().setLimits(xMin=0)
        self.autoRange()

    def histogram(self, values: np.ndarray, name: str, integer: bool = False) -> None:
        self.clear_bars()
        values = np.asarray(values, dtype=float)
        values = values[np.isfinite(values)]
        if integer and len(values) and np.ptp(values) < 60:
            edges = np.arange(values.min() - 0.5, values.max() + 1.5)
        else:
            edges = np.histogram_bin_edges(values, bins=min(40, max(1, len(np.unique(values)))))
        counts, edges = np.histogram(values, bins=edges)
        self.getAxis("left").setTicks(None)
        self.getPlotItem().invertY(False)
        centres = (edges[:-1] + edges[1:]) / 2
        self.bars = pg.BarGraphItem(x=centres, height=counts, width=np.diff(edges) * 0.9,
                                    brush=BRUSH, pen=pg.mkPen(PEN), name=name)
        self.addItem(self.bars)
        self.autoRange()
        if len(values):  # a little room either side, so one length is not one wall of blue
            pad = max(2.0, 0.05 * float(np.ptp(values))) if integer else 0.0
            self.setXRange(edges[0] - pad, edges[-1] + pad, padding=0.02)


class DataCharts(QWidget):
    """Class balance (or target values, for regression) beside sequence lengths."""

    def __init__(self, on_error: ErrorHandler | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.balance_chart = BarChart("samples", "")
        self.balance_panel = PlotPanel(self.balance_chart, "Class balance", "", on_error)
        self.lengths_chart = BarChart("length", "sequences")
        self.lengths_panel = PlotPanel(self.lengths_chart, "Sequence lengths", "", on_error)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.balance_panel)
        layout.addWidget(self.lengths_panel)

    def panels(self) -> list[PlotPanel]:
        return [self.balance_panel, self.lengths_panel]

    def show_dataset(self, ds: Dataset) -> None:
        plot = self.balance_chart.getPlotItem()
        if ds.class_names:
            counts = np.bincount(ds.targets, minlength=len(ds.class_names))
            self.balance_panel.set_title("Class balance")
            plot.setLabel("bottom", "samples")
            self.balance_chart.horizontal_bars(list(ds.class_names), counts.tolist(), "samples")
        else:
            self.balance_panel.set_title("Target values")
            plot.setLabel("bottom", "target")
            plot.setLabel("left", "samples")
            self.balance_chart.histogram(np.asarray(ds.targets, float).ravel(), "samples")
        sequences = ds.modality == "sequence"
        self.lengths_panel.setVisible(sequences)
        if sequences:
            lengths = ds.sequence_lengths()  # a streamed file's are known: nothing read
            self.lengths_chart.histogram(lengths, "sequences", integer=True)
            lo, hi = int(lengths.min()), int(lengths.max())
            self.lengths_panel.set_hint(f"all {lo}" if lo == hi else
                                        f"{lo} to {hi}, median {np.median(lengths):g}")
