"""The property editor: a form for the selected layer, generated from its ``ParamSpec`` list.

Spin boxes carry the registry's ranges, combos its choices, a "shape" parameter is a line
of text (reported when editing finishes; a bad text is kept and the engine's validation
message shows, as for any other field), and every field the one-line help as tooltip and
caption. The form only *reports* edits (``paramEdited``); the editor
turns them into undoable commands and calls ``show_layer`` again with the new values.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.widgets.wheel_guard import guard_wheel
from core.nn.layers import LAYER_KINDS, ParamSpec
from core.nn.shapes import LayerInfo
from core.nn.spec import LayerSpec

LayerPath = tuple[int, ...]
_BIG = 1_000_000_000


def _field_for(p: ParamSpec) -> QWidget:
    if p.type == "int":
        box = QSpinBox()
        box.setRange(int(p.minimum if p.minimum is not None else -_BIG),
                     int(p.maximum if p.maximum is not None else _BIG))
        return box
    if p.type == "float":
        dbox = QDoubleSpinBox()
        dbox.setDecimals(3)
        dbox.setRange(p.minimum if p.minimum is not None else -_BIG,
                      p.maximum if p.maximum is not None else _BIG)
        dbox.setSingleStep(0.05 if (p.maximum or 2) <= 1 else 0.1)
        return dbox
    if p.type == "bool":
        return QCheckBox()
    if p.type == "shape":
        line = QLineEdit()
        line.setPlaceholderText("e.g. 8,16 or -1,4")
        return line
    combo = QComboBox()
    combo.addItems(list(p.choices or ()))
    return combo


def _set_value(widget: QWidget, value: Any) -> None:
    """Show ``value`` without reporting it as an edit; an unchanged value is not touched,
    so the spin box being typed in keeps its text and cursor."""
    widget.blockSignals(True)
    try:
        if isinstance(widget, QSpinBox):
            if widget.value() != int(value):
                widget.setValue(int(value))
        elif isinstance(widget, QDoubleSpinBox):
            if widget.value() != float(value):
                widget.setValue(float(value))
        elif isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        elif isinstance(widget, QComboBox):
            i = widget.findText(str(value).lower())
            if i != widget.currentIndex():
                widget.setCurrentIndex(max(i, 0))
        elif isinstance(widget, QLineEdit):
            text = (", ".join(str(n) for n in value) if isinstance(value, (list, tuple))
                    else str(value))
            if widget.text() != text:
                widget.setText(text)
    except (TypeError, ValueError):
        pass  # a malformed value from a file: the card already shows the engine's reason
    finally:
        widget.blockSignals(False)


class LayerEditor(QWidget):
    """Shows the settings of one layer; ``paramEdited(name, value)`` on every change."""

    paramEdited = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._key: tuple[LayerPath | None, str] | None = None
        self._fields: dict[str, QWidget] = {}
        self._specs: dict[str, ParamSpec] = {}
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828")
        self.error.hide()
        self._form_host = QWidget()
        self._form = QFormLayout(self._form_host)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._form.setContentsMargins(0, 4, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self._form_host)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.error)
        layout.addWidget(scroll, 1)
        self.show_layer(None)

    def field(self, name: str) -> QWidget:
        """The input widget of parameter ``name`` (tests drive it)."""
        return self._fields[name]

    def show_layer(self, layer: LayerSpec | None, path: LayerPath | None = None,
                   info: LayerInfo | None = None) -> None:
        """Show ``layer`` (None: nothing selected; ``info`` alone: an automatic layer).
        The same layer again only refreshes values, so a spin box being typed in keeps focus."""
        self.error.setVisible(bool(info and info.error))
        self.error.setText(f"\u26a0 {info.error}" if info and info.error else "")
        key = (path, layer.kind if layer else (info.label if info else ""))
        if key == self._key and layer is not None:
            for name, widget in self._fields.items():
                p = self._specs[name]
                _set_value(widget, layer.params.get(name, p.default))
            return
        self._key = key
        self._clear_form()
        if layer is None:
            if info is not None:
                self.title.setText(
                    f"<b>{info.label}</b> (locked)<br><span style='color:#5f6368'>Added "
                    "automatically from the dataset's task, so it always matches the number "
                    "of classes or targets. It cannot be edited.</span>")
            else:
                self.title.setText("<span style='color:#5f6368'>Select a layer to edit its "
                                   "settings.</span>")
            return
        kind = LAYER_KINDS.get(layer.kind)
        number = ".".join(str(i + 1) for i in path) if path else ""
        description = kind.description if kind else "Unknown layer kind."
        self.title.setText(f"<b>{number}  {layer.kind}</b><br>"
                           f"<span style='color:#5f6368'>{description}</span>")
        if kind is None:
            return
        if not kind.params:
            self._form.addRow(QLabel("<i>This layer has no settings.</i>"))
        for p in kind.params:
            widget = _field_for(p)
            widget.setObjectName(f"param_{p.name}")
            widget.setToolTip(p.help)
            widget.setAccessibleName(p.name)
            _set_value(widget, layer.params.get(p.name, p.default))
            self._connect(widget, p.name)
            caption = QLabel(p.help)
            caption.setWordWrap(True)
            caption.setStyleSheet("color: #5f6368; font-size: 11px")
            column = QWidget()
            box = QVBoxLayout(column)
            box.setContentsMargins(0, 0, 0, 2)
            box.setSpacing(1)
            box.addWidget(widget)
            box.addWidget(caption)
            name = QLabel(p.name.capitalize())
            name.setToolTip(p.help)
            name.setBuddy(widget)
            self._form.addRow(name, column)
            self._form.setAlignment(name, Qt.AlignmentFlag.AlignTop)
            self._fields[p.name] = widget
            self._specs[p.name] = p
        guard_wheel(self)  # new fields: the wheel scrolls unless they are focused

    def _connect(self, widget: QWidget, name: str) -> None:
        def emit(value: Any) -> None:
            self.paramEdited.emit(name, value)

        if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
            widget.valueChanged.connect(emit)
        elif isinstance(widget, QCheckBox):
            widget.toggled.connect(emit)
        elif isinstance(widget, QComboBox):
            widget.currentTextChanged.connect(emit)
        elif isinstance(widget, QLineEdit):
            # on Enter or leaving the field: a half-typed "8," is no edit worth an undo step
            line = widget
            line.editingFinished.connect(lambda: emit(line.text().strip()))

    def _clear_form(self) -> None:
        while self._form.rowCount():
            self._form.removeRow(0)
        self._fields.clear()
        self._specs.clear()
