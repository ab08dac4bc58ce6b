"""Item models for previews: a table over a DataFrame and a thumbnail list over images.

Views ask the model for the cells they paint, so a 60,000-row table costs no more than
the rows on screen (no widget or item object per cell).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QImage

if TYPE_CHECKING:  # pandas loads on first use: an empty table must not delay the window
    import pandas as pd

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


class DataFrameModel(QAbstractTableModel):
    """Read-only view of a DataFrame; long text is elided in cells and whole in tooltips."""

    def __init__(self, frame: pd.DataFrame | None = None, max_chars: int = 80) -> None:
        super().__init__()
        self._frame: pd.DataFrame | None = frame
        self._max_chars = max_chars

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            import pandas as pd

            self._frame = pd.DataFrame()
        return self._frame

    def set_frame(self, frame: pd.DataFrame) -> None:
        self.beginResetModel()
        self._frame = frame
        self.endResetModel()

    @classmethod
    def from_records(cls, records: list[dict[str, Any]], max_chars: int = 80) -> DataFrameModel:
        import pandas as pd

        return cls(pd.DataFrame.from_records(records), max_chars)

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() or self._frame is None else len(self._frame)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() or self._frame is None else self._frame.shape[1]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self.frame.iat[index.row(), index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            text = _format(value)
            return text if len(text) <= self._max_chars else text[: self._max_chars - 1] + "\u2026"
        if role == Qt.ItemDataRole.ToolTipRole:
            text = _format(value)
            return text if len(text) > self._max_chars else None
        if role == Qt.ItemDataRole.TextAlignmentRole and _is_number(value):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return str(self.frame.columns[section])
        return str(section + 1)


class ThumbnailModel(QAbstractListModel):
    """Images (N, C, H, W) in [0, 1] as list items with a picture and a caption.

    QImages are made on demand when the view paints an item, and cached.
    """

    def __init__(self, images: np.ndarray | None = None, captions: list[str] | None = None,
                 size: int = 72) -> None:
        super().__init__()
        self._images = np.zeros((0, 1, 1, 1), np.float32) if images is None else images
        self._captions = captions or []
        self._size = size
        self._cache: dict[int, QImage] = {}

    def set_images(self, images: np.ndarray, captions: list[str]) -> None:
        self.beginResetModel()
        self._images = images
        self._captions = captions
        self._cache.clear()
        self.endResetModel()

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._images)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = index.row()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._captions[row] if row < len(self._captions) else None
        if role == Qt.ItemDataRole.DecorationRole:
            if row not in self._cache:
                self._cache[row] = image_to_qimage(self._images[row]).scaled(
                    self._size, self._size, Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.FastTransformation)
            return self._cache[row]
        return None


def image_to_qimage(image: np.ndarray) -> QImage:
    """One (C, H, W) float image in [0, 1] as an 8-bit QImage (grayscale or RGB)."""
    arr = np.clip(np.asarray(image, dtype=np.float32) * 255.0, 0, 255).astype(np.uint8)
    if arr.ndim == 3 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim == 2:
        h, w = arr.shape
        buf = np.ascontiguousarray(arr)
        return QImage(buf.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    rgb = np.ascontiguousarray(np.transpose(arr[:3], (1, 2, 0)))
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def _format(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)):
        return f"{value:.6g}"
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
