"""The one way a table of results or a data preview is put on screen.

Every page shows DataFrames through a ``QTableView`` over a ``DataFrameModel`` and wants
the same few choices (row numbers or not, columns sized to their contents or by hand,
the last column filling the width); written once here, the tables of the application
look and behave alike, and a new one is a single call.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import QHeaderView, QTableView, QWidget

ResizeMode = QHeaderView.ResizeMode


def make_table_view(model: QAbstractItemModel, *, row_numbers: bool = False,
                    resize: ResizeMode = ResizeMode.ResizeToContents,
                    stretch_last: bool = True, alternating: bool = False,
                    row_height: int | None = None,
                    parent: QWidget | None = None) -> QTableView:
    """A read-only table over ``model``.

    ``row_numbers`` keeps the vertical header (a preview counts rows; a results table does
    not); ``resize`` is how columns get their width (``Interactive`` lets the user drag them
    and keeps a wide text column from pushing the others off screen); ``row_height`` fixes
    the height of every row (pixels).
    """
    view = QTableView(parent)
    view.setModel(model)
    view.verticalHeader().setVisible(row_numbers)
    if row_height is not None:
        view.verticalHeader().setDefaultSectionSize(row_height)
    view.setAlternatingRowColors(alternating)
    view.horizontalHeader().setSectionResizeMode(resize)
    view.horizontalHeader().setStretchLastSection(stretch_last)
    return view


def fit_columns(view: QTableView, max_width: int) -> None:
    """Size the columns to their contents, none wider than ``max_width`` pixels (a column
    of long sequences would otherwise push every other column out of sight)."""
    view.resizeColumnsToContents()
    model = view.model()
    for col in range(model.columnCount() if model is not None else 0):
        if view.columnWidth(col) > max_width:
            view.setColumnWidth(col, max_width)
