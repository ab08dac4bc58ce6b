"""Junk under every data name, special files (FIFOs, devices, sockets, dangling links),
names that are not UTF-8, and options that do not fit the file."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import numpy as np

from core.data.options import LoadOptions
from tests.hostile.build import (
    as_bytes,
    bytes_named,
    class_folders,
    digits,
    fifo,
    file,
    files,
    gz,
    idx,
    image,
    symlink,
    then,
)
from tests.hostile.cases_tables import GOOD_CSV
from tests.hostile.catalogue import Accept, Builder, Built, Case, Refuse

_RNG = np.random.default_rng(13)
JUNK: dict[str, bytes | object] = {
    "empty": b"",
    "one-byte-a": b"a",
    "one-byte-newline": b"\n",
    "one-byte-nul": b"\x00",
    "one-byte-ff": b"\xff",
    "one-byte-0x1c": b"\x1c",  # a line break to str.splitlines, not to csv or pandas
    "one-byte-quote": b'"',
    "two-bytes-comma-quote": b',"',
    "binary-13-bytes-lone-cr": b"\xbe~\r\xe3\x9f7\x06Zxd\xe3\xfe\x02",
    "binary-13-bytes": _RNG.bytes(13),
    "binary-4k": _RNG.bytes(4096),
    "whitespace": b" \t\n\r\n  \n",
    "png-bytes": image(),
    "utf16-without-bom": "a,b,label\n1,2,x\n3,4,y\n".encode("utf-16-le"),
    "html-page": b"<html><body><h1>404 Not Found</h1></body></html>\n",
}
_X, _Y = digits()


def _named(name: str) -> list[tuple[str, Builder]]:
    """(label, builder) of every junk content under the file name ``name``."""
    out = []
    for what, content in JUNK.items():
        out.append((what, file(name, content)))  # type: ignore[arg-type]
        if name.endswith(".gz"):
            out.append((f"{what}-gzipped", file(name, gz(content))))  # type: ignore[arg-type]
    return out


def _idx_junk(which: str) -> list[tuple[str, Builder]]:
    """Junk as one file of an IDX pair whose other file is sound."""
    good = {"images": idx(_X), "labels": idx(_Y)}
    out = []
    for what, content in JUNK.items():
        pair = dict(good, **{which: content})
        out.append((what, files("mnist", {"train-images-idx3-ubyte": pair["images"],
                                          "train-labels-idx1-ubyte": pair["labels"]},
                                source="train-images-idx3-ubyte")))
    return out


def _socket(name: str) -> Builder:
    def build(root: Path) -> Built:
        path = root / name
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(path))
        sock.close()  # the socket file stays
        return str(path), LoadOptions()

    return build


def _fifo_inside(root: Path, source: Path) -> None:
    os.mkfifo(source / "a" / "stuck.png" if (source / "a").is_dir() else source / "stuck.fa")


def cases() -> list[Case]:
    out: list[Case] = []
    for name in ("data.csv", "data.tsv", "data.fa", "data.fastq", "data.gb", "data.csv.gz",
                 "data.fa.gz"):
        out += [Case(f"junk/{name}/{what}", build, Refuse()) for what, build in _named(name)]
    for which in ("images", "labels"):
        out += [Case(f"junk/idx-{which}/{what}", build, Refuse())
                for what, build in _idx_junk(which)]
    out += _special_files() + _names() + _options()
    return out


def _special_files() -> list[Case]:
    refuse = Refuse(("not a regular file",))
    return [
        Case("special/fifo.csv", fifo("data.csv"), refuse, timeout_s=10),
        Case("special/fifo.tsv", fifo("data.tsv"), refuse, timeout_s=10),
        Case("special/fifo.fa", fifo("reads.fa"), refuse, timeout_s=10),
        Case("special/fifo.fastq.gz", fifo("reads.fastq.gz"), refuse, timeout_s=10),
        Case("special/fifo-idx", fifo("train-images-idx3-ubyte"), refuse, timeout_s=10),
        Case("special/fifo-with-format", fifo("data", LoadOptions(format="csv")), refuse,
             timeout_s=10),
        Case("special/fifo-labels-table",
             then(file("r.fa", ">s1\nACGTACGT\n>s2\nTTGACCAA\n",
                       LoadOptions(labels="labels.csv")),
                  lambda root, src: os.mkfifo(root / "labels.csv")),
             Refuse(("labels",)), timeout_s=10),
        Case("special/fifo-in-fasta-folder",
             then(files("classes", {"a.fa": ">s1\nACGTACGT\n>s2\nACGTTTTT\n",
                                    "b.fa": ">s3\nTTGACCAA\n>s4\nTTGACGGA\n"}), _fifo_inside),
             Accept(n=4, classes=["a", "b"]), timeout_s=10),
        Case("special/fifo-in-image-folder",
             then(files("pics", class_folders()), _fifo_inside),
             Accept(n=6, classes=["a", "b"]), timeout_s=10),
        Case("special/dev-zero.csv", symlink("data.csv", "/dev/zero"), refuse, timeout_s=10),
        Case("special/dev-urandom.fa", symlink("reads.fa", "/dev/urandom"), refuse,
             timeout_s=10),
        Case("special/dev-null.tsv", symlink("data.tsv", "/dev/null"), refuse, timeout_s=10),
        Case("special/socket.csv", _socket("data.csv"), refuse, timeout_s=10),
        Case("special/dangling-symlink.csv", symlink("data.csv", "/nonexistent/x.csv"),
             Refuse(("no such file",))),
        Case("special/folder-named-csv", files("data.csv", {"notes.txt": "hello"}), Refuse()),
        Case("special/empty-folder", files("empty", {}), Refuse()),
        Case("special/symlink-to-good-csv",
             then(file("real.csv", GOOD_CSV),
                  lambda root, src: (root / "link.csv").symlink_to(src)),
             Accept(n=12)),
    ]


def _names() -> list[Case]:
    pics = {b"a/caf\xe9.png": image(value=60), b"a/2.png": image(value=60, seed=2),
            b"b/\xff\xfe.png": image(value=200), b"b/2.png": image(value=200, seed=2)}
    printable = Accept(n=4, check=lambda ds, s: None if all(i.isprintable() for i in ds.ids)
                       and _encodable(ds.ids) else f"ids not printable UTF-8: {ds.ids}")
    return [
        Case("names/image-files-not-utf8", bytes_named("pics", pics), printable),
        Case("names/class-folder-not-utf8",
             bytes_named("pics", {b"caf\xe9/1.png": image(value=60),
                                  b"caf\xe9/2.png": image(value=60, seed=2),
                                  b"b/1.png": image(value=200), b"b/2.png": image(value=200)}),
             Accept(n=4, check=lambda ds, s: None if _encodable(ds.class_names)
                    else f"class names not UTF-8: {ds.class_names!r}")),
        Case("names/csv-not-utf8", bytes_named("d", {b"donn\xe9es.csv": GOOD_CSV},
                                               source=b"donn\xe9es.csv"), Accept(n=12)),
        Case("names/junk-csv-not-utf8",
             bytes_named("d", {b"donn\xe9es.csv": b"\x00\x01"}, source=b"donn\xe9es.csv"),
             Refuse()),
        Case("names/fasta-folder-not-utf8",
             bytes_named("seqs", {b"caf\xe9.fa": ">s1\nACGTACGT\n>s2\nACGTTTTT\n",
                                  b"b.fa": ">s3\nTTGACCAA\n>s4\nTTGACGGA\n"}),
             Accept(n=4, check=lambda ds, s: None if _encodable(ds.class_names)
                    else f"class names not UTF-8: {ds.class_names!r}")),
    ]


def _encodable(texts: list[str] | None) -> bool:
    try:
        for t in texts or []:
            t.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _options() -> list[Case]:
    csv = as_bytes(GOOD_CSV)
    return [
        Case("options/target-not-found", file("d.csv", csv, LoadOptions(target="nope")),
             Refuse(("nope",))),
        Case("options/feature-not-found", file("d.csv", csv, LoadOptions(features=["zz"])),
             Refuse(("zz",))),
        Case("options/split-column-not-found",
             file("d.csv", csv, LoadOptions(split_column="fold")), Refuse(("fold",))),
        Case("options/group-column-not-found",
             file("d.csv", csv, LoadOptions(group_column="patient")), Refuse(("patient",))),
        Case("options/bad-missing-policy", file("d.csv", csv, LoadOptions(missing="zero")),
             Refuse(("missing",))),
        Case("options/bad-task", file("d.csv", csv, LoadOptions(task="clustering")),
             Refuse(("task",))),
        Case("options/group-by-field-0", file("r.fa", ">s1|a\nACGT\n>s2|b\nACGA\n",
                                              LoadOptions(group_by="field:0")), Refuse()),
        Case("options/format-images-on-csv", file("d.csv", csv, LoadOptions(format="images")),
             Refuse()),
        Case("options/format-idx-on-csv", file("d.csv", csv, LoadOptions(format="idx")),
             Refuse()),
        Case("options/format-bogus", file("d.csv", csv, LoadOptions(format="parquet")),
             Refuse()),
        Case("options/image-shape-wrong", file("d.csv", csv, LoadOptions(image_shape=(5, 5))),
             Refuse()),
        Case("options/image-size-zero",
             files("pics", class_folders(), LoadOptions(image_size=(0, 4))), Refuse()),
        Case("options/labels-table-missing",
             file("r.fa", ">s1\nACGT\n>s2\nACGA\n", LoadOptions(labels="/nonexistent.csv")),
             Refuse()),
        Case("options/pickle-refused", file("model.pt", b"\x80\x04junk"), Refuse(("pickle",))),
        Case("options/no-extension", file("data", csv), Refuse(("extension",))),
    ]
