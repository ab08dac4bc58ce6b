"""The network as a vertical stack of layer cards: a tree model, a card delegate and a view.

The model mirrors a ``NetworkSpec`` plus the engine's ``NetworkSummary`` (shapes, counts,
errors). It never edits the spec itself: drops and key presses become *requests* that the
editor turns into undoable commands, so the model stays a pure view of the document.
A residual block's inner layers are its children; the automatic Flatten and output layers
follow the stack as locked rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from core.nn.layers import LAYER_KINDS
from core.nn.shapes import LayerInfo, NetworkSummary
from core.nn.spec import LayerSpec, NetworkSpec

LayerPath = tuple[int, ...]
AnyIndex = QModelIndex | QPersistentModelIndex

MIME_KIND = "application/x-mendel-layer-kind"  # a palette entry: the kind to add
MIME_PATH = "application/x-mendel-layer-path"  # a card of the stack: JSON list of its path

ERROR_COLOR = QColor("#c62828")
BLOCK_COLOR = QColor("#e08a1e")  # residual blocks, here and in the diagram


class Role(IntEnum):
    PATH = Qt.ItemDataRole.UserRole + 1  # tuple, or None for an automatic layer
    DETAILS = Qt.ItemDataRole.UserRole + 2  # "units 64 · relu"
    SHAPE = Qt.ItemDataRole.UserRole + 3  # "(52, 32)", "?" or ""
    N_PARAMS = Qt.ItemDataRole.UserRole + 4  # int
    ERROR = Qt.ItemDataRole.UserRole + 5  # str or None
    AUTO = Qt.ItemDataRole.UserRole + 6  # bool
    NUMBER = Qt.ItemDataRole.UserRole + 7  # "3" or "3.1"


ALWAYS_SHOWN = {"kernel"}  # besides the first parameter of a kind


def layer_details(layer: LayerSpec) -> str:
    """The key parameters of a card, named so a newcomer can read them: the kind's first
    parameter, the kernel, a non-linear activation, and any parameter off its default."""
    kind = LAYER_KINDS.get(layer.kind)
    if kind is None:
        return ""
    if layer.kind == "Residual":
        n = len(layer.layers or [])
        return f"{n} inner layer{'s' if n != 1 else ''}: output = input + inner layers"
    if not kind.params:
        return kind.description
    parts = []
    for i, p in enumerate(kind.params):
        value = layer.params.get(p.name, p.default)
        if p.name == "activation":
            if value != "none":
                parts.append(str(value))
        elif i == 0 or p.name in ALWAYS_SHOWN or value != p.default:
            if p.type == "bool":
                if value:
                    parts.append(p.name)
            elif p.type == "choice":
                parts.append(f"{p.name} {value}")
            else:
                parts.append(f"{p.name} {value:g}" if isinstance(value, float)
                             else f"{p.name} {value}")
    return " · ".join(parts)


def shape_text(shape: tuple[int, ...] | None) -> str:
    if shape is None:
        return "?"
    return "(" + ", ".join(str(n) for n in shape) + ")"


@dataclass
class _Node:
    parent: int  # node id of the parent row, -1 at the top level
    row: int
    path: LayerPath | None  # None for an automatic layer
    info: LayerInfo | None
    layer: LayerSpec | None
    children: list[int] = field(default_factory=list)


def _signature(spec: NetworkSpec, n_auto: int) -> Any:
    def walk(layers: list[LayerSpec]) -> list[Any]:
        return [walk(x.layers) if x.layers is not None else None for x in layers]
    return walk(spec.layers), n_auto


class LayerStackModel(QAbstractItemModel):
    """Rows are layers; a residual block's rows are its inner layers; automatic rows last."""

    insertRequested = Signal(str, object)  # kind, insertion path
    moveRequested = Signal(object, object)  # source path, insertion path (paths before the move)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._spec = NetworkSpec()
        self._nodes: list[_Node] = []
        self._top: list[int] = []
        self._by_path: dict[LayerPath, int] = {}
        self._signature: Any = None

    # --- filling -------------------------------------------------------------------------
    def set_network(self, spec: NetworkSpec, summary: NetworkSummary | None) -> None:
        """Show ``spec`` with the engine's verdict; an unchanged tree only repaints."""
        infos = {i.path: i for i in summary.layers if not i.auto} if summary else {}
        autos = [i for i in summary.layers if i.auto] if summary else []
        signature = _signature(spec, len(autos))
        same_tree = signature == self._signature
        if not same_tree:
            self.beginResetModel()
        self._spec = spec
        self._signature = signature
        self._nodes, self._top, self._by_path = [], [], {}

        def add(layers: list[LayerSpec], parent: int, prefix: LayerPath) -> list[int]:
            ids = []
            for row, layer in enumerate(layers):
                path = (*prefix, row)
                node_id = len(self._nodes)
                self._nodes.append(_Node(parent, row, path, infos.get(path), layer))
                self._by_path[path] = node_id
                if layer.layers is not None:
                    self._nodes[node_id].children = add(layer.layers, node_id, path)
                ids.append(node_id)
            return ids

        self._top = add(spec.layers, -1, ())
        for info in autos:
            self._top.append(len(self._nodes))
            self._nodes.append(_Node(-1, len(self._top) - 1, None, info, None))
        if not same_tree:
            self.endResetModel()
        else:
            self._changed_under(QModelIndex(), self._top)

    def _changed_under(self, parent: QModelIndex, ids: list[int]) -> None:
        if not ids:
            return
        self.dataChanged.emit(self.index(0, 0, parent), self.index(len(ids) - 1, 0, parent))
        for row, node_id in enumerate(ids):
            if self._nodes[node_id].children:
                self._changed_under(self.index(row, 0, parent), self._nodes[node_id].children)

    def index_of(self, path: LayerPath | None) -> QModelIndex:
        node_id = self._by_path.get(path) if path else None
        if node_id is None:
            return QModelIndex()
        return self.createIndex(self._nodes[node_id].row, 0, node_id)

    def auto_indexes(self) -> list[QModelIndex]:
        return [self.createIndex(self._nodes[i].row, 0, i) for i in self._top
                if self._nodes[i].path is None]

    def _node(self, index: AnyIndex) -> _Node | None:
        return self._nodes[index.internalId()] if index.isValid() else None

    # --- tree structure ------------------------------------------------------------------
    def _child_ids(self, parent: AnyIndex) -> list[int]:
        node = self._node(parent)
        return self._top if node is None else node.children

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:
        ids = self._child_ids(parent)
        if column != 0 or not 0 <= row < len(ids):
            return QModelIndex()
        return self.createIndex(row, 0, ids[row])

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        node = self._node(index)
        if node is None or node.parent < 0:
            return QModelIndex()
        return self.createIndex(self._nodes[node.parent].row, 0, node.parent)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        if parent.column() > 0:
            return 0
        return len(self._child_ids(parent))

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 1

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        node = self._node(index)
        if node is None:
            return None
        info = node.info
        if role == Qt.ItemDataRole.DisplayRole:
            if node.layer is None:
                return "Output" if info and info.kind == "Dense" else "Flatten"
            return node.layer.kind
        if role == Role.PATH:
            return node.path
        if role == Role.NUMBER:
            return ".".join(str(i + 1) for i in node.path) if node.path else ""
        if role == Role.AUTO:
            return node.layer is None
        if role == Role.DETAILS:
            if node.layer is None:
                return "sized from the dataset's task" if info and info.kind == "Dense" \
                    else "flattens the last shape for the output layer"
            return layer_details(node.layer)
        if role == Role.SHAPE:
            if info is None:
                return ""
            return "error" if info.error else shape_text(info.output_shape)
        if role == Role.N_PARAMS:
            return info.n_params if info else 0
        if role == Role.ERROR:
            return info.error if info else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if info and info.error:
                return info.error
            if node.layer is None:
                return "Locked: Mendel adds this layer from the dataset's task."
            kind = LAYER_KINDS.get(node.layer.kind)
            return kind.description if kind else None
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        node = self._node(index)
        if node is None:
            return Qt.ItemFlag.ItemIsDropEnabled
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if node.layer is not None:
            flags |= Qt.ItemFlag.ItemIsDragEnabled
            if node.layer.layers is not None:
                flags |= Qt.ItemFlag.ItemIsDropEnabled
        return flags

    # --- drag and drop -------------------------------------------------------------------
    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME_KIND, MIME_PATH]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData | None:  # type: ignore[override]
        paths = [self.data(i, Role.PATH) for i in indexes if self.data(i, Role.PATH)]
        if not paths:
            return None
        data = QMimeData()
        data.setData(MIME_PATH, json.dumps(list(paths[0])).encode())
        return data

    def insertion_path(self, row: int, parent: AnyIndex) -> LayerPath:
        """Where a drop at ``row`` under ``parent`` (Qt's drop coordinates) inserts."""
        node = self._node(parent)
        if node is None or node.layer is None:
            n = len(self._spec.layers)
            return (n if row < 0 else min(row, n),)
        assert node.path is not None
        if node.layer.layers is None:  # dropped on a plain card: right after it
            return (*node.path[:-1], node.path[-1] + 1)
        n = len(node.layer.layers)
        return (*node.path, n if row < 0 else min(row, n))

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                        parent: AnyIndex) -> bool:
        return data.hasFormat(MIME_KIND) or data.hasFormat(MIME_PATH)

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: AnyIndex) -> bool:
        target = self.insertion_path(row, parent)
        if data.hasFormat(MIME_KIND):
            kind = bytes(data.data(MIME_KIND).data()).decode()
            if kind in LAYER_KINDS:
                self.insertRequested.emit(kind, target)
                return True
            return False
        if data.hasFormat(MIME_PATH):
            source = tuple(json.loads(bytes(data.data(MIME_PATH).data()).decode()))
            self.moveRequested.emit(source, target)
            # The move is done by the editor; returning False keeps the view from removing
            # the dragged rows a second time.
            return False
        return False


class LayerCardDelegate(QStyledItemDelegate):
    """Paints a row as a card: number and kind, key parameters, output shape and weights,
    and the engine's reason in red when the layer does not fit."""

    HEIGHT = 50
    ERROR_LINE = 18
    RIGHT = 150  # width of the shape / parameter column

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        error = index.data(Role.ERROR)
        lines = 0
        if error:
            view = self.parent()
            width = 400
            if isinstance(view, QTreeView):  # option.rect is not laid out yet here
                depth = 0 if not index.parent().isValid() else 1
                width = view.viewport().width() - depth * view.indentation()
            metrics = QFontMetrics(option.font)
            text = metrics.boundingRect(QRect(0, 0, max(width - 30, 200), 1000),
                                        Qt.TextFlag.TextWordWrap, f"\u26a0 {error}")
            lines = min(4, -(-text.height() // metrics.height()))
        return QSize(260, self.HEIGHT + lines * self.ERROR_LINE + (4 if lines else 0))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        card = option.rect.adjusted(3, 3, -4, -3)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        error = index.data(Role.ERROR)
        auto = bool(index.data(Role.AUTO))
        palette = option.palette
        fill = QColor("#f2f3f5") if auto else palette.base().color()
        border = QColor("#b0b4ba")
        if error:
            fill, border = QColor("#fdecea"), ERROR_COLOR
        if selected:
            fill = QColor("#e3effc") if not error else QColor("#fbd9d5")
            border = QColor("#1f6fd1") if not error else ERROR_COLOR
        pen = QPen(border, 2 if (selected or error) else 1)
        if auto:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(fill)
        painter.drawRoundedRect(card, 6, 6)

        text_color = palette.text().color()
        muted = QColor("#5f6368")
        inner = card.adjusted(10, 5, -10, -5)
        right = QRect(inner.right() - self.RIGHT, inner.top(), self.RIGHT, 20)
        left = QRect(inner.left(), inner.top(), inner.width() - self.RIGHT - 8, 20)
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(text_color if not auto else muted)
        number = index.data(Role.NUMBER)
        title = f"{number}   {index.data()}" if number else f"{index.data()}   (locked)"
        painter.drawText(left, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         title)
        shape = index.data(Role.SHAPE)
        painter.setPen(ERROR_COLOR if error else text_color)
        painter.drawText(right, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         shape)

        painter.setFont(option.font)
        painter.setPen(muted)
        details = QFontMetrics(option.font).elidedText(
            index.data(Role.DETAILS) or "", Qt.TextElideMode.ElideRight, left.width())
        painter.drawText(left.translated(0, 20),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, details)
        n_params = index.data(Role.N_PARAMS) or 0
        if shape not in ("?", "error", ""):  # unknown counts stay blank, not "no weights"
            painter.drawText(right.translated(0, 20),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             f"{n_params:,} params" if n_params else "no weights")
        if error:
            painter.setPen(ERROR_COLOR)
            box = QRect(inner.left(), inner.top() + 42, inner.width(), inner.bottom()
                        - inner.top() - 40)
            painter.drawText(box, Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignTop,
                             f"\u26a0 {error}")
        painter.restore()


class LayerStackView(QTreeView):
    """The stack of cards. Delete removes, Ctrl+D duplicates, Alt/Ctrl+Up/Down move the
    selected layer; plain arrows move the selection (QTreeView's own behaviour)."""

    deleteRequested = Signal()
    duplicateRequested = Signal()
    shiftRequested = Signal(int)  # -1 up, +1 down

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setItemsExpandable(False)
        self.setExpandsOnDoubleClick(False)
        self.setIndentation(28)
        self.setUniformRowHeights(False)
        self.setItemDelegate(LayerCardDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setAccessibleName("Layer stack")
        self.setStyleSheet("QTreeView { show-decoration-selected: 0; }")

    def drawBranches(self, painter: QPainter, rect: QRect,
                     index: QModelIndex | QPersistentModelIndex) -> None:
        """No expand arrows (blocks stay open): an orange bar marks a block's inner layers."""
        depth = 0
        parent = index.parent()
        while parent.isValid():
            depth += 1
            parent = parent.parent()
        painter.save()
        for level in range(depth):
            x = rect.left() + level * self.indentation() + self.indentation() // 2
            painter.fillRect(QRect(x - 2, rect.top(), 4, rect.height()), BLOCK_COLOR)
        painter.restore()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        move_mods = Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ControlModifier
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and not mods:
            self.deleteRequested.emit()
        elif key == Qt.Key.Key_D and mods == Qt.KeyboardModifier.ControlModifier:
            self.duplicateRequested.emit()
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and mods & move_mods:
            self.shiftRequested.emit(-1 if key == Qt.Key.Key_Up else 1)
        else:
            super().keyPressEvent(event)
            return
        event.accept()
