"""Property tests against every loader's Python API: whatever the bytes, only Mendel's own
error type escapes, and what is accepted holds no value a network cannot take.

The default run tries ``EXAMPLES`` inputs per loader (fixed, derandomized: the same every
run); ``make test-hostile`` sets ``MENDEL_HOSTILE=1`` for a few thousand random ones each.
Inputs are built from the pieces real files break on: delimiters, quotes, lone CRs, BOMs,
NULs, Latin-1 bytes, 'inf' and 'nan', gzip members cut short, images cut short.
"""

from __future__ import annotations

import gzip
import io
import os
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.data.dataset import Dataset
from core.data.fasta import load_sequences
from core.data.images import load_idx, load_image_folder
from core.data.load import load_dataset
from core.data.options import LoadOptions
from core.data.summary import summarize
from core.data.tabular import load_table
from core.errors import MendelError

HOSTILE = bool(os.environ.get("MENDEL_HOSTILE"))
EXAMPLES = 3000 if HOSTILE else 50
RUN = settings(max_examples=EXAMPLES, deadline=None, derandomize=not HOSTILE, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

CELLS = ["", " ", "1", "-2.5", "0", "1e308", "-1e308", "inf", "-inf", "nan", "NaN", "?", "NA",
         "a", "b", "yes", "é", "caf\xe9", '"', '""', '"x,y"', "\r", "\n", "\r\n", "\x1c",
         "\ufeff", "\x00", "True", "ACGTACGTACGT", "MKVLAAGIVWRRTESAQ", "train", "test",
         "1,5", "x" * 300]
FASTA_PIECES = [">", ">s1", ">s2|a", ">s3|b", "|a", "|b", " label=c", "\n", "\r\n", "\r",
                "ACGT", "acgu", "NNNN", "MKVLAAGIVW", "-", "*", "1", " ", "\t", "nan", "inf",
                "@", "+", "IIII", "LOCUS", "ORIGIN", "//", "\ufeff", "\xe9", "\x00"]
OPTIONS = st.builds(
    LoadOptions,
    task=st.sampled_from([None, "classification", "regression"]),
    missing=st.sampled_from(["impute", "drop"]),
    labelled=st.booleans(),
    sequence_column=st.sampled_from([None, ""]),
    drop_duplicates=st.booleans(),
)


def _encode(text: str, how: str) -> bytes:
    if how == "latin-1":
        return text.encode("latin-1", "replace")
    if how == "utf-16":
        return text.encode("utf-16")
    if how == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    return text.encode("utf-8", "surrogatepass")


@st.composite
def file_bytes(draw: st.DrawFn, text: st.SearchStrategy[str]) -> bytes:
    """Text in some encoding, or raw bytes; sometimes gzipped, sometimes cut short."""
    if draw(st.integers(0, 9)) == 0:
        data = draw(st.binary(max_size=400))
    else:
        data = _encode(draw(text), draw(st.sampled_from(["utf-8", "latin-1", "utf-16", "bom"])))
    packing = draw(st.sampled_from(["plain", "plain", "gzip", "gzip-cut"]))
    if packing != "plain":
        data = gzip.compress(data, mtime=0)
        if packing == "gzip-cut":
            data = data[: draw(st.integers(0, len(data)))]
    return data


def _table_text() -> st.SearchStrategy[str]:
    row = st.lists(st.sampled_from(CELLS), min_size=1, max_size=5)
    sep = st.sampled_from([",", ";", "\t", "|"])
    end = st.sampled_from(["\n", "\r\n", "\r"])
    return st.builds(lambda rows, s, e: e.join(s.join(r) for r in rows), st.lists(
        row, max_size=12), sep, end)


def _fasta_text() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(FASTA_PIECES), max_size=40).map("".join)


def _only_mendel_errors(load: Callable[[], Dataset]) -> Dataset | None:
    """The dataset, or None after a ``MendelError``; any other exception fails the test."""
    try:
        return load()
    except MendelError as err:
        assert str(err).strip() and "\n" not in str(err)
        str(err).encode("utf-8")  # printable
        return None


def _sound(ds: Dataset) -> None:
    """What a network is given must be finite: no inf in a table, images in [0, 1]."""
    assert len(ds.targets) == len(ds) == len(ds.ids)
    if ds.task == "regression":
        assert np.isfinite(np.asarray(ds.targets, dtype=float)).all()
    if ds.modality == "image":
        x = np.asarray(ds.records)
        assert np.isfinite(x).all() and x.min(initial=0) >= 0 and x.max(initial=0) <= 1
    if ds.modality == "tabular":
        numeric = ds.records.select_dtypes("number").to_numpy(float)  # type: ignore[union-attr]
        assert not np.isinf(numeric).any()


@RUN
@given(data=file_bytes(_table_text()), ext=st.sampled_from([".csv", ".tsv", ".txt", ".csv.gz"]),
       options=OPTIONS)
def test_load_table_raises_only_data_errors(data: bytes, ext: str, options: LoadOptions) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"t{ext}"
        path.write_bytes(data)
        ds = _only_mendel_errors(lambda: load_table(path, options))
        if ds is not None:
            _sound(ds)


@RUN
@given(data=file_bytes(_fasta_text()),
       ext=st.sampled_from([".fa", ".fasta", ".fq", ".fastq", ".gb", ".fa.gz", ".fastq.gz"]),
       options=OPTIONS)
def test_load_sequences_raises_only_data_errors(data: bytes, ext: str,
                                                options: LoadOptions) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"r{ext}"
        path.write_bytes(data)
        ds = _only_mendel_errors(lambda: load_sequences(path, options))
        if ds is not None:
            _sound(ds)


@RUN
@given(a=file_bytes(_fasta_text()), b=file_bytes(_fasta_text()), options=OPTIONS)
def test_fasta_folders_raise_only_data_errors(a: bytes, b: bytes, options: LoadOptions) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "a.fa").write_bytes(a)
        (Path(folder) / "b.fa.gz").write_bytes(b)
        ds = _only_mendel_errors(lambda: load_sequences(Path(folder), options))
        if ds is not None:
            _sound(ds)


@st.composite
def image_bytes(draw: st.DrawFn) -> bytes:
    """An image in any of Pillow's common modes and formats, maybe cut short; or junk."""
    from PIL import Image

    if draw(st.integers(0, 5)) == 0:
        return draw(st.binary(max_size=200))
    mode = draw(st.sampled_from(["1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "I;16", "I",
                                 "F"]))
    fmt = draw(st.sampled_from(["PNG", "TIFF", "BMP", "GIF", "JPEG"]))
    w, h = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    values = draw(st.sampled_from([0.0, 1.0, 200.0, 70000.0, float("nan"), float("inf")]))
    try:
        if mode in ("I;16", "I", "F"):
            dtype = {"I;16": np.uint16, "I": np.int32, "F": np.float32}[mode]
            with np.errstate(invalid="ignore"):
                im = Image.fromarray(np.full((h, w), values).astype(dtype))
        else:
            level = int(values) % 256 if np.isfinite(values) else 0
            im = Image.new("RGB", (w, h), (level, 30, 60)).convert(mode)
        out = io.BytesIO()
        im.save(out, fmt)
    except (OSError, ValueError, KeyError, TypeError):  # a mode the format cannot hold
        return draw(st.binary(max_size=50))
    data = out.getvalue()
    return data[: draw(st.integers(0, len(data)))] if draw(st.booleans()) else data


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow on the damaged files it reads
@RUN
@given(images=st.lists(st.tuples(st.sampled_from(["a", "b", "c/d"]),
                                 st.sampled_from([".png", ".jpg", ".tif", ".bmp", ".gif"]),
                                 image_bytes()), max_size=6),
       skip=st.booleans(), size=st.sampled_from([None, (4, 4), (0, 3)]),
       gray=st.sampled_from([None, True, False]), labelled=st.booleans())
def test_load_image_folder_raises_only_data_errors(images: list[tuple[str, str, bytes]],
                                                   skip: bool, size: Any, gray: Any,
                                                   labelled: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for i, (cls, ext, data) in enumerate(images):
            path = Path(folder) / cls / f"{i}{ext}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        options = LoadOptions(skip_bad_files=skip, image_size=size, grayscale=gray,
                              labelled=labelled)
        ds = _only_mendel_errors(lambda: load_image_folder(folder, options))
        if ds is not None:
            _sound(ds)


@st.composite
def idx_bytes(draw: st.DrawFn, ndim: int) -> bytes:
    """An IDX file: a sound or broken magic, dimensions, and data of the right length or
    not, in any of the IDX types (floats may hold NaN)."""
    code = draw(st.sampled_from([0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E, 0x07]))
    dims_n = draw(st.sampled_from([ndim, ndim, ndim, 0, 2, 4]))
    dims = draw(st.lists(st.integers(0, 5), min_size=dims_n, max_size=dims_n))
    magic = bytes([0, 0, code, dims_n]) if draw(st.integers(0, 7)) else draw(st.binary(
        min_size=4, max_size=4))
    itemsize = {0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8}.get(code, 1)
    n = int(np.prod(dims)) if dims else 0
    if code in (0x0D, 0x0E) and draw(st.booleans()):
        values = draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 3.5, 255.0, -1.0, float("nan"),
                                                float("inf")]), min_size=n, max_size=n))
        body = np.array(values, dtype=">f4" if code == 0x0D else ">f8").tobytes()
    else:
        body = draw(st.binary(min_size=n * itemsize, max_size=n * itemsize))
    raw = magic + struct.pack(f">{len(dims)}I", *dims) + body
    cut = draw(st.sampled_from([0, 0, 0, 1, 3]))
    return raw[: len(raw) - cut] if cut else raw


@RUN
@given(images=idx_bytes(3), labels=idx_bytes(1), packed=st.booleans(),
       which=st.sampled_from(["images", "labels", "folder"]))
def test_load_idx_raises_only_data_errors(images: bytes, labels: bytes, packed: bool,
                                          which: str) -> None:
    suffix = ".gz" if packed else ""
    pack = (lambda b: gzip.compress(b, mtime=0)) if packed else bytes
    with tempfile.TemporaryDirectory() as folder:
        img = Path(folder) / f"train-images-idx3-ubyte{suffix}"
        lab = Path(folder) / f"train-labels-idx1-ubyte{suffix}"
        img.write_bytes(pack(images))
        lab.write_bytes(pack(labels))
        source = {"images": img, "labels": lab, "folder": Path(folder)}[which]
        ds = _only_mendel_errors(lambda: load_idx(source, LoadOptions()))
        if ds is not None:
            _sound(ds)


NAMES = ["d.csv", "d.tsv", "r.fa", "r.fastq", "r.gb", "d.csv.gz", "r.fa.gz", "model.pt",
         "data", "train-images-idx3-ubyte", "x.json"]


@RUN
@given(data=st.one_of(file_bytes(_table_text()), file_bytes(_fasta_text())),
       name=st.sampled_from(NAMES), options=OPTIONS)
def test_load_dataset_and_its_summary_raise_only_data_errors(data: bytes, name: str,
                                                             options: LoadOptions) -> None:
    """Through the dispatcher, then summarized as ``mendel inspect`` does; every message
    also names the file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            ds = load_dataset(str(path), options)
            summarize(ds)
        except MendelError as err:
            assert err.path or name in str(err), str(err)
        else:
            _sound(ds)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("name", ["d.csv", "r.fa", "r.fastq.gz", "train-images-idx3-ubyte"])
def test_the_loaders_refuse_a_fifo_without_waiting(tmp_path: Path, name: str) -> None:
    """Called directly (not through load_dataset's check), a loader opens a FIFO without
    blocking and refuses it."""
    path = tmp_path / name
    os.mkfifo(path)
    loader = {"d.csv": load_table, "r.fa": load_sequences, "r.fastq.gz": load_sequences,
              "train-images-idx3-ubyte": load_idx}[name]
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(b"\0\0\x08\x01\0\0\0\0")
    with pytest.raises(MendelError, match="not a regular file"):
        loader(path, LoadOptions())
