"""The run's augmentation: the options that fit the loaded data, each taught by its tooltip.

A view like the rest of the training form: ``set_options`` shows a choice (a
``TrainConfig.augment`` dict) without reporting it, ``options()`` reads the fields back,
``changed`` reports a user edit. ``set_layout`` shows only the rows that fit the inputs
(``core.data.tensors.input_layout``): image options for images, sequence options for
one-hot sequences, reverse complement for DNA/RNA only. Hidden rows keep their values;
the Train page turns off what does not fit the data (``drop_unfitting``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QWidget,
)

from core.train.augment_options import HELP, RANGES, AugmentOptions, fitting_options

TIP = ("Random changes to each training batch, drawn anew every epoch (seeded); validation "
       "and test data are never changed, so their figures stay honest.")

# name: (label, step, suffix); a step of None is a yes/no option
_ROWS: dict[str, tuple[str, float | None, str]] = {
    "hflip": ("Flip left-right", None, ""),
    "vflip": ("Flip upside down", None, ""),
    "rotate": ("Rotate up to", 5.0, "\u00b0"),
    "shift": ("Shift up to", 1, " px"),
    "crop": ("Crop, keep \u2265", 0.05, " of area"),
    "brightness": ("Brightness \u00b1", 0.05, ""),
    "noise": ("Pixel noise \u03c3", 0.01, ""),
    "rc": ("Reverse complement", None, ""),
    "mutate": ("Mutation rate", 0.01, ""),
}


def _note(layout: str | None) -> str:
    """What the box says when it shows no option, or ""."""
    if layout is None:
        return "Load data to choose augmentation (images and one-hot sequences)."
    if fitting_options(layout):
        return ""
    kind = layout.partition(":")[0]
    if kind in ("integer", "kmer"):
        return "Sequence augmentation needs the one-hot encoding (Data page)."
    return "Tables have no augmentation: no change of a row keeps its label for sure."


class AugmentForm(QGroupBox):
    """One field per ``AugmentOptions`` option; ``fields`` maps each name to its widget."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Augmentation", parent)
        self.setToolTip(TIP)
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setToolTip(TIP)
        self.form.addRow(self.note)
        self.fields: dict[str, QWidget] = {}
        for name, (label, step, suffix) in _ROWS.items():
            widget = self._field(name, label, step, suffix)
            widget.setToolTip(HELP[name])
            self.fields[name] = widget
        self.set_layout(None)

    def _field(self, name: str, label: str, step: float | None, suffix: str) -> QWidget:
        if step is None:
            box = QCheckBox(label)
            box.toggled.connect(self._on_edit)
            self.form.addRow("", box)
            return box
        lo, hi = RANGES[name]
        spin: QSpinBox | QDoubleSpinBox
        if isinstance(step, int):
            spin = QSpinBox()
            spin.setRange(int(lo), int(hi))
        else:
            spin = QDoubleSpinBox()
            spin.setRange(lo, hi)
            spin.setDecimals(1 if step >= 1 else 3)
        spin.setSingleStep(step)
        spin.setSuffix(suffix)
        spin.setSpecialValueText("off")  # the minimum, 0, is off
        spin.setKeyboardTracking(False)
        spin.valueChanged.connect(self._on_edit)
        text = QLabel(label)
        text.setToolTip(HELP[name])
        self.form.addRow(text, spin)
        return spin

    def set_layout(self, layout: str | None) -> None:
        """Show the rows that fit inputs of ``layout`` (None: no data, no rows)."""
        fits = fitting_options(layout) if layout is not None else ()
        for name, widget in self.fields.items():
            self.form.setRowVisible(widget, name in fits)
        shift = self.fields["shift"]
        assert isinstance(shift, QSpinBox)
        shift.setSuffix(" px" if layout == "image" else " positions")
        note = _note(layout)
        self.note.setText(note)
        self.form.setRowVisible(self.note, bool(note))

    def visible_options(self) -> tuple[str, ...]:
        """The names whose rows are shown."""
        return tuple(name for name, w in self.fields.items() if not w.isHidden())

    def set_options(self, d: dict[str, Any]) -> None:
        """Show a ``TrainConfig.augment`` choice without emitting ``changed``."""
        options = AugmentOptions.from_dict(d)
        self.blockSignals(True)
        try:
            for name, widget in self.fields.items():
                value = getattr(options, name)
                if isinstance(widget, QCheckBox):
                    widget.setChecked(bool(value))
                else:
                    widget.setValue(value)  # type: ignore[attr-defined]
        finally:
            self.blockSignals(False)

    def options(self) -> dict[str, Any]:
        """The fields as a ``TrainConfig.augment`` dict (only the options that are on)."""
        values: dict[str, Any] = {}
        for name, widget in self.fields.items():
            values[name] = (widget.isChecked() if isinstance(widget, QCheckBox)
                            else widget.value())  # type: ignore[attr-defined]
        return AugmentOptions(**values).to_dict()

    def _on_edit(self) -> None:
        if not self.signalsBlocked():
            self.changed.emit()
