"""The network drawn as a diagram: one box per layer with its shape, arrows between them,
and each residual block framed with its skip connection jumping around the inner layers.

A QGraphicsScene, so it zooms (Ctrl+wheel, buttons), pans (drag) and exports as PNG or
SVG from the same items the screen shows.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QMouseEvent,
    QPainterPath,
    QPen,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.file_guard import write_problem
from app.settings import dialog_path, remember_dialog_dir
from app.widgets.diagram_view import DiagramView, scene_png_bytes, scene_svg_bytes
from app.widgets.layer_stack import ERROR_COLOR, shape_text
from core.atomic import write_bytes_atomic
from core.data.files import display
from core.errors import ExportError
from core.nn.layers import LAYER_KINDS
from core.nn.shapes import LayerInfo, NetworkSummary
from core.nn.spec import LayerSpec, NetworkSpec

LayerPath = tuple[int, ...]

GROUP_COLORS = {
    "Core": "#dbe8fb",
    "Convolution and pooling": "#dcf1e0",
    "Recurrent": "#ece0f7",
    "Normalization and regularization": "#eceff1",
    "Activation": "#fff4d6",
    "Residual block": "#fff8f0",
    "Attention and embedding": "#fde4ec",
    "Upsampling and reshaping": "#e0f4f4",
}
BOX_W, BOX_H, GAP, FRAME_PAD, FRAME_HEAD = 240.0, 46.0, 26.0, 18.0, 24.0
LINE = QColor("#5f6368")
PATH_KEY = 0  # QGraphicsItem.data key holding a box's layer path


def _arrow(scene: QGraphicsScene, points: list[QPointF], color: QColor = LINE) -> None:
    """A polyline with a filled arrowhead at its last point."""
    line = QPainterPath(points[0])
    for p in points[1:]:
        line.lineTo(p)
    tip, before = points[-1], points[-2]
    dx, dy = tip.x() - before.x(), tip.y() - before.y()
    length = max((dx * dx + dy * dy) ** 0.5, 1e-6)
    ux, uy = dx / length, dy / length
    head = QPolygonF([tip, QPointF(tip.x() - 8 * ux - 4 * uy, tip.y() - 8 * uy + 4 * ux),
                      QPointF(tip.x() - 8 * ux + 4 * uy, tip.y() - 8 * uy - 4 * ux)])
    stroke = scene.addPath(line, QPen(color, 1.6), QBrush(Qt.BrushStyle.NoBrush))
    arrowhead = scene.addPolygon(head, QPen(color, 1), QBrush(color))
    stroke.setZValue(-1)
    arrowhead.setZValue(-1)


class NetworkDiagram(DiagramView):
    """Boxes and arrows for a network; ``layerClicked(path)`` when a layer box is clicked."""

    layerClicked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Network diagram", parent)
        self._boxes: dict[LayerPath, QGraphicsRectItem] = {}
        self._auto: list[QGraphicsRectItem] = []
        self._pens: dict[LayerPath, QPen] = {}
        self._selected: LayerPath | None = None

    # --- building ------------------------------------------------------------------------
    def set_network(self, spec: NetworkSpec, summary: NetworkSummary | None,
                    input_shape: tuple[int, ...] | None) -> None:
        scene = self.scene()
        scene.clear()
        self._boxes, self._auto = {}, []
        infos = {i.path: i for i in summary.layers if not i.auto} if summary else {}
        y = 0.0
        self._box(0.0, y, BOX_W, "Input", shape_text(input_shape) if input_shape
                        else "no dataset", "#e6f4ea")
        y += BOX_H
        y = self._stack(spec.layers, (), infos, 0.0, BOX_W, y)
        for info in (i for i in summary.layers if i.auto) if summary else ():
            _arrow(scene, [QPointF(0, y), QPointF(0, y + GAP)])
            y += GAP
            box = self._box(0.0, y, BOX_W, info.label, self._shape(info), "#f2f3f5",
                            dashed=True, error=info.error)
            box.setToolTip(info.error or "Added automatically from the task (locked).")
            self._auto.append(box)
            y += BOX_H
        self._pens = {p: QPen(box.pen()) for p, box in self._boxes.items()}
        self.setSceneRect(scene.itemsBoundingRect().adjusted(-30, -30, 30, 30))
        self.select(self._selected)

    def _shape(self, info: LayerInfo | None) -> str:
        if info is None:
            return ""
        return "error" if info.error else shape_text(info.output_shape)

    def _stack(self, layers: list[LayerSpec], prefix: LayerPath, infos: dict[LayerPath,
               LayerInfo], x: float, width: float, y: float) -> float:
        scene = self.scene()
        for row, layer in enumerate(layers):
            path = (*prefix, row)
            info = infos.get(path)
            _arrow(scene, [QPointF(x, y), QPointF(x, y + GAP)])
            y += GAP
            if layer.layers is not None:
                y = self._block(layer, path, infos, x, width, y)
                continue
            kind = LAYER_KINDS.get(layer.kind)
            color = GROUP_COLORS.get(kind.group, "#ffffff") if kind else "#ffffff"
            label = info.label if info else layer.kind
            number = ".".join(str(i + 1) for i in path)
            box = self._box(x, y, width, f"{number}  {label}", self._shape(info), color,
                            error=info.error if info else None)
            box.setData(PATH_KEY, path)
            box.setToolTip(info.error if info and info.error else
                           (kind.description if kind else layer.kind))
            self._boxes[path] = box
            y += BOX_H
        return y

    def _block(self, layer: LayerSpec, path: LayerPath, infos: dict[LayerPath, LayerInfo],
               x: float, width: float, y: float) -> float:
        """A residual block: a frame, its inner stack, a ⊕ node and the skip arrow."""
        scene = self.scene()
        info = infos.get(path)
        top = y
        inner_w = width - 2 * FRAME_PAD
        y_inner = self._stack(layer.layers or [], path, infos, x, inner_w, top + FRAME_HEAD)
        _arrow(scene, [QPointF(x, y_inner), QPointF(x, y_inner + GAP - 10)])
        add_y = y_inner + GAP
        add = QGraphicsEllipseItem(x - 10, add_y - 10, 20, 20)
        add.setPen(QPen(LINE, 1.6))
        add.setBrush(QColor("#ffffff"))
        scene.addItem(add)
        plus = QGraphicsSimpleTextItem("+")
        plus.setFont(QFont(self.font().family(), 12, QFont.Weight.Bold))
        plus.setPos(x - plus.boundingRect().width() / 2, add_y - plus.boundingRect().height() / 2)
        scene.addItem(plus)
        bottom = add_y + 10 + 10
        error = info.error if info else None
        frame = QGraphicsRectItem(x - width / 2, top, width, bottom - top)
        frame.setPen(QPen(ERROR_COLOR if error else QColor("#e08a1e"), 2 if error else 1.4,
                          Qt.PenStyle.DashLine))
        frame.setBrush(QColor("#fdecea") if error else QColor(GROUP_COLORS["Residual block"]))
        frame.setZValue(-2)
        frame.setData(PATH_KEY, path)
        frame.setToolTip(error or "Residual block: its input is added to the output of its "
                                  "inner layers.")
        scene.addItem(frame)
        number = ".".join(str(i + 1) for i in path)
        title = QGraphicsSimpleTextItem(
            f"{number}  {info.label if info else 'Residual'}   {self._shape(info)}", frame)
        bold = QFont(self.font())
        bold.setBold(True)
        title.setFont(bold)
        title.setBrush(ERROR_COLOR if error else QColor("#8a4b00"))
        title.setPos(x - width / 2 + 8, top + 4)
        skip_x = x + width / 2 + 16
        _arrow(scene, [QPointF(x, top - GAP / 2), QPointF(skip_x, top - GAP / 2),
                       QPointF(skip_x, add_y), QPointF(x + 11, add_y)],
               QColor("#e08a1e"))
        skip = QGraphicsSimpleTextItem("skip")
        skip.setBrush(QColor("#e08a1e"))
        skip.setPos(skip_x + 4, (top + add_y) / 2 - 8)
        scene.addItem(skip)
        self._boxes[path] = frame
        return bottom

    def _box(self, x: float, y: float, width: float, title: str, subtitle: str, fill: str,
             dashed: bool = False, error: str | None = None) -> QGraphicsRectItem:
        box = QGraphicsRectItem(x - width / 2, y, width, BOX_H)
        pen = QPen(ERROR_COLOR if error else QColor("#80868b"), 2 if error else 1)
        if dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        box.setPen(pen)
        box.setBrush(QColor("#fdecea") if error else QColor(fill))
        self.scene().addItem(box)
        bold = QFont(self.font())
        bold.setBold(True)
        for text, font, dy, color in ((title, bold, 5, QColor("#202124")),
                                      (subtitle, self.font(), 24, ERROR_COLOR if error
                                       else QColor("#3c4043"))):
            item = QGraphicsSimpleTextItem(text, box)
            item.setFont(font)
            item.setBrush(color)
            w = item.boundingRect().width()
            if w > width - 10:
                item.setScale((width - 10) / w)
                w = width - 10
            item.setPos(x - w / 2, y + dy)
        return box

    # --- queries and selection -------------------------------------------------------------
    def layer_boxes(self) -> dict[LayerPath, QGraphicsRectItem]:
        """One box (a frame for a residual block) per layer of the spec, by path."""
        return dict(self._boxes)

    def auto_boxes(self) -> list[QGraphicsRectItem]:
        return list(self._auto)

    def select(self, path: LayerPath | None) -> None:
        """Outline the selected layer's box in blue."""
        self._selected = path
        for p, box in self._boxes.items():
            pen = QPen(self._pens[p])
            if p == path:
                pen.setColor(QColor("#1f6fd1"))
                pen.setWidthF(3)
            box.setPen(pen)

    # --- interaction -----------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        item: QGraphicsItem | None = self.itemAt(event.position().toPoint())
        while item is not None and item.data(PATH_KEY) is None:
            item = item.parentItem()
        if item is not None and event.button() == Qt.MouseButton.LeftButton:
            self.layerClicked.emit(tuple(item.data(PATH_KEY)))
        super().mousePressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom(1.15 ** (event.angleDelta().y() / 120))
            event.accept()
        else:
            super().wheelEvent(event)

    def zoom(self, factor: float) -> None:
        current = self.transform().m11()
        factor = min(max(current * factor, 0.1), 5.0) / current
        self.scale(factor, factor)

    def zoom_to_fit(self) -> None:
        self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        if self.transform().m11() > 1.0:
            self.resetTransform()

    # --- export ----------------------------------------------------------------------------
    def export_png(self, path: str | Path, scale: float = 2.0) -> None:
        self._write(path, scene_png_bytes(self.scene(), self.sceneRect(), scale))

    def export_svg(self, path: str | Path) -> None:
        self._write(path, scene_svg_bytes(self.scene(), self.sceneRect(),
                                          "Mendel network diagram"))

    @staticmethod
    def _write(path: str | Path, data: bytes) -> None:
        try:
            write_bytes_atomic(Path(path), data)
        except OSError as exc:
            raise ExportError(write_problem(path, exc), display(path)) from None


class DiagramPanel(QWidget):
    """The diagram with zoom buttons and PNG / SVG export."""

    exportFailed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.diagram = NetworkDiagram()
        bar = QHBoxLayout()
        for text, tip, slot in (("\u2212", "Zoom out (Ctrl+wheel)", lambda: self.diagram.zoom(
                1 / 1.25)), ("+", "Zoom in (Ctrl+wheel)", lambda: self.diagram.zoom(1.25)),
                ("Fit", "Fit the whole network in view", self.diagram.zoom_to_fit),
                ("1:1", "Actual size", self.diagram.resetTransform)):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            bar.addWidget(button)
        hint = QLabel("Drag to pan")
        hint.setStyleSheet("color: #5f6368")
        bar.addWidget(hint)
        bar.addStretch(1)
        self.png_button = QPushButton("Export PNG…")
        self.svg_button = QPushButton("Export SVG…")
        self.png_button.clicked.connect(lambda: self._export("png"))
        self.svg_button.clicked.connect(lambda: self._export("svg"))
        bar.addWidget(self.png_button)
        bar.addWidget(self.svg_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.diagram, 1)

    def _export(self, fmt: str) -> None:
        name, _ = QFileDialog.getSaveFileName(self, f"Export diagram as {fmt.upper()}",
                                              dialog_path("export", f"network.{fmt}"),
                                              f"{fmt.upper()} (*.{fmt})")
        if not name:
            return
        remember_dialog_dir("export", name)
        try:
            (self.diagram.export_png if fmt == "png" else self.diagram.export_svg)(name)
        except ExportError as exc:
            self.exportFailed.emit(str(exc))
