"""Issue 16 in the loaders: no tracebacks, no hangs, no silent wrong results.

Special files are refused before they are opened, a big gzip table stops between chunks
when asked, every message names the file (a loader bug too, logged), BOM and Latin-1
FASTA files are told apart, non-finite values and one-class targets are named, IDX labels
become the classes present. The catalogue in tests/hostile tries the same at scale.
"""

from __future__ import annotations

import codecs
import gzip
import logging
import os
import time
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from core.data import files
from core.data.load import load_dataset
from core.data.options import LoadOptions
from core.data.summary import format_summary, summarize
from core.errors import DataError
from core.progress import Cancelled
from core.train.run import prepare_run

TABLE = "x1,x2,label\n" + "".join(f"{i},{i * 0.5},{'ab'[i % 2]}\n" for i in range(12))


def _idx(array: np.ndarray, code: int = 0x08) -> bytes:
    dims = b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return bytes([0, 0, code, array.ndim]) + dims + array.tobytes()


# --- no hangs, no tracebacks ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["data.csv", "reads.fa", "x-images-idx3-ubyte"])
def test_a_fifo_is_refused_before_it_is_opened(tmp_path: Path, name: str) -> None:
    os.mkfifo(tmp_path / name)
    start = time.monotonic()
    with pytest.raises(DataError, match="not a regular file but a named pipe"):
        load_dataset(str(tmp_path / name))
    assert time.monotonic() - start < 5


def test_a_device_named_like_data_is_refused(tmp_path: Path) -> None:
    (tmp_path / "zeros.csv").symlink_to("/dev/zero")
    with pytest.raises(DataError, match="zeros.csv: not a regular file but a character device"):
        load_dataset(str(tmp_path / "zeros.csv"))


def test_a_big_gzip_table_stops_between_chunks(tmp_path: Path) -> None:
    path = tmp_path / "big.csv.gz"
    rows = "".join(f"{i},{i % 7},{'ab'[i % 2]}\n" for i in range(300_000))
    path.write_bytes(gzip.compress(("a,b,label\n" + rows).encode(), compresslevel=1))
    asked = []

    def stop() -> bool:
        asked.append(time.monotonic())
        return len(asked) > 3  # stop at the fourth check: inside the read, not after it

    with pytest.raises(Cancelled):
        load_dataset(str(path), should_stop=stop)
    assert len(asked) == 4


def test_one_byte_and_binary_tables_are_clean_errors(tmp_path: Path) -> None:
    """The fuzzing finds of issue 16: IndexError, StopIteration and csv.Error before."""
    for name, data in [("a.csv", b"\x1c"), ("b.tsv", b"\x1c"), ("c.csv", b'"'),
                       ("d.csv", b"\xbe~\r\xe3\x9f7\x06Zxd\xe3\xfe\x02")]:
        (tmp_path / name).write_bytes(data)
        with pytest.raises(DataError, match=name):
            load_dataset(str(tmp_path / name))


def test_a_loader_bug_is_a_data_error_naming_the_file_and_logged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from core.data import tabular

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(tabular, "load_table", broken)
    (tmp_path / "d.csv").write_text(TABLE)
    with caplog.at_level(logging.ERROR), pytest.raises(DataError) as caught:
        load_dataset(str(tmp_path / "d.csv"))
    assert "d.csv" in str(caught.value) and "ZeroDivisionError (boom)" in str(caught.value)
    assert "please report" in str(caught.value)
    assert isinstance(caught.value.__cause__, ZeroDivisionError)
    assert any(r.exc_info for r in caplog.records)  # the real bug stays visible


def test_an_unnamed_error_gets_the_file_name(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text(TABLE)
    with pytest.raises(DataError, match=r"d\.csv: target column 'nope' not found"):
        load_dataset(str(tmp_path / "d.csv"), LoadOptions(target="nope"))


def test_image_names_that_are_not_utf8_are_shown_escaped(tmp_path: Path) -> None:
    from PIL import Image

    root = os.fsencode(tmp_path / "pics")
    for cls, level in ((b"caf\xe9", 40), (b"b", 200)):
        os.makedirs(os.path.join(root, cls))
        for i in range(2):
            Image.new("L", (4, 4), level + i).save(os.fsdecode(os.path.join(root, cls,
                                                                            b"\xff%d.png" % i)))
    ds = load_dataset(os.fsdecode(root))
    assert ds.class_names == ["b", "caf\\xe9"] and "caf\\xe9/\\xff0.png" in ds.ids
    assert len(ds.provenance.sha256) == 64


def test_whole_reads_are_bounded(tmp_path: Path) -> None:
    path = tmp_path / "d.csv.gz"
    path.write_bytes(gzip.compress(TABLE.encode() * 50))
    with pytest.raises(DataError, match="unpacks to more than"):
        files.read_whole(path, limit=1000)
    assert 0 < files.whole_read_limit() <= files.MAX_WHOLE_BYTES


# --- FASTA: BOM, encodings, mixed alphabets, labels that are not values ------------------------


def test_a_utf8_bom_fasta_reads_as_without(tmp_path: Path) -> None:
    text = ">s1|a\nACGTACGT\n>s2|b\nTTGACCAA\n"
    (tmp_path / "bom.fa").write_bytes(codecs.BOM_UTF8 + text.encode())
    (tmp_path / "plain.fa").write_text(text)
    bom, plain = load_dataset(str(tmp_path / "bom.fa")), load_dataset(str(tmp_path / "plain.fa"))
    assert bom.ids == plain.ids == ["s1", "s2"] and bom.records == plain.records


def test_a_latin1_byte_is_named_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "r.fa").write_bytes(">s1|a\nACGT\n>s2|b caf\xe9\nACGA\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"r\.fa: line 3, column 10: byte 0xe9 is not UTF-8"):
        load_dataset(str(tmp_path / "r.fa"))


def test_dna_among_proteins_is_warned_about(tmp_path: Path) -> None:
    text = ">p|a\nMKVLAAGIVWRR\n" + "".join(f">d{i}|b\nACGTACGTAC\n" for i in range(3))
    (tmp_path / "mix.fa").write_text(text)
    ds = load_dataset(str(tmp_path / "mix.fa"))
    assert ds.alphabet == "protein"
    assert any("3 of 4 sequences look like DNA" in w for w in ds.warnings)


def test_nan_and_inf_labels_are_dropped_not_classes(tmp_path: Path) -> None:
    labels = ["inf", "nan", "a", "b", "a", "b"]
    (tmp_path / "r.fa").write_text("".join(f">s{i}|{lab}\nACGTACGT\n"
                                           for i, lab in enumerate(labels)))
    ds = load_dataset(str(tmp_path / "r.fa"))
    assert ds.class_names == ["a", "b"] and ds.ids == ["s2", "s3", "s4", "s5"]
    assert any("2 records whose label is not a usable value" in w for w in ds.warnings)


def test_fractional_labels_forced_to_classes_are_said_so(tmp_path: Path) -> None:
    (tmp_path / "r.fa").write_text("".join(f">s{i}|{v}\nACGTACGT\n"
                                           for i, v in enumerate([0, 1, 1.5, 0, 1, 1.5])))
    ds = load_dataset(str(tmp_path / "r.fa"), LoadOptions(task="classification"))
    assert ds.class_names == ["0", "1", "1.5"]
    assert any("labels with fractions (1.5)" in w for w in ds.warnings)


# --- tables: non-finite values, one class ------------------------------------------------------


def test_inf_and_huge_values_are_reported_and_imputed(tmp_path: Path, capsys) -> None:
    text = TABLE.replace("\n3,", "\ninf,").replace("\n5,", "\n1e308,")
    (tmp_path / "d.csv").write_text(text)
    ds = load_dataset(str(tmp_path / "d.csv"))
    assert int(ds.records["x1"].isna().sum()) == 2
    facts = summarize(ds)
    assert facts["non_finite_values"] == {"x1": 2} and facts["missing_values"] == {"x1": 2}
    assert "non-finite values  x1 2" in format_summary(facts)
    assert any("'x1' holds 2 infinite or too large values (rows 5, 7)" in w
               for w in ds.warnings)
    dropped = load_dataset(str(tmp_path / "d.csv"), LoadOptions(missing="drop"))
    assert len(dropped) == 10
    assert main(["inspect", str(tmp_path / "d.csv")]) == 0
    assert "missing values     x1 2" in capsys.readouterr().out


def test_an_infinite_regression_target_drops_its_row(tmp_path: Path) -> None:
    text = "x,y\n" + "".join(f"{i},{'inf' if i == 4 else i * 1.37}\n" for i in range(30))
    (tmp_path / "r.csv").write_text(text)
    ds = load_dataset(str(tmp_path / "r.csv"))
    assert ds.task == "regression" and len(ds) == 29 and np.isfinite(ds.targets).all()
    assert any("whose 'y' is infinite" in w for w in ds.warnings)


@pytest.mark.parametrize("text", ["x1,x2,label\n1,2,a\n",
                                  "x1,x2,label\n" + "".join(f"{i},{i},7\n" for i in range(12))])
def test_one_class_tables_are_warned_about_and_not_trained(tmp_path: Path, text: str) -> None:
    (tmp_path / "one.csv").write_text(text)
    ds = load_dataset(str(tmp_path / "one.csv"))
    assert ds.task == "classification" and ds.n_classes == 1
    assert any("only one class" in w for w in ds.warnings)
    with pytest.raises(DataError, match=r"one\.csv: every sample is of one class"):
        prepare_run(str(tmp_path / "one.csv"))


# --- IDX: the classes present, floats that are numbers ----------------------------------------


def _pair(tmp_path: Path, images: np.ndarray, labels: np.ndarray, code: int = 0x08,
          label_code: int = 0x08) -> Path:
    img = tmp_path / "train-images-idx3-ubyte"
    img.write_bytes(_idx(images, code))
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(_idx(labels, label_code))
    return img


def test_idx_labels_become_the_classes_present(tmp_path: Path) -> None:
    x = np.zeros((6, 3, 3), np.uint8)
    ds = load_dataset(str(_pair(tmp_path, x, np.full(6, 200, np.uint8))))
    assert ds.class_names == ["200"] and ds.n_outputs == 1
    assert any("only one class ('200')" in w for w in ds.warnings)
    ds = load_dataset(str(_pair(tmp_path, x, np.array([3, 7, 3, 7, 3, 7], np.uint8))))
    assert ds.class_names == ["3", "7"] and ds.targets.tolist() == [0, 1, 0, 1, 0, 1]


def test_idx_float_images_keep_their_range_and_refuse_nan(tmp_path: Path) -> None:
    x = np.linspace(0, 1, 6 * 9).reshape(6, 3, 3).astype(">f4")
    ds = load_dataset(str(_pair(tmp_path, x, np.arange(6, dtype=np.uint8) % 2, code=0x0D)))
    assert np.allclose(ds.records[:, 0], x)
    x[2, 1, 1] = np.nan
    with pytest.raises(DataError, match="train-images-idx3-ubyte: 1 images hold NaN"):
        load_dataset(str(_pair(tmp_path, x, np.arange(6, dtype=np.uint8) % 2, code=0x0D)))
