"""What the loaded data looks like: its first rows (or thumbnails) and its key facts.

The preview shows the records as the loader read them, not as the network will see them,
so a user can check that the right column became the target and the sequences are whole
(RNA with U, as written, although the models read it as T).
The facts (size, task, alphabet, the network's input shape and the warnings) come from
the dataset at once and from its summary once that is computed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.widgets.table_model import DataFrameModel, ThumbnailModel
from app.widgets.table_setup import ResizeMode, fit_columns, make_table_view
from core.data.alphabet import display_sequence
from core.data.dataset import Dataset, is_frame

if TYPE_CHECKING:
    import pandas as pd

PREVIEW_ROWS = 500
MAX_COLUMN_WIDTH = 420  # pixels: a column of long sequences leaves room for the others
THUMBNAIL = 64
EMPTY_TEXT = (
    "<h2>No data yet</h2><p>Open a FASTA, FASTQ or GenBank file, a CSV table or a "
    "folder of images (one sub-folder per class) \u2014 or drop it on this window."
    "</p><p>New here? Pick a demo dataset above, for example "
    "<i>Playground: spiral</i> or <i>DNA motif present?</i></p>")


def preview_frame(ds: Dataset, rows: int = PREVIEW_ROWS) -> pd.DataFrame:
    """The first rows as a table: id, the record (sequence or feature columns), the target."""
    import pandas as pd  # on first use: the window shows before pandas is loaded

    n = min(rows, len(ds))
    ids = ds.ids[:n]
    if ds.class_names:
        target = [ds.class_names[int(t)] for t in ds.targets[:n]]
    else:
        target = [float(t) for t in np.asarray(ds.targets[:n]).reshape(n, -1)[:, 0]]
    target_name = str(ds.info.get("target_column") or ("label" if ds.class_names else "target"))
    if ds.modality == "sequence":
        seqs = [display_sequence(s, ds.alphabet) for s in ds.records[:n]]  # RNA with U
        if target_name in ("id", "length", "sequence"):
            target_name = f"{target_name} (target)"
        return pd.DataFrame({"id": ids, "length": [len(s) for s in seqs], "sequence": seqs,
                             target_name: target})
    if is_frame(ds.records):
        frame = ds.records.iloc[:n].copy()
        frame.insert(0, _free_name(frame, "id", "row id"), ids)  # a feature may be "id"
        frame[_free_name(frame, target_name, f"{target_name} (target)")] = target
        return frame
    return pd.DataFrame({"id": ids, target_name if target_name != "id" else "id (target)": target})


def _free_name(frame: pd.DataFrame, name: str, other: str) -> str:
    """``name``, else ``other``, else ``other`` numbered: a column name ``frame`` lacks."""
    for candidate in (name, other, *(f"{other} {i}" for i in range(2, len(frame.columns) + 3))):
        if candidate not in frame.columns:
            return candidate
    raise AssertionError("unreachable: more candidates than columns")


class DataPreview(QStackedWidget):
    """An invitation to open data, the first rows as a table, or image thumbnails."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_label = QLabel(EMPTY_TEXT)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.table_model = DataFrameModel()
        self.table_view = make_table_view(self.table_model, row_numbers=True, row_height=22,
                                          resize=ResizeMode.Interactive, alternating=True)
        self.thumbnail_model = ThumbnailModel(size=THUMBNAIL)
        self.thumbnail_view = QListView()
        self.thumbnail_view.setViewMode(QListView.ViewMode.IconMode)
        self.thumbnail_view.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.thumbnail_view.setGridSize(QSize(THUMBNAIL + 20, THUMBNAIL + 28))
        self.thumbnail_view.setResizeMode(QListView.ResizeMode.Adjust)
        self.thumbnail_view.setUniformItemSizes(True)
        self.thumbnail_view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.thumbnail_view.setModel(self.thumbnail_model)
        for w in (self.empty_label, self.table_view, self.thumbnail_view):
            self.addWidget(w)

    def show_dataset(self, ds: Dataset | None) -> None:
        if ds is None:
            self.setCurrentWidget(self.empty_label)
        elif ds.modality == "image":
            n = min(PREVIEW_ROWS, len(ds))
            captions = [ds.class_names[int(t)] if ds.class_names else f"{float(t):.3g}"
                        for t in ds.targets[:n]]
            self.thumbnail_model.set_images(np.asarray(ds.records[:n]), captions)
            self.setCurrentWidget(self.thumbnail_view)
        else:
            self.table_model.set_frame(preview_frame(ds))
            fit_columns(self.table_view, MAX_COLUMN_WIDTH)
            self.setCurrentWidget(self.table_view)


def fact_rows(ds: Dataset, summary: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(name, value) rows describing ``ds``; the summary adds what needs the encoding."""
    rows = [("Samples", f"{len(ds):,}"), ("Task", ds.task), ("Kind", ds.modality)]
    if ds.class_names:
        rows.append(("Classes", f"{len(ds.class_names)}: " + ", ".join(
            ds.class_names[:8]) + (" \u2026" if len(ds.class_names) > 8 else "")))
    if ds.alphabet:
        rows.append(("Alphabet", ds.alphabet))
    if summary is None:
        return [*rows, ("Network input", "computing\u2026")]
    if "length_min" in summary:
        rows.append(("Length", f"{summary['length_min']} / {summary['length_median']:g} / "
                               f"{summary['length_max']} (min / median / max)"))
    if "image_size" in summary:
        h, w = summary["image_size"]
        rows.append(("Images", f"{h} \u00d7 {w}, {summary.get('channels', 1)} channel(s)"))
    if "n_features" in summary:
        missing = summary.get("missing_values") or {}
        rows.append(("Features", str(summary["n_features"])))
        rows.append(("Missing values",
                     ", ".join(f"{c}: {n}" for c, n in missing.items()) or "none"))
    rows.append(("Network input", " \u00d7 ".join(str(s) for s in summary["input_shape"])))
    return rows


class DataFacts(QWidget):
    """The dataset's name and facts beside the list of its warnings.

    Advice in a warning must be something the user can do here: when the summary counts
    repeated records, a button beside the warnings offers to remove them
    (``remove_duplicates``; the page reads the data again without them).
    """

    remove_duplicates = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.facts_label = QLabel()
        self.facts_label.setWordWrap(True)
        self.facts_label.setTextFormat(Qt.TextFormat.RichText)
        self.facts_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.warnings_list = QListWidget()
        self.warnings_list.setWordWrap(True)
        self.warnings_list.setMaximumHeight(110)
        self.warnings_list.setToolTip("Things in the data that may mislead a model")
        self.remove_duplicates_button = QPushButton()
        self.remove_duplicates_button.setToolTip(
            "Read the data again without the records that repeat an earlier one (the first "
            "copy is kept); untick 'remove exact duplicates' in the Split box to undo")
        self.remove_duplicates_button.clicked.connect(self.remove_duplicates)
        self.remove_duplicates_button.hide()
        warnings_box = QVBoxLayout()
        warnings_box.addWidget(QLabel("<b>Warnings</b>"))
        warnings_box.addWidget(self.warnings_list)
        warnings_box.addWidget(self.remove_duplicates_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.facts_label, 3)
        layout.addLayout(warnings_box, 2)

    def show_facts(self, ds: Dataset, summary: dict[str, Any] | None) -> None:
        html = "".join(f"<tr><td style='color:#606060; padding-right:12px'>{k}</td>"
                       f"<td>{v}</td></tr>" for k, v in fact_rows(ds, summary))
        self.facts_label.setText(f"<h3 style='margin:0'>{ds.name}</h3><table>{html}</table>")
        self.warnings_list.clear()
        warnings = summary["warnings"] if summary is not None else ds.warnings
        for text in warnings:
            self.warnings_list.addItem(f"\u26a0 {text}")
        if not warnings:
            self.warnings_list.addItem("No warnings.")
        repeated = int(summary.get("duplicates", 0)) if summary is not None else 0
        self.remove_duplicates_button.setText(
            f"Remove {repeated} duplicate{'s' if repeated != 1 else ''}")
        self.remove_duplicates_button.setVisible(repeated > 0)
