"""How the loaded source is read: the options of its loader, as a form.

Only the box for the kind of source that is loaded shows (a FASTA's labels table, a
table's columns, an image folder's size and colour, a demo's size and seed); the others
hide. The form never reads anything itself: ``changed`` says the user edited a field and
the page reads the file again only if ``options()`` differs from what is loaded.
``show_options`` puts what was really loaded back into the fields (after a failed read
too), without reporting it as an edit, so showing a read's result never starts another.
An image folder that failed on an unreadable file is the exception: ``show_failed_images``
shows its options (the "skip unreadable files" box), so the user can tick it and retry.

The read options that fight leakage (the groups a split keeps together, removing exact
duplicates) belong to this form but sit in the split box, where users look for them: the
page places ``group_combo``, ``group_pattern_edit`` and ``drop_duplicates_box`` there
and shows the rows ``group_rows`` says apply.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.widgets.binding import signals_blocked
from app.widgets.options_box import OptionsBox, edit_signal
from core.data.dataset import Dataset, is_frame
from core.data.load import LoadOptions
from core.errors import DataError

AUTO = "(automatic)"
NONE = "(none)"
ROLE_KEYS = ("id_column", "target_column", "sequence_column", "split_column_found",
             "split_column")
GROUP_RULE = Qt.ItemDataRole.UserRole + 1  # a group entry's LoadOptions.group_by
PATTERN = "regex:"  # the group rule whose pattern is typed in group_pattern_edit
_RECORDS = {"sequence": "sequences", "image": "images"}  # what identical records are called
LABELS_FILTER = "Tables (*.csv *.tsv *.txt);;All files (*)"


def parse_hw(text: str) -> tuple[int, int] | None:
    """'28x28' -> (28, 28); '' -> None; anything else is a ``DataError``."""
    text = text.strip().lower().replace("\u00d7", "x").replace(" ", "")
    if not text:
        return None
    try:
        h, w = (int(v) for v in text.split("x"))
    except ValueError:
        raise DataError(f"image shape {text!r}: write height x width, e.g. 28x28") from None
    if h < 1 or w < 1:
        raise DataError("image height and width must be at least 1")
    return h, w


def source_loader(dataset: Dataset | None, source: str | None) -> str:
    """The loader that read the data ('fasta', 'csv', 'images', 'idx', 'demo'), or ''."""
    if dataset is None or dataset.provenance is None:
        return "demo" if source and source.startswith("demo:") else ""
    return dataset.provenance.loader


def _hbox(*widgets: QWidget, stretch_first: bool = False) -> QWidget:
    """Widgets side by side in one form field."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for i, w in enumerate(widgets):
        layout.addWidget(w, 1 if stretch_first and i == 0 else 0)
    return row


def _task_combo() -> QComboBox:
    combo = QComboBox()
    combo.addItem("automatic", None)
    combo.addItem("classification (classes)", "classification")
    combo.addItem("regression (numbers)", "regression")
    combo.addItem(*RECONSTRUCT_ITEM)
    combo.setToolTip("Predict classes or numbers; by default whole numbers with few "
                     "values are classes and other numbers are regression targets. "
                     + RECONSTRUCT_TIP)
    return combo


RECONSTRUCT_ITEM = ("reconstruct the inputs (autoencoder)", "reconstruct")
RECONSTRUCT_TIP = ("'Reconstruct' trains the network to rebuild its own inputs through a "
                   "narrow layer (an autoencoder); the labels then only colour its pictures.")


def _reconstruct_combo(labels: str) -> QComboBox:
    """Images and demos have their task from the data; an autoencoder is the other one."""
    combo = QComboBox()
    combo.addItem(labels, None)
    combo.addItem(*RECONSTRUCT_ITEM)
    combo.setToolTip(RECONSTRUCT_TIP)
    return combo


def _combo(tip: str) -> QComboBox:
    combo = QComboBox()
    combo.setToolTip(tip)
    return combo


def _spin(low: int, high: int, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setToolTip(tip)
    return spin


def _select(combo: QComboBox, value: object) -> None:
    combo.setCurrentIndex(max(combo.findData(value), 0))


class LoadOptionsForm(QWidget):
    """The read options of every loader; ``options()`` builds a ``LoadOptions``.

    ``group_combo`` (a table's group column, or a rule: identical records, a FASTA header
    field or pattern), ``group_pattern_edit`` and ``drop_duplicates_box`` are read options
    shown in the split box: the page places them there; the form still owns their values.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shown = LoadOptions()
        self._loader = self._source = ""
        self._playground = False
        self._retrying = False  # showing a failed image folder, not what is loaded
        self._columns: dict[str, list[str]] = {}  # every column seen, per table file
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.fasta_box = self._build_fasta()
        self.table_box = self._build_table()
        self.image_box = self._build_images()
        self.demo_box = self._build_demo()
        self.group_combo = _combo(
            "Samples of one group (a patient, an individual, identical sequences) stay on "
            "one side of the split, so the test score is not inflated by near-copies")
        self.group_pattern_edit = QLineEdit()
        self.group_pattern_edit.setPlaceholderText(r"e.g. sample=(\w+) or ^([^_]+)_")
        self.group_pattern_edit.setToolTip(
            "A regular expression searched in each FASTA header; what its first group "
            "(or the whole pattern) matches is the sample's group. Press Enter to apply")
        self.drop_duplicates_box = QCheckBox("remove exact duplicates (the first is kept)")
        self.drop_duplicates_box.setToolTip(
            "Leave out records identical to an earlier one, so no copy sits in training and "
            "another in test; conflicting labels are reported")
        self.split_box_fields = (self.group_combo, self.group_pattern_edit,
                                 self.drop_duplicates_box)
        for field in self.split_box_fields:
            edit_signal(field).connect(self.changed)
        for box in self.boxes:
            layout.addWidget(box)
            box.changed.connect(self.changed)

    @property
    def boxes(self) -> tuple[OptionsBox, ...]:
        return self.fasta_box, self.table_box, self.image_box, self.demo_box

    # -- layout ------------------------------------------------------------------------------
    def _build_fasta(self) -> OptionsBox:
        box = OptionsBox("Reading the sequences")
        self.labels_edit = QLineEdit()
        self.labels_edit.setPlaceholderText("labels from the headers or file names")
        self.labels_edit.setToolTip("A table (id, label) giving each sequence's label when "
                                    "the FASTA headers do not carry it")
        browse = QToolButton()
        browse.setText("\u2026")
        browse.setToolTip("Choose the labels table")
        browse.clicked.connect(self._browse_labels)
        box.form.addRow("Labels table", _hbox(self.labels_edit, browse, stretch_first=True))
        self.fasta_task = _task_combo()
        box.form.addRow("Task", self.fasta_task)
        box.watch(self.labels_edit, self.fasta_task)
        return box

    def _build_table(self) -> OptionsBox:
        box = OptionsBox("Reading the table")
        self.target_combo = _combo("The column the network learns to predict; by default "
                                   "'target', 'label', 'class', 'y' or the last column")
        box.form.addRow("Target column", self.target_combo)
        self.table_task = _task_combo()
        box.form.addRow("Task", self.table_task)
        self.features_list = QListWidget()
        self.features_list.setMaximumHeight(130)
        self.features_list.setToolTip("Columns the network reads (unticked ones are ignored)")
        box.form.addRow("Feature columns", self.features_list)
        self.missing_combo = _combo("What to do with empty cells: fill them from the "
                                    "training data, or drop rows that have any")
        self.missing_combo.addItem("impute (median / most frequent)", "impute")
        self.missing_combo.addItem("drop the row", "drop")
        box.form.addRow("Missing values", self.missing_combo)
        self.sequence_combo = _combo("A column of DNA/RNA/protein strings makes this a "
                                     "sequence dataset")
        box.form.addRow("Sequence column", self.sequence_combo)
        self.image_shape_edit = QLineEdit()
        self.image_shape_edit.setPlaceholderText("e.g. 28x28 for a table of pixels")
        self.image_shape_edit.setToolTip("Read each row's pixel columns as an image of this "
                                         "height x width (an MNIST-style CSV)")
        box.form.addRow("Rows as images", self.image_shape_edit)
        box.watch(self.target_combo, self.table_task, self.features_list, self.missing_combo,
                  self.sequence_combo, self.image_shape_edit)
        return box

    def _build_images(self) -> OptionsBox:
        box = OptionsBox("Reading the images")
        tip = "Resize every image to this size; 'auto' keeps the most common size"
        self.image_h, self.image_w = _spin(0, 4096, tip), _spin(0, 4096, tip)
        for w in (self.image_h, self.image_w):
            w.setSpecialValueText("auto")
        box.form.addRow("Size (H \u00d7 W)",
                        _hbox(self.image_h, QLabel("\u00d7"), self.image_w))
        self.gray_combo = _combo("Grayscale images have one channel, colour images three")
        self.gray_combo.addItem("as stored", None)
        self.gray_combo.addItem("grayscale", True)
        self.gray_combo.addItem("colour (RGB)", False)
        box.form.addRow("Colour", self.gray_combo)
        self.skip_bad = QCheckBox("skip unreadable files (they are listed)")
        box.form.addRow("", self.skip_bad)
        self.image_task = _reconstruct_combo("classify (the folders' classes)")
        box.form.addRow("Task", self.image_task)
        box.watch(self.image_h, self.image_w, self.gray_combo, self.skip_bad, self.image_task)
        return box

    def _build_demo(self) -> OptionsBox:
        box = OptionsBox("Demo data")
        self.demo_noise = _spin(0, 50, "Playground noise (0-50): how much the classes overlap")
        box.form.addRow("Noise", self.demo_noise)
        self.demo_size = _spin(2, 1_000_000, "Number of samples to generate")
        box.form.addRow("Samples", self.demo_size)
        self.demo_seed = _spin(0, 2**31 - 1,
                               "Random seed of the generator: another seed, other points")
        box.form.addRow("Seed", self.demo_seed)
        self.demo_task = _reconstruct_combo("the demo's own")
        box.form.addRow("Task", self.demo_task)
        box.watch(self.demo_noise, self.demo_size, self.demo_seed, self.demo_task)
        return box

    def _browse_labels(self) -> None:
        """Pick the labels table, starting where the sequences are (it usually sits
        beside them)."""
        folder = Path(self._source).parent if self._source else Path.home()
        start = str(folder if folder.is_dir() else Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Labels table", start, LABELS_FILTER)
        if path:
            self.labels_edit.setText(path)
            self.changed.emit()

    # -- options <-> fields ------------------------------------------------------------------
    def show_options(self, options: LoadOptions, dataset: Dataset | None, loader: str,
                     source: str = "") -> None:
        """Show how ``dataset`` was read from ``source`` by ``loader`` (only that loader's
        box is visible), without emitting ``changed``."""
        self._shown, self._loader, self._source = options, loader, source
        self._retrying = False
        for box, loaders in ((self.fasta_box, ("fasta",)), (self.table_box, ("csv",)),
                             (self.image_box, ("images", "idx")), (self.demo_box, ("demo",))):
            box.setVisible(loader in loaders)
        if dataset is None:
            return
        fields = [f for box in self.boxes for f in box.fields]
        with signals_blocked(*fields, *self.split_box_fields):
            self.labels_edit.setText(options.labels or "")
            for combo in (self.fasta_task, self.table_task, self.image_task, self.demo_task):
                _select(combo, options.task)
            columns = self._show_columns(dataset, options, source) if loader == "csv" else []
            header = list(dataset.info.get("header_fields") or []) if loader == "fasta" else None
            self._show_groups(dataset.modality, header, columns, options)
            shape = options.image_shape
            self.image_shape_edit.setText(f"{shape[0]}x{shape[1]}" if shape else "")
            self._show_image_fields(options)
            self._playground = bool(dataset.info.get("playground"))
            self.demo_box.set_row_visible(self.demo_noise, self._playground)
            self.demo_noise.setValue(int(round(dataset.info.get("noise",
                                                                options.demo_noise or 0))))
            self.demo_size.setValue(len(dataset) if options.demo_size is None
                                    else options.demo_size)
            self.demo_seed.setValue(options.demo_seed)

    def show_failed_images(self, options: LoadOptions, source: str) -> None:
        """Show the options of an image folder whose reading stopped at an unreadable file
        (only the image box), so "skip unreadable files" can be ticked; ``options()`` then
        reads for that folder. Emits nothing."""
        self._shown, self._loader, self._source = options, "images", source
        self._retrying = True
        for box in self.boxes:
            box.setVisible(box is self.image_box)
        with signals_blocked(*self.image_box.fields, *self.split_box_fields):
            self._show_image_fields(options)
            self._show_groups("image", None, [], options)

    def group_rows(self) -> dict[QWidget, bool]:
        """Which of the split box's read-option rows apply to what is shown (none while a
        failed image folder is shown: the split box still describes the data in use)."""
        loaded = self._loader != "" and not self._retrying
        pattern = self.group_combo.currentData(GROUP_RULE) == PATTERN
        return {self.group_combo: loaded, self.group_pattern_edit: loaded and pattern,
                self.drop_duplicates_box: loaded}

    def _show_image_fields(self, options: LoadOptions) -> None:
        self.image_h.setValue((options.image_size or (0, 0))[0])
        self.image_w.setValue((options.image_size or (0, 0))[1])
        _select(self.gray_combo, options.grayscale)
        self.skip_bad.setChecked(options.skip_bad_files)

    def _show_groups(self, modality: str, header_fields: list[str] | None,
                     columns: list[str], opts: LoadOptions) -> None:
        """The group choices for this data: none, identical records, a FASTA's header fields
        (``header_fields``; None for other sources) and pattern, a table's columns."""
        entries: list[tuple[str, str | None, str | None]] = [
            (NONE, None, None), (f"identical {_RECORDS.get(modality, 'rows')}", None, "identity")]
        if header_fields is not None:
            kind, _, number = (opts.group_by or "").partition(":")
            wanted = int(number) if kind == "field" and number.isdigit() else 0  # offer it
            for k in range(1, max(len(header_fields), wanted) + 1):
                example = f" (e.g. {header_fields[k - 1]})" if k <= len(header_fields) else ""
                entries.append((f"header field {k}{example}", None, f"field:{k}"))
            entries.append(("header pattern (regular expression)", None, PATTERN))
        entries += [(c, c, None) for c in columns]
        self.group_combo.clear()
        for text, column, rule in entries:
            self.group_combo.addItem(text, column)
            self.group_combo.setItemData(self.group_combo.count() - 1, rule, GROUP_RULE)
        typed = (opts.group_by or "").startswith(PATTERN)
        rule = PATTERN if typed else opts.group_by
        self.group_combo.setCurrentIndex(next(
            (i for i, (_, column, r) in enumerate(entries)
             if column == opts.group_column and r == rule), 0))
        self.group_pattern_edit.setText(opts.group_by[len(PATTERN):] if typed else "")
        self.drop_duplicates_box.setChecked(opts.drop_duplicates)

    def _group_options(self) -> dict[str, Any]:
        """The split box's read options as ``LoadOptions`` fields."""
        rule = self.group_combo.currentData(GROUP_RULE)
        if rule == PATTERN:
            pattern = self.group_pattern_edit.text().strip()
            rule = PATTERN + pattern if pattern else None  # nothing typed yet: no groups
        return {"group_column": self.group_combo.currentData(), "group_by": rule,
                "drop_duplicates": self.drop_duplicates_box.isChecked()}

    def _show_columns(self, ds: Dataset, opts: LoadOptions, source: str) -> list[str]:
        """Fill the column choices with every column this file has shown so far (a column
        left out of the features stays offered, so it can be ticked again); returns them."""
        frame_columns = [str(c) for c in ds.records.columns] if is_frame(ds.records) else []
        found = list(ds.info.get("columns") or []) + frame_columns
        found += [str(ds.info[k]) for k in ROLE_KEYS if ds.info.get(k)]
        found += [c for c in (opts.group_column, opts.split_column) if c]
        columns = list(dict.fromkeys(self._columns.get(source, []) + found))
        self._columns[source] = columns
        for combo, value, extra in (
            (self.target_combo, opts.target, [(AUTO, None)]),
            (self.sequence_combo, opts.sequence_column,
             [(AUTO, None), ("no sequence column", "")]),
        ):
            combo.clear()
            for text, data in [*extra, *((c, c) for c in columns)]:
                combo.addItem(text, data)
            _select(combo, value)
        target = ds.info.get("target_column")
        if opts.target is None and target:
            self.target_combo.setItemText(0, f"{AUTO}: {target}")
        features = set(opts.features) if opts.features else set(frame_columns)
        roles = {ds.info.get(k) for k in ROLE_KEYS} | {opts.group_column}
        self.features_list.clear()
        for c in columns:
            if c in roles and c not in features:
                continue
            item = QListWidgetItem(c)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if c in features or not features
                               else Qt.CheckState.Unchecked)
            self.features_list.addItem(item)
        _select(self.missing_combo, opts.missing)
        return columns

    def options(self) -> LoadOptions:
        """The options the fields show, for the loader shown (``DataError`` for an image
        shape that is not 'height x width')."""
        if not self._loader:
            return self._shown
        return replace(self._loader_options(), **self._group_options())

    def _loader_options(self) -> LoadOptions:
        current, loader = self._shown, self._loader
        if loader == "fasta":
            return replace(current, labels=self.labels_edit.text().strip() or None,
                           task=self.fasta_task.currentData())
        if loader == "csv":
            items = [self.features_list.item(i) for i in range(self.features_list.count())]
            features = [it.text() for it in items if it.checkState() == Qt.CheckState.Checked]
            return replace(current, target=self.target_combo.currentData(),
                           task=self.table_task.currentData(),
                           features=None if len(features) == len(items) else features,
                           missing=self.missing_combo.currentData(),
                           sequence_column=self.sequence_combo.currentData(),
                           image_shape=parse_hw(self.image_shape_edit.text()))
        if loader in ("images", "idx"):
            h, w = self.image_h.value(), self.image_w.value()
            return replace(current, image_size=(h, w) if h and w else None,
                           grayscale=self.gray_combo.currentData(),
                           skip_bad_files=self.skip_bad.isChecked(),
                           task=self.image_task.currentData())
        if loader == "demo":
            return replace(current, demo_noise=float(self.demo_noise.value())
                           if self._playground else None,
                           demo_size=self.demo_size.value(), demo_seed=self.demo_seed.value(),
                           task=self.demo_task.currentData())
        return current
