"""Exact duplicates and groups: what the Data page's "Remove duplicates" and the group
choices do, on small FASTA files and tables a biologist would have."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.data.load import load_dataset
from core.data.options import LoadOptions
from core.data.splits import make_split
from core.data.summary import summarize
from core.errors import DataError

SEQS = ["ACGUACGUAC", "GGGCCCAAAU", "UUUUAAAACC", "CCCCGGGGAA", "AUAUAUAUGC", "GCGCGCAUAU"]


def _fasta(path: Path, records: list[tuple[str, str]]) -> Path:
    path.write_text("".join(f">{title}\n{seq}\n" for title, seq in records))
    return path


@pytest.fixture
def with_duplicates(tmp_path: Path) -> Path:
    """Six sequences, then copies of the first three; one copy has the other label."""
    records = [(f"s{i}|{'a' if i % 2 else 'b'}", s) for i, s in enumerate(SEQS)]
    records += [("c0|a", SEQS[0]), ("c1|a", SEQS[1]), ("c2|b", SEQS[2])]  # c0 conflicts
    return _fasta(tmp_path / "reads.fa", records)


def test_remove_duplicates_keeps_the_first_and_names_label_conflicts(with_duplicates):
    plain = load_dataset(str(with_duplicates))
    assert len(plain) == 9 and summarize(plain)["duplicates"] == 3
    ds = load_dataset(str(with_duplicates), LoadOptions(drop_duplicates=True))
    assert len(ds) == 6 and ds.ids == [f"s{i}" for i in range(6)]
    assert summarize(ds)["duplicates"] == 0
    note = next(w for w in ds.warnings if "duplicate" in w)
    assert note.startswith("3 exact duplicate sequences removed (the first of each kept)")
    assert "1 of them had another label than the copy kept (c0: a, kept s0: b)" in note
    assert ds.info["duplicates_removed"] == 3


def test_duplicates_are_kept_for_prediction(with_duplicates):
    options = LoadOptions(drop_duplicates=True, group_by="identity", labelled=False)
    ds = load_dataset(str(with_duplicates), options)
    assert len(ds) == 9  # a model's input is read whole


def test_group_identical_sequences_keeps_them_on_one_side(with_duplicates):
    ds = load_dataset(str(with_duplicates), LoadOptions(group_by="identity"))
    assert ds.groups is not None and len(set(ds.groups)) == 6
    assert ds.groups[6] == ds.groups[0] and ds.groups[8] == ds.groups[2]
    for seed in range(8):
        split = make_split(ds, 0.2, 0.3, seed)
        d = summarize(ds, split)
        assert not any("leakage" in w for w in d["warnings"])
        train = set(ds.groups[split.train])
        assert not train & set(ds.groups[split.test]) and not train & set(ds.groups[split.val])


def test_group_by_a_header_field_or_a_pattern(tmp_path):
    records = [(f"P{i % 3}|read{i}|{'yes' if i % 2 else 'no'} sample=P{i % 3}", SEQS[i])
               for i in range(6)]
    path = _fasta(tmp_path / "patients.fa", records)
    by_field = load_dataset(str(path), LoadOptions(group_by="field:1"))
    assert by_field.groups.tolist() == ["P0", "P1", "P2", "P0", "P1", "P2"]
    assert by_field.info["header_fields"] == ["P0", "read0"]  # the label is not offered
    by_pattern = load_dataset(str(path), LoadOptions(group_by=r"regex:sample=(\w+)"))
    assert by_pattern.groups.tolist() == by_field.groups.tolist()
    whole_match = load_dataset(str(path), LoadOptions(group_by=r"regex:P\d"))
    assert whole_match.groups.tolist() == by_field.groups.tolist()
    split = make_split(by_field, 0.2, 0.3, 0)
    assert not set(by_field.groups[split.train]) & set(by_field.groups[split.test])


@pytest.mark.parametrize(("group_by", "message"), [
    ("field:4", r"patients\.fa line 1: header '>P0\|r0\|no' has no field 4 \(it has 3\)"),
    ("field:zero", "group by 'field:zero': the field is a number from 1"),
    ("regex:sample=(", "group pattern 'sample=\\(' is not a valid regular expression"),
    (r"regex:x=(\d)", r"patients\.fa line 1: header '>P0\|r0\|no' does not match the group"
                      r" pattern 'x=\(\\d\)'"),
    ("clusters", "group by 'clusters': use identity, field:N or regex:PATTERN"),
])
def test_bad_group_choices_are_one_clear_line(tmp_path, group_by, message):
    path = _fasta(tmp_path / "patients.fa", [("P0|r0|no", SEQS[0]), ("P1|r1|yes", SEQS[1])])
    with pytest.raises(DataError, match=message):
        load_dataset(str(path), LoadOptions(group_by=group_by))


def test_tables_group_identical_rows_but_not_by_header(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("x,y,label\n1,2,a\n1,2,b\n3,4,a\n5,6,b\n7,8,a\n9,9,b\n")
    ds = load_dataset(str(path), LoadOptions(group_by="identity"))
    assert ds.groups[0] == ds.groups[1] and len(set(ds.groups)) == 5
    dropped = load_dataset(str(path), LoadOptions(drop_duplicates=True))
    assert len(dropped) == 5
    assert any(w.startswith("1 exact duplicate row removed") for w in dropped.warnings)
    with pytest.raises(DataError, match="header fields need a FASTA file"):
        load_dataset(str(path), LoadOptions(group_by="field:1"))
    with pytest.raises(DataError, match="a group column or a group rule, not both"):
        load_dataset(str(path), LoadOptions(group_by="identity", group_column="x"))


def test_duplicate_images_are_removed(tmp_path):
    from PIL import Image

    for cls, values in (("a", (0, 0, 9)), ("b", (50, 60, 70))):
        (tmp_path / "imgs" / cls).mkdir(parents=True)
        for i, v in enumerate(values):
            Image.fromarray(np.full((4, 4), v, np.uint8)).save(tmp_path / "imgs" / cls / f"{i}.png")
    ds = load_dataset(str(tmp_path / "imgs"), LoadOptions(drop_duplicates=True))
    assert len(ds) == 5 and ds.ids[0] == "a/0.png"
    assert any(w.startswith("1 exact duplicate image removed") for w in ds.warnings)
