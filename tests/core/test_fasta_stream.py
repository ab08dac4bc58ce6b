"""A FASTA file too large to hold (issue 17): indexed in one pass (``core.data.fasta_index``),
its sequences read at their offsets and encoded batch by batch (``EncodedSequences``). The
streamed dataset is the in-memory one (same records, ids, labels, errors) and the streamed
run is the in-memory run (same batches, losses, weights)."""

from __future__ import annotations

import gzip
import os
import pickle
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from core import budget
from core.data.dataset import Dataset
from core.data.encoding import EncodedSequences, SequencePreprocessing
from core.data.fasta_index import SequenceRecords
from core.data.groups import drop_duplicates
from core.data.lazy import is_lazy_records, set_streaming
from core.data.load import load_dataset
from core.data.options import LoadOptions
from core.data.splits import make_split
from core.data.summary import summarize
from core.data.tensors import prepare_tensors
from core.errors import DataError
from tests.core.streaming_runs import assert_streamed_run_is_in_memory_run


@pytest.fixture(autouse=True)
def _defaults() -> Iterator[None]:
    yield
    set_streaming(None)
    budget.set_memory_budget(None)


def _write(path: Path, records: list[tuple[str, str]], width: int = 60,
           newline: str = "\n") -> Path:
    with open(path, "w", newline="") as fh:
        for title, seq in records:
            fh.write(f">{title}{newline}")
            for a in range(0, len(seq), width):
                fh.write(seq[a:a + width] + newline)
    return path


@pytest.fixture(scope="module")
def promoters(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """600 DNA records of 40-160 letters (soft-masked stretches, an N now and then);
    class 'bound' carries the motif TGACTCA."""
    rng = np.random.default_rng(1)
    records = []
    for i in range(600):
        seq = rng.choice(list("ACGT"), int(rng.integers(40, 161)))
        bound = i % 2 == 0
        if bound:
            at = int(rng.integers(0, len(seq) - 7))
            seq[at:at + 7] = list("TGACTCA")
        text = "".join(seq)
        if i % 5 == 0:
            text = text[:10] + text[10:30].lower() + "N" + text[31:]
        records.append((f"s{i}|{'bound' if bound else 'free'} chr{i % 3}", text))
    return _write(tmp_path_factory.mktemp("fa") / "promoters.fa", records, width=50)


def _both(path: Path | str, options: LoadOptions | None = None) -> tuple[Dataset, Dataset]:
    set_streaming("never")
    whole = load_dataset(str(path), options)
    set_streaming("always")
    lazy = load_dataset(str(path), options)
    set_streaming(None)
    return whole, lazy


def _same(whole: Dataset, lazy: Dataset) -> None:
    assert isinstance(lazy.records, SequenceRecords) and not is_lazy_records(whole.records)
    assert list(lazy.records) == whole.records
    assert lazy.ids == whole.ids and lazy.class_names == whole.class_names
    np.testing.assert_array_equal(lazy.targets, whole.targets)
    assert lazy.alphabet == whole.alphabet
    np.testing.assert_array_equal(lazy.sequence_lengths(), whole.sequence_lengths())
    assert lazy.info.pop("streamed") is True
    assert lazy.info == whole.info
    assert [w for w in lazy.warnings if "streamed" not in w] == whole.warnings
    assert any("read and encoded batch by batch" in w for w in lazy.warnings)


def test_an_indexed_file_holds_the_same_records(promoters: Path) -> None:
    whole, lazy = _both(promoters)
    _same(whole, lazy)
    part = lazy.subset(np.array([9, 2, 400]))
    assert is_lazy_records(part.records)  # a subset reads nothing
    assert list(part.records) == [whole.records[i] for i in (9, 2, 400)]
    assert lazy.records[-1] == whole.records[-1] and lazy.records[5] == whole.records[5]
    assert summarize(lazy)["length_median"] == summarize(whole)["length_median"]


@pytest.mark.parametrize("case", ["crlf", "protein", "rna", "bom_and_blank_lines", "folder",
                                  "table"])
def test_every_way_of_labelling_and_writing_reads_the_same(case: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(2)

    def dna(n: int) -> str:
        return "".join(rng.choice(list("ACGT"), n))

    records = [(f"r{i}|{'a' if i % 3 else 'b'}", dna(int(rng.integers(5, 90))))
               for i in range(40)]
    options = None
    if case == "crlf":
        path = _write(tmp_path / "x.fa", records, newline="\r\n")
    elif case == "protein":
        aa = "ACDEFGHIKLMNPQRSTVWY"
        path = _write(tmp_path / "p.fasta", [
            (t, "".join(rng.choice(list(aa), 30)) + ("*" if i % 2 else ""))
            for i, (t, _) in enumerate(records)])
    elif case == "rna":
        path = _write(tmp_path / "r.fa", [(t, s.replace("T", "U")) for t, s in records])
    elif case == "bom_and_blank_lines":  # a Windows editor's byte-order mark
        path = tmp_path / "l.fa"
        path.write_text("\ufeff\n\n" + _write(tmp_path / "y.fa", records).read_text())
    elif case == "folder":
        path = tmp_path / "classes"
        path.mkdir()
        _write(path / "enhancer.fa", [(f"e{i}", s) for i, (_, s) in enumerate(records[:20])])
        _write(path / "silencer.fa", [(f"q{i}", s) for i, (_, s) in enumerate(records[20:])])
    else:
        path = _write(tmp_path / "t.fa", [(t.split("|")[0], s) for t, s in records])
        (tmp_path / "labels.csv").write_text(
            "id,label\n" + "".join(f"r{i},{2.5 * i}\n" for i in range(40)))
        options = LoadOptions(labels=str(tmp_path / "labels.csv"))
    whole, lazy = _both(path, options)
    _same(whole, lazy)


@pytest.mark.parametrize("text", [
    ">a|x\nACGT\n>b|y\nAC-GT\n",  # a gap
    ">a|x\nACGT\n>b|y\n>c|x\nAAA\n",  # a header without sequence
    ">a|x\nMKV*LL\n>b|y\nMKVLLW*\n",  # a stop inside a protein
    ">a|x\nACGT\n>b|y\nACGT\n>c\nACGT\n",  # a record without label
    ">a|x\nACGT\n>b|y\nAC\u00e9GT\n",  # a letter that is not ASCII
    "ACGT\nACGT\n",  # no header
])
def test_a_bad_file_fails_with_the_same_message(text: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.fa"
    path.write_text(text)
    whole, lazy = _errors(path)
    assert whole == lazy


def test_a_header_that_is_not_utf8_fails_with_the_same_message(tmp_path: Path) -> None:
    path = tmp_path / "latin1.fa"
    path.write_bytes(b">a|x\nACGT\n>b\xe9|y\nACGT\n")
    whole, lazy = _errors(path)
    assert whole == lazy and "line 3" in whole


def _errors(path: Path) -> list[str]:
    """The error of loading ``path`` read whole, then indexed."""
    errors = []
    for mode in ("never", "always"):
        set_streaming(mode)
        with pytest.raises(DataError) as caught:
            load_dataset(str(path))
        errors.append(str(caught.value))
    return errors


def test_a_file_changed_after_loading_is_refused_in_one_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.fa", [(f"r{i}|{i % 2}", "ACGT" * 5) for i in range(10)])
    set_streaming("always")
    ds = load_dataset(str(path))
    path.write_text(path.read_text().replace("ACGT", "TTTT"))
    os.utime(path, ns=(1, 1))
    with pytest.raises(DataError, match="c.fa: the file changed since it was loaded"):
        ds.records[3]


def test_a_gzip_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "z.fa.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("".join(f">r{i}|{i % 2}\nACGTTGCA\n" for i in range(10)))
    set_streaming("always")
    assert not is_lazy_records(load_dataset(str(path)).records)  # no offsets in a gzip


def test_auto_streams_what_would_not_fit_encoded(promoters: Path) -> None:
    # 63 KB on disk, at most 16 bytes a letter encoded: about 1 MB, a quarter of 4 MB
    budget.set_memory_budget("8M")
    assert not is_lazy_records(load_dataset(str(promoters)).records)
    budget.set_memory_budget("2M")
    assert is_lazy_records(load_dataset(str(promoters)).records)


def test_duplicates_are_found_reading_a_chunk_at_a_time(tmp_path: Path) -> None:
    records = [(f"r{i}|{i % 2}", "ACGTAC" * (i % 7 + 1)) for i in range(30)]
    path = _write(tmp_path / "d.fa", records, width=4)
    whole, lazy = _both(path)
    assert summarize(lazy)["duplicates"] == summarize(whole)["duplicates"] > 0
    kept, kept_lazy = drop_duplicates(whole), drop_duplicates(lazy)
    assert is_lazy_records(kept_lazy.records) and list(kept_lazy.records) == kept.records
    assert kept_lazy.warnings[-1] == kept.warnings[-1]


@pytest.mark.parametrize("settings", [
    {"encoding": "onehot"}, {"encoding": "integer", "length": 70},
    {"encoding": "kmer", "k": 3}, {"encoding": "onehot", "rc_augment": True},
    {"encoding": "integer", "rc_augment": True}, {"encoding": "kmer", "rc_augment": True},
])
def test_the_encoded_rows_are_the_in_memory_ones(promoters: Path, settings: dict) -> None:
    whole, lazy = _both(promoters)
    split = make_split(whole, seed=0)
    a = prepare_tensors(whole, split, SequencePreprocessing("DNA", **settings))
    b = prepare_tensors(lazy, split, SequencePreprocessing("DNA", **settings))
    assert b.streamed and isinstance(b.X_train, EncodedSequences)
    assert a.notes == b.notes and a.input_shape == b.input_shape
    for name in ("train", "val", "test"):
        Xa, ya = a.split_arrays(name)
        Xb, yb = b.split_arrays(name)
        np.testing.assert_array_equal(np.asarray(Xb), Xa)
        np.testing.assert_array_equal(yb, ya)
    rows = [len(b.X_train) - 1, 0, 17]  # a reverse complement among them, when augmented
    np.testing.assert_array_equal(b.X_train.rows(rows), a.X_train[rows])
    copy = pickle.loads(pickle.dumps(b.X_train))  # what a loader's worker receives
    np.testing.assert_array_equal(copy.rows(rows), a.X_train[rows])


def test_encoding_everything_over_the_budget_is_one_line(promoters: Path) -> None:
    set_streaming("always")
    ds = load_dataset(str(promoters))
    data = prepare_tensors(ds, make_split(ds, seed=0), SequencePreprocessing("DNA"))
    budget.set_memory_budget("1M")
    with pytest.raises(DataError, match=r"decoding all 420 sequences of length 160 at once"):
        np.asarray(data.X_train)


def test_a_streamed_run_is_the_in_memory_run(promoters: Path) -> None:
    whole, lazy = assert_streamed_run_is_in_memory_run(promoters)
    assert lazy.baseline["logistic_regression"]["test"] == \
        whole.baseline["logistic_regression"]["test"]


def _fastq(path: Path, n: int = 60, newline: str = "\n") -> Path:
    rng = np.random.default_rng(3)
    with open(path, "w", newline="") as fh:
        for i in range(n):
            seq = "".join(rng.choice(list("ACGTNacgt"), int(rng.integers(20, 90))))
            fh.write(f"@read{i}|{'on' if i % 3 else 'off'} lane1{newline}{seq}{newline}"
                     f"+{newline}{'F' * len(seq)}{newline}")
    return path


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_four_line_fastq_is_indexed_too(newline: str, tmp_path: Path) -> None:
    whole, lazy = _both(_fastq(tmp_path / "reads.fastq", newline=newline))
    _same(whole, lazy)
    assert lazy.info["format"] == "fastq"


@pytest.mark.parametrize("change", ["multi_line", "short_quality", "bad_letter", "blank_end"])
def test_unusual_fastq_is_read_whole_as_before(change: str, tmp_path: Path) -> None:
    """Whatever is not plain four-line FASTQ goes the Biopython way: the same dataset, or
    the same error."""
    path = _fastq(tmp_path / "odd.fq", n=8)
    lines = path.read_text().splitlines()
    if change == "multi_line":
        lines[1:2] = [lines[1][:10], lines[1][10:]]
        lines[3:4] = [lines[3][:10], lines[3][10:]]
    elif change == "short_quality":
        lines[7] = lines[7][:-1]
    elif change == "bad_letter":
        lines[5] = lines[5][:3] + "-" + lines[5][4:]
    else:
        lines += ["", ""]
    path.write_text("\n".join(lines) + "\n")
    outcomes = []
    for mode in ("never", "always"):
        set_streaming(mode)
        try:
            ds = load_dataset(str(path))
            outcomes.append((list(ds.records), ds.ids, is_lazy_records(ds.records)))
        except DataError as err:
            outcomes.append(str(err))
    assert outcomes[0] == outcomes[1]
