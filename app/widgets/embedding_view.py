"""What a hidden layer has learned: its activations on the validation samples, on their
first two principal components, coloured by class.

Choose a layer (any layer of the network, by the numbers and names of the Network page);
after each epoch the Train page hands over the weights and the picture is recomputed
(a forward hook on that layer, eval mode, no gradients, at most ``MAX_HZ`` times a
second, on at most ``EMBEDDING_SAMPLES`` samples). Classes drifting apart from epoch to
epoch is the network learning a representation in which they are separable.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.plots.colors import brush_table, class_colors
from app.widgets.decision_surface import LiveModel, Throttle
from core.classic.surface import EMBEDDING_SAMPLES, hidden_embedding
from core.errors import MendelError

MAX_HZ = 5.0


class EmbeddingView(QWidget):
    """A layer picker over a scatter of that layer's activations (PCA, 2-D)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prepared: Any = None
        self.live: LiveModel | None = None
        self.X = np.zeros((0,), np.float32)
        self.y: np.ndarray | None = None
        self.coords: np.ndarray | None = None
        self._source: Any = None
        self._epoch: int | None = None
        self._deferred: tuple[Any, int | None] | None = None
        # Read by the training thread (``worker_request``): plain values the main thread
        # replaces whole, never Qt calls, so the worker can compute the embedding itself.
        self._path: tuple[int, ...] | None = None
        self._shown = False
        self.worker_computes = False  # a live run's epochs arrive as ready embeddings
        self._throttle = Throttle(self, self._evaluate, MAX_HZ)
        self.layer = QComboBox()
        self.layer.setToolTip("The layer whose outputs are projected")
        self.layer.currentIndexChanged.connect(self._on_layer_changed)
        self.status = QLabel("Train a network to see how its layers arrange the samples.")
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #606060;")
        self.plot = pg.PlotWidget()
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "PC1 of the activations")
        item.setLabel("left", "PC2")
        item.showGrid(x=True, y=True, alpha=0.15)
        self.legend = item.addLegend(offset=(-8, 8), labelTextSize="8pt")
        self.points: list[pg.ScatterPlotItem] = []
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(QLabel("Layer"))
        top.addWidget(self.layer, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.status)

    def set_prepared(self, prepared: Any) -> None:
        """A new run: list its layers and pick the samples (validation, else test, else
        training rows; at most ``EMBEDDING_SAMPLES``, evenly spread)."""
        self._throttle.cancel()
        self._deferred = None
        self.prepared, self.live, self.coords, self._source = prepared, LiveModel(prepared), \
            None, None
        data = prepared.data
        for split in ("val", "test", "train"):
            X, y = data.split_arrays(split)
            if len(X):
                break
        if len(X) > EMBEDDING_SAMPLES:
            keep = np.linspace(0, len(X) - 1, EMBEDDING_SAMPLES).astype(np.int64)
            X, y = X[keep], y[keep]
        self.X = X
        self.y = y if data.task == "classification" else None
        self.layer.blockSignals(True)
        self.layer.clear()
        layers = prepared.summary.layers
        for info in layers[:-1] or layers:  # every layer but the output
            shape = "\u00d7".join(str(s) for s in (info.output_shape or ()))
            self.layer.addItem(f"{info.number}  {info.label}  ({shape})", info.path)
        self.layer.setCurrentIndex(max(self.layer.count() - 1, 0))  # the last hidden layer
        self.layer.blockSignals(False)
        self._path = self.layer.currentData()
        for item in self.points:
            self.plot.removeItem(item)
        self.points = []
        self.legend.clear()
        self.status.setText("Waiting for the first epoch\u2026")

    def update_model(self, model_or_state_dict: Any, epoch: int | None = None) -> None:
        if self.prepared is None:
            return
        if self.worker_computes:  # drawn by show_embedding; kept for a change of layer
            self._source, self._epoch = model_or_state_dict, epoch
            return
        self._throttle.push((model_or_state_dict, epoch))

    def worker_request(self) -> tuple[tuple[int, ...], np.ndarray, np.ndarray | None] | None:
        """(layer path, rows, previous coordinates) for the training thread to project after
        an epoch, or None while the view is hidden. Projecting on the main thread would
        stall the window for a forward pass and a PCA every epoch."""
        path, X = self._path, self.X
        if not self._shown or path is None or len(X) == 0:
            return None
        return path, X, self.coords

    def show_embedding(self, emb: Any, epoch: int, path: tuple[int, ...]) -> None:
        """Draw a projection the training thread computed (main thread)."""
        if self.prepared is None or path != self._path or len(emb.coords) != len(self.X):
            return  # a stale epoch of an earlier run or layer
        self.coords = emb.coords
        self._draw(emb.coords)
        self._describe(emb, epoch)

    def set_outcome(self, outcome: Any) -> None:
        if outcome is None or outcome.result is None or outcome.result.model is None:
            return
        if self.prepared is None or self.prepared.dataset is not outcome.dataset:
            self.set_prepared(outcome)
        self._throttle.cancel()
        self._evaluate((outcome.result.model, outcome.result.epochs_run))

    def flush(self) -> None:
        self._throttle.flush()

    def _on_layer_changed(self) -> None:
        self._path = self.layer.currentData()
        self.coords = None  # another layer: no sign to keep consistent with
        if self._source is not None:
            self._evaluate((self._source, self._epoch))

    def _evaluate(self, payload: tuple[Any, int | None]) -> None:
        source, epoch = payload
        path = self.layer.currentData()
        if self.live is None or path is None or len(self.X) == 0:
            return
        if not self.isVisible():  # a hidden tab costs nothing; it catches up when shown
            self._deferred = payload
            return
        self._deferred = None
        model = self.live.model_for(source)
        if model is None:
            return
        self._source, self._epoch = source, epoch
        try:
            emb = hidden_embedding(model, self.X, path, self.coords)
        except MendelError as exc:
            self.status.setText(str(exc))
            return
        self.coords = emb.coords
        self._draw(emb.coords)
        self._describe(emb, epoch)

    def _describe(self, emb: Any, epoch: int | None) -> None:
        when = f"after epoch {epoch}" if epoch is not None else ""
        self.status.setText(
            f"{len(self.X)} samples, {emb.n_features} activations each, {when}: PC1 holds "
            f"{emb.explained[0] * 100:.0f} % of their variance, PC2 "
            f"{emb.explained[1] * 100:.0f} %.")

    def _draw(self, coords: np.ndarray) -> None:
        """Create the scatter items once per run, then only ``setData`` them."""
        data = self.prepared.data
        groups = ([(np.flatnonzero(self.y == k), name) for k, name in
                   enumerate(data.class_names or [])] if self.y is not None
                  else [(np.arange(len(coords)), "samples")])
        if len(self.points) != len(groups):
            for item in self.points:
                self.plot.removeItem(item)
            self.legend.clear()
            colors = class_colors(len(groups)) if self.y is not None else ["#3b6ea8"]
            brushes = brush_table(colors, 200)
            self.points = []
            for (_, name), brush in zip(groups, brushes, strict=True):
                item = pg.ScatterPlotItem(size=6, pen=None, brush=brush, name=str(name))
                self.plot.addItem(item)
                self.points.append(item)
        for item, (idx, _) in zip(self.points, groups, strict=True):
            item.setData(coords[idx, 0], coords[idx, 1])

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._shown = False

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._shown = True
        if self._deferred is not None:
            self._evaluate(self._deferred)

    def shutdown(self) -> None:
        self._throttle.cancel()
