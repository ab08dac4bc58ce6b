"""The neuron view: a small dense network drawn unit by unit, as TensorFlow Playground does.

Units are circles and weights are lines; once training has produced weights, a line's
colour shows the sign (blue positive, orange negative, Playground's colours) and its
thickness the magnitude. Only networks of Dense layers with at most 8 units per layer
(and at most 8 input features) qualify; anything larger would be a hairball.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Slot
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from core.nn.layers import LAYER_KINDS
from core.nn.spec import NetworkSpec

MAX_UNITS = 8
POSITIVE = QColor("#0877bd")
NEGATIVE = QColor("#f59322")
NEUTRAL = QColor("#c4c7cc")
# Layers that keep the number of units, so the picture stays one column per Dense layer.
PASS_THROUGH = {"Dropout", "LayerNorm", "BatchNorm"} | {
    k for k, v in LAYER_KINDS.items() if v.group == "Activation"}


def dense_columns(spec: NetworkSpec, input_shape: tuple[int, ...] | None,
                  n_outputs: int) -> tuple[list[int] | None, list[str], str]:
    """Units per column (input, hidden Dense layers, output), their captions, and why the
    network does not qualify ("" when it does)."""
    if not input_shape:
        return None, [], "Load a dataset to see the neurons of a small dense network."
    if len(input_shape) != 1:
        return None, [], (f"The input {input_shape} is not a flat table of features; the "
                          "neuron view draws networks on at most "
                          f"{MAX_UNITS} features.")
    if input_shape[0] > MAX_UNITS:
        return None, [], (f"The input has {input_shape[0]} features; the neuron view draws "
                          f"at most {MAX_UNITS} per layer, like TensorFlow Playground.")
    columns, captions = [input_shape[0]], ["Input"]
    for i, layer in enumerate(spec.layers, start=1):
        if layer.kind in PASS_THROUGH:
            continue
        if layer.kind != "Dense":
            return None, [], (f"Layer {i} is {layer.kind}; the neuron view draws networks "
                              "made of Dense layers only.")
        units = layer.params.get("units", LAYER_KINDS["Dense"].param("units").default)
        if not isinstance(units, int) or not 1 <= units <= MAX_UNITS:
            return None, [], (f"Layer {i} has {units} units; the neuron view draws at most "
                              f"{MAX_UNITS} units per layer, like TensorFlow Playground.")
        columns.append(units)
        activation = layer.params.get("activation", "relu")
        captions.append(f"Dense {units}" + (f"\n{activation}" if activation != "none" else ""))
    if not 1 <= n_outputs <= MAX_UNITS:
        return None, [], f"The output has {n_outputs} units; at most {MAX_UNITS} can be drawn."
    columns.append(n_outputs)
    captions.append(f"Output {n_outputs}")
    return columns, captions, ""


def linear_weights(source: Any) -> list[np.ndarray]:
    """The 2-D weight matrices (out, in) of a torch model or state dict, in layer order."""
    state = source.state_dict() if hasattr(source, "state_dict") else source
    if not isinstance(state, Mapping):
        return []
    mats = []
    for key, value in state.items():
        if str(key).endswith("weight") and getattr(value, "ndim", 0) == 2:
            tensor = value.detach().cpu() if hasattr(value, "detach") else value
            mats.append(np.asarray(tensor, dtype=float))
    return mats


class NeuronView(QWidget):
    """Paints units and weights; ``set_structure`` first, then ``set_weights`` per epoch."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns: list[int] = []
        self.captions: list[str] = []
        self.weights: list[np.ndarray] | None = None  # None: untrained, neutral lines
        self.setMinimumSize(320, 240)
        self.setAccessibleName("Neuron view")

    def sizeHint(self) -> QSize:
        return QSize(520, 360)

    def set_structure(self, columns: list[int], captions: list[str]) -> None:
        """A new or edited network: neutral lines until weights arrive."""
        self.weights = None
        self.columns, self.captions = list(columns), list(captions)
        self.update()

    def set_weights(self, mats: list[np.ndarray]) -> bool:
        """Colour the lines from ``mats``; False (and nothing changes) when they do not
        match the drawn structure, e.g. weights of a network edited since."""
        expected = [(b, a) for a, b in zip(self.columns[:-1], self.columns[1:], strict=True)]
        if [m.shape for m in mats] != expected:
            return False
        self.weights = [np.array(m, dtype=float) for m in mats]
        self.update()
        return True

    def _positions(self) -> list[list[QPointF]]:
        rect = QRectF(self.rect()).adjusted(40, 24, -40, -56)
        n = len(self.columns)
        out = []
        for c, units in enumerate(self.columns):
            x = rect.left() + (rect.width() * c / (n - 1) if n > 1 else rect.width() / 2)
            step = rect.height() / MAX_UNITS
            top = rect.center().y() - step * (units - 1) / 2
            out.append([QPointF(x, top + step * u) for u in range(units)])
        return out

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.columns:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        pos = self._positions()
        scale = max((float(np.abs(m).max()) for m in self.weights if m.size), default=1.0) \
            if self.weights else 1.0
        for c in range(len(pos) - 1):
            for j, b in enumerate(pos[c + 1]):
                for i, a in enumerate(pos[c]):
                    if self.weights is None:
                        pen = QPen(NEUTRAL, 1.0)
                    else:
                        w = float(self.weights[c][j, i])
                        pen = QPen(POSITIVE if w >= 0 else NEGATIVE,
                                   0.5 + 5.0 * abs(w) / (scale or 1.0))
                    painter.setPen(pen)
                    painter.drawLine(a, b)
        radius = min(14.0, max(6.0, (self.height() - 80) / (MAX_UNITS * 3)))
        painter.setPen(QPen(QColor("#5f6368"), 1.2))
        for c, column in enumerate(pos):
            painter.setBrush(QColor("#e6f4ea") if c == 0 else QColor("#ffffff"))
            for p in column:
                painter.drawEllipse(p, radius, radius)
            caption = QRectF(column[0].x() - 60, self.height() - 50, 120, 44)
            painter.drawText(caption, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                             self.captions[c] if c < len(self.captions) else "")
        painter.end()


class NeuronPanel(QWidget):
    """The neuron view when the network qualifies, otherwise a note saying why not."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = NeuronView()
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setStyleSheet("color: #5f6368; padding: 24px")
        self.legend = QLabel()
        self.legend.setStyleSheet("color: #5f6368")
        self.legend.setWordWrap(True)
        drawn = QWidget()
        box = QVBoxLayout(drawn)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.view, 1)
        box.addWidget(self.legend)
        self._stack = QStackedWidget()
        self._stack.addWidget(drawn)
        self._stack.addWidget(self.note)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)

    @property
    def qualifies(self) -> bool:
        return self._stack.currentIndex() == 0

    def set_network(self, spec: NetworkSpec, input_shape: tuple[int, ...] | None,
                    n_outputs: int) -> None:
        columns, captions, reason = dense_columns(spec, input_shape, n_outputs)
        if columns is None:
            self.note.setText(reason)
            self._stack.setCurrentIndex(1)
            return
        self.view.set_structure(columns, captions)
        self._stack.setCurrentIndex(0)
        self._update_legend()

    @Slot(object)
    def update_weights(self, source: Any) -> bool:
        """Show the weights of a torch model or state dict (called after each epoch)."""
        done = self.qualifies and self.view.set_weights(linear_weights(source))
        self._update_legend()
        return done

    def _update_legend(self) -> None:
        if self.view.weights is None:
            self.legend.setText("Grey lines: weights appear here while the network trains "
                                "(blue positive, orange negative, thicker = larger).")
        else:
            self.legend.setText("<span style='color:#0877bd'>\u2501 positive weight</span>"
                                " &nbsp; <span style='color:#f59322'>\u2501 negative "
                                "weight</span> &nbsp; thicker = larger")
