"""Every ``TrainConfig`` option as a form field, with a tooltip that teaches it.

The form shows the session's training configuration (``set_config``, which never reports
back) and reports each user edit through ``changed``; the Train page writes ``config()``
to the session state, and Start reads the state, never this form.
"""

from __future__ import annotations

import bisect
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.widgets.augment_form import AugmentForm
from app.widgets.binding import signals_blocked
from core.train.config import DEVICES, LOSSES, OPTIMIZERS, SCHEDULES, TrainConfig, config_help

# Form fields that are not TrainConfig fields of their own; the rest teach with the
# help text TrainConfig declares (the same sentences as ``mendel train --help``).
FORM_TIPS = {
    "full_batch": "Use every training sample in each update (classic gradient descent): "
                  "smooth, exact gradients, one update per epoch.",
    "beta1": "Adam's memory for the average gradient direction (like momentum); 0.9 is the "
             "usual value.",
    "beta2": "Adam's memory for the average squared gradient that scales each weight's step; "
             "0.999 is the usual value.",
}


def tip(key: str) -> str:
    return FORM_TIPS.get(key) or config_help(key)


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
        self.batch_size.setRange(0, 10_000_000)
        self.batch_size.setSpecialValueText("auto")  # 0: TrainConfig.batch_for chooses
        self.batch_size.setToolTip(tip("batch_size"))
        self.full_batch = QCheckBox("full batch")
        self.full_batch.setToolTip(tip("full_batch"))
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
        self.reconstruct_noise = self._double(loss, "reconstruct_noise", "Denoising noise \u03c3",
                                              0.0, 100.0, 0.05)

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
        self.min_delta = self._sci(reg, "min_delta", "Minimum improvement", 0.0, 1e6)
        self.restore_best = self._check(reg, "restore_best", "Keep the best epoch's weights")
        self.grad_clip_on = QCheckBox("clip at")
        self.grad_clip = QDoubleSpinBox()
        self.grad_clip.setRange(0.001, 1e6)
        self.grad_clip.setValue(1.0)
        self._switched_row(reg, "grad_clip", "Gradient norm", self.grad_clip_on,
                           self.grad_clip)

        self.augment = AugmentForm(self)  # a regularizer too: after the penalties
        layout.addWidget(self.augment)
        self.fields.update({f"augment.{k}": w for k, w in self.augment.fields.items()})

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
        self.amp = self._check(repro, "amp", "Mixed precision (CUDA GPU)")
        self.batch_event_hz = self._double(repro, "batch_event_hz", "Live updates per second",
                                           1.0, 60.0, 1.0)
        self.checkpoint_every = self._spin(repro, "checkpoint_every", "Checkpoint every",
                                           0, 100_000)
        self.checkpoint_every.setSuffix(" epochs")
        self.checkpoint_every.setSpecialValueText("off")  # 0
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
            w.setToolTip(tip(key))
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
        teaching = tip(key)
        text.setToolTip(teaching)
        if not widget.toolTip():
            widget.setToolTip(teaching)
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
        w.setToolTip(tip(key))
        form.addRow("", w)
        self.fields[key] = w
        return w

    # -- values ----------------------------------------------------------------------------
    def set_config(self, c: TrainConfig) -> None:
        """Show ``c`` in the fields (without emitting ``changed`` for each field)."""
        with signals_blocked(self):  # the children still run _on_changed, which checks
            self.epochs.setValue(c.epochs)
            self.full_batch.setChecked(c.batch_size is None)
            self.batch_size.setValue(c.batch_size if c.batch_size is not None else 0)
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
            self.reconstruct_noise.setValue(c.reconstruct_noise)
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
            self.min_delta.setValue(c.min_delta)
            self.restore_best.setChecked(c.restore_best)
            self.seed.setValue(c.seed)
            self.deterministic.setChecked(c.deterministic)
            self.device.setCurrentText(c.device.split(":")[0])
            self.amp.setChecked(c.amp)
            self.batch_event_hz.setValue(c.batch_event_hz)
            self.checkpoint_every.setValue(c.checkpoint_every)
            self.augment.set_options(c.augment)
            self._extra = dict(c.extra)
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
            reconstruct_noise=self.reconstruct_noise.value(),
            schedule=self.schedule.currentText(),
            step_size=self.step_size.value(),
            gamma=self.gamma.value(),
            plateau_patience=self.plateau_patience.value(),
            l1=self.l1.value(),
            l2=self.l2.value(),
            grad_clip=self.grad_clip.value() if self.grad_clip_on.isChecked() else None,
            early_stopping=(self.early_stopping.value() if self.early_stopping_on.isChecked()
                            else None),
            min_delta=self.min_delta.value(),
            restore_best=self.restore_best.isChecked(),
            seed=self.seed.value(),
            deterministic=self.deterministic.isChecked(),
            device=self.device.currentText(),
            amp=self.amp.isChecked() and self.amp.isEnabled(),
            batch_event_hz=self.batch_event_hz.value(),
            checkpoint_every=self.checkpoint_every.value(),
            augment=self.augment.options(),
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
        self.amp.setEnabled(self.device.currentText() in ("auto", "cuda"))
        sched = self.schedule.currentText()
        self.step_size.setEnabled(sched == "step")
        self.gamma.setEnabled(sched in ("step", "plateau"))
        self.plateau_patience.setEnabled(sched == "plateau")
        self.early_stopping.setEnabled(self.early_stopping_on.isChecked())
        self.restore_best.setEnabled(self.early_stopping_on.isChecked())
        self.min_delta.setEnabled(self.early_stopping_on.isChecked())
        self.grad_clip.setEnabled(self.grad_clip_on.isChecked())

    def set_layout(self, layout: str | None) -> None:
        """The augmentation rows that fit the inputs (``core.data.tensors.input_layout``)."""
        self.augment.set_layout(layout)

    def set_task(self, task: str | None) -> None:
        """Class weights only mean something for classification, denoising noise only for
        a reconstruct run (an autoencoder)."""
        self.class_weights.setEnabled(task not in ("regression", "reconstruct"))
        self.reconstruct_noise.setEnabled(task in (None, "reconstruct"))
