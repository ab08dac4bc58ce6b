"""Tables (CSV / TSV) -> datasets, and the preprocessing that turns table rows into numbers.

Spreadsheets reach Mendel saved by Excel, R, pandas and lab instruments, so the loader
sniffs the encoding (UTF-8, UTF-8/UTF-16 with a byte-order mark, else Latin-1) and the
delimiter, names the row when a line has the wrong number of fields, and decides each
column's role: target, identifiers, train/val/test split, groups, features. A column of
DNA/protein strings turns the table into a sequence dataset (``sequence,score`` trains a
sequence model); ``LoadOptions.image_shape`` turns a pixel table (MNIST CSV) into images.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from core.data.alphabet import clean_sequences, looks_like_sequences, mixed_alphabet_warning
from core.data.dataset import Dataset, Provenance, Task, sha256_of_path
from core.data.files import display
from core.data.options import EncodingOptions, LoadOptions
from core.data.table_text import parse_table, read_text
from core.errors import DataError
from core.progress import ProgressFn, StopFn, check_stop, report

TARGET_NAMES = ("target", "label", "class", "y")
ID_NAMES = ("id", "name", "sample")
SPLIT_NAMES = ("split", "set")
SPLIT_VALUES = {"train", "training", "val", "validation", "valid", "dev", "test", "testing"}
MAX_CLASSES_FROM_NUMBERS = 20  # integer targets with more distinct values are regression
MAX_LISTED = 3  # examples named in a message
# Networks compute in float32: a value beyond its range is infinite once it reaches one,
# and a standard deviation overflows long before (1e308 squared), so such values are
# treated as missing, like inf and -inf.
LARGEST = float(np.finfo(np.float32).max)


def load_table(
    path: str | Path,
    options: LoadOptions | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> Dataset:
    """Read a delimited table; ``DataError`` with a one-line message on bad input."""
    path = Path(path)
    options = options or LoadOptions()
    if options.missing not in ("impute", "drop"):
        raise DataError(f"missing must be 'impute' or 'drop', got {options.missing!r}")
    if options.task not in (None, "classification", "regression"):
        raise DataError(f"task must be classification or regression, got {options.task!r}")
    report(progress, 0.0, f"reading {display(path.name)}")
    text = read_text(path, should_stop)
    report(progress, 0.2, "parsing the table")
    frame, warnings, rows = parse_table(text, path, should_stop)
    del text
    check_stop(should_stop)
    report(progress, 0.5, "checking columns")
    table = _Table(display(path.name), frame, rows, warnings, should_stop)
    ds = table.to_dataset(options, display(_dataset_name(path)))
    check_stop(should_stop)
    ds.provenance = Provenance(source=str(path), sha256=sha256_of_path(path, should_stop),
                               loader="csv", options=options.to_dict())
    report(progress, 1.0, f"{len(ds)} rows")
    return ds


def _dataset_name(path: Path) -> str:
    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    return Path(name).stem


def _find(columns: list[str], name: str, what: str) -> str:
    """The column called ``name`` (exact, else case-insensitive) or a ``DataError``."""
    if name in columns:
        return name
    match = [c for c in columns if c.lower() == name.lower()]
    if match:
        return match[0]
    listed = ", ".join(columns[:20]) + (", ..." if len(columns) > 20 else "")
    raise DataError(f"{what} column {name!r} not found; columns are: {listed}")


def _listed(values: list[Any]) -> str:
    text = ", ".join(repr(v) for v in values[:MAX_LISTED])
    return text + (", ..." if len(values) > MAX_LISTED else "")


def _is_text(col: pd.Series) -> bool:
    """Text columns are ``object`` in pandas 2 and the ``str`` dtype in pandas 3."""
    return not (is_numeric_dtype(col) or is_bool_dtype(col))


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _row_list(rows: np.ndarray) -> str:
    """'row 5' or 'rows 5, 9, 12, ...' (file row numbers, the header being row 1)."""
    shown = ", ".join(str(r) for r in rows[:MAX_LISTED])
    more = ", ..." if len(rows) > MAX_LISTED else ""
    return f"row {shown}" if len(rows) == 1 else f"rows {shown}{more}"


def _looks_like_classes(values: np.ndarray) -> bool:
    """Whole numbers with few distinct values (0/1, 1..5 stages) are class labels."""
    if not np.all(np.isfinite(values)) or not np.all(values == np.round(values)):
        return False
    distinct = len(np.unique(values))
    return distinct <= MAX_CLASSES_FROM_NUMBERS and distinct <= max(2, len(values) // 5)


class _Table:
    """One parsed table while its columns get their roles (target, ids, split, groups...)."""

    def __init__(self, file: str, frame: pd.DataFrame, rows: np.ndarray, warnings: list[str],
                 should_stop: StopFn | None = None):
        self.file = file
        self.frame = frame
        self.rows = rows  # file row number of each data row
        self.warnings = warnings
        self.info: dict[str, Any] = {}
        self.should_stop = should_stop

    @property
    def columns(self) -> list[str]:
        return list(self.frame.columns)

    def to_dataset(self, options: LoadOptions, name: str) -> Dataset:
        split_col = self._split_column(options)
        group_col = _find(self.columns, options.group_column, "group") \
            if options.group_column else None  # fmt: skip
        roles = {c for c in (split_col, group_col) if c}
        target = self._named_target(options)
        seq_col = None if options.image_shape else self._sequence_column(
            options, roles | {target} if target else roles)
        roles |= {c for c in (target, seq_col) if c}
        if target is None and options.labelled:
            candidates = [c for c in self.columns if c not in roles]
            if not candidates:
                raise DataError("no column is left for the target", self.file)
            target = candidates[-1]
            roles.add(target)
        id_col = self._id_column(roles, options.features or [])
        roles |= {id_col} if id_col else set()
        self.info["split_candidates"] = self._split_candidates(
            {c for c in (target, seq_col, id_col) if c})
        features = [seq_col] if seq_col else self._features(options, roles)
        check_stop(self.should_stop)
        self._non_finite(features, options.missing)
        if options.labelled:
            self._drop_rows(target, features, options.missing == "drop" or seq_col is not None)
            targets, task, class_names = self._target(target, options.task)
        else:  # prediction: inputs only; a target column (if any) is left out, not read
            self._drop_rows(None, features, options.missing == "drop" or seq_col is not None)
            task = "regression" if options.task == "regression" else "classification"
            targets = np.zeros(len(self.frame), np.float32 if task == "regression" else np.int64)
            class_names, self.info["unlabelled"] = None, True
        check_stop(self.should_stop)
        common: dict[str, Any] = dict(
            name=name, task=task, targets=targets, class_names=class_names,
            ids=(self.frame[id_col].astype(str).tolist() if id_col
                 else [f"row{r}" for r in self.rows]),
            split_labels=self._split_labels(split_col), groups=self._groups(group_col),
            warnings=self.warnings, info=self.info,
        )  # fmt: skip
        if seq_col:
            seqs, alphabet = self._sequences(seq_col, roles)
            return Dataset(modality="sequence", records=seqs, alphabet=alphabet, **common)
        if options.image_shape:
            images = self._images(features, options.image_shape)
            return Dataset(modality="image", records=images, **common)
        return Dataset(modality="tabular", records=self._tabular(features), **common)

    # --- column roles ------------------------------------------------------------------

    def _split_column(self, options: LoadOptions) -> str | None:
        """The column named as the split, else one called split/set holding split names.

        Whether the split follows it is a split option; ``core.data.splits`` warns while
        it does not, so the warning goes once the user chooses to follow it."""
        if options.split_column:
            found = _find(self.columns, options.split_column, "split")
            self.info["split_column"] = found
            return found
        for c in self.columns:
            if c.lower() in SPLIT_NAMES and self._holds_split_names(c):
                self.info["split_column_found"] = self.info["split_column"] = c
                return c
        return None

    def _holds_split_names(self, column: str) -> bool:
        """Every value is a train/val/test name (any case); numbers never are."""
        col = self.frame[column]
        if not _is_text(col):
            return False
        values = {str(v).strip().lower() for v in pd.unique(col.dropna())}
        return bool(values) and values <= SPLIT_VALUES

    def _split_candidates(self, others: set[str]) -> list[str]:
        """Columns the split could follow: their values are all split names, and they are
        not the target, sequence or id column (the Data page offers only these)."""
        return [c for c in self.columns if c not in others and self._holds_split_names(c)]

    def _named_target(self, options: LoadOptions) -> str | None:
        if options.target and not options.labelled:  # prediction: the target may be absent
            found = [c for c in self.columns if c.lower() == options.target.lower()]
            return found[0] if found else None
        if options.target:
            return _find(self.columns, options.target, "target")
        for wanted in TARGET_NAMES:
            for c in self.columns:
                if c.lower() == wanted:
                    return c
        return None

    def _sequence_column(self, options: LoadOptions, roles: set[str]) -> str | None:
        if options.sequence_column == "":
            return None
        if options.sequence_column:
            return _find(self.columns, options.sequence_column, "sequence")
        for c in self.columns:
            if c not in roles and _is_text(self.frame[c]):
                if looks_like_sequences(self.frame[c].dropna().astype(str).tolist()):
                    return c
        return None

    def _id_column(self, roles: set[str], features: list[str]) -> str | None:
        """A column of unique names (id/name/sample), or pandas' unnamed index column."""
        for c in self.columns:
            if c in roles or c in features:
                continue
            col = self.frame[c]
            unnamed = c.startswith("Unnamed:") and c == self.columns[0]
            if not (c.lower() in ID_NAMES or unnamed) or col.isna().any() or not col.is_unique:
                continue
            if unnamed or not is_numeric_dtype(col):
                self.info["id_column"] = c
                return c
        return None

    def _features(self, options: LoadOptions, roles: set[str]) -> list[str]:
        if options.features:
            chosen = [_find(self.columns, f, "feature") for f in options.features]
            clash = [c for c in chosen if c in roles]
            if clash:
                raise DataError(f"column {clash[0]!r} cannot be a feature: it is the target,"
                                " split or group column")  # fmt: skip
            return chosen
        features = [c for c in self.columns if c not in roles]
        empty = [c for c in features if self.frame[c].isna().all()]
        if empty:
            self.warnings.append(f"empty columns ignored: {_listed(empty)}")
        features = [c for c in features if c not in empty]
        if not features:
            raise DataError("the table has no feature column besides the target", self.file)
        return features

    # --- rows ---------------------------------------------------------------------------

    def _drop_rows(self, target: str | None, features: list[str], drop_incomplete: bool) -> None:
        """Drop rows without a target (always) and with missing features (when asked)."""
        no_target = np.zeros(len(self.frame), dtype=bool)
        unusable = np.zeros(len(self.frame), dtype=bool)  # inf, or beyond float32
        if target is not None:
            col = self.frame[target]
            no_target |= col.isna().to_numpy()
            if _is_text(col):
                no_target |= (col.astype(str).str.strip() == "").to_numpy()
            elif not is_bool_dtype(col):
                unusable = ~no_target & ~(np.abs(col.to_numpy(float)) <= LARGEST)
        if (no_target | unusable).all() and target is not None:
            raise DataError(f"the target column {target!r} is empty"
                            + (" or not finite" if unusable.any() else ""), self.file)
        if no_target.any():
            self.warnings.append(
                f"{_rows(int(no_target.sum()))} without a value in {target!r} dropped"
                f" ({_row_list(self.rows[no_target])})"
            )
        if unusable.any():
            self.warnings.append(
                f"{_rows(int(unusable.sum()))} whose {target!r} is infinite or too large for a"
                f" network dropped ({_row_list(self.rows[unusable])})"
            )
        no_target |= unusable
        incomplete = np.zeros(len(self.frame), dtype=bool)
        if drop_incomplete:
            incomplete = self.frame[features].isna().any(axis=1).to_numpy() & ~no_target
        if incomplete.any():
            if (no_target | incomplete).all():
                raise DataError("every row has a missing value; choose to impute them instead",
                                self.file)  # fmt: skip
            self.warnings.append(
                f"{_rows(int(incomplete.sum()))} with missing values in {_listed(features)}"
                f" dropped ({_row_list(self.rows[incomplete])})"
            )
        keep = ~(no_target | incomplete)
        self.frame = self.frame[keep].reset_index(drop=True)
        self.rows = self.rows[keep]

    def _non_finite(self, features: list[str], missing: str) -> None:
        """inf, -inf and values beyond float32 in numeric features become missing values
        (then imputed or their rows dropped, as ``missing`` says), named per column."""
        found: dict[str, int] = {}
        for c in features:
            check_stop(self.should_stop)
            col = self.frame[c]
            if not is_numeric_dtype(col) or is_bool_dtype(col):
                continue
            values = col.to_numpy(float)
            bad = ~np.isnan(values) & ~(np.abs(values) <= LARGEST)
            if not bad.any():
                continue
            found[c] = int(bad.sum())
            self.frame[c] = col.astype(float).mask(bad)
            how = "imputed" if missing == "impute" else "their rows dropped"
            self.warnings.append(
                f"column {c!r} holds {found[c]} infinite or too large value"
                f"{'s' if found[c] > 1 else ''} ({_row_list(self.rows[bad])}): treated as"
                f" missing, {how}")
        if found:
            self.info["non_finite"] = found

    def _target(self, target: str, forced: str | None) -> tuple[np.ndarray, Task, list[str] | None]:
        col = self.frame[target]
        if _is_text(col):
            col = col.astype(str).str.strip()
        check_stop(self.should_stop)  # each step takes seconds on millions of rows
        numbers = pd.to_numeric(col, errors="coerce")
        check_stop(self.should_stop)
        numeric = not is_bool_dtype(col) and not numbers.isna().any()
        self.info["target_column"] = target
        if forced == "regression" or (
            forced is None and numeric and not _looks_like_classes(numbers.to_numpy(float))
        ):
            if not numeric and is_bool_dtype(col):
                raise DataError(f"{target!r} holds True/False, not numbers, so it cannot be a"
                                " regression target; choose classification", self.file)
            if not numeric:
                bad = int(np.flatnonzero(numbers.isna().to_numpy())[0])
                raise DataError(
                    f"row {self.rows[bad]}: target {col.iloc[bad]!r} is not a number, so"
                    f" {target!r} cannot be a regression target",
                    self.file,
                )
            self.info["task_reason"] = "chosen" if forced else "numbers in the target"
            values = numbers.to_numpy(dtype=np.float32)
            if len(values) > 1 and np.all(values == values[0]):
                self.warnings.append(f"the target {target!r} has the same value ({values[0]:g})"
                                     " in every row: there is nothing to learn")  # fmt: skip
            return values, "regression", None
        if numeric:
            values = numbers.to_numpy(dtype=float)
            uniq = np.unique(values)
            names = [f"{v:g}" for v in uniq]
            fractions = [n for v, n in zip(uniq, names, strict=True) if v != round(v)]
            if fractions:
                self.warnings.append(
                    f"the target {target!r} holds numbers with fractions ({_listed(fractions)})"
                    " but the task is classification: each distinct number is a class of its"
                    " own; choose regression if they are measurements")
        else:
            values = col.astype(str).to_numpy()
            uniq = np.unique(values)
            names = [str(v) for v in uniq]
        reason = f"{len(names)} distinct whole numbers" if numeric else "text labels"
        self.info["task_reason"] = "chosen" if forced else reason
        if len(names) < 2:
            # refused by training (core.train.run), not here: evaluating a model on rows
            # of one class is right
            self.warnings.append(
                f"only one class ({names[0]!r}) in the target {target!r}: a classifier needs"
                " at least two, so this table cannot be trained on")
        return np.searchsorted(uniq, values).astype(np.int64), "classification", names

    def _split_labels(self, split_col: str | None) -> np.ndarray | None:
        if split_col is None:
            return None
        return self.frame[split_col].fillna("").astype(str).str.strip().to_numpy(dtype=object)

    def _groups(self, group_col: str | None) -> np.ndarray | None:
        if group_col is None:
            return None
        col = self.frame[group_col]
        if col.isna().any():
            row = self.rows[int(np.flatnonzero(col.isna().to_numpy())[0])]
            raise DataError(f"row {row}: the group column {group_col!r} is empty", self.file)
        return col.astype(str).str.strip().to_numpy(dtype=object)

    # --- records ------------------------------------------------------------------------

    def _sequences(self, seq_col: str, roles: set[str]) -> tuple[list[str], str]:
        where = [f"{self.file} row {r}" for r in self.rows]
        seqs, alphabet = clean_sequences(self.frame[seq_col].astype(str).tolist(), where)
        self.info["sequence_column"] = seq_col
        mixed = mixed_alphabet_warning(seqs, alphabet)
        if mixed:
            self.warnings.append(f"column {seq_col!r}: {mixed}")
        unused = [c for c in self.columns if c not in roles]
        note = f"; columns not used by a sequence model: {_listed(unused)}" if unused else ""
        self.warnings.append(f"column {seq_col!r} holds {alphabet} sequences, so this is a"
                             f" sequence dataset{note}")  # fmt: skip
        return seqs, alphabet

    def _images(self, features: list[str], shape: tuple[int, int]) -> np.ndarray:
        h, w = shape
        n = len(features)
        if n not in (h * w, 3 * h * w):
            raise DataError(
                f"{n} pixel columns do not make {h}x{w} images (need {h * w} for grayscale or"
                f" {3 * h * w} for RGB)",
                self.file,
            )
        table = self.frame[features]
        if not all(is_numeric_dtype(table[c]) for c in features):
            table = table.apply(pd.to_numeric, errors="coerce")
        pixels = table.to_numpy(np.float32)
        bad = np.argwhere(np.isnan(pixels))
        if len(bad):
            row, col = bad[0]
            raise DataError(f"row {self.rows[row]}: pixel column {features[col]!r} is not a"
                            " number", self.file)  # fmt: skip
        top = float(pixels.max(initial=0.0))
        if top > 1:
            pixels = pixels / (255.0 if top <= 255 else top)
        self.info["image_size"] = [h, w]
        return pixels.reshape(len(pixels), n // (h * w), h, w)

    def _tabular(self, features: list[str]) -> pd.DataFrame:
        """Numeric columns as floats, anything else as text categories (NaN = missing)."""
        out: dict[str, pd.Series] = {}
        for c in features:
            check_stop(self.should_stop)
            col = self.frame[c]
            if is_bool_dtype(col) or is_numeric_dtype(col):
                out[c] = col.astype(float)
                continue
            text = col.astype(str).str.strip().where(col.notna())
            text = text.where(text != "")
            numbers = pd.to_numeric(text, errors="coerce")
            bad = (text.notna() & numbers.isna()).to_numpy()
            if not bad.any():  # numbers written as text ("inf" too: missing, as above)
                out[c] = numbers.astype(float).where(np.abs(numbers) <= LARGEST)
                continue
            out[c] = text.astype(object)
            if bad.sum() <= numbers.notna().sum():
                examples = list(dict.fromkeys(text[bad]))
                self.warnings.append(
                    f"column {c!r} holds text in {int(bad.sum())} of {len(text)} rows"
                    f" ({_listed(examples)}), so it is treated as categories; correct those"
                    " cells or leave them empty to mark them missing"
                )
            distinct = text.nunique()
            if distinct > 50 and distinct > len(text) / 2:
                self.warnings.append(
                    f"column {c!r} has {distinct} different text values (one feature each);"
                    " leave it out of the features if it only names the rows"
                )
        return pd.DataFrame(out)


@dataclass
class _Column:
    """What fitting learned about one feature column (JSON-able)."""

    name: str
    kind: str  # "numeric" or "categorical"
    fill: float | str  # training median / most frequent value, for missing cells
    mean: float = 0.0
    std: float = 1.0
    categories: list[str] = field(default_factory=list)


class TabularPreprocessing:
    """Impute, standardize and one-hot encode table columns, fitted on training rows.

    Numeric columns: missing -> training median, then (x - mean) / std (std 0 -> 1).
    Text columns: missing -> most frequent training value, then one 0/1 feature per
    category seen in training; a category first seen later is all zeros.
    """

    kind = "tabular"

    def __init__(self, standardize: bool = True, columns: list[_Column] | None = None) -> None:
        self.standardize = standardize
        self.columns = columns
        self._report: list[str] = []

    @classmethod
    def from_options(cls, ds: Dataset, options: EncodingOptions) -> TabularPreprocessing:
        if ds.modality != "tabular":
            raise DataError(f"table preprocessing needs a table, not {ds.modality} data")
        return cls(standardize=options.standardize)

    def fit(self, ds: Dataset, train_idx: np.ndarray) -> None:
        frame: pd.DataFrame = ds.records.iloc[np.asarray(train_idx)]  # type: ignore[union-attr]
        columns = []
        for name in frame.columns:
            col = frame[name]
            if is_numeric_dtype(col):
                values = col.astype(float)
                median = float(values.median()) if values.notna().any() else 0.0
                filled = values.fillna(median)
                std = float(filled.std(ddof=0)) if len(filled) else 0.0
                columns.append(_Column(
                    str(name), "numeric", median, float(filled.mean()) if len(filled) else 0.0,
                    std if std > 0 and np.isfinite(std) else 1.0,
                ))  # fmt: skip
            else:
                counts = col.dropna().astype(str).value_counts()
                mode = min(counts.index, key=lambda v: (-counts[v], v)) if len(counts) else ""
                columns.append(_Column(str(name), "categorical", mode,
                                       categories=sorted(set(counts.index) | {mode})))
        self.columns = columns
        self._report = self._missing_facts(frame)

    def transform(self, ds: Dataset) -> np.ndarray:
        if self.columns is None:
            raise RuntimeError("TabularPreprocessing.transform called before fit")
        frame: pd.DataFrame = ds.records  # type: ignore[assignment]
        absent = [c.name for c in self.columns if c.name not in frame.columns]
        if absent:
            expected = ", ".join(c.name for c in self.columns)
            raise DataError(f"column {absent[0]!r} is missing; the model expects: {expected}")
        blocks = []
        unseen: dict[str, int] = {}
        for c in self.columns:
            col = frame[c.name]
            if c.kind == "numeric":
                values = pd.to_numeric(col, errors="coerce")
                bad = (col.notna() & values.isna()).to_numpy()
                if bad.any():
                    i = int(np.flatnonzero(bad)[0])
                    raise DataError(f"{ds.ids[i]}: column {c.name!r} holds {col.iloc[i]!r},"
                                    " which is not a number")  # fmt: skip
                x = values.fillna(c.fill).to_numpy(dtype=np.float64)
                if self.standardize:
                    x = (x - c.mean) / c.std
                blocks.append(x[:, None])
            else:
                text = col.astype(str).where(col.notna(), c.fill)
                codes = pd.Categorical(text, categories=c.categories).codes
                onehot = np.zeros((len(text), len(c.categories)))
                seen = codes >= 0
                onehot[np.flatnonzero(seen), codes[seen]] = 1.0
                if not seen.all():
                    unseen[c.name] = int((~seen).sum())
                blocks.append(onehot)
        self._report = self._missing_facts(frame) + [
            f"{c}: {n} values not seen in training encoded as all zeros" for c, n in unseen.items()
        ]
        return np.hstack(blocks).astype(np.float32) if blocks else np.zeros((len(frame), 0),
                                                                             np.float32)

    def _missing_facts(self, frame: pd.DataFrame) -> list[str]:
        facts = []
        for c in self.columns or []:
            n = int(frame[c.name].isna().sum()) if c.name in frame.columns else 0
            if n:
                how = "median" if c.kind == "numeric" else "most frequent value"
                facts.append(f"{c.name}: {n} missing value{'s' if n > 1 else ''} filled with"
                             f" the training {how} {c.fill!r}")  # fmt: skip
        return facts

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (len(self.feature_names),)

    @property
    def feature_names(self) -> list[str]:
        if self.columns is None:
            raise RuntimeError("TabularPreprocessing.feature_names needs fit first")
        names: list[str] = []
        for c in self.columns:
            names += [c.name] if c.kind == "numeric" else [f"{c.name}={v}" for v in c.categories]
        return names

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "standardize": self.standardize,
            "columns": None if self.columns is None else [asdict(c) for c in self.columns],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TabularPreprocessing:
        if d.get("kind") != cls.kind:
            raise DataError(f"preprocessing.json: expected kind 'tabular', got {d.get('kind')!r}")
        try:
            columns = d["columns"]
            return cls(
                standardize=bool(d["standardize"]),
                columns=None if columns is None else [_Column(**c) for c in columns],
            )
        except (KeyError, TypeError) as err:
            raise DataError(f"preprocessing.json: bad table preprocessing ({err})") from None

    def report(self) -> list[str]:
        return list(self._report)
