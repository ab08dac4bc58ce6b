"""TensorFlow Playground's extra input features as a real transform of a 2-feature table.

Playground lets the user feed a network x1², x2², x1·x2, sin(x1) and sin(x2) beside x1
and x2. Here that is a change of the *dataset*: the chosen columns are appended to the
table, so the network gets more inputs, the preprocessing (standardizing included) treats
them like any other column, a saved model expects them, and the decision surface sends its
grid through exactly the same transform (``add_features``) before the model sees it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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
    unknown = [k for k in keys if k not in EXTRA_FEATURES]
    if unknown:
        raise DataError(f"unknown Playground feature {unknown[0]!r}; "
                        f"use {', '.join(EXTRA_FEATURES)}")
    columns = base_columns(ds)
    if columns is None:
        raise DataError("extra Playground features need a table of exactly two numeric "
                        "input columns")
    records = add_features(ds.records, columns, keys)  # type: ignore[arg-type]
    info = dict(ds.info)
    chosen = {k: feature_label(k, columns) for k in EXTRA_FEATURES if k in keys}
    if chosen:
        info[INFO_KEY] = chosen
    else:
        info.pop(INFO_KEY, None)
    return Dataset(
        name=ds.name, modality=ds.modality, task=ds.task, records=records,
        targets=ds.targets, ids=ds.ids, class_names=ds.class_names, alphabet=ds.alphabet,
        provenance=ds.provenance, groups=ds.groups, split_labels=ds.split_labels,
        warnings=list(ds.warnings), info=info,
    )
