"""Train / validation / test splits and k-fold indices: seeded, stratified, group-aware.

Reproducible on every machine: only ``np.random.default_rng(seed)`` draws are used (no
global state) and every sort is stable or keyed on those draws. A *unit* is a sample, or a
whole group when ``ds.groups`` is set, so a patient's samples never land on two sides.
Stratification uses each unit's rank within its class: units are ordered by
``(rank + 0.5) / class size``, and the first part of that order becomes the test set,
the next the validation set. Every class then gets its share, and a class too small to
share (a single sample) simply stays in training instead of making the split fail.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from core.data.dataset import Dataset, Split
from core.errors import DataError

_FILE_SPLIT_NAMES = {
    "train": "train", "training": "train",
    "val": "val", "validation": "val", "valid": "val", "dev": "val",
    "test": "test", "testing": "test",
}  # fmt: skip
_REGRESSION_BINS = 10  # regression targets are stratified by deciles


@dataclass
class SplitOptions:
    """How the dataset is split (the Data page's split box; ``mendel train`` flags).

    ``seed`` is the split's own seed: the GUI and ``mendel train --split-seed`` can keep
    one split while the training seed changes.
    """

    val_fraction: float = 0.15
    test_fraction: float = 0.15
    seed: int = 0
    use_file_split: bool = False  # use the file's own train/val/test column

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types, for the project document and settings."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SplitOptions:
        """Read ``to_dict`` output back; an unknown key or a wrong type is a ``DataError``
        (another version's document must say what it could not use, not half-apply)."""
        types = {f.name: str(f.type) for f in fields(cls)}
        unknown = set(d) - set(types)
        if unknown:
            raise DataError(f"split options: unknown option(s) {', '.join(sorted(unknown))}")
        kwargs: dict[str, Any] = {}
        for key, value in d.items():
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if types[key] == "bool" and isinstance(value, bool):
                kwargs[key] = value
            elif types[key] == "float" and number:
                kwargs[key] = float(value)
            elif types[key] == "int" and number and float(value).is_integer():
                kwargs[key] = int(value)
            else:
                raise DataError(f"split options: {key} = {value!r} is not a {types[key]}")
        return cls(**kwargs)


def make_split(
    ds: Dataset,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    seed: int = 0,
    stratify: bool = True,
    use_file_split: bool = False,
) -> Split:
    """Split ``ds`` into sorted int64 index arrays; ``DataError`` when that is impossible."""
    if use_file_split:
        return _file_split(ds, seed)
    for name, value in (("validation", val_fraction), ("test", test_fraction)):
        if not 0 <= value < 1:
            raise DataError(f"{name} fraction must be in [0, 1), got {value:g}")
    if val_fraction + test_fraction >= 1:
        raise DataError(
            f"validation ({val_fraction:g}) and test ({test_fraction:g}) fractions leave no"
            " training data; keep their sum below 1"
        )
    n = len(ds)
    n_test, n_val = round(n * test_fraction), round(n * val_fraction)
    if n - n_test - n_val < 1:
        raise DataError(f"a dataset of {n} samples leaves no training data with this split")
    rng = np.random.default_rng(seed)
    unit_of, strata = _units(ds, stratify)
    sizes = np.bincount(unit_of, minlength=len(strata))
    keys = _stratified_keys(strata, rng)
    order = np.lexsort((rng.permutation(len(strata)), keys))  # equal keys: random order
    cum = np.concatenate([[0], np.cumsum(sizes[order])])
    cut_test = int(np.argmin(np.abs(cum - n_test)))
    cut_val = cut_test + int(np.argmin(np.abs(cum[cut_test:] - (cum[cut_test] + n_val))))
    side = np.zeros(len(strata), dtype=np.int8)  # 0 train, 1 val, 2 test
    side[order[:cut_test]] = 2
    side[order[cut_test:cut_val]] = 1
    sample_side = side[unit_of]
    train = np.flatnonzero(sample_side == 0)
    if len(train) == 0:
        raise DataError("the split leaves no training data; lower the validation/test fractions")
    split = Split(
        train=train.astype(np.int64),
        val=np.flatnonzero(sample_side == 1).astype(np.int64),
        test=np.flatnonzero(sample_side == 2).astype(np.int64),
        seed=seed,
    )
    units = f"{len(strata)} groups" if ds.groups is not None else f"{n} samples"
    split.warnings += _too_few(split, units, val_fraction, test_fraction) + _not_followed(ds)
    return split


_NO_VAL = "nothing checks the training"
_NO_TEST = "there is no test score"


def _too_few(split: Split, units: str, val_fraction: float, test_fraction: float) -> list[str]:
    """A side asked for (fraction above 0) that got no sample: the data is too small."""
    val, test = val_fraction > 0 and not len(split.val), test_fraction > 0 and not len(split.test)
    if val and test:
        return [f"{units} are too few for the validation and test fractions"
                f" ({val_fraction:g}, {test_fraction:g}): both are empty, so {_NO_VAL} and"
                f" {_NO_TEST}; add samples or raise the fractions"]
    for empty, side, fraction, effect in ((val, "validation", val_fraction, _NO_VAL),
                                          (test, "test", test_fraction, _NO_TEST)):
        if empty:
            return [f"{units} are too few for the {side} fraction ({fraction:g}): {side} is"
                    f" empty, so {effect}; add samples or raise the fraction"]
    return []


def _not_followed(ds: Dataset) -> list[str]:
    """The file says which sample goes where, and this (random) split does not listen."""
    if ds.split_labels is None:
        return []
    column = ds.info.get("split_column")
    if column:
        return [f"column {column!r} holds a train/val/test assignment; it is not a feature,"
                " and this split is random: choose it as the split to follow it"]
    return ["the files come with their own train/test split; this split is random: choose"
            " the file's split to follow it"]


def kfold_indices(ds: Dataset, k: int, seed: int = 0,
                  among: np.ndarray | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` (train, test) pairs; each unit is tested exactly once, classes spread evenly.

    ``among`` (sample indices, e.g. the training and validation rows of a split) restricts
    the folds to those samples, so cross-validation never sees the test rows; the pairs
    then hold indices into ``ds`` drawn from ``among`` only.
    """
    rng = np.random.default_rng(seed)
    unit_of, strata = _units(ds, stratify=True)
    keep = (np.arange(len(ds), dtype=np.int64) if among is None
            else np.unique(np.asarray(among, dtype=np.int64)))
    present, unit_of = np.unique(unit_of[keep], return_inverse=True)  # units in ``keep``
    unit_of = unit_of.reshape(-1).astype(np.int64)
    strata = strata[present]
    n_units = len(strata)
    if not 2 <= k <= n_units:
        what = "groups" if ds.groups is not None else "samples"
        part = "" if among is None else " of the training and validation rows"
        raise DataError(f"k-fold needs 2 <= k <= {n_units} ({what}{part}), got k = {k}")
    sizes = np.bincount(unit_of, minlength=n_units)
    order = np.lexsort((rng.permutation(n_units), strata))  # by class, shuffled within
    fold_of = np.empty(n_units, dtype=np.int64)
    if ds.groups is None:
        # Consecutive members of a class go to consecutive folds; each class starts where
        # the previous one stopped, so fold sizes differ by at most one.
        fold_of[order] = np.arange(n_units) % k
    else:
        load = np.zeros(k, dtype=np.int64)
        class_load = np.zeros((int(strata.max()) + 1, k), dtype=np.int64)
        for u in order:  # greedy: the fold with fewest of this class, then fewest overall
            c = strata[u]
            fold = int(np.lexsort((np.arange(k), load, class_load[c]))[0])
            fold_of[u] = fold
            load[fold] += sizes[u]
            class_load[c, fold] += sizes[u]
    sample_fold = fold_of[unit_of]
    return [
        (keep[sample_fold != f], keep[sample_fold == f])
        for f in range(k)
    ]  # fmt: skip


def _units(ds: Dataset, stratify: bool) -> tuple[np.ndarray, np.ndarray]:
    """(unit index of each sample, stratum of each unit).

    The stratum is the class (classification), the target decile (regression) or 0 when
    not stratifying; a group's stratum is its most common one.
    """
    n = len(ds)
    if not stratify:
        sample_stratum = np.zeros(n, dtype=np.int64)
    elif ds.task == "classification":
        sample_stratum = np.asarray(ds.targets, dtype=np.int64)
    else:
        ranks = np.argsort(np.argsort(np.asarray(ds.targets), kind="stable"), kind="stable")
        sample_stratum = ranks * _REGRESSION_BINS // max(n, 1)
    if ds.groups is None:
        return np.arange(n, dtype=np.int64), sample_stratum
    _, unit_of = np.unique(np.asarray(ds.groups).astype(str), return_inverse=True)
    unit_of = unit_of.reshape(-1).astype(np.int64)
    counts = np.zeros((unit_of.max() + 1, sample_stratum.max() + 1), dtype=np.int64)
    np.add.at(counts, (unit_of, sample_stratum), 1)
    return unit_of, counts.argmax(axis=1)


def _stratified_keys(strata: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each unit's random rank within its stratum, as a fraction of the stratum's size."""
    keys = np.empty(len(strata))
    perm = rng.permutation(len(strata))
    for s in np.unique(strata):
        members = perm[strata[perm] == s]  # the stratum's units in random order
        keys[members] = (np.arange(len(members)) + 0.5) / len(members)
    return keys


def _file_split(ds: Dataset, seed: int) -> Split:
    """Follow the train/val/test column of the file (any case, common synonyms)."""
    if ds.split_labels is None:
        raise DataError(
            "the dataset has no split column; name one with --split-column or let Mendel split"
        )
    labels = np.array([str(v).strip().lower() for v in ds.split_labels])
    sides: dict[str, list[str]] = {name: [] for name in ("train", "val", "test")}
    for value in np.unique(labels):
        if value not in _FILE_SPLIT_NAMES:
            row = int(np.flatnonzero(labels == value)[0])
            raise DataError(
                f"split column value {ds.split_labels[row]!r} (sample {ds.ids[row]}) is not"
                " train, val or test"
            )
        sides[_FILE_SPLIT_NAMES[value]].append(value)
    idx = {side: np.flatnonzero(np.isin(labels, names)).astype(np.int64)
           for side, names in sides.items()}  # fmt: skip
    if len(idx["train"]) == 0:
        raise DataError("the split column marks no sample as train")
    split = Split(train=idx["train"], val=idx["val"], test=idx["test"], seed=seed)
    for side, effect in (("validation", _NO_VAL), ("test", _NO_TEST)):
        if not len(split.val if side == "validation" else split.test):
            split.warnings.append(f"the file's split marks no sample as {side}: {effect}")
    return split
