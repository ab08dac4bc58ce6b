"""TensorFlow Playground's view: the network's decision surface behind the data points.

For a table of two input features (the Playground demos, or any such CSV) the network's
output over a 100 x 100 grid is painted behind the training points (white rims) and the
test points (dark rims), in Playground's colours: orange (-1, class 0) through grey to
blue (+1, class 1); more classes get a colour each, shaded by confidence; regression a
diverging map. The Train page feeds it the model after each epoch; it redraws at most
``MAX_HZ`` times a second, on the main thread, from its own copy of the weights.

Above the picture sit Playground's controls: the extra input features (x1², x2², x1·x2,
sin x1, sin x2; a real transform of the table, ``core.data.playground``), and for the
Playground demos the noise and the share of training data.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import numpy as np
import pyqtgraph as pg
from pandas.api.types import is_numeric_dtype
from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.plots.colors import (
    PLAYGROUND_NEUTRAL,
    class_colors,
    diverging_rgb,
    rgb_table,
)
from app.state import AppState
from app.widgets.embedding_view import weights_epoch
from app.widgets.live_model import LiveModel, Throttle
from core.classic.surface import Grid, Surface, grid_inputs, make_grid, predict_surface
from core.data.playground import (
    EXTRA_FEATURES,
    base_columns,
    chosen_features,
    extra_column_names,
    feature_label,
)
from core.errors import MendelError

MAX_HZ = 5.0
# Like Playground, the background is paler than the points, so that a point of the colour
# of its region still shows, and a point in the wrong region stands out.
BACKGROUND_STRENGTH = 0.7
FEATURE_TEXT = {"square1": "{a}\u00b2", "square2": "{b}\u00b2", "product": "{a}\u00b7{b}",
                "sin1": "sin {a}", "sin2": "sin {b}"}


def colour_key(ds: Any) -> str:
    """One line that says what the colours of the picture mean for ``ds``."""
    points = "Points: white rim = training data, dark rim = test data."
    if ds.task != "classification":
        return f"{points} Background: the predicted value, orange (low) to blue (high)."
    names = ds.class_names or []
    if len(names) == 2:
        return (f"{points} Background: the network's answer, orange ({names[0]}) through "
                f"grey (unsure) to blue ({names[1]}).")
    return f"{points} Background: the predicted class, paler where the network is unsure."


def unavailable_reason(ds: Any) -> str | None:
    """Why the surface cannot be drawn for ``ds`` (one line), or None when it can."""
    need = "The decision surface needs a table of two numeric inputs"
    if ds is None:
        return f"{need}, such as the Playground demos (File \u25b8 Demo datasets)."
    if getattr(ds, "training_task", None) == "reconstruct":
        return ("The decision surface shows one prediction per point of the plane; an "
                "autoencoder rebuilds its inputs instead (see its bottleneck under Hidden "
                "layer).")
    if base_columns(ds) is not None:
        return None
    if ds.modality == "sequence":
        return f"{need}; this data is {len(ds)} sequences."
    if ds.modality != "tabular" or not hasattr(ds.records, "columns"):
        return f"{need}; this data is {len(ds)} images."
    extras = set(extra_column_names(ds))
    columns = [str(c) for c in ds.records.columns if str(c) not in extras]
    if len(columns) != 2:
        return f"{need}; this data has {len(columns)}."
    text = [c for c in columns if not is_numeric_dtype(ds.records[c])]
    return f"{need}; the column {text[0]!r} holds text."


def surface_rgb(surface: Surface, discretize: bool = False,
                value_range: tuple[float, float] = (-1.0, 1.0)) -> np.ndarray:
    """(n, n, 3) uint8 picture of ``surface`` in Playground's colours."""
    if surface.task != "classification":
        lo, hi = value_range
        mid, half = (lo + hi) / 2, max((hi - lo) / 2, 1e-12)
        v = (surface.values - mid) / half
        return diverging_rgb(np.sign(v) if discretize else v)
    if surface.n_classes == 2:
        v = surface.values
        return diverging_rgb(np.sign(v) if discretize else v)
    colors = rgb_table(class_colors(surface.n_classes)).astype(np.float64)
    base = colors[surface.values.astype(np.int64)]
    neutral = rgb_table([PLAYGROUND_NEUTRAL])[0].astype(np.float64)
    conf = surface.confidence if surface.confidence is not None else np.ones_like(
        surface.values)
    floor = 1.0 / surface.n_classes
    strength = np.ones_like(conf) if discretize else np.clip((conf - floor) / (1 - floor),
                                                             0, 1)
    mix = (0.25 + 0.6 * strength)[..., None]
    return np.clip(np.rint(neutral + (base - neutral) * mix), 0, 255).astype(np.uint8)


class DecisionSurface(QWidget):
    """Playground's controls over the surface plot; give it a run with ``set_prepared``."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.prepared: Any = None
        self.live: LiveModel | None = None
        self.grid: Grid | None = None
        self.inputs: np.ndarray | None = None
        self.surface: Surface | None = None
        self.epoch: int | None = None
        self._value_range = (-1.0, 1.0)
        self._deferred: tuple[Any, int | None] | None = None
        self._throttle = Throttle(self, self._evaluate)
        self._build()
        state.datasetChanged.connect(self._on_dataset_changed)
        state.splitChanged.connect(self._on_split_changed)
        self._on_dataset_changed()

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.feature_boxes: dict[str, QCheckBox] = {}
        features = QHBoxLayout()
        features.setContentsMargins(0, 0, 0, 0)
        self.features_label = QLabel("Inputs +")
        self.features_label.setToolTip("Playground's extra input features: each adds a column "
                                       "computed from the two inputs, so the network can draw "
                                       "curved boundaries with fewer layers.")
        features.addWidget(self.features_label)
        for key in EXTRA_FEATURES:
            box = QCheckBox()
            box.setToolTip("Add this computed column to the inputs (changes the dataset; "
                           "train again to use it)")
            box.toggled.connect(self._on_features_toggled)
            features.addWidget(box)
            self.feature_boxes[key] = box
        features.addStretch(1)
        self.discretize = QCheckBox("discretize output")
        self.discretize.setToolTip("Show only the predicted class (or sign), not how sure "
                                   "the network is")
        self.discretize.toggled.connect(self._redraw_surface)
        self.show_test = QCheckBox("show test data")
        self.show_test.setChecked(True)
        self.show_test.toggled.connect(self._update_points_visibility)
        view_options = QHBoxLayout()
        view_options.setContentsMargins(0, 0, 0, 0)
        view_options.addWidget(self.discretize)
        view_options.addWidget(self.show_test)
        view_options.addStretch(1)

        demo = QHBoxLayout()
        demo.setContentsMargins(0, 0, 0, 0)
        self.noise = QSlider(Qt.Orientation.Horizontal)
        self.noise.setRange(0, 50)
        self.noise.setSingleStep(5)
        self.noise.setPageStep(5)
        self.noise.setToolTip("Playground's noise (0-50): regenerates the demo data")
        self.noise_label = QLabel()
        self.ratio = QSlider(Qt.Orientation.Horizontal)
        self.ratio.setRange(10, 90)
        self.ratio.setSingleStep(10)
        self.ratio.setPageStep(10)
        self.ratio.setToolTip("Share of the points used for training; the rest is split "
                              "equally between validation and test")
        self.ratio_label = QLabel()
        demo.addWidget(QLabel("Noise"))
        demo.addWidget(self.noise, 1)
        demo.addWidget(self.noise_label)
        demo.addSpacing(12)
        demo.addWidget(QLabel("Training data"))
        demo.addWidget(self.ratio, 1)
        demo.addWidget(self.ratio_label)
        self.demo_row = QWidget()
        self.demo_row.setLayout(demo)
        self._apply_timer = QTimer(self)
        self._apply_timer.setSingleShot(True)
        self._apply_timer.setInterval(350)  # regenerate once the slider rests
        self._apply_timer.timeout.connect(self._apply_demo_options)
        self.noise.valueChanged.connect(self._on_demo_slider)
        self.ratio.valueChanged.connect(self._on_demo_slider)

        self.plot = pg.PlotWidget()
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showGrid(x=False, y=False)
        self.plot.setAspectLocked(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        item.addItem(self.image)
        self.train_points = pg.ScatterPlotItem(size=8, pen=pg.mkPen("w", width=1.0),
                                               name="training points")
        self.test_points = pg.ScatterPlotItem(size=8, pen=pg.mkPen("#202020", width=1.0),
                                              name="test points")
        item.addItem(self.train_points)
        item.addItem(self.test_points)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #606060;")
        self.key = QLabel()
        self.key.setWordWrap(True)
        self.key.setStyleSheet("color: #606060;")

        # Data the surface cannot be drawn for gets its reason instead of empty axes.
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.reason.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reason.setStyleSheet("color: #606060; font-size: 12pt;")
        self.canvas = QStackedWidget()
        self.canvas.addWidget(self.plot)
        self.canvas.addWidget(self.reason)
        self.controls = QWidget()
        controls = QVBoxLayout(self.controls)
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addLayout(features)
        controls.addLayout(view_options)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.controls)
        layout.addWidget(self.demo_row)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.key)
        layout.addWidget(self.status)

    # -- data --------------------------------------------------------------------------------
    @property
    def available(self) -> bool:
        """True when the loaded dataset is a table of two numeric inputs."""
        ds = self.state.dataset
        return ds is not None and base_columns(ds) is not None

    def _on_dataset_changed(self) -> None:
        ds = self.state.dataset
        columns = base_columns(ds) if ds is not None else None
        for key, box in self.feature_boxes.items():
            box.blockSignals(True)
            box.setEnabled(columns is not None)
            box.setChecked(columns is not None and key in chosen_features(ds))
            box.setText(FEATURE_TEXT[key].format(a=columns[0], b=columns[1]) if columns
                        else FEATURE_TEXT[key].format(a="x1", b="x2"))
            box.blockSignals(False)
        self.key.setText(colour_key(ds) if columns is not None else "")
        playground = ds is not None and bool(ds.info.get("playground"))
        self.demo_row.setVisible(playground)
        if playground:
            for slider, value in ((self.noise, int(round(ds.info.get("noise", 0)))),
                                  (self.ratio, self._train_percent())):
                slider.blockSignals(True)
                slider.setValue(value)
                slider.blockSignals(False)
            self._update_slider_labels()
        reason = unavailable_reason(ds)
        self.reason.setText(reason or "")
        self.canvas.setCurrentWidget(self.plot if reason is None else self.reason)
        self.controls.setVisible(reason is None)
        self.status.setVisible(reason is None)  # the reason says it, once, in its place
        if reason is not None:
            self.status.setText(reason)
        elif self.prepared is None:
            self.status.setText("Press Start on the Train page: the network's answer over the "
                                "whole plane is painted here while it trains.")
        if self.prepared is not None and self.prepared.dataset is not ds:
            self._throttle.cancel()  # the last run was on other data: its picture goes
            self.prepared, self.live, self.surface, self.epoch = None, None, None, None
        if self.prepared is None:
            self._show_dataset_points()

    def _on_split_changed(self) -> None:
        if self.state.dataset is not None and self.state.dataset.info.get("playground"):
            self.ratio.blockSignals(True)
            self.ratio.setValue(self._train_percent())
            self.ratio.blockSignals(False)
            self._update_slider_labels()
        if self.prepared is None:
            self._show_dataset_points()

    def _train_percent(self) -> int:
        opts = self.state.split_options
        return int(round((1 - opts.val_fraction - opts.test_fraction) * 100))

    def _update_slider_labels(self) -> None:
        self.noise_label.setText(f"{self.noise.value()}")
        self.ratio_label.setText(f"{self.ratio.value()} %")

    def _on_demo_slider(self) -> None:
        self._update_slider_labels()
        self._apply_timer.start()

    def _apply_demo_options(self) -> None:
        """Regenerate the demo with the new noise and set the split from the ratio."""
        from core.data.load import load_dataset
        from core.data.playground import with_features

        ds, state = self.state.dataset, self.state
        if ds is None or not ds.info.get("playground") or state.source is None:
            return
        try:
            rest = (100 - self.ratio.value()) / 200
            wanted = replace(state.split_options, val_fraction=rest, test_fraction=rest)
            noise = self.noise.value()
            if noise != int(round(ds.info.get("noise", 0))):
                options = replace(state.load_options, demo_noise=float(noise))
                fresh = load_dataset(state.source, options)
                extras = chosen_features(ds)
                if extras:
                    fresh = with_features(fresh, extras)
                state.set_dataset(fresh, state.source, options)
            if (wanted.val_fraction, wanted.test_fraction) != (
                    state.split_options.val_fraction, state.split_options.test_fraction):
                state.set_split_options(wanted)
        except MendelError as exc:
            self.status.setText(str(exc))

    def _on_features_toggled(self) -> None:
        from core.data.playground import with_features

        ds = self.state.dataset
        if ds is None or base_columns(ds) is None:
            return
        keys = [k for k, box in self.feature_boxes.items() if box.isChecked()]
        try:
            self.state.set_dataset(with_features(ds, keys), self.state.source or ds.name,
                                   self.state.load_options)
        except MendelError as exc:
            self.status.setText(str(exc))

    def _show_dataset_points(self) -> None:
        """Before any run: the loaded points over an empty plane (split from the state)."""
        ds, split = self.state.dataset, self.state.split
        columns = base_columns(ds) if ds is not None else None
        if ds is None or columns is None:
            self.train_points.setData([], [])
            self.test_points.setData([], [])
            self.image.clear()
            return
        xy = ds.records[columns].to_numpy(dtype=np.float64)  # type: ignore[index]
        train = split.train if split is not None else np.arange(len(ds))
        held = (np.concatenate([split.val, split.test]) if split is not None
                else np.zeros(0, np.int64))
        self._draw_points(ds, xy, train, held)
        self.plot.getPlotItem().getAxis("bottom").setLabel(columns[0])
        self.plot.getPlotItem().getAxis("left").setLabel(columns[1])
        grid = make_grid(xy[:, 0], xy[:, 1], playground=bool(ds.info.get("playground")))
        self._set_image(np.full((2, 2, 3), 245, np.uint8), grid)

    def _draw_points(self, ds: Any, xy: np.ndarray, train: np.ndarray,
                     held: np.ndarray) -> None:
        if ds.task == "classification":
            colors = rgb_table(class_colors(max(ds.n_classes, 2)))
            brushes = np.array([pg.mkBrush(*c) for c in colors], dtype=object)
            for points, idx in ((self.train_points, train), (self.test_points, held)):
                points.setData(xy[idx, 0], xy[idx, 1],
                               brush=list(brushes[ds.targets[idx].astype(np.int64)]))
        else:
            t = np.asarray(ds.targets, dtype=np.float64)
            lo, hi = float(t.min()), float(t.max())
            self._value_range = (min(lo, -1.0), max(hi, 1.0)) if (lo >= -1 and hi <= 1) else (
                lo, hi)
            mid, half = sum(self._value_range) / 2, max(np.ptp(self._value_range) / 2, 1e-12)
            rgb = diverging_rgb((t - mid) / half)
            for points, idx in ((self.train_points, train), (self.test_points, held)):
                points.setData(xy[idx, 0], xy[idx, 1],
                               brush=[pg.mkBrush(*c) for c in rgb[idx]])
        self._update_points_visibility()

    def _update_points_visibility(self) -> None:
        self.test_points.setVisible(self.show_test.isChecked())

    # -- the run -----------------------------------------------------------------------------
    def set_prepared(self, prepared: Any) -> None:
        """A run is about to train on ``prepared`` (``core.train.run.PreparedRun``): fix the
        grid and its network inputs, and draw the run's own training and test points."""
        self._throttle.cancel()
        self._deferred = None
        ds = prepared.dataset
        columns = base_columns(ds)
        self.prepared, self.live, self.surface, self.epoch = None, None, None, None
        if columns is None or prepared.data.task == "reconstruct":  # no surface to paint
            self._on_dataset_changed()
            return
        self.prepared = prepared
        self.live = LiveModel(prepared)
        xy = ds.records[columns].to_numpy(dtype=np.float64)
        self.grid = make_grid(xy[:, 0], xy[:, 1], playground=bool(ds.info.get("playground")))
        preprocessing = copy.deepcopy(prepared.preprocessing)  # never shared with the worker
        self.inputs = grid_inputs(self.grid, preprocessing, columns, chosen_features(ds),
                                  ds.task)
        split = prepared.split
        self._draw_points(ds, xy, np.concatenate([split.train, split.val]), split.test)
        item = self.plot.getPlotItem()
        item.getAxis("bottom").setLabel(columns[0])
        item.getAxis("left").setLabel(columns[1])
        extras = [feature_label(k, columns) for k in chosen_features(ds)]
        self.status.setText("Training\u2026 inputs: " + ", ".join([*columns, *extras]))

    def update_model(self, model_or_state_dict: Any, epoch: int | None = None) -> None:
        """The model after an epoch (a state dict copied by the worker, or a model no one
        trains any more); the picture follows at most ``MAX_HZ`` times a second."""
        if self.prepared is None:
            return
        self._throttle.push((model_or_state_dict, epoch))

    def set_outcome(self, outcome: Any) -> None:
        """The finished run: draw its final model at once."""
        if outcome is None or outcome.result is None or outcome.result.model is None:
            return
        if self.prepared is None or self.prepared.dataset is not outcome.dataset:
            self.set_prepared(outcome)
        if self.prepared is None:
            return
        self._throttle.cancel()
        self._evaluate((outcome.result.model, weights_epoch(outcome)))

    def flush(self) -> None:
        """Draw the latest model now instead of at the next tick."""
        self._throttle.flush()

    def _evaluate(self, payload: tuple[Any, int | None]) -> None:
        source, epoch = payload
        if self.live is None or self.grid is None or self.inputs is None:
            return
        if not self.isVisible():  # a hidden tab: draw the latest weights when it shows
            self._deferred = payload
            return
        self._deferred = None
        model = self.live.model_for(source)
        if model is None:
            return
        self.surface = predict_surface(model, self.inputs, self.grid, self.prepared.data.task)
        self.epoch = epoch
        self._redraw_surface()
        if epoch is not None:
            self.status.setText(f"Decision surface after epoch {epoch}.")

    def _redraw_surface(self) -> None:
        if self.surface is None or self.grid is None:
            return
        rgb = surface_rgb(self.surface, self.discretize.isChecked(), self._value_range)
        pale = 255.0 - (255.0 - rgb.astype(np.float64)) * BACKGROUND_STRENGTH
        self._set_image(np.rint(pale).astype(np.uint8), self.grid)

    def _set_image(self, rgb: np.ndarray, grid: Grid) -> None:
        x0, x1, y0, y1 = grid.bounds
        self.image.setImage(rgb, levels=(0, 255), autoLevels=False)
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.plot.getPlotItem().getViewBox().setRange(xRange=(x0, x1), yRange=(y0, y1),
                                                      padding=0)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._deferred is not None:
            self._evaluate(self._deferred)

    def shutdown(self) -> None:
        self._throttle.cancel()
        self._apply_timer.stop()
