"""A fitted decision tree drawn as a diagram: boxes for nodes, lines for the yes/no branches.

Each node shows what the lecture's ``plot_tree`` shows (split, impurity, samples, class)
plus a bar of its training samples' class mix, and is filled with its majority class's
colour, stronger the purer it is. Click a node to fold its subtree away (a badge says how
many nodes it hides) and again to unfold it; Ctrl+wheel or the zoom methods scale the
view, dragging the background pans. The visible diagram exports as PNG or SVG.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QShowEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsSceneMouseEvent,
    QGraphicsSimpleTextItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

from app.file_guard import write_problem
from app.plots.colors import class_colors
from app.widgets.diagram_view import DiagramView, scene_png_bytes, scene_svg_bytes
from core.atomic import write_bytes_atomic
from core.classic.tree import TreeNode, TreeResult
from core.data.files import display
from core.errors import ExportError

NODE_W, NODE_H = 196.0, 106.0
H_GAP, V_GAP = 14.0, 40.0
MIN_FIT_ZOOM = 0.7  # a new tree opens no smaller than this (text stays readable)
AUTO_COLLAPSE_NODES = 63  # larger trees open folded below ``AUTO_COLLAPSE_DEPTH``
AUTO_COLLAPSE_DEPTH = 4
REGRESSION_LOW, REGRESSION_HIGH = QColor("#f7f7f7"), QColor("#0877bd")


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    t = min(max(t, 0.0), 1.0)
    return QColor.fromRgbF(a.redF() + (b.redF() - a.redF()) * t,
                           a.greenF() + (b.greenF() - a.greenF()) * t,
                           a.blueF() + (b.blueF() - a.blueF()) * t)


class NodeItem(QGraphicsItem):
    """One tree node; a click on an inner node folds or unfolds its subtree."""

    def __init__(self, node: TreeNode, diagram: TreeDiagram) -> None:
        super().__init__()
        self.node = node
        self._diagram = weakref.ref(diagram)  # the view holds the items: no cycle back
        self.collapsed = False
        self.hidden_count = 0
        self._press: QPointF | None = None
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        if not node.is_leaf:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(diagram.node_tooltip(node))

    @property
    def diagram(self) -> TreeDiagram:
        diagram = self._diagram()
        assert diagram is not None, "a node item outlived its diagram"
        return diagram

    def boundingRect(self) -> QRectF:
        return QRectF(-NODE_W / 2 - 1, -1, NODE_W + 2, NODE_H + 2)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        d, n = self.diagram, self.node
        rect = QRectF(-NODE_W / 2, 0, NODE_W, NODE_H)
        fill, border = d.node_colors(n)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(border, 2.2 if self.collapsed else 1.2))
        painter.setBrush(QBrush(fill))
        painter.drawRoundedRect(rect, 7, 7)
        lines = d.node_lines(n)
        x0, width = rect.left() + 8, rect.width() - 16
        y = rect.top() + 4
        bold_lines = 1
        if (" <= " in lines[0]
                and QFontMetricsF(d.bold_font).horizontalAdvance(lines[0]) > width):
            feature, _, threshold = lines[0].rpartition(" <= ")
            lines = [feature, f"<= {threshold}", *lines[1:]]  # a long rule takes two lines
            bold_lines = 2
        for i, text in enumerate(lines):
            font = d.bold_font if i < bold_lines else d.font
            metrics = QFontMetricsF(font)
            painter.setFont(font)
            painter.setPen(QColor("#1a1a1a") if i < bold_lines else QColor("#333333"))
            shown = metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, width)
            painter.drawText(QRectF(x0, y, width, metrics.height()),
                             Qt.AlignmentFlag.AlignHCenter, shown)
            y += metrics.height()
        if d.classes:
            self._paint_bar(painter, QRectF(x0, rect.bottom() - 15, width, 8))
        if self.collapsed:
            badge = f"+{self.hidden_count}"
            painter.setFont(d.bold_font)
            metrics = QFontMetricsF(d.bold_font)
            w = metrics.horizontalAdvance(badge) + 12
            r = QRectF(-w / 2, rect.bottom() + 3, w, metrics.height() + 2)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#505050"))
            painter.drawRoundedRect(r, 6, 6)
            painter.setPen(QColor("white"))
            painter.drawText(r, Qt.AlignmentFlag.AlignCenter, badge)

    def _paint_bar(self, painter: QPainter, rect: QRectF) -> None:
        total = sum(self.node.value) or 1.0
        x = rect.left()
        painter.setPen(Qt.PenStyle.NoPen)
        for count, color in zip(self.node.value, self.diagram.class_qcolors, strict=False):
            w = rect.width() * count / total
            if w > 0:
                painter.setBrush(color)
                painter.drawRect(QRectF(x, rect.top(), w, rect.height()))
            x += w
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor("#00000055"), 0.8))
        painter.drawRect(rect)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self._press = event.scenePos()
        event.accept()

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        moved = self._press is not None and (event.scenePos() - self._press).manhattanLength() > 6
        self._press = None
        if not moved and not self.node.is_leaf:
            self.diagram.toggle(self.node.id)
        event.accept()


class TreeDiagram(DiagramView):
    """The tree of a ``TreeResult``; ``node_items`` holds one item per node."""

    toggled = Signal(int, bool)  # node id, now collapsed
    zoomChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Decision tree diagram", parent)
        self.result: TreeResult | None = None
        self.node_items: dict[int, NodeItem] = {}
        self.edge_items: dict[int, QGraphicsPathItem] = {}  # keyed by child id
        self.edge_labels: dict[int, QGraphicsSimpleTextItem] = {}
        self.classes: list[str] = []
        self.class_qcolors: list[QColor] = []
        self.font = QFont()
        self.font.setPointSizeF(9.5)
        self.bold_font = QFont(self.font)
        self.bold_font.setBold(True)
        self._value_range = (0.0, 1.0)
        self._fit_pending = False

    # -- content ----------------------------------------------------------------------------
    def set_tree(self, result: TreeResult | None) -> None:
        """Draw ``result`` (None clears). Trees of more than ``AUTO_COLLAPSE_NODES`` nodes
        open folded below depth ``AUTO_COLLAPSE_DEPTH``; click a badge to unfold."""
        scene = self.scene()
        scene.clear()
        self.node_items, self.edge_items, self.edge_labels = {}, {}, {}
        self.result = result
        if result is None:
            return
        self.classes = list(result.class_names or []) if result.task == "classification" else []
        if result.task == "classification" and not self.classes and result.nodes:
            self.classes = [str(i) for i in range(len(result.nodes[0].value))]
        self.class_qcolors = [QColor(c) for c in class_colors(len(self.classes))]
        if result.task != "classification":
            values = [nd.value[0] for nd in result.nodes]
            self._value_range = (min(values), max(values)) if values else (0.0, 1.0)
        edge_pen = QPen(QColor("#8a8a8a"), 1.4)
        for nd in result.nodes:
            item = NodeItem(nd, self)
            scene.addItem(item)
            self.node_items[nd.id] = item
            if nd.parent is not None:
                edge = scene.addPath(QPainterPath(), edge_pen)
                edge.setZValue(-1)
                self.edge_items[nd.id] = edge
                label = scene.addSimpleText(self.branch_text(nd), self.font)
                label.setBrush(QColor("#707070"))
                self.edge_labels[nd.id] = label
        if len(result.nodes) > AUTO_COLLAPSE_NODES:
            for nd in result.nodes:
                if nd.depth == AUTO_COLLAPSE_DEPTH and not nd.is_leaf:
                    self.node_items[nd.id].collapsed = True
        self.relayout()
        self.resetTransform()
        if self.isVisible():
            self.fit(MIN_FIT_ZOOM)
        else:
            self._fit_pending = True

    def toggle(self, node_id: int) -> None:
        """Fold an unfolded inner node, unfold a folded one."""
        item = self.node_items.get(node_id)
        if item is None or item.node.is_leaf:
            return
        item.collapsed = not item.collapsed
        self.relayout()
        self.toggled.emit(node_id, item.collapsed)

    def set_collapsed(self, node_id: int, collapsed: bool) -> None:
        item = self.node_items[node_id]
        if item.collapsed != collapsed and not item.node.is_leaf:
            self.toggle(node_id)

    def expand_all(self) -> None:
        for item in self.node_items.values():
            item.collapsed = False
        self.relayout()

    def visible_ids(self) -> list[int]:
        return [i for i, item in self.node_items.items() if item.isVisible()]

    def relayout(self) -> None:
        """Place visible nodes: leaves (and folded nodes) left to right, each parent centred
        over its children, one row per depth."""
        if self.result is None or not self.result.nodes:
            return
        nodes = self.result.nodes
        visible: set[int] = set()
        x_of: dict[int, float] = {}
        next_x = [0.0]

        def place(i: int) -> float:
            visible.add(i)
            nd, item = nodes[i], self.node_items[i]
            if nd.is_leaf or item.collapsed:
                x = next_x[0]
                next_x[0] += NODE_W + H_GAP
            else:
                x = (place(nd.left) + place(nd.right)) / 2  # type: ignore[arg-type]
            x_of[i] = x
            return x

        place(0)
        for nd in nodes:
            item = self.node_items[nd.id]
            shown = nd.id in visible
            item.setVisible(shown)
            if item.collapsed:
                item.hidden_count = self._descendants(nd.id)
            if shown:
                item.setPos(x_of[nd.id], nd.depth * (NODE_H + V_GAP))
            item.update()
        for child_id, edge in self.edge_items.items():
            shown = child_id in visible
            edge.setVisible(shown)
            label = self.edge_labels[child_id]
            label.setVisible(shown)
            if not shown:
                continue
            child = self.node_items[child_id]
            parent = self.node_items[nodes[child_id].parent]  # type: ignore[index]
            a = parent.pos() + QPointF(0, NODE_H)
            b = child.pos()
            path = QPainterPath(a)
            mid = (a.y() + b.y()) / 2
            path.cubicTo(QPointF(a.x(), mid), QPointF(b.x(), mid), b)
            edge.setPath(path)
            t = 0.3
            lx = a.x() + (b.x() - a.x()) * t
            label.setPos(lx + (4 if b.x() >= a.x() else -label.boundingRect().width() - 4),
                         a.y() + 4)
        rect = self.scene().itemsBoundingRect().adjusted(-30, -30, 30, 30)
        self.scene().setSceneRect(rect)

    def _descendants(self, i: int) -> int:
        nd = self.result.nodes[i]  # type: ignore[union-attr]
        if nd.is_leaf:
            return 0
        return 2 + self._descendants(nd.left) + self._descendants(nd.right)  # type: ignore[arg-type]

    # -- what a node says ----------------------------------------------------------------------
    def branch_text(self, nd: TreeNode) -> str:
        """The answer on the branch into ``nd``: "yes" / "no" to its parent's "x <= t", or
        "is G" / "is not G" under a one-hot column's "position 30"."""
        r = self.result
        assert r is not None and nd.parent is not None
        parent = r.nodes[nd.parent]
        left = parent.left == nd.id
        answer = parent.left_answer if left else parent.right_answer
        return answer or ("yes" if left else "no")

    def node_lines(self, nd: TreeNode) -> list[str]:
        r = self.result
        assert r is not None
        first = (nd.question or nd.rule) if nd.rule else "leaf"
        lines = [first, f"{r.criterion} = {nd.impurity:.3f}", f"samples = {nd.n_samples}"]
        if r.task == "classification":
            lines.append(f"class = {nd.prediction}")
        else:
            lines.append(f"value = {nd.prediction}")
        return lines

    def node_tooltip(self, nd: TreeNode) -> str:
        r = self.result
        assert r is not None
        lines = self.node_lines(nd)
        if nd.rule and nd.right_rule and nd.question != nd.rule:
            lines[0] = f"{nd.question}: left if it {nd.left_answer}, right if it {nd.right_answer}"
        if r.task == "classification":
            counts = ", ".join(f"{name}: {int(v)}" for name, v in
                               zip(self.classes, nd.value, strict=False))
            lines.append(f"training samples per class: {counts}")
        if not nd.is_leaf:
            lines.append("Click to fold or unfold this branch.")
        return "\n".join(lines)

    def node_colors(self, nd: TreeNode) -> tuple[QColor, QColor]:
        """(fill, border): majority-class colour, paler the more mixed the node."""
        if self.classes:
            total = sum(nd.value) or 1.0
            k = max(range(len(nd.value)), key=lambda i: nd.value[i])
            share = nd.value[k] / total
            floor = 1.0 / max(len(nd.value), 1)
            purity = (share - floor) / (1 - floor) if floor < 1 else 1.0
            base = self.class_qcolors[k] if k < len(self.class_qcolors) else QColor("#888")
            return _mix(QColor("white"), base, 0.12 + 0.55 * purity), base.darker(130)
        lo, hi = self._value_range
        t = (nd.value[0] - lo) / (hi - lo) if hi > lo else 0.5
        return _mix(REGRESSION_LOW, REGRESSION_HIGH, 0.1 + 0.6 * t), QColor("#4d6f8a")

    # -- zoom and pan ----------------------------------------------------------------------------
    @property
    def zoom(self) -> float:
        return float(self.transform().m11())

    def set_zoom(self, factor: float) -> None:
        factor = min(max(factor, 0.05), 4.0)
        ratio = factor / self.zoom
        self.scale(ratio, ratio)  # relative, so the point under the mouse stays put
        self.zoomChanged.emit(factor)

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom * 1.25)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom / 1.25)

    def fit(self, min_zoom: float = 0.0) -> None:
        """Show the whole visible tree, never magnified beyond 100 % nor shrunk below
        ``min_zoom`` (then the top of the tree, around the root, is shown)."""
        rect = self.scene().sceneRect()
        if rect.isEmpty() or self.viewport().width() < 10:
            return
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom > 1.0:
            self.set_zoom(1.0)
        if self.zoom < min_zoom:
            self.set_zoom(min_zoom)
            root = self.node_items.get(0)
            if root is not None:
                half_height = self.viewport().height() / 2 / self.zoom
                self.centerOn(root.pos().x(), root.pos().y() - 30 + half_height)
        self.zoomChanged.emit(self.zoom)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._fit_pending:
            self._fit_pending = False
            self.fit(MIN_FIT_ZOOM)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.set_zoom(self.zoom * (1.15 ** steps))
            event.accept()
            return
        super().wheelEvent(event)

    # -- export ------------------------------------------------------------------------------------
    def _source(self) -> QRectF:
        return self.scene().itemsBoundingRect().adjusted(-12, -12, 12, 12)

    def png_bytes(self, scale: float = 2.0) -> bytes:
        return scene_png_bytes(self.scene(), self._source(), scale)

    def svg_bytes(self) -> bytes:
        return scene_svg_bytes(self.scene(), self._source(), "Decision tree")

    def export(self, path: str | Path) -> Path:
        """Write the visible diagram; the suffix (.png or .svg) picks the format."""
        path = Path(path)
        writers: dict[str, Callable[[], bytes]] = {".png": self.png_bytes, ".svg": self.svg_bytes}
        writer = writers.get(path.suffix.lower())
        if writer is None:
            raise ExportError("a tree diagram exports as .png or .svg", str(path))
        if self.result is None:
            raise ExportError("there is no tree to export yet; fit one first")
        try:
            write_bytes_atomic(path, writer())
        except OSError as exc:
            raise ExportError(write_problem(path, exc), display(path)) from None
        return path

