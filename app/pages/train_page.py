"""The Train page: every training option, Start / Pause / Stop / Step, live curves, results.

The run itself happens in ``app.workers.TrainWorker`` (``core.train.run``, the same
pipeline as ``mendel train``); this page only turns its events into points on the curves,
the progress bar, plain-language signals (overfitting, divergence, early stopping) and,
at the end, the metrics beside the classic baselines.
"""

from __future__ import annotations

import bisect
import math
import re
import time
import weakref
from typing import Any

import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.state import AppState
from app.widgets.decision_surface import DecisionSurface
from app.widgets.embedding_view import EmbeddingView
from app.widgets.live_plot import LivePlot
from app.widgets.message_bar import MessageBar
from app.widgets.plot_export import PlotPanel
from app.widgets.table_model import DataFrameModel
from app.workers import TrainRequest, TrainWorker
from core.classic.surface import hidden_embedding
from core.errors import MendelError
from core.nn.layers import ACTIVATIONS
from core.nn.presets import PRESETS, suggest_preset
from core.train.config import DEVICES, LOSSES, OPTIMIZERS, SCHEDULES, TrainConfig
from core.train.events import BatchFinished, EpochFinished, RunFailed, RunFinished, RunStarted

# One sentence per option that teaches the concept (shown as the field's tooltip).
TIPS = {
    "epochs": "One epoch = one pass over all training samples; more epochs fit the training "
              "data better but, past a point, only memorize it.",
    "batch_size": "Samples per weight update: small batches update often but noisily, large "
                  "ones update smoothly but less often.",
    "full_batch": "Use every training sample in each update (classic gradient descent): "
                  "smooth, exact gradients, one update per epoch.",
    "optimizer": "How the gradient becomes a weight change: SGD takes plain steps; Adam adapts "
                 "a step size per weight and is a robust default.",
    "lr": "Step size of each update: too high and the loss explodes or oscillates, too low "
          "and it crawls.",
    "momentum": "Keeps a running direction so updates roll through small bumps and noise "
                "(SGD and RMSprop); 0.9 is common.",
    "nesterov": "Looks ahead along the momentum before computing the gradient; often a little "
                "faster than plain momentum (SGD only).",
    "beta1": "Adam's memory for the average gradient direction (like momentum); 0.9 is the "
             "usual value.",
    "beta2": "Adam's memory for the average squared gradient that scales each weight's step; "
             "0.999 is the usual value.",
    "weight_decay": "Shrinks every weight a little at each step so none grows large; a "
                    "regularizer (true decoupled decay for AdamW).",
    "loss": "What the network minimizes: cross-entropy for classes, mean squared error for "
            "numbers; 'auto' picks from the task.",
    "huber_delta": "Huber loss: squared error for errors below delta, absolute error above, "
                   "so outliers pull less.",
    "class_weights": "'balanced' counts mistakes on rare classes more, so the network cannot "
                     "win by always predicting the common class.",
    "schedule": "Changes the learning rate during training: big steps first, then small "
                "steps to settle into a minimum.",
    "step_size": "Step schedule: multiply the learning rate by gamma every this many epochs.",
    "gamma": "Factor applied to the learning rate at each decay (0.5 halves it).",
    "plateau_patience": "Plateau schedule: lower the learning rate after this many epochs "
                        "without a better validation loss.",
    "l1": "Adds the sum of |weights| to the loss: pushes unhelpful weights to exactly zero "
          "(sparse networks).",
    "l2": "Adds the sum of squared weights to the loss: shrinks weights to fight "
          "overfitting.",
    "grad_clip": "Caps the size of each gradient step; prevents the sudden jumps that make "
                 "a loss explode (useful for recurrent networks).",
    "early_stopping": "Stop when the validation loss has not improved for this many epochs: "
                      "ends training before the network starts to memorize.",
    "restore_best": "With early stopping, keep the weights of the best epoch rather than "
                    "the last one.",
    "seed": "Fixes the random start weights and batch order, so the same settings give the "
            "same curves again.",
    "deterministic": "Use only algorithms that give bit-identical results run after run "
                     "(can be a little slower on a GPU).",
    "device": "Where the arithmetic runs: 'auto' uses a GPU when there is one, else the CPU.",
    "batch_event_hz": "How many times per second the per-batch loss is sent to the plot; "
                      "lower it if the window feels sluggish.",
}

PRESET_OPTION_TIPS = {
    "hidden": "Units in each hidden layer, e.g. '64, 32' for two layers; more units fit "
              "more complex patterns but overfit small data sooner.",
    "activation": "The non-linearity after each hidden layer: relu is a good default, tanh "
                  "is what TensorFlow Playground uses.",
    "dropout": "Fraction of units switched off at random in each training step; fights "
               "overfitting (0 = off).",
    "filters": "How many patterns (motif detectors) each convolution layer learns.",
    "kernel": "Width of each convolution filter in positions: the motif length it can see.",
    "dense": "Units of the fully connected layer after the convolutions.",
    "cell": "The recurrent memory cell: LSTM, or the smaller GRU.",
    "bidirectional": "Also read the sequence from the end to the start.",
    "layers": "Recurrent layers stacked on top of each other.",
    "width": "Units in every fully connected layer.",
    "blocks": "Residual blocks: each adds its input back to its output (a skip connection).",
}

WEIGHTS_INTERVAL_S = 0.2  # per-epoch weights to the live views, at most 5 times a second
EMBEDDING_INTERVAL_S = 0.5  # the hidden-layer picture: at most twice a second...
EMBEDDING_TIME_SHARE = 0.03  # ...and at most this share of the training time
PROGRESS_INTERVAL_S = 0.2
LOSS_REDRAW_HZ = 5.0
EPOCH_REDRAW_HZ = 2.0
OVERFIT_WINDOW = 3  # epochs of rising validation loss before we say "overfitting"
MAIN_METRIC = {"classification": ("accuracy", "accuracy"), "regression": ("r2", "R\u00b2")}
RESULT_METRICS = {
    "classification": ("accuracy", "balanced_accuracy", "f1_macro", "roc_auc"),
    "regression": ("r2", "mse", "mae", "pearson_r"),
}


def overfitting(train_losses: list[float], val_losses: list[float],
                window: int = OVERFIT_WINDOW) -> bool:
    """Validation loss rose at each of the last ``window`` epochs while training loss fell."""
    if len(val_losses) <= window or len(train_losses) <= window:
        return False
    val = val_losses[-window - 1:]
    rising = all(b > a for a, b in zip(val, val[1:], strict=False))
    return rising and train_losses[-1] < train_losses[-window - 1]


def format_seconds(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class SciSpinBox(QDoubleSpinBox):
    """A spin box for values spanning decades (learning rate, penalties).

    It shows 0.0003 as 3e-04, accepts typed scientific notation, and its arrows walk the
    1-2-5 ladder (0.001, 0.002, 0.005, 0.01...), which is how these values are tuned.
    """

    def __init__(self, minimum: float, maximum: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(12)
        self.setRange(minimum, maximum)
        self.setKeyboardTracking(False)
        self._ladder = [v for v in ([0.0] + [m * 10.0 ** e for e in range(-8, 4)
                                             for m in (1, 2, 5)]) if minimum <= v <= maximum]

    def textFromValue(self, value: float) -> str:
        return f"{value:g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> object:
        try:
            value = float(text)
        except ValueError:
            partial = _PARTIAL_NUMBER.fullmatch(text.strip()) is not None
            state = QValidator.State.Intermediate if partial else QValidator.State.Invalid
            return state, text, pos
        if self.minimum() <= value <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos

    def stepBy(self, steps: int) -> None:
        ladder, value = self._ladder, self.value()
        if steps > 0:  # the first rung above the value, then further up
            i = bisect.bisect_right(ladder, value * (1 + 1e-9)) + steps - 1
        else:  # the first rung below the value, then further down
            i = bisect.bisect_left(ladder, value * (1 - 1e-9)) + steps
        self.setValue(ladder[min(max(i, 0), len(ladder) - 1)])


_PARTIAL_NUMBER = re.compile(r"[+-]?\d*\.?\d*([eE][+-]?\d*)?")


class TrainConfigForm(QWidget):
    """Every ``TrainConfig`` option as a form field; ``config()`` reads them back."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.fields: dict[str, QWidget] = {}

        basics = self._group(layout, "Training")
        self.epochs = self._spin(basics, "epochs", "Epochs", 1, 100_000)
        batch_row = QWidget()
        row = QHBoxLayout(batch_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.batch_size = QSpinBox()
        self.batch_size.setRange(1, 10_000_000)
        self.batch_size.setToolTip(TIPS["batch_size"])
        self.full_batch = QCheckBox("full batch")
        self.full_batch.setToolTip(TIPS["full_batch"])
        row.addWidget(self.batch_size, 1)
        row.addWidget(self.full_batch)
        self._add(basics, "batch_size", "Batch size", batch_row)
        self.fields["full_batch"] = self.full_batch
        self.optimizer = self._combo(basics, "optimizer", "Optimizer", OPTIMIZERS)
        self.lr = self._sci(basics, "lr", "Learning rate", 1e-7, 1000.0)
        self.momentum = self._double(basics, "momentum", "Momentum", 0.0, 0.999, 0.05)
        self.nesterov = self._check(basics, "nesterov", "Nesterov momentum")
        self.beta1 = self._double(basics, "beta1", "Adam \u03b2\u2081", 0.0, 0.9999, 0.01)
        self.beta2 = self._double(basics, "beta2", "Adam \u03b2\u2082", 0.0, 0.99999, 0.001)
        self.beta2.setDecimals(5)

        loss = self._group(layout, "Loss")
        self.loss = self._combo(loss, "loss", "Loss function", LOSSES)
        self.huber_delta = self._double(loss, "huber_delta", "Huber delta", 0.001, 1000, 0.1)
        self.class_weights = self._combo(loss, "class_weights", "Class weights",
                                         ("none", "balanced"))

        reg = self._group(layout, "Regularization")
        self.l2 = self._sci(reg, "l2", "L2 penalty", 0.0, 10.0)
        self.l1 = self._sci(reg, "l1", "L1 penalty", 0.0, 10.0)
        self.weight_decay = self._sci(reg, "weight_decay", "Weight decay", 0.0, 10.0)
        self.early_stopping_on = QCheckBox("patience")
        self.early_stopping = QSpinBox()
        self.early_stopping.setRange(1, 10_000)
        self.early_stopping.setSuffix(" epochs")
        self._switched_row(reg, "early_stopping", "Early stopping", self.early_stopping_on,
                           self.early_stopping)
        self.restore_best = self._check(reg, "restore_best", "Keep the best epoch's weights")
        self.grad_clip_on = QCheckBox("clip at")
        self.grad_clip = QDoubleSpinBox()
        self.grad_clip.setRange(0.001, 1e6)
        self.grad_clip.setValue(1.0)
        self._switched_row(reg, "grad_clip", "Gradient norm", self.grad_clip_on,
                           self.grad_clip)

        sched = self._group(layout, "Learning-rate schedule")
        self.schedule = self._combo(sched, "schedule", "Schedule", SCHEDULES)
        self.step_size = self._spin(sched, "step_size", "Step every", 1, 100_000)
        self.step_size.setSuffix(" epochs")
        self.gamma = self._double(sched, "gamma", "Decay factor \u03b3", 0.001, 1.0, 0.05)
        self.plateau_patience = self._spin(sched, "plateau_patience", "Plateau patience",
                                           1, 10_000)

        repro = self._group(layout, "Reproducibility and hardware")
        self.seed = self._spin(repro, "seed", "Seed", 0, 2**31 - 1)
        self.deterministic = self._check(repro, "deterministic", "Deterministic algorithms")
        self.device = self._combo(repro, "device", "Device", DEVICES)
        self.batch_event_hz = self._double(repro, "batch_event_hz", "Live updates per second",
                                           1.0, 60.0, 1.0)
        layout.addStretch(1)

        for w in self.fields.values():
            for signal in ("valueChanged", "currentIndexChanged", "toggled"):
                if hasattr(w, signal):
                    getattr(w, signal).connect(self._on_changed)
        for w in (self.early_stopping, self.grad_clip, self.batch_size):
            w.valueChanged.connect(self._on_changed)
        self.set_config(TrainConfig())

    # -- building ------------------------------------------------------------------------
    def _switched_row(self, group: QFormLayout, key: str, label: str, switch: QCheckBox,
                      value: QWidget) -> None:
        """An optional value: a check box that turns it on, then its spin box."""
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(switch)
        row.addWidget(value, 1)
        for w in (switch, value):
            w.setToolTip(TIPS[key])
        self._add(group, key, label, holder)

    def _group(self, layout: QVBoxLayout, title: str) -> QFormLayout:
        box = QGroupBox(title, self)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        layout.addWidget(box)
        return form

    def _add(self, form: QFormLayout, key: str, label: str, widget: QWidget) -> None:
        text = QLabel(label)
        tip = TIPS.get(key, "")
        text.setToolTip(tip)
        if not widget.toolTip():
            widget.setToolTip(tip)
        form.addRow(text, widget)
        self.fields.setdefault(key, widget)

    def _spin(self, form: QFormLayout, key: str, label: str, lo: int, hi: int) -> QSpinBox:
        w = QSpinBox()
        w.setRange(lo, hi)
        self._add(form, key, label, w)
        return w

    def _double(self, form: QFormLayout, key: str, label: str, lo: float, hi: float,
                step: float) -> QDoubleSpinBox:
        w = QDoubleSpinBox()
        w.setRange(lo, hi)
        w.setSingleStep(step)
        w.setDecimals(4 if step < 0.01 else 3)
        self._add(form, key, label, w)
        return w

    def _sci(self, form: QFormLayout, key: str, label: str, lo: float,
             hi: float) -> SciSpinBox:
        w = SciSpinBox(lo, hi)
        self._add(form, key, label, w)
        return w

    def _combo(self, form: QFormLayout, key: str, label: str,
               items: tuple[str, ...] | list[str]) -> QComboBox:
        w = QComboBox()
        w.addItems(list(items))
        self._add(form, key, label, w)
        return w

    def _check(self, form: QFormLayout, key: str, label: str) -> QCheckBox:
        w = QCheckBox(label)
        w.setToolTip(TIPS.get(key, ""))
        form.addRow("", w)
        self.fields[key] = w
        return w

    # -- values ----------------------------------------------------------------------------
    def set_config(self, c: TrainConfig) -> None:
        """Show ``c`` in the fields (without emitting ``changed`` for each field)."""
        self.blockSignals(True)
        try:
            self.epochs.setValue(c.epochs)
            self.full_batch.setChecked(c.batch_size is None)
            self.batch_size.setValue(c.batch_size or 32)
            self.optimizer.setCurrentText(c.optimizer)
            self.lr.setValue(c.lr)
            self.momentum.setValue(c.momentum)
            self.nesterov.setChecked(c.nesterov)
            self.beta1.setValue(c.betas[0])
            self.beta2.setValue(c.betas[1])
            self.weight_decay.setValue(c.weight_decay)
            self.loss.setCurrentText(c.loss)
            self.huber_delta.setValue(c.huber_delta)
            self.class_weights.setCurrentText(c.class_weights)
            self.schedule.setCurrentText(c.schedule)
            self.step_size.setValue(c.step_size)
            self.gamma.setValue(c.gamma)
            self.plateau_patience.setValue(c.plateau_patience)
            self.l1.setValue(c.l1)
            self.l2.setValue(c.l2)
            self.grad_clip_on.setChecked(c.grad_clip is not None)
            self.grad_clip.setValue(c.grad_clip or 1.0)
            self.early_stopping_on.setChecked(c.early_stopping is not None)
            self.early_stopping.setValue(c.early_stopping or 10)
            self.restore_best.setChecked(c.restore_best)
            self.seed.setValue(c.seed)
            self.deterministic.setChecked(c.deterministic)
            self.device.setCurrentText(c.device.split(":")[0])
            self.batch_event_hz.setValue(c.batch_event_hz)
            self._extra = dict(c.extra)
        finally:
            self.blockSignals(False)
        self._update_enabled()

    def config(self) -> TrainConfig:
        return TrainConfig(
            epochs=self.epochs.value(),
            batch_size=None if self.full_batch.isChecked() else self.batch_size.value(),
            optimizer=self.optimizer.currentText(),
            lr=self.lr.value(),
            momentum=self.momentum.value(),
            nesterov=self.nesterov.isChecked() and self.nesterov.isEnabled(),
            weight_decay=self.weight_decay.value(),
            betas=(self.beta1.value(), self.beta2.value()),
            loss=self.loss.currentText(),
            huber_delta=self.huber_delta.value(),
            class_weights=self.class_weights.currentText(),
            schedule=self.schedule.currentText(),
            step_size=self.step_size.value(),
            gamma=self.gamma.value(),
            plateau_patience=self.plateau_patience.value(),
            l1=self.l1.value(),
            l2=self.l2.value(),
            grad_clip=self.grad_clip.value() if self.grad_clip_on.isChecked() else None,
            early_stopping=(self.early_stopping.value() if self.early_stopping_on.isChecked()
                            else None),
            restore_best=self.restore_best.isChecked(),
            seed=self.seed.value(),
            deterministic=self.deterministic.isChecked(),
            device=self.device.currentText(),
            batch_event_hz=self.batch_event_hz.value(),
            extra=dict(self._extra),
        )

    def _on_changed(self) -> None:
        self._update_enabled()
        if not self.signalsBlocked():
            self.changed.emit()

    def _update_enabled(self) -> None:
        """Grey out options the current choices ignore (and say so in their tooltip)."""
        opt = self.optimizer.currentText()
        self.batch_size.setEnabled(not self.full_batch.isChecked())
        self.momentum.setEnabled(opt in ("sgd", "rmsprop"))
        self.nesterov.setEnabled(opt == "sgd" and self.momentum.value() > 0)
        self.beta1.setEnabled(opt in ("adam", "adamw"))
        self.beta2.setEnabled(opt in ("adam", "adamw"))
        self.huber_delta.setEnabled(self.loss.currentText() == "huber")
        sched = self.schedule.currentText()
        self.step_size.setEnabled(sched == "step")
        self.gamma.setEnabled(sched in ("step", "plateau"))
        self.plateau_patience.setEnabled(sched == "plateau")
        self.early_stopping.setEnabled(self.early_stopping_on.isChecked())
        self.restore_best.setEnabled(self.early_stopping_on.isChecked())
        self.grad_clip.setEnabled(self.grad_clip_on.isChecked())

    def set_task(self, task: str | None) -> None:
        """Class weights only mean something for classification."""
        self.class_weights.setEnabled(task != "regression")


class NetworkChooser(QGroupBox):
    """A preset and its options, unless the session holds a network from the Network page."""

    changed = Signal()
    use_preset_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Network", parent)
        layout = QVBoxLayout(self)
        self.custom_label = QLabel()
        self.custom_label.setWordWrap(True)
        self.use_preset = QPushButton("Use a preset instead")
        self.use_preset.setToolTip("Forget the custom network and train a ready-made one")
        self.use_preset.clicked.connect(self.use_preset_requested.emit)
        layout.addWidget(self.custom_label)
        layout.addWidget(self.use_preset)
        self.preset = QComboBox()
        self.preset.setToolTip("A ready-made network shaped for your data; the Network page "
                               "builds one layer by layer.")
        for name, p in PRESETS.items():
            self.preset.addItem(p.title, name)
            self.preset.setItemData(self.preset.count() - 1, p.description,
                                    Qt.ItemDataRole.ToolTipRole)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setStyleSheet("color: #606060;")
        self.options_box = QWidget()
        self.options_form = QFormLayout(self.options_box)
        self.options_form.setContentsMargins(0, 0, 0, 0)
        self.options_form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.preset)
        layout.addWidget(self.description)
        layout.addWidget(self.options_box)
        self._editors: dict[str, QWidget] = {}
        self._suggested_for: tuple[str | None, str] | None = None
        self.preset.currentIndexChanged.connect(self._on_preset_changed)
        self.custom_spec = None
        self.show_custom(None, "")
        self._on_preset_changed()

    @property
    def preset_name(self) -> str:
        return str(self.preset.currentData())

    def set_preset(self, name: str) -> None:
        index = self.preset.findData(name)
        if index >= 0:
            self.preset.setCurrentIndex(index)

    def set_modality(self, modality: str | None, suggested: str) -> None:
        """Offer only presets that suit the data; select the suggested one when the kind of
        data changed or the current choice no longer suits (a reload keeps the choice)."""
        changed = (modality, suggested) != self._suggested_for
        self._suggested_for = (modality, suggested)
        for i in range(self.preset.count()):
            preset = PRESETS[self.preset.itemData(i)]
            fits = modality is None or modality in preset.modalities
            self.preset.view().setRowHidden(i, not fits)
            item = self.preset.model().item(i)  # type: ignore[attr-defined]
            item.setEnabled(fits)
        current_fits = modality is None or modality in PRESETS[self.preset_name].modalities
        if changed or not current_fits:
            self.set_preset(suggested)

    def show_custom(self, spec: Any, source: str) -> None:
        self.custom_spec = spec
        custom = spec is not None
        if custom:
            name = spec.name or "unnamed network"
            self.custom_label.setText(f"Using <b>{name}</b> ({len(spec.layers)} layers) from "
                                      f"the {source}.")
        for w in (self.custom_label, self.use_preset):
            w.setVisible(custom)
        for w in (self.preset, self.description, self.options_box):
            w.setVisible(not custom)

    def network(self) -> Any:
        """A NetworkSpec from the Network page, or the preset's name."""
        return self.custom_spec if self.custom_spec is not None else self.preset_name

    def preset_options(self) -> dict[str, Any]:
        if self.custom_spec is not None:
            return {}
        options: dict[str, Any] = {}
        for key, w in self._editors.items():
            default = PRESETS[self.preset_name].options[key]
            if isinstance(w, QLineEdit):
                sizes = tuple(int(x) for x in w.text().replace(" ", "").split(",") if x)
                options[key] = sizes if sizes else default
            elif isinstance(w, QComboBox):
                options[key] = w.currentText()
            elif isinstance(w, QCheckBox):
                options[key] = w.isChecked()
            elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
                options[key] = w.value()
        return options

    def set_preset_options(self, options: dict[str, Any]) -> None:
        for key, value in options.items():
            w = self._editors.get(key)
            if isinstance(w, QLineEdit):
                w.setText(", ".join(str(v) for v in value) if isinstance(value, (list, tuple))
                          else str(value))
            elif isinstance(w, QComboBox):
                w.setCurrentText(str(value))
            elif isinstance(w, QCheckBox):
                w.setChecked(bool(value))
            elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
                w.setValue(value)

    def _on_preset_changed(self) -> None:
        preset = PRESETS[self.preset_name]
        self.description.setText(preset.description)
        while self.options_form.rowCount():
            self.options_form.removeRow(0)
        self._editors = {}
        for key, default in preset.options.items():
            w = self._editor(key, default)
            w.setToolTip(PRESET_OPTION_TIPS.get(key, ""))
            label = QLabel(key.replace("_", " ").capitalize())
            label.setToolTip(w.toolTip())
            self.options_form.addRow(label, w)
            self._editors[key] = w
        self.changed.emit()

    def _on_edit(self, *_: object) -> None:
        """Any option editor changed (their signals carry values ``changed`` has no room for)."""
        self.changed.emit()

    def _editor(self, key: str, default: Any) -> QWidget:
        if isinstance(default, bool):
            w: QWidget = QCheckBox()
            w.setChecked(default)
            w.toggled.connect(self._on_edit)
        elif isinstance(default, (tuple, list)):
            w = QLineEdit(", ".join(str(v) for v in default))
            w.setPlaceholderText("e.g. " + ", ".join(str(v) for v in default))
            w.setValidator(_SizesValidator(w))
            w.editingFinished.connect(self._on_edit)
        elif key in ("activation", "cell"):
            w = QComboBox()
            w.addItems(ACTIVATIONS if key == "activation" else ["lstm", "gru"])
            w.setCurrentText(str(default))
            w.currentIndexChanged.connect(self._on_edit)
        elif isinstance(default, int):
            w = QSpinBox()
            w.setRange(1, 100_000)
            w.setValue(default)
            w.valueChanged.connect(self._on_edit)
        elif isinstance(default, float):
            w = QDoubleSpinBox()
            w.setRange(0.0, 0.95)
            w.setSingleStep(0.05)
            w.setValue(default)
            w.valueChanged.connect(self._on_edit)
        else:
            w = QLineEdit(str(default))
            w.editingFinished.connect(self._on_edit)
        return w


class _SizesValidator(QValidator):
    """Layer sizes: positive integers separated by commas."""

    def validate(self, text: str, pos: int) -> object:
        parts = text.replace(" ", "").split(",")
        if all(p.isdigit() and int(p) > 0 for p in parts):
            return QValidator.State.Acceptable, text, pos
        if all(p == "" or p.isdigit() for p in parts):
            return QValidator.State.Intermediate, text, pos
        return QValidator.State.Invalid, text, pos


class TrainPage(QWidget):
    """Configure, run and watch a training run."""

    title = "Train"
    # Every trainer event, re-emitted on the main thread after the page has shown it.
    # Listen here rather than to the worker: a worker's signal reaches a plain Python
    # callable (not a QObject method) on the worker thread under PySide 6.12.
    run_event = Signal(object)
    # (epoch, state dict): weights copied on the training thread for the live views
    epoch_weights = Signal(int, object)
    epoch_embedding = Signal(int, object, object)  # epoch, Embedding, layer path

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.worker: TrainWorker | None = None
        self._task: str | None = None
        self._run_t0 = 0.0
        self._epochs = 0
        self._progress_shown = -math.inf
        self._batches = 1
        self._train_losses: list[float] = []
        self._val_losses: list[float] = []
        self._finished_text = ""
        self._shortcuts: list[tuple[str, str]] = []
        self._build()
        self.form.set_config(state.train_config)
        self._connect_state()
        self._on_dataset_changed()
        self._on_network_changed()
        self._publish_preset()
        self._update_buttons()

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.network = NetworkChooser()
        self.form = TrainConfigForm()
        reset = QPushButton("Reset to defaults")
        reset.setToolTip("Put every training option back to its default value")
        reset.clicked.connect(self.reset_options)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.network)
        left_layout.addWidget(self.form)
        left_layout.addWidget(reset)
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFixedWidth(left.minimumSizeHint().width()
                             + scroll.verticalScrollBar().sizeHint().width() + 2)

        self.message_bar = MessageBar()
        self.signal_bar = MessageBar()
        self.start_button = self._button("Start", "Ctrl+Return",
                                         "Train the network from scratch", self.start)
        self.pause_button = self._button("Pause", "Space", "Pause or resume the run",
                                         self.toggle_pause)
        self.stop_button = self._button("Stop", "Esc",
                                        "End the run after this batch and keep its results",
                                        self.stop)
        self.step_button = self._button("Step", "Ctrl+.",
                                        "Run exactly one batch, then pause", self.step)
        self.start_button.setObjectName("primaryButton")
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("Ready")
        self.progress.setValue(0)
        self.progress.setMinimumWidth(260)
        controls = QHBoxLayout()
        for b in (self.start_button, self.pause_button, self.stop_button, self.step_button):
            controls.addWidget(b)
        controls.addWidget(self.progress, 1)
        self.run_label = QLabel()
        self.run_label.setStyleSheet("color: #606060;")
        self.run_label.setWordWrap(True)

        # Redraw rates: each redraw's Python holds the GIL the training thread needs, so
        # the per-batch trace redraws 5 times a second and per-epoch curves twice.
        self.loss_plot = LivePlot("epoch", "loss", redraw_hz=LOSS_REDRAW_HZ,
                                  empty_text="Press Start (Ctrl+Enter): the training and "
                                             "validation loss appear here, epoch by epoch.")
        self.loss_plot.add_curve("batch", "batch loss", "#1f77b4", faint=True)
        self.loss_plot.add_curve("train", "training", "#1f77b4")
        self.loss_plot.add_curve("val", "validation", "#ff7f0e")
        self.metric_plot = LivePlot("epoch", "accuracy", legend="bottom-right",
                                    redraw_hz=EPOCH_REDRAW_HZ)
        self.metric_plot.add_curve("train", "training", "#1f77b4")
        self.metric_plot.add_curve("val", "validation", "#ff7f0e")
        self.lr_plot = LivePlot("epoch", "learning rate (log scale)", log_y=True,
                                redraw_hz=EPOCH_REDRAW_HZ)
        self.lr_plot.add_curve("lr", "learning rate", "#2ca02c")
        self.lr_plot.setYRange(-4, -1)  # 1e-4..1e-1 until a run starts (log axis)
        on_error = self.message_bar.show_error
        self.loss_panel = PlotPanel(self.loss_plot, "Loss", "lower is better", on_error)
        self.metric_panel = PlotPanel(self.metric_plot, "Accuracy", "higher is better",
                                      on_error)
        self.lr_panel = PlotPanel(self.lr_plot, "Learning rate", "", on_error)
        plots = QGridLayout()
        plots.addWidget(self.loss_panel, 0, 0, 1, 2)
        plots.addWidget(self.metric_panel, 1, 0)
        plots.addWidget(self.lr_panel, 1, 1)
        plots.setRowStretch(0, 3)
        plots.setRowStretch(1, 2)
        plots.setColumnStretch(0, 1)  # the metric and learning-rate plots share the width
        plots.setColumnStretch(1, 1)
        plots_widget = QWidget()
        plots_widget.setLayout(plots)
        plots.setContentsMargins(0, 0, 0, 0)

        self.results_model = DataFrameModel()
        self.results_view = QTableView()
        self.results_view.setModel(self.results_model)
        self.results_view.verticalHeader().hide()
        self.results_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.results_view.horizontalHeader().setStretchLastSection(True)
        self.results_view.setSizePolicy(QSizePolicy.Policy.Expanding,
                                        QSizePolicy.Policy.Preferred)
        self.results_view.setMinimumHeight(150)
        self.results_label = QLabel("Results appear here when a run ends: the network's "
                                    "metrics on the training, validation and test data beside "
                                    "simple baseline models fitted on the same split.")
        self.results_label.setWordWrap(True)
        results = QWidget()
        results_layout = QVBoxLayout(results)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.addWidget(QLabel("<b>Results</b>"))
        results_layout.addWidget(self.results_label)
        results_layout.addWidget(self.results_view, 1)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self._with_live_views(plots_widget))
        split.addWidget(results)
        split.setChildrenCollapsible(False)
        split.setSizes([620, 240])

        right = QVBoxLayout()
        right.addWidget(self.message_bar)
        right.addLayout(controls)
        right.addWidget(self.run_label)
        right.addWidget(self.signal_bar)
        right.addWidget(split, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(scroll)
        layout.addLayout(right, 1)

    def shortcuts(self) -> list[tuple[str, str]]:
        """(what, key) of the run controls, for Help ▸ Keyboard shortcuts."""
        return list(self._shortcuts)

    def _button(self, text: str, key: str, tip: str, slot: Any) -> QPushButton:
        b = QPushButton(text)
        seq = QKeySequence(key)
        self._shortcuts.append((f"{text} (Train page)",
                                seq.toString(QKeySequence.SequenceFormat.NativeText)))
        b.setToolTip(f"{tip} ({seq.toString(QKeySequence.SequenceFormat.NativeText)})")
        b.clicked.connect(slot)
        shortcut = QShortcut(seq, self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(b.animateClick)
        return b

    def _connect_state(self) -> None:
        s = self.state
        s.datasetChanged.connect(self._on_dataset_changed)
        s.encodingChanged.connect(self._on_dataset_changed)
        s.summaryChanged.connect(self._on_dataset_changed)
        s.networkChanged.connect(self._on_network_changed)
        s.trainConfigChanged.connect(self._on_state_config)
        self.form.changed.connect(self._on_form_changed)
        self.network.use_preset_requested.connect(self._on_use_preset)
        self.network.changed.connect(self._publish_preset)
        self.epoch_weights.connect(self._on_epoch_weights)
        self.epoch_embedding.connect(self._on_epoch_embedding)
        s.runFinished.connect(self._on_views_finished)

    def plot_panels(self) -> list[PlotPanel]:
        return [self.loss_panel, self.metric_panel, self.lr_panel]

    # -- state -------------------------------------------------------------------------------
    def _on_dataset_changed(self) -> None:
        ds = self.state.dataset
        self.form.set_task(ds.task if ds is not None else None)
        if ds is None:
            self.network.set_modality(None, "mlp")
        else:
            self.network.set_modality(ds.modality, suggest_preset(ds.modality,
                                                                   self._expected_rank()))
        self._update_buttons()

    def _expected_rank(self) -> tuple[int, ...]:
        """The input shape once the Data page's summary knows it; before that a stand-in of
        the right rank (all ``suggest_preset`` reads): one-hot sequences are (length,
        letters), images (C, H, W), the rest flat."""
        ds = self.state.dataset
        if ds is None:
            return (1,)
        if self.state.input_shape is not None:
            return self.state.input_shape
        if ds.modality == "image":
            return (1, 1, 1)
        if ds.modality == "sequence" and self.state.encoding.encoding == "onehot":
            return (1, 1)
        return (1,)

    def _on_network_changed(self) -> None:
        self.network.show_custom(self.state.network_spec, self.state.network_source)
        self._update_buttons()

    def network_problem(self) -> str | None:
        """Why the Network page's design cannot train on the loaded data, or None.

        Shapes only (no torch), so it is cheap enough to run on every edit."""
        spec, shape, n_out = self.state.network_spec, self.state.input_shape, \
            self.state.n_outputs
        if spec is None or shape is None or n_out is None:
            return None
        from core.nn.shapes import infer

        summary = infer(spec, shape, n_out)
        return None if summary.ok else summary.errors[0]

    def _on_use_preset(self) -> None:
        self.state.set_network(None)

    def _publish_preset(self) -> None:
        """The preset and options Start would train, for the Network page to show."""
        try:
            options = self.network.preset_options()
        except ValueError:  # sizes half typed ("64,"): the validator lets them through
            return
        self.state.set_preset(self.network.preset_name, options)

    def _on_form_changed(self) -> None:
        self.state.set_train_config(self.form.config())

    def _on_state_config(self) -> None:
        if self.state.train_config != self.form.config():
            self.form.set_config(self.state.train_config)

    def reset_options(self) -> None:
        self.form.set_config(TrainConfig())
        self.state.set_train_config(self.form.config())

    # -- controls ----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.worker is not None and self.worker.isRunning()

    def start(self, paused: bool = False) -> None:
        """Start a new run (stopping and joining one still going)."""
        ds = self.state.dataset
        if ds is None:
            self.message_bar.show_message("Load data on the Data page first (or pick a demo "
                                          "from File \u25b8 Demo datasets).", "warning")
            return
        config = self.form.config()
        try:
            config.validate()
        except Exception as exc:  # TrainError: a contradictory combination of options
            self.message_bar.show_error(str(exc))
            return
        self.stop_and_join()
        self.message_bar.clear()
        self.signal_bar.clear()
        opts = self.state.split_options
        request = TrainRequest(
            dataset=ds, load_options=self.state.load_options, encoding=self.state.encoding,
            network=self.network.network(), preset_options=self.network.preset_options(),
            config=config, val_fraction=opts.val_fraction, test_fraction=opts.test_fraction,
            split_seed=opts.seed, use_file_split=opts.use_file_split)
        self._reset_run_view(config)
        worker = TrainWorker(request, self)
        if paused:
            worker.control.step_batch()
        worker.prepared.connect(self._on_prepared)
        worker.event.connect(self._on_event)
        worker.progressed.connect(self._on_progress)
        worker.succeeded.connect(self._on_succeeded)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        worker.finished.connect(self._update_buttons)
        worker.prepared.connect(self._on_views_prepared)
        worker.control.on_epoch_model = _weak_publisher(self)
        self.worker = worker
        self.state.set_training(True)
        self.state.set_run_state("preparing the data")
        worker.start()
        self._update_buttons()

    def toggle_pause(self) -> None:
        if not self.running:
            return
        control = self.worker.control
        if control.paused:
            control.resume()
            self.state.set_run_state("training")
        else:
            control.pause()
            self.state.set_run_state("paused")
            self.progress.setFormat(self.progress.format() + " \u00b7 paused")
        self._update_buttons()

    def stop(self) -> None:
        if self.running:
            self.worker.control.stop()
            self.state.set_run_state("stopping")

    def step(self) -> None:
        """One batch, then pause; from idle, a new run that starts paused."""
        if not self.running:
            self.start(paused=True)
            return
        self.worker.control.step_batch()
        self.state.set_run_state("paused")
        self._update_buttons()

    def stop_and_join(self) -> None:
        """Stop the current run and wait for its thread (its results are dropped)."""
        worker = self.worker
        if worker is None:
            return
        for signal in (worker.prepared, worker.event, worker.progressed, worker.succeeded,
                       worker.failed, worker.cancelled):
            signal.disconnect()
        worker.request_stop()
        worker.wait()
        self.worker = None
        if self.state.training:
            self.state.set_training(False)

    def shutdown(self) -> None:
        """Called by the main window before it closes."""
        self.stop_and_join()
        self.surface_view.shutdown()
        self.embedding_view.shutdown()

    # -- live views: Playground's decision surface and a hidden layer's embedding -----------
    def _with_live_views(self, plots: QWidget) -> QWidget:
        """The curves beside tabs that follow the weights while the network trains."""
        self.surface_view = DecisionSurface(self.state)
        self.embedding_view = EmbeddingView()
        self.embedding_view.worker_computes = True  # see _publish_weights
        self.live_views = QTabWidget()
        self.live_views.addTab(self.surface_view, "Decision surface")
        self.live_views.addTab(self.embedding_view, "Hidden layer")
        self.live_views.setTabToolTip(0, "The network's answer over the plane of a table of "
                                         "two inputs (TensorFlow Playground's picture)")
        self.live_views.setTabToolTip(1, "A hidden layer's outputs on the validation samples, "
                                         "projected on two principal components")
        self.live_views.setCurrentIndex(0 if self.surface_view.available else 1)
        self._weights_sent = self._embedding_sent = self._embedding_cost = 0.0
        row = QSplitter(Qt.Orientation.Horizontal)
        row.addWidget(plots)
        row.addWidget(self.live_views)
        row.setChildrenCollapsible(False)
        row.setSizes([1100, 800])
        return row

    def _publish_weights(self, epoch: int, model: Any) -> None:
        """Runs on the training thread after each epoch: copy the weights (at most five
        times a second; the final model comes with the finished run) and signal them.

        The hidden-layer projection is computed here too (on the window's thread it would
        stall clicks), but only as often as keeps its cost within
        ``EMBEDDING_TIME_SHARE`` of the training time: it delays the next epoch."""
        now = time.monotonic()
        if now - self._weights_sent < WEIGHTS_INTERVAL_S:
            return
        self._weights_sent = now
        state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
        self.epoch_weights.emit(epoch, state)
        wait = max(EMBEDDING_INTERVAL_S, self._embedding_cost / EMBEDDING_TIME_SHARE)
        if now - self._embedding_sent < wait:
            return
        request = self.embedding_view.worker_request()
        if request is None:
            return
        path, X, previous = request
        try:
            emb = hidden_embedding(model, X, path, previous)
        except MendelError:
            return  # the view says why when it next projects on the main thread
        done = time.monotonic()
        self._embedding_sent, self._embedding_cost = done, done - now
        self.epoch_embedding.emit(epoch, emb, path)

    def _on_epoch_embedding(self, epoch: int, emb: Any, path: Any) -> None:
        self.embedding_view.show_embedding(emb, epoch, path)

    def _on_views_prepared(self, prepared: Any) -> None:
        self._weights_sent = self._embedding_sent = self._embedding_cost = 0.0
        self.surface_view.set_prepared(prepared)
        self.embedding_view.set_prepared(prepared)
        if not self.surface_view.available and self.live_views.currentIndex() == 0:
            self.live_views.setCurrentIndex(1)
        elif self.surface_view.available:
            self.live_views.setCurrentIndex(0)

    def _on_epoch_weights(self, epoch: int, state: Any) -> None:
        self.surface_view.update_model(state, epoch)
        self.embedding_view.update_model(state, epoch)

    def _on_views_finished(self) -> None:
        self.surface_view.set_outcome(self.state.run)
        self.embedding_view.set_outcome(self.state.run)

    def _update_buttons(self) -> None:
        running = self.running
        paused = running and self.worker.control.paused
        problem = self.network_problem()
        self.start_button.setEnabled(self.state.dataset is not None and problem is None)
        self.start_button.setToolTip(
            f"Fix the network first: {problem}" if problem else "Start training (Ctrl+Return)")
        self.start_button.setText("Restart" if running else "Start")
        self.pause_button.setEnabled(running)
        self.pause_button.setText("Resume" if paused else "Pause")
        self.stop_button.setEnabled(running)
        self.step_button.setEnabled(self.state.dataset is not None)

    # -- run view ----------------------------------------------------------------------------
    def _reset_run_view(self, config: TrainConfig) -> None:
        for plot in (self.loss_plot, self.metric_plot, self.lr_plot):
            plot.clear_data()
        self._train_losses, self._val_losses = [], []
        self._epochs = config.epochs
        self._set_x_spans(config.epochs)  # now, while the data are prepared: not mid-run
        self._progress_shown = -math.inf
        self._batches = 1
        self._run_t0 = time.monotonic()
        self.progress.setRange(0, 0)  # busy until the first batch
        self.progress.setFormat("Preparing the data\u2026")
        self.run_label.setText("")
        self.results_model.set_frame(pd.DataFrame())
        self.results_label.setText("The run is in progress.")
        task = self.state.dataset.task if self.state.dataset is not None else "classification"
        self._task = task
        key, label = MAIN_METRIC[task]
        self.metric_plot.getPlotItem().setLabel("left", label)
        self.metric_panel.set_title(label[0].upper() + label[1:])
        self.loss_plot.y_limits = (0.0, None)
        self.metric_plot.y_limits = (None, 1.0) if task == "regression" else (0.0, 1.0)
        if task == "regression":
            self.metric_panel.set_hint(
                "1 is perfect", "R\u00b2: 1 is a perfect fit, 0 is no better than always "
                "predicting the mean")
        else:
            self.metric_panel.set_hint(
                "higher is better", "The fraction of samples classified correctly")

    def _set_x_spans(self, epochs: int) -> None:
        for plot in (self.loss_plot, self.metric_plot, self.lr_plot):
            plot.set_x_span(0 if plot is self.loss_plot else 1, max(epochs, 2))

    def _stale_sender(self) -> bool:
        """True for a late signal from a run that was stopped and replaced."""
        sender = self.sender()
        return sender is not None and sender is not self.worker

    def _on_prepared(self, prepared: Any) -> None:
        if self._stale_sender():
            return
        data = prepared.data
        sizes = data.sizes()
        layers = len(prepared.spec.layers)
        self.run_label.setText(
            f"{prepared.spec.name or prepared.network_source}: {layers} layers, "
            f"{prepared.summary.total_params:,} parameters \u00b7 input "
            f"{tuple(data.input_shape)} \u00b7 train {sizes['train']} / val {sizes['val']}"
            f" / test {sizes['test']} samples")

    def _on_progress(self, fraction: float, message: str) -> None:
        if self._stale_sender():
            return
        if message:
            self.progress.setFormat(message)

    def _on_event(self, ev: object) -> None:
        if self._stale_sender():
            return
        if isinstance(ev, BatchFinished):
            self._on_batch(ev)
        elif isinstance(ev, EpochFinished):
            self._on_epoch(ev)
        elif isinstance(ev, RunStarted):
            if ev.epochs != self._epochs:
                self._set_x_spans(ev.epochs)
            self._batches = ev.batches_per_epoch
            self._epochs = ev.epochs
            self.progress.setRange(0, ev.epochs * ev.batches_per_epoch)
            self.progress.setValue(0)
            self.progress.setFormat(f"Epoch 1/{ev.epochs}")
            self.state.set_run_state(f"training on {ev.device}")
            self._run_t0 = time.monotonic()
        elif isinstance(ev, RunFinished):
            self._on_run_finished(ev)
        elif isinstance(ev, RunFailed):
            self.message_bar.show_error(f"Training failed: {ev.message}")
        self.run_event.emit(ev)

    def _on_batch(self, ev: BatchFinished) -> None:
        x = ev.epoch - 1 + ev.batch / ev.batches_per_epoch
        self.loss_plot.append("batch", x, ev.loss)
        paused = self.worker is not None and self.worker.control.paused
        now = time.monotonic()
        if now - self._progress_shown < PROGRESS_INTERVAL_S and not paused:
            return  # each progress bar change repaints it at once
        self._progress_shown = now
        done = (ev.epoch - 1) * ev.batches_per_epoch + ev.batch
        total = self._epochs * ev.batches_per_epoch
        elapsed = time.monotonic() - self._run_t0
        eta = elapsed / done * (total - done) if done else math.inf
        self.progress.setValue(min(done, total))
        self.progress.setFormat(
            f"Epoch {ev.epoch}/{self._epochs} \u00b7 batch {ev.batch}/{ev.batches_per_epoch}"
            f" \u00b7 ETA {format_seconds(eta)}" + (" \u00b7 paused" if paused else ""))
        if paused:
            self._update_buttons()

    def _on_epoch(self, ev: EpochFinished) -> None:
        self.loss_plot.append("train", ev.epoch, ev.train_loss)
        self._train_losses.append(ev.train_loss)
        if ev.val_loss is not None:
            self.loss_plot.append("val", ev.epoch, ev.val_loss)
            self._val_losses.append(ev.val_loss)
        key = MAIN_METRIC[self._task or "classification"][0]
        for split, metrics in (("train", ev.train_metrics), ("val", ev.val_metrics)):
            value = metrics.get(key)
            if value is not None:
                self.metric_plot.append(split, ev.epoch, value)
        self.lr_plot.append("lr", ev.epoch, ev.lr)
        self.progress.setValue(min(ev.epoch * self._batches, self.progress.maximum()))
        self.progress.setFormat(f"Epoch {ev.epoch}/{self._epochs} \u00b7 ETA "
                                f"{format_seconds(ev.eta)}")
        self.state.set_run_state(f"training: epoch {ev.epoch}/{self._epochs}")
        if overfitting(self._train_losses, self._val_losses):
            self.signal_bar.show_message(
                f"Overfitting: the validation loss has risen for {OVERFIT_WINDOW} epochs in a "
                "row while the training loss keeps falling \u2014 the network is memorizing "
                "the training samples. Try more L2 or dropout, a smaller network, or early "
                "stopping.", "warning")
        elif ev.is_best and self.signal_bar.level == "warning":
            self.signal_bar.clear()

    def _on_run_finished(self, ev: RunFinished) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        reason = ev.stopped_because
        text = {"completed": "Finished", "early_stopping": "Stopped early",
                "stopped": "Stopped", "nan": "Diverged"}.get(reason, reason)
        self._finished_text = (f"{text} after {ev.epochs_run} epochs "
                               f"({format_seconds(ev.train_seconds)})")
        self.progress.setFormat(self._finished_text)
        if reason == "nan":  # the message says where and suggests a learning rate
            self.signal_bar.show_message(f"Training diverged (the loss became NaN, not a "
                                         f"number): {ev.message}.", "error")
        elif reason == "early_stopping":  # the message names the best epoch
            self.signal_bar.show_message(f"{ev.message[:1].upper()}{ev.message[1:]}.", "info")
        elif reason == "stopped":
            self.signal_bar.show_message(f"{ev.message[0].upper()}{ev.message[1:]}; the "
                                         "results below are for the weights at that point.",
                                         "info")
        if reason in ("nan",):
            self.results_label.setText("No results: the run diverged.")
        else:
            self.results_label.setText("Measuring the network on every split\u2026")
        self.state.set_run_state("measuring the results")

    def _on_succeeded(self, outcome: Any) -> None:
        if self._stale_sender():
            return
        self.worker = None
        self.progress.setFormat(self._finished_text)
        self.loss_plot.redraw()
        self.metric_plot.redraw()
        self.lr_plot.redraw()
        result = outcome.result
        if result is None or result.failed or not outcome.succeeded:
            self.state.set_training(False)
            self.state.set_run_state("failed" if result is None or result.failed
                                     else "diverged")
            if result is not None and result.failed:
                self.message_bar.show_error(f"Training failed: {result.message}")
                self.results_label.setText("No results: the run failed.")
            self._update_buttons()
            return
        self.results_model.set_frame(results_frame(outcome.metrics, outcome.baseline,
                                                   outcome.data.task))
        self.results_label.setText(results_sentence(outcome))
        self.state.set_run(outcome)
        self.state.set_run_state(f"finished: {result.epochs_run} epochs in "
                                 f"{result.train_seconds:.1f} s")
        self._update_buttons()

    def _on_failed(self, message: str) -> None:
        if self._stale_sender():
            return
        self.worker = None
        self.state.set_training(False)
        self.state.set_run_state("failed")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("Failed")
        self.results_label.setText("No results: the run did not start.")
        self.message_bar.show_error(message)
        self._update_buttons()

    def _on_cancelled(self) -> None:
        if self._stale_sender():
            return
        self.worker = None
        self.state.set_training(False)
        self.state.set_run_state("idle")
        self._update_buttons()


def _weak_publisher(page: TrainPage) -> Any:
    """``page._publish_weights`` without a strong reference from the worker to the page."""
    ref = weakref.ref(page)

    def publish(epoch: int, model: Any) -> None:
        target = ref()
        if target is not None:
            target._publish_weights(epoch, model)

    return publish


def results_frame(metrics: dict[str, dict[str, Any]], baseline: dict[str, dict[str, Any]],
                  task: str) -> pd.DataFrame:
    """Rows: the task's main metrics; columns: the network on each split, then each baseline
    on the test split (the comparison the course asks for)."""
    columns: list[tuple[str, dict[str, Any]]] = [
        (f"Network ({name})", metrics.get(name) or {}) for name in ("train", "val", "test")
        if set(metrics.get(name) or {}) - {"n"}
    ]
    columns += [(f"{name.replace('_', ' ')} (test)", m.get("test") or {})
                for name, m in baseline.items()]
    rows = []
    for key in RESULT_METRICS.get(task, ()):
        row: dict[str, Any] = {"metric": key.replace("_", " ")}
        for title, m in columns:
            value = m.get(key)
            row[title] = "\u2013" if value is None else f"{value:.4f}"
        rows.append(row)
    n_row: dict[str, Any] = {"metric": "samples"}
    for title, m in columns:
        n_row[title] = str(m.get("n", "")) if m.get("n") is not None else ""
    rows.append(n_row)
    return pd.DataFrame(rows)


def results_sentence(outcome: Any) -> str:
    """One sentence a newcomer can read: how well, compared with what."""
    result = outcome.result
    key, label = MAIN_METRIC[outcome.data.task]
    test = (outcome.metrics.get("test") or {}).get(key)
    parts = [f"{result.epochs_run} epochs in {result.train_seconds:.1f} s on {result.device}"]
    if result.best_epoch:
        parts.append(f"best epoch {result.best_epoch}")
    text = "; ".join(parts) + "."
    if test is not None:
        text += f" Test {label}: {test:.3f}"
        scored = [(name.replace("_", " "), (m.get("test") or {}).get(key))
                  for name, m in outcome.baseline.items()]
        scored = [(name, v) for name, v in scored if v is not None]
        if scored:
            name, best = max(scored, key=lambda t: t[1])
            text += f"; the best baseline, {name}, reaches {best:.3f}"
        text += "."
    return text
