"""Exact duplicates, and the groups a split keeps on one side.

The same sequence often sits in a FASTA twice (a read sequenced twice, one gene in two
strains, a cell imaged twice); a copy in training and another in test make the test score
look better than it is. The summary counts such copies (``record_codes``) and the user can
follow its advice two ways: remove them (``LoadOptions.drop_duplicates``: the first copy is
kept) or group samples so that a group never spans two splits (``LoadOptions.group_by``):

- ``identity``: identical records form one group (any data);
- ``field:N``: the N-th ``|`` field of a FASTA header's id (``>P7|read3|promoter``: field 1
  is the patient ``P7``);
- ``regex:PATTERN``: what ``PATTERN`` matches in the header (its first group, if it has
  one): ``regex:sample=(\\w+)`` reads ``>r1 sample=P7`` as group ``P7``.

Tables group by a column instead (``LoadOptions.group_column``). A model's input is read
whole: prediction (``labelled=False``) removes nothing and groups nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from core.data.dataset import Dataset, is_frame
from core.data.lazy import LazyItems
from core.data.options import LoadOptions
from core.errors import DataError

RULES = "identity, field:N or regex:PATTERN"
_NOUNS = {"sequence": "sequence", "tabular": "row", "image": "image"}
_TITLE_CHARS = 40  # of a header quoted in a message


@dataclass(frozen=True)
class GroupRule:
    """A parsed ``group_by``: ``kind`` "identity", "field" (with ``field``, from 1) or
    "regex" (with ``pattern``)."""

    kind: str
    field: int = 0
    pattern: re.Pattern[str] | None = None

    @property
    def reads_headers(self) -> bool:
        return self.kind in ("field", "regex")


def parse_group_by(spec: str) -> GroupRule:
    """The rule ``spec`` names; a ``DataError`` saying what is accepted otherwise."""
    kind, colon, arg = spec.partition(":")
    if spec == "identity":
        return GroupRule("identity")
    if kind == "field" and colon:
        if not arg.strip().isdigit() or int(arg) < 1:
            raise DataError(f"group by {spec!r}: the field is a number from 1 (field:1 is the"
                            " first '|' field of the header)")  # fmt: skip
        return GroupRule("field", field=int(arg))
    if kind == "regex" and colon and arg:
        try:
            return GroupRule("regex", pattern=re.compile(arg))
        except re.error as err:
            raise DataError(f"group pattern '{arg}' is not a valid regular expression"
                            f" ({err.msg})") from None  # fmt: skip
    raise DataError(f"group by {spec!r}: use {RULES}")


def check_group_options(options: LoadOptions, loader: str) -> None:
    """Refuse impossible group choices before a file is read (a big file reads long)."""
    if options.group_by is None:
        return
    if options.group_column:
        raise DataError("choose a group column or a group rule, not both")
    rule = parse_group_by(options.group_by)
    if rule.reads_headers and loader != "fasta":
        raise DataError(f"group by {options.group_by!r}: header fields need a FASTA file; "
                        "group a table's rows by a group column")  # fmt: skip


def header_fields(title: str, label_last: bool = False) -> list[str]:
    """The ``|`` fields of a header's id (its first word), without the last one when that
    is the label (``label_last``): the fields a user may group by."""
    words = title.split(None, 1)
    fields = words[0].split("|") if words else []
    return fields[:-1] if label_last and "label=" not in title and len(fields) > 1 else fields


def header_groups(titles: Sequence[str], spec: str | None,
                  where: Callable[[int], str]) -> np.ndarray | None:
    """The group of each FASTA header by a header rule, or None for any other ``spec``;
    ``where(i)`` names header i's place for the message when it has no such field."""
    rule = None if spec is None else parse_group_by(spec)
    if rule is None or not rule.reads_headers:
        return None
    groups: list[str] = []
    for i, title in enumerate(titles):
        shown = f"'>{title[:_TITLE_CHARS]}'"
        if rule.pattern is not None:
            match = rule.pattern.search(title)
            if match is None:
                raise DataError(f"header {shown} does not match the group pattern"
                                f" '{rule.pattern.pattern}'", where(i))  # fmt: skip
            groups.append(match.group(1) if rule.pattern.groups else match.group(0))
            continue
        fields = header_fields(title)
        if rule.field > len(fields):
            raise DataError(f"header {shown} has no field {rule.field} (it has"
                            f" {len(fields)})", where(i))  # fmt: skip
        groups.append(fields[rule.field - 1])
    return np.array(groups, dtype=object)


def record_codes(ds: Dataset) -> np.ndarray:
    """One int64 per sample, equal for identical records (targets are not compared),
    numbered in order of first appearance."""
    import pandas as pd

    if is_frame(ds.records):
        keys = pd.util.hash_pandas_object(ds.records, index=False).to_numpy()
    elif isinstance(ds.records, LazyItems):  # streamed: never decoded whole
        keys = np.array(ds.records.row_keys(), dtype=object)
    elif isinstance(ds.records, np.ndarray):
        flat = np.ascontiguousarray(ds.records).reshape(len(ds.records), -1)
        keys = np.array([hashlib.blake2b(row.tobytes(), digest_size=16).digest()
                         for row in flat], dtype=object)  # fmt: skip
    else:
        keys = np.asarray(ds.records, dtype=object)
    codes, _ = pd.factorize(keys)
    return codes.astype(np.int64)


def count_duplicates(codes: np.ndarray) -> int:
    """Samples that repeat an earlier one (what ``drop_duplicates`` would remove)."""
    return int(len(codes) - (codes.max() + 1)) if len(codes) else 0


def finish_groups(ds: Dataset, options: LoadOptions) -> Dataset:
    """``ds`` with duplicates removed and identity groups made, as ``options`` ask."""
    if not options.labelled:
        return ds
    if options.drop_duplicates:
        ds = drop_duplicates(ds)
    if options.group_by == "identity":
        codes = record_codes(ds)
        first = np.unique(codes, return_index=True)[1]
        ds.groups = np.asarray(ds.ids, dtype=object)[first[codes]]  # named by the first
    return ds


def drop_duplicates(ds: Dataset) -> Dataset:
    """``ds`` without the records that repeat an earlier one; a warning says how many went
    and which of them had another label than the copy kept."""
    codes = record_codes(ds)
    first = np.unique(codes, return_index=True)[1]
    removed = len(ds) - len(first)
    if not removed:
        return ds
    keep = np.sort(first)
    dropped = np.setdiff1d(np.arange(len(ds)), keep)
    kept_of = first[codes[dropped]]
    conflicts = np.flatnonzero(ds.targets[dropped] != ds.targets[kept_of])
    noun = _NOUNS.get(ds.modality, "sample")
    note = (f"{removed} exact duplicate {noun}{'s' if removed > 1 else ''} removed (the first"
            " of each kept)")
    if len(conflicts) and not ds.info.get("unlabelled"):
        d, k = int(dropped[conflicts[0]]), int(kept_of[conflicts[0]])
        what = "label" if ds.task == "classification" else "target value"
        note += (f"; {len(conflicts)} of them had another {what} than the copy kept"
                 f" ({ds.ids[d]}: {_target(ds, d)}, kept {ds.ids[k]}: {_target(ds, k)})")
    out = ds.subset(keep)
    out.warnings.append(note)
    out.info["duplicates_removed"] = removed
    return out


def _target(ds: Dataset, i: int) -> str:
    if ds.class_names:
        return ds.class_names[int(ds.targets[i])]
    return f"{float(ds.targets[i]):g}"
