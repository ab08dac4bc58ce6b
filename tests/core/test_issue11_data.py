"""Issue 11 in core: what the Data page shows is what the data holds and what it does.

RNA shown as RNA, one-line image errors, pickles refused with advice the user can follow,
an empty validation/test split warned about, split columns offered only when plausible,
and run files written with normal permissions.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.atomic import write_atomic
from core.data.alphabet import display_sequence
from core.data.load import load_dataset
from core.data.options import LoadOptions
from core.data.splits import make_split
from core.data.summary import summarize
from core.errors import DataError

# --- RNA is shown as RNA ---------------------------------------------------------------------


def test_rna_records_are_displayed_with_u(tmp_path: Path) -> None:
    path = tmp_path / "rna.fa"
    path.write_text(">r1|a\nACGUUGCA\n>r2|b\nuuagcuag\n")
    ds = load_dataset(str(path))
    assert ds.alphabet == "RNA" and ds.records[0] == "ACGTTGCA"  # the models read T
    assert [display_sequence(s, ds.alphabet) for s in ds.records] == ["ACGUUGCA", "UUAGCUAG"]
    assert display_sequence("ACGT", "DNA") == "ACGT"
    assert display_sequence("MKTAYT", "protein") == "MKTAYT"  # threonine stays T
    assert display_sequence("ACGT", None) == "ACGT"


# --- one clean line for an unreadable image ---------------------------------------------------


def _scans(root: Path) -> Path:
    rng = np.random.default_rng(0)
    for cls in ("healthy", "infected"):
        (root / cls).mkdir(parents=True)
        for i in range(3):
            pixels = rng.integers(0, 255, (16, 16), dtype=np.uint8)
            Image.fromarray(pixels).save(root / cls / f"scan_0{i}.png")
    good = (root / "healthy" / "scan_00.png").read_bytes()
    (root / "infected" / "scan_07.png").write_bytes(good[: len(good) // 2])
    return root


def test_a_truncated_image_is_one_clean_line(tmp_path: Path) -> None:
    root = _scans(tmp_path / "scans")
    with pytest.raises(DataError) as caught:
        load_dataset(str(root))
    assert str(caught.value) == "infected/scan_07.png: not a readable image (truncated file)"
    ds = load_dataset(str(root), LoadOptions(skip_bad_files=True))
    assert len(ds) == 6
    assert "skipped infected/scan_07.png: not a readable image (truncated file)" in ds.warnings


def test_a_file_that_is_no_image_names_itself_once(tmp_path: Path) -> None:
    root = _scans(tmp_path / "scans")
    (root / "infected" / "scan_07.png").write_bytes(b"hello")
    with pytest.raises(DataError) as caught:
        load_dataset(str(root))
    message = str(caught.value)
    assert message.count("scan_07.png") == 1 and "Error" not in message
    assert message.startswith("infected/scan_07.png: not a readable image")


# --- pickles are refused with advice -----------------------------------------------------------


@pytest.mark.parametrize("name", ["model.pt", "weights.PTH", "data.pkl", "x.pickle",
                                  "last.ckpt", "forest.joblib"])
def test_pickled_files_are_refused_for_safety(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"\x80\x04junk")
    with pytest.raises(DataError) as caught:
        load_dataset(str(path))
    message = str(caught.value)
    assert "--format" not in message
    assert f"{name}: pickled Python files are refused for safety" in message
    assert "CSV" in message and "FASTA" in message
    assert "run folder" in message and "safetensors" in message


def test_an_unknown_file_type_names_what_mendel_reads(tmp_path: Path) -> None:
    path = tmp_path / "scan.xyz"
    path.write_text("?")
    with pytest.raises(DataError) as caught:
        load_dataset(str(path))
    message = str(caught.value)
    assert "--format" not in message and "'.xyz'" in message and "FASTA" in message


# --- a split that leaves validation / test empty -----------------------------------------------


def test_too_few_rows_for_the_fractions_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "two.csv"
    path.write_text("x,y,label\n1,2,a\n3,4,b\n")
    ds = load_dataset(str(path))
    d = summarize(ds, make_split(ds))
    assert d["split"] == {"train": 2, "val": 0, "test": 0}
    assert ("2 samples are too few for the validation and test fractions (0.15, 0.15): both"
            " are empty, so nothing checks the training and there is no test score;"
            " add samples or raise the fractions") in d["warnings"]
    assert not any("empty" in w for w in summarize(ds, make_split(ds, 0.5, 0.0))["warnings"]
                   if "test" in w)  # a test fraction of 0 is a choice, not a surprise


def test_a_file_split_without_test_rows_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("x,set,label\n" + "".join(f"{i},{'train' if i < 6 else 'val'},{i % 2}\n"
                                             for i in range(8)))
    ds = load_dataset(str(path))
    d = summarize(ds, make_split(ds, use_file_split=True))
    assert "the file's split marks no sample as test: there is no test score" in d["warnings"]


# --- split columns: only plausible ones, and the warning goes once one is followed -------------


def test_split_candidates_exclude_target_and_sequence_columns(tmp_path: Path) -> None:
    path = tmp_path / "guides.csv"
    rows = ["guide,fold,batch,set,label"]
    for i in range(12):
        seq = "".join("ACGT"[(i * 7 + k) % 4] for k in range(20))
        rows.append(f"{seq},{'train' if i % 3 else 'test'},b{i % 2},"
                    f"{'train' if i < 8 else 'val'},{'train' if i % 2 else 'test'}")
    path.write_text("\n".join(rows) + "\n")
    ds = load_dataset(str(path))
    assert ds.modality == "sequence" and ds.info["target_column"] == "label"
    assert ds.info["split_candidates"] == ["fold", "set"]
    assert ds.info["split_column"] == "set"
    follow = "column 'set' holds a train/val/test assignment"
    random = summarize(ds, make_split(ds))
    assert any(w.startswith(follow) for w in random["warnings"])
    assert not any(w.startswith(follow) for w in ds.warnings)  # it depends on the split
    followed = summarize(ds, make_split(ds, use_file_split=True))
    assert not any(w.startswith(follow) for w in followed["warnings"])
    fold = load_dataset(str(path), LoadOptions(split_column="fold"))
    assert fold.info["split_column"] == "fold" and fold.split_labels[0] == "test"


# --- run files get normal permissions ------------------------------------------------------------


def test_atomic_files_get_the_permissions_of_a_plain_open(tmp_path: Path) -> None:
    """A writer that replaces its file (as safetensors' save_file does) must not leave the
    0600 of a private temporary file behind."""
    def replace_it(tmp: Path) -> None:
        side = tmp.with_name("side")
        side.write_bytes(b"x")
        os.chmod(side, 0o600)
        os.replace(side, tmp)

    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "a.bin", replace_it)
        write_atomic(tmp_path / "b.txt", lambda p: p.write_text("b"))
        (tmp_path / "plain.txt").write_text("c")
        os.umask(0o027)
        write_atomic(tmp_path / "c.txt", lambda p: p.write_text("c"))
    finally:
        os.umask(old)
    modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()}
    assert modes == {"a.bin": 0o644, "b.txt": 0o644, "plain.txt": 0o644, "c.txt": 0o640}
