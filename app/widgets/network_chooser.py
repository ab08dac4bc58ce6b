"""The Train page's network: a preset and its options, or the Network page's design.

The chooser reports every change (``changed``); the page writes the preset and options to
the session state, which the Network page shows until the user designs a network.
"""

from __future__ import annotations

from typing import Any

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
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.widgets.wheel_guard import guard_wheel
from core.nn.layers import ACTIVATIONS
from core.nn.presets import PRESETS

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
        self.notes: dict[str, QLabel] = {}
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
        self._editors, self.notes = {}, {}
        for key, default in preset.options.items():
            w = self._editor(key, default)
            w.setToolTip(PRESET_OPTION_TIPS.get(key, ""))
            label = QLabel(key.replace("_", " ").capitalize())
            label.setToolTip(w.toolTip())
            note = QLabel()  # what the preset made of the value for this data, if not it
            note.setStyleSheet("color: #8a5a00;")
            note.setVisible(False)
            row = QHBoxLayout()
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(w, 1)
            row.addWidget(note)
            self.options_form.addRow(label, row)
            self._editors[key], self.notes[key] = w, note
        guard_wheel(self.options_box)
        self.changed.emit()

    def set_notes(self, notes: dict[str, str]) -> None:
        """Say beside an option what will really be built ("fitted to 3 for length 9")."""
        for key, label in self.notes.items():
            text = notes.get(key, "")
            label.setText(text)
            label.setToolTip(f"The network that trains uses this: {text}" if text else "")
            label.setVisible(bool(text))

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
            w.textChanged.connect(self._on_edit)  # the state follows each keystroke
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
