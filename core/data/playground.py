"""TensorFlow Playground's extra input features as a real transform of a 2-feature table.

Playground lets the user feed a network x1², x2², x1·x2, sin(x1) and sin(x2) beside x1
and x2. Here that is a change of the *dataset*: the chosen columns are appended to the
table, so the network gets more inputs, the preprocessing (standardizing included) treats
them like any other column, a saved model expects them, and the decision surface sends its
grid through exactly the same transform (``add_features``) before the model sees it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype

from core.data.dataset import Dataset
from core.errors import DataError

# Playground's order; each takes the two base columns (a, b).
EXTRA_FEATURES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "square1": lambda a, b: a * a,
    "square2": lambda a, b: b * b,
    "product": lambda a, b: a * b,
    "sin1": lambda a, b: np.sin(a),
    "sin2": lambda a, b: np.sin(b),
}
_TEMPLATES = {"square1": "{a}^2", "square2": "{b}^2", "product": "{a}*{b}",
              "sin1": "sin({a})", "sin2": "sin({b})"}
INFO_KEY = "playground_features"  # Dataset.info: the extras a table carries, in order


def base_columns(ds: Dataset) -> list[str] | None:
    """The two numeric input columns of a table the surface can be drawn for, else None.

    Columns added by ``with_features`` are not counted: a spiral with x1² is still a
    two-feature picture.
    """
    if ds.modality != "tabular" or not isinstance(ds.records, pd.DataFrame):
        return None
    extras = set(extra_column_names(ds))
    cols = [str(c) for c in ds.records.columns if str(c) not in extras]
    if len(cols) != 2 or not all(is_numeric_dtype(ds.records[c]) for c in cols):
        return None
    return cols


def feature_label(key: str, columns: Sequence[str]) -> str:
    """The column name of extra ``key`` for base columns ``columns`` ("x1^2", "sin(x2)")."""
    if key not in _TEMPLATES:
        raise DataError(f"unknown Playground feature {key!r}; use {', '.join(_TEMPLATES)}")
    return _TEMPLATES[key].format(a=columns[0], b=columns[1])


def extra_column_names(ds: Dataset) -> list[str]:
    return list(ds.info.get(INFO_KEY, {}).values())


def chosen_features(ds: Dataset) -> list[str]:
    """The extra features (keys of ``EXTRA_FEATURES``) the table carries now."""
    return list(ds.info.get(INFO_KEY, {}))


def add_features(frame: pd.DataFrame, columns: Sequence[str],
                 keys: Sequence[str]) -> pd.DataFrame:
    """``frame``'s two base columns followed by the chosen extra columns, in Playground's
    order (the same function serves the dataset and the surface's grid)."""
    a = frame[columns[0]].to_numpy(dtype=np.float64)
    b = frame[columns[1]].to_numpy(dtype=np.float64)
    out = pd.DataFrame({columns[0]: a, columns[1]: b})
    for key in EXTRA_FEATURES:
        if key in keys:
            out[feature_label(key, columns)] = EXTRA_FEATURES[key](a, b)
    return out


def with_features(ds: Dataset, keys: Sequence[str]) -> Dataset:
    """A copy of the two-feature table ``ds`` carrying exactly the extras ``keys``.

    Extras it carried before are replaced, so toggling a feature off removes its column.
    Raises ``DataError`` when ``ds`` is not a table of two numeric inputs.
    """
    _check_keys(keys)
    columns = base_columns(ds)
    if columns is None:
        raise DataError("extra Playground features need a table of exactly two numeric "
                        "input columns")
    return _featured(ds, ds.records, columns, keys)  # type: ignore[arg-type]


def features_record(ds: Dataset) -> dict[str, list[str]] | None:
    """What a saved run keeps to rebuild ``ds``'s extras from new two-column input:
    ``{"base_columns": [a, b], "keys": [...]}``, or None when ``ds`` carries no extras."""
    keys = chosen_features(ds)
    if not keys:
        return None
    extras = set(extra_column_names(ds))
    base = [str(c) for c in ds.records.columns if str(c) not in extras]  # type: ignore[union-attr]
    return {"base_columns": base, "keys": keys}


def read_features_record(value: Any) -> dict[str, list[str]] | None:
    """``features_record``'s output read back from JSON (None stays None), checked."""
    if value is None:
        return None
    base = value.get("base_columns") if isinstance(value, dict) else None
    keys = value.get("keys") if isinstance(value, dict) else None
    if not (isinstance(base, list) and len(base) == 2 and isinstance(keys, list) and keys
            and all(isinstance(c, str) for c in [*base, *keys])):
        raise DataError("playground_features needs base_columns (two names) and keys")
    _check_keys(keys)
    return {"base_columns": list(base), "keys": list(keys)}


def features_requirement(record: dict[str, list[str]]) -> str:
    """One clause telling the user which columns new input needs, and why."""
    a, b = record["base_columns"]
    labels = ", ".join(feature_label(k, (a, b)) for k in EXTRA_FEATURES if k in record["keys"])
    return f"the model needs columns {a!r} and {b!r} (it computes {labels} from them)"


def restore_features(ds: Dataset, record: dict[str, list[str]]) -> Dataset:
    """``ds`` as the run's training table: its base columns, then the recorded extras.

    Extra columns already in ``ds`` are recomputed, not trusted: they are pure functions of
    the base columns, and recomputing guarantees the exact training transform (a column
    made in a spreadsheet may be rounded, stale or in degrees). Base columns are matched
    by name, exactly or else ignoring case, as the table loader does; other columns are
    dropped. ``DataError`` names the columns needed when one is missing.
    """
    base = record["base_columns"]
    frame = ds.records if isinstance(ds.records, pd.DataFrame) else pd.DataFrame()
    present = [str(c) for c in frame.columns]
    found = [name if name in present else next((c for c in present
                                                if c.lower() == name.lower()), None)
             for name in base]
    path = ds.provenance.source if ds.provenance else None
    if None in found:
        listed = ", ".join(present[:20]) or "none"
        raise DataError(f"{features_requirement(record)}; columns are: {listed}", path)
    numbers = {}
    for name, column in zip(base, found, strict=True):
        col = frame[column]
        values = pd.to_numeric(col, errors="coerce")
        bad = (col.notna() & values.isna()).to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataError(f"{ds.ids[i]}: column {column!r} holds {col.iloc[i]!r}, which is "
                            "not a number", path)
        numbers[name] = values
    return _featured(ds, pd.DataFrame(numbers), base, record["keys"])


def _check_keys(keys: Sequence[str]) -> None:
    unknown = [k for k in keys if k not in EXTRA_FEATURES]
    if unknown:
        raise DataError(f"unknown Playground feature {unknown[0]!r}; "
                        f"use {', '.join(EXTRA_FEATURES)}")


def _featured(ds: Dataset, frame: pd.DataFrame, columns: Sequence[str],
              keys: Sequence[str]) -> Dataset:
    """A copy of ``ds`` whose records are ``frame``'s base ``columns`` plus extras ``keys``."""
    info = dict(ds.info)
    chosen = {k: feature_label(k, columns) for k in EXTRA_FEATURES if k in keys}
    if chosen:
        info[INFO_KEY] = chosen
    else:
        info.pop(INFO_KEY, None)
    return Dataset(
        name=ds.name, modality=ds.modality, task=ds.task,
        records=add_features(frame, columns, keys),
        targets=ds.targets, ids=ds.ids, class_names=ds.class_names, alphabet=ds.alphabet,
        provenance=ds.provenance, groups=ds.groups, split_labels=ds.split_labels,
        warnings=list(ds.warnings), info=info,
    )
