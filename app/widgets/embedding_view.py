"""What a hidden layer has learned: its activations on the validation samples, on their
first two principal components, coloured by class.

The points are splatted into an image (``app.plots.raster``) rather than drawn as a
pyqtgraph scatter: the picture changes while a run trains, and a scatter's Python work on
the window's thread stalls clicks and, through the GIL, the training itself. Clicking a
class in the legend hides its points.

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
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.plots.base import set_export_table
from app.plots.colors import LEGEND_BRUSH, LEGEND_TIP, brush_table, class_colors, rgb_table
from app.plots.raster import padded_bounds, scatter_rgba
from app.widgets.live_model import LiveModel, Throttle
from app.widgets.live_plot import sticky_range
from app.widgets.pacer import pacer
from app.widgets.plot_export import ExportButton, install_export_actions
from core.errors import MendelError
from core.nn.embedding import EMBEDDING_SAMPLES, bottleneck_path, hidden_embedding
from core.train.snapshot import EmbeddingRequest

MAX_HZ = 5.0
POINT_RADIUS = 3.0  # pixels (logical; scaled by the screen's device pixel ratio)
POINT_ALPHA = 220


def weights_epoch(outcome: Any) -> int:
    """The epoch whose weights a finished run's model holds: the best one when early
    stopping kept it (``core.train.trainer.RunResult``), else the last one run."""
    result, config = outcome.result, getattr(outcome, "config", None)
    kept_best = (config is not None and config.early_stopping is not None
                 and config.restore_best and result.best_epoch > 0)
    return int(result.best_epoch if kept_best else result.epochs_run)


class EmbeddingView(QWidget):
    """A layer picker over a scatter of that layer's activations (PCA, 2-D)."""

    # What the training thread should project after each epoch (an EmbeddingRequest), or
    # None while the view is hidden: handed over whole, so that thread reads no widget.
    request_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prepared: Any = None
        self.live: LiveModel | None = None
        self.X = np.zeros((0,), np.float32)
        self.y: np.ndarray | None = None
        self._names: list[str] = []  # of the classes in ``y``
        self.coords: np.ndarray | None = None
        self._source: Any = None
        self._epoch: int | None = None
        self._trained_epoch: int | None = None  # the live run's newest weights (status)
        self._described: tuple[Any, int | None, int] | None = None  # the picture, its epoch, n
        self._deferred: tuple[Any, int | None] | None = None
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
        # two lines reserved: a longer text must not shrink the plot (a resize redraws it)
        self.status.setMinimumHeight(2 * self.status.fontMetrics().lineSpacing() + 4)
        self.plot = pg.PlotWidget()
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "PC1 of the activations")
        item.setLabel("left", "PC2")
        item.setMenuEnabled(False)
        item.getAxis("left").setWidth(48)  # tick labels of a new range must not resize it
        item.hideButtons()
        vb = item.getViewBox()
        vb.setMouseEnabled(x=False, y=False)  # the image is drawn for the range it shows
        vb.disableAutoRange()
        vb.sigResized.connect(self._render)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.legend = item.addLegend(offset=(-8, 8), labelTextSize="8pt")
        self.legend.setBrush(pg.mkBrush(*LEGEND_BRUSH))  # see-through, draggable
        self.legend.setToolTip(LEGEND_TIP)
        # Legend entries only: never added to the plot. Hiding one (a click on it in the
        # legend) hides that class in the image.
        self.points: list[pg.ScatterPlotItem] = []
        self._labels = np.zeros(0, np.int64)
        self._rgba = np.zeros((0, 4), np.uint8)
        self._bounds = (-1.0, 1.0, -1.0, 1.0)
        self._fitted = False  # False: the next picture sets the range
        self._pending: tuple[Any, int | None] | None = None  # drawn on the pacer's turn
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(QLabel("Layer"))
        top.addWidget(self.layer, 1)
        # PNG / SVG of the picture, CSV of the coordinates (``export_table``), from this
        # button and the plot's context menu, as every plot in the application.
        self.export_button = ExportButton(self.plot, "Hidden layer", self._show_error, self)
        self.export_button.setAutoRaise(True)
        top.addWidget(self.export_button)
        install_export_actions(self.plot, "Hidden layer", self._show_error)
        set_export_table(self.plot, self._coordinates_table)
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
            X = data.split_arrays(split)[0]
            if len(X):
                break
        # classes colour the points: the targets, or a reconstruct run's file labels
        labels = data.split_labels(split)
        y, self._names = labels if labels is not None and labels[1] is not None else (None, [])
        if len(X) > EMBEDDING_SAMPLES:
            keep = np.linspace(0, len(X) - 1, EMBEDDING_SAMPLES).astype(np.int64)
            X, y = X[keep], None if y is None else y[keep]
        self.X = np.ascontiguousarray(X, dtype=np.float32)  # streamed rows: decoded here
        self.y = y
        self.layer.blockSignals(True)
        self.layer.clear()
        layers = prepared.summary.layers
        code = bottleneck_path(prepared.summary) if data.task == "reconstruct" else None
        found = -1
        for info in layers[:-1] or layers:  # every layer but the output
            shape = "\u00d7".join(str(s) for s in (info.output_shape or ()))
            mark = ""
            if tuple(info.path) == code:
                found, mark = self.layer.count(), "  \u2190 bottleneck"
            self.layer.addItem(f"{info.number}  {info.label}  ({shape}){mark}", info.path)
        # an autoencoder's code is what it learned; otherwise the last hidden layer
        self.layer.setCurrentIndex(found if found >= 0 else max(self.layer.count() - 1, 0))
        self.layer.blockSignals(False)
        self._path = self.layer.currentData()
        self._fitted, self._pending = False, None
        self._trained_epoch, self._described = None, None
        pacer().cancel(self)
        self.image.clear()
        self._make_legend()  # kept when the classes are the same as the last run's
        self.status.setText("Waiting for the first epoch\u2026")
        self._publish_request()

    def update_model(self, model_or_state_dict: Any, epoch: int | None = None) -> None:
        if self.prepared is None:
            return
        if self.worker_computes:  # drawn by show_embedding; kept for a change of layer
            self._source, self._epoch = model_or_state_dict, epoch
            if epoch is not None and epoch != self._trained_epoch:
                self._trained_epoch = epoch
                self._update_status()  # the picture may be older than the weights: say so
            return
        self._throttle.push((model_or_state_dict, epoch))

    def embedding_request(self) -> EmbeddingRequest | None:
        """(layer path, rows, previous coordinates) for the training thread to project after
        an epoch, or None while the view is hidden. Projecting on the main thread would
        stall the window for a forward pass and a PCA every epoch."""
        path, X = self._path, self.X
        if not self._shown or path is None or len(X) == 0:
            return None
        return EmbeddingRequest(path, X, self.coords)

    def _publish_request(self) -> None:
        self.request_changed.emit(self.embedding_request())

    def show_embedding(self, emb: Any, epoch: int, path: tuple[int, ...]) -> None:
        """Draw a projection the training thread computed (main thread)."""
        if self.prepared is None or path != self._path or len(emb.coords) != len(self.X):
            return  # a stale epoch of an earlier run or layer
        self.coords = emb.coords  # at once: the next epoch's signs follow these
        self._publish_request()
        self._pending = (emb, epoch)
        pacer().request(self._draw_pending)

    def set_outcome(self, outcome: Any) -> None:
        if outcome is None or outcome.result is None or outcome.result.model is None:
            return
        if self.prepared is None or self.prepared.dataset is not outcome.dataset:
            self.set_prepared(outcome)
        self._throttle.cancel()
        self._trained_epoch = None  # the run is over: the picture is of its final model
        self._evaluate((outcome.result.model, weights_epoch(outcome)))

    def flush(self) -> None:
        self._throttle.flush()

    def _on_layer_changed(self) -> None:
        self._path = self.layer.currentData()
        self.coords = None  # another layer: no sign to keep consistent with
        self._fitted = False
        self._publish_request()
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
        self._described = (emb, epoch, len(self.X))
        self._update_status()

    def _update_status(self) -> None:
        """What the picture shows and, when training has moved on since it was projected,
        how far: the training thread projects only when that costs the run little time, so
        a picture may be several epochs old (it must not pass for the newest)."""
        if self._described is None:
            return
        emb, epoch, n = self._described
        when = f", after epoch {epoch}" if epoch is not None else ""
        text = (f"{n} samples, {emb.n_features} activations each{when}: PC1 holds "
                f"{emb.explained[0] * 100:.0f} % of their variance, PC2 "
                f"{emb.explained[1] * 100:.0f} %.")
        trained = self._trained_epoch
        if epoch is not None and trained is not None and trained > epoch:
            text += (f" Training is at epoch {trained}; the picture is projected again when "
                     "that costs the run little time.")
        self.status.setText(text)

    def _make_legend(self) -> None:
        """One legend entry per class (made when a run is prepared, not mid-run: ten
        entries cost 30 ms)."""
        names = (list(self._names) if self.y is not None else ["samples"])
        if [p.name() for p in self.points] == [str(n) for n in names]:
            return
        self._clear_points()
        colors = class_colors(len(names)) if self.y is not None else ["#3b6ea8"]
        brushes = brush_table(colors, POINT_ALPHA)
        for name, brush in zip(names, brushes, strict=True):
            item = pg.ScatterPlotItem(size=7, pen=None, brush=brush, name=str(name))
            item.visibleChanged.connect(self._render)
            self.legend.addItem(item, str(name))
            self.points.append(item)
        self._rgba = np.column_stack([rgb_table(colors),
                                      np.full(len(colors), POINT_ALPHA, np.uint8)])

    def _draw_pending(self) -> None:
        """The pacer's turn for the newest projection from the training thread."""
        pending, self._pending = self._pending, None
        if pending is not None and self.coords is not None:
            self._draw(self.coords)
            self._describe(*pending)

    def _draw(self, coords: np.ndarray) -> None:
        """Fit the range if the points need it and render the image."""
        self._make_legend()
        self._labels = (self.y.astype(np.int64) if self.y is not None
                        else np.zeros(len(coords), np.int64))
        # The range only moves when points leave it or shrink to under half of it: each
        # move regenerates both axes, which cost more than drawing the points.
        fit = padded_bounds(coords)
        b = self._bounds
        if not self._fitted or any(
                sticky_range((b[i], b[i + 1]), fit[i], fit[i + 1], margin=0.0) is not None
                for i in (0, 2)):
            self._bounds = fit
            self._fitted = True
            self.plot.getViewBox().setRange(xRange=fit[:2], yRange=fit[2:], padding=0)
        self._render()

    def _show_error(self, message: str) -> None:
        self.status.setText(message)

    def _coordinates_table(self) -> Any:
        """The coordinates drawn, for CSV export (the image itself holds no data)."""
        if self.coords is None or len(self._labels) != len(self.coords):
            return None
        import pandas as pd

        table = pd.DataFrame({"PC1": self.coords[:, 0], "PC2": self.coords[:, 1]})
        if self.y is not None:
            names = np.asarray(self._names, dtype=object)
            table.insert(0, "class", names[self._labels])
        return table

    def _render(self) -> None:
        """Splat the points at the view's pixel size (again after a resize)."""
        if self.coords is None or len(self._labels) != len(self.coords):
            self.image.clear()
            return
        vb = self.plot.getViewBox()
        ratio = self.devicePixelRatioF()
        size = (int(vb.width() * ratio), int(vb.height() * ratio))
        if min(size) < 4:
            return
        rgba = self._rgba.copy()
        for k, item in enumerate(self.points):
            if not item.isVisible():
                rgba[k, 3] = 0
        img = scatter_rgba(self.coords, self._labels, rgba, size, self._bounds,
                           POINT_RADIUS * ratio)
        x0, x1, y0, y1 = self._bounds
        self.image.setImage(img, autoLevels=False, levels=None)
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))

    def _clear_points(self) -> None:
        self._fitted = False
        self.legend.clear()
        self.points = []
        self.image.clear()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._shown = False
        self._publish_request()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._shown = True
        self._publish_request()
        if self._deferred is not None:
            self._evaluate(self._deferred)

    def shutdown(self) -> None:
        self._throttle.cancel()
