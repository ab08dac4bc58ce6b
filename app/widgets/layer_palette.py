"""The layer palette: every layer kind of the registry, grouped, each with its one-line
description, to double-click or drag onto the stack.

Built from ``core.nn.layers.LAYER_KINDS`` so a new kind in the engine appears here without
touching the GUI.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QModelIndex, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.widgets.layer_stack import MIME_KIND
from core.nn.layers import GROUPS, LAYER_KINDS

KIND_ROLE = Qt.ItemDataRole.UserRole + 1
DESCRIPTION_ROLE = Qt.ItemDataRole.UserRole + 2


class _EntryDelegate(QStyledItemDelegate):
    """Kind in bold with its description underneath (elided; the tooltip has all of it)."""

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        if index.data(KIND_ROLE):
            return QSize(size.width(), QFontMetrics(option.font).height() * 2 + 10)
        return QSize(size.width(), size.height() + 6)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        kind = index.data(KIND_ROLE)
        if not kind:
            super().paint(painter, option, index)
            return
        painter.save()
        style = option.widget.style() if option.widget else None
        if style is not None:
            opt = QStyleOptionViewItem(option)
            self.initStyleOption(opt, index)
            opt.text = ""
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, option.widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        rect = option.rect.adjusted(4, 4, -4, -4)
        line = QFontMetrics(option.font).height()
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        pen = option.palette.highlightedText().color() if selected else \
            option.palette.text().color()
        painter.setPen(pen)
        painter.drawText(rect.adjusted(0, 0, 0, -line), Qt.AlignmentFlag.AlignLeft, kind)
        painter.setFont(option.font)
        painter.setPen(pen if selected else QColor("#5f6368"))
        text = QFontMetrics(option.font).elidedText(
            index.data(DESCRIPTION_ROLE), Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect.adjusted(0, line, 0, 0), Qt.AlignmentFlag.AlignLeft, text)
        painter.restore()


class _PaletteTree(QTreeWidget):
    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        # Copy only: a "move" would let Qt delete the entry from the palette after the drop.
        super().startDrag(Qt.DropAction.CopyAction)

    def mimeTypes(self) -> list[str]:
        return [MIME_KIND]

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:  # type: ignore[override]
        data = QMimeData()
        kinds = [i.data(0, KIND_ROLE) for i in items if i.data(0, KIND_ROLE)]
        if kinds:
            data.setData(MIME_KIND, kinds[0].encode())
        return data


class LayerPalette(QWidget):
    """Emits ``layerActivated(kind)`` on double-click or Enter; entries drag as MIME_KIND."""

    layerActivated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("<b>Layers</b>")
        hint = QLabel("Double-click to add after the selected layer, or drag onto the stack.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #5f6368")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter layers…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.tree = _PaletteTree()
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(8)
        self.tree.setItemDelegate(_EntryDelegate(self.tree))
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setUniformRowHeights(False)
        self.tree.setAccessibleName("Layer palette")
        self._items: dict[str, QTreeWidgetItem] = {}
        group_font = QFont(self.font())
        group_font.setBold(True)
        for group in GROUPS:
            head = QTreeWidgetItem(self.tree, [group])
            head.setFlags(Qt.ItemFlag.ItemIsEnabled)
            head.setFont(0, group_font)
            head.setForeground(0, QColor("#1f6fd1"))
            for kind in (k for k in LAYER_KINDS.values() if k.group == group):
                item = QTreeWidgetItem(head, [kind.kind])
                item.setData(0, KIND_ROLE, kind.kind)
                item.setData(0, DESCRIPTION_ROLE, kind.description)
                item.setToolTip(0, f"<b>{kind.kind}</b><br>{kind.description}")
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsDragEnabled)
                self._items[kind.kind] = item
        self.tree.expandAll()
        # itemActivated fires on double-click and on Enter (never twice for one click).
        self.tree.itemActivated.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree, 1)

    def item(self, kind: str) -> QTreeWidgetItem:
        """The entry for ``kind`` (tests click it)."""
        return self._items[kind]

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        kind = item.data(0, KIND_ROLE)
        if kind:
            self.layerActivated.emit(kind)

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        for i in range(self.tree.topLevelItemCount()):
            head = self.tree.topLevelItem(i)
            visible = 0
            for j in range(head.childCount()):
                child = head.child(j)
                hit = not needle or needle in child.text(0).lower() or needle in str(
                    child.data(0, DESCRIPTION_ROLE)).lower()
                child.setHidden(not hit)
                visible += hit
            head.setHidden(visible == 0)
