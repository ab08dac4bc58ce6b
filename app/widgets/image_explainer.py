"""Where an image model looks: saliency or integrated-gradients heat map over a test
image (its worst errors first), blue where the pixel pushes the explained class up,
orange where it pushes it down, transparent where it does not matter."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.jobs import JobRunner, error_text
from app.plots.base import new_plot, set_export_table
from app.plots.colors import diverging_rgb
from app.widgets.plot_export import PlotPanel
from app.widgets.sequence_explainer import MAX_LISTED, METHODS


def overlay(plot: pg.PlotWidget | None, image: np.ndarray,
            attribution: np.ndarray) -> pg.PlotWidget:
    """``image`` (C, H, W) in [0, 1] drawn grey (or RGB), the attribution summed over
    channels on top: colour by sign, opacity by size."""
    plot = new_plot(plot, "", "", legend=False)
    item = plot.getPlotItem()
    img = np.asarray(image, dtype=np.float64)
    rgb = img.transpose(1, 2, 0) if img.shape[0] == 3 else np.repeat(img[0][..., None], 3, 2)
    base = pg.ImageItem(np.ascontiguousarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8)
                                             .transpose(1, 0, 2)))
    h, w = rgb.shape[:2]
    base.setRect(QRectF(0, 0, w, h))
    item.addItem(base)
    att = np.asarray(attribution, dtype=np.float64).sum(axis=0)  # (H, W)
    scale = float(np.nanmax(np.abs(att))) or 1.0
    colours = diverging_rgb(att / scale)
    alpha = (np.clip(np.abs(att) / scale, 0, 1) * 220).astype(np.uint8)[..., None]
    heat = pg.ImageItem(np.ascontiguousarray(np.concatenate([colours, alpha], axis=2)
                                             .transpose(1, 0, 2)))
    heat.setRect(QRectF(0, 0, w, h))
    item.addItem(heat)
    vb = item.getViewBox()
    vb.invertY(True)
    vb.setAspectLocked(True)
    item.showGrid(x=False, y=False)
    rows, cols = np.indices(att.shape)
    set_export_table(plot, pd.DataFrame({"row": rows.ravel(), "column": cols.ravel(),
                                         "attribution": att.ravel()}))
    return plot


class ImageExplainer(QWidget):
    message = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outcome: Any = None
        self.inputs: Any = None
        self.pick = QComboBox()
        self.pick.setMinimumContentsLength(28)
        self.method = QComboBox()
        for text, key in METHODS:
            self.method.addItem(text, key)
        self.button = QPushButton("Explain")
        self.button.setObjectName("primaryButton")
        self.button.clicked.connect(self.explain)
        row = QHBoxLayout()
        row.addWidget(QLabel("Image (worst predictions first)"))
        row.addWidget(self.pick, 1)
        row.addWidget(self.method)
        row.addWidget(self.button)
        self.summary = QLabel("")
        self.plot = new_plot(None, "", "", legend=False)
        self.panel = PlotPanel(self.plot, "Attribution over the image",
                               "blue raises the explained class, orange lowers it")
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.panel, 1)
        self.job = JobRunner(self)
        self.job.succeeded.connect(self._on_done)
        self.job.failed.connect(self._on_failed)

    def set_outcome(self, outcome: Any, inputs: Any, order: np.ndarray) -> None:
        self.outcome, self.inputs = outcome, inputs
        self.pick.clear()
        names = inputs.class_names
        for i in order[:MAX_LISTED]:
            label = inputs.ids[i]
            if names and inputs.y is not None:
                label += f" (true: {names[int(inputs.y[i])]})"
            self.pick.addItem(label, int(i))

    def explain(self) -> None:
        row = self.pick.currentData()
        if self.inputs is None or row is None:
            return
        inputs, method = self.inputs, self.method.currentData()
        X = inputs.X[row:row + 1]

        def job(progress: Any, should_stop: Any) -> Any:
            from core.explain.methods import explain

            return row, explain(inputs.model, X, method, None, layout=inputs.layout,
                                task=inputs.task)

        self.job.run(job)

    def _on_done(self, result: tuple[int, Any]) -> None:
        row, att = result
        image = self.outcome.dataset.subset(self.outcome.split.test[row:row + 1]).records[0]
        overlay(self.plot, image, att.values[0])
        names = self.inputs.class_names
        what = names[int(att.targets[0])] if names else "the value"
        self.summary.setText(f"<b>{self.inputs.ids[row]}</b>: explained for the predicted "
                             f"class {what}.")

    def _on_failed(self, error: object) -> None:
        self.message.emit(error_text(error), "error")

    def shutdown(self) -> None:
        self.job.shutdown()
