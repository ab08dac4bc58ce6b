"""FASTA, FASTQ and GenBank files, folders of them, and labels tables."""

from __future__ import annotations

import codecs

from core.data.options import LoadOptions
from tests.hostile.build import file, files, gz
from tests.hostile.catalogue import Accept, Case, Refuse

GOOD_FA = "".join(f">s{i}|{'ab'[i % 2]}\n{'ACGTTGCA' if i % 2 else 'TTGACCAT'}GGA\n"
                  for i in range(8))
GOOD_FQ = "".join(f"@r{i}|{'ab'[i % 2]}\nACGTACGT\n+\nIIIIIIII\n" for i in range(6))
TWO = ["a", "b"]
PROTEIN = "MKVLAAGIVWRRTESAQLLP"


def _genbank(label: str, seq: str) -> str:
    return (f"LOCUS       X{label}  {len(seq)} bp    DNA     linear   UNK 01-JAN-1980\n"
            f"DEFINITION  x label={label}\nACCESSION   X{label}\nVERSION     X{label}\n"
            f"FEATURES             Location/Qualifiers\nORIGIN\n"
            f"        1 {seq.lower()}\n//\n")


def _classes_are_text(ds: object, summary: dict[str, object]) -> str | None:
    names = [str(c).lower() for c in (ds.class_names or [])]  # type: ignore[attr-defined]
    bad = [c for c in names if c in ("nan", "inf", "-inf", "none", "")]
    return f"classes named {bad}" if bad else None


def _prices_every_class(ds: object, summary: dict[str, object]) -> str | None:
    memory = summary.get("memory") or {}
    needed = 32 * 20_000 * 10_000  # rows x classes (core.data.tensors.MEASURE_CELL_BYTES)
    return None if memory.get("measuring", 0) >= needed else f"memory estimate {memory}"  # type: ignore[union-attr]


def cases() -> list[Case]:
    crlf = GOOD_FA.replace("\n", "\r\n")
    mixed = "".join(f">s{i}|{'ab'[i % 2]}\n{PROTEIN if i < 3 else 'ACGTACGTACGT'}\n"
                    for i in range(10))
    labels_odd = "".join(f">s{i}|{lab}\nACGTACGA\n" for i, lab in enumerate(
        ["inf", "nan", "1.5", "0", "1", "0", "1", "1.5", "0", "1"]))
    latin = ">s1|a caf\xe9\nACGTACGT\n>s2|b\nTTGACCAA\n".encode("latin-1")
    return [
        Case("fasta/good", file("r.fa", GOOD_FA), Accept(n=8, classes=TWO)),
        Case("fasta/utf8-bom", file("r.fa", codecs.BOM_UTF8 + GOOD_FA.encode()),
             Accept(n=8, classes=TWO, check=lambda ds, s: None if ds.ids[0] == "s0"
                    else f"first id {ds.ids[0]!r}")),
        Case("fasta/utf8-bom-gzip", file("r.fa.gz", gz(codecs.BOM_UTF8 + GOOD_FA.encode())),
             Accept(n=8, classes=TWO)),
        Case("fasta/utf16", file("r.fa", GOOD_FA.encode("utf-16")), Refuse(("utf-16",))),
        Case("fasta/latin1-header", file("r.fa", latin), Refuse(("0xe9", "line 1", "utf-8"))),
        Case("fasta/latin1-header-late", file("r.fa", GOOD_FA.encode() * 400 + latin),
             Refuse(("0xe9", "utf-8"))),
        Case("fasta/crlf", file("r.fa", crlf), Accept(n=8, classes=TWO)),
        Case("fasta/cr-only", file("r.fa", GOOD_FA.replace("\n", "\r")),
             Accept(n=8, classes=TWO)),
        Case("fasta/header-only", file("r.fa", ">s1|a\n"), Refuse()),
        Case("fasta/no-header", file("r.fa", "ACGTACGT\nACGT\n"), Refuse(("line 1",))),
        Case("fasta/text-before-header", file("r.fa", "# made by hand\n" + GOOD_FA), Refuse()),
        Case("fasta/empty-record", file("r.fa", ">s1|a\nACGT\n>s2|b\n>s3|a\nACGA\n>s4|b\nGG\n"),
             Refuse(("no sequence",))),
        Case("fasta/duplicate-ids", file("r.fa", GOOD_FA.replace(">s1|", ">s0|")),
             Accept(n=8, warns=("more than once",))),
        Case("fasta/one-class", file("r.fa", GOOD_FA.replace("|b", "|a")),
             Refuse(("one class",))),
        Case("fasta/no-labels", file("r.fa", ">s1\nACGT\n>s2\nACGA\n"), Refuse(("no labels",))),
        Case("fasta/some-labels-missing", file("r.fa", ">s1|a\nACGT\n>s2\nACGA\n>s3|b\nAC\n"),
             Refuse()),
        Case("fasta/mixed-dna-protein", file("r.fa", mixed),
             Accept(n=10, warns=("7 of 10",))),
        Case("fasta/labels-inf-nan-fraction", file("r.fa", labels_odd),
             Accept(n=8, warns=("nan",), check=_classes_are_text)),
        Case("fasta/labels-all-nan", file("r.fa", ">s1|nan\nACGT\n>s2|NaN\nACGA\n"),
             Refuse()),
        Case("fasta/gap", file("r.fa", ">s1|a\nAC-GT\n>s2|b\nACGA\n"), Refuse(("line 2",))),
        Case("fasta/stop-inside-protein", file("r.fa", f">s1|a\n{PROTEIN}*{PROTEIN}\n>s2|b\n"
                                                      f"{PROTEIN}\n"), Refuse()),
        Case("fasta/digits", file("r.fa", ">s1|a\nACGT1ACGT\n>s2|b\nACGA\n"), Refuse()),
        Case("fasta/nul-in-sequence", file("r.fa", ">s1|a\nACG\0T\n>s2|b\nACGA\n"), Refuse()),
        Case("fasta/control-chars", file("r.fa", ">s1|a\nACG\x07T\n>s2|b\nACGA\n"), Refuse()),
        Case("fasta/lower-case-rna", file("r.fa", ">s1|a\nacguacgu\n>s2|b\nuuagcuag\n"),
             Accept(n=2, check=lambda ds, s: None if ds.alphabet == "RNA" else ds.alphabet)),
        Case("fasta/huge-line", file("r.fa", lambda: (
            ">s1|a\n" + "ACGT" * (4 << 20) + "\n>s2|b\nACGTACGT\n").encode()),
             Accept(n=2), timeout_s=60),
        Case("fasta/huge-header", file("r.fa", lambda: (
            ">s1|a " + "x" * (2 << 20) + "\nACGT\n>s2|b\nACGA\n").encode()), Accept(n=2)),
        Case("fasta/gzip-truncated", file("r.fa.gz", lambda: gz(GOOD_FA * 200)()[:150]),
             Refuse()),
        Case("fasta/gz-name-not-gzip", file("r.fa.gz", GOOD_FA), Refuse(("gzip",))),
        Case("fasta/many-records", file("r.fa", lambda: "".join(
            f">r{i}|{'ab'[i % 2]}\nACGTACGTAC\n" for i in range(300_000)).encode()),
             Accept(n=300_000), slow=True, timeout_s=120),
        # read fine, but the summary must price measuring 10,000 outputs on every row
        # (the network table once said 8.3 MB for a run that peaked at 4.9 GB)
        Case("fasta/10000-classes", file("r.fa", lambda: "".join(
            f">r{i}|c{i % 10_000}\n{'ACGT' * 10}\n" for i in range(20_000)).encode()),
             Accept(n=20_000, check=_prices_every_class), timeout_s=60),
        Case("fastq/good", file("r.fastq", GOOD_FQ), Accept(n=6, classes=TWO)),
        Case("fastq/missing-quality", file("r.fastq", GOOD_FQ + "@r9|a\nACGT\n+\n"), Refuse()),
        Case("fastq/quality-too-short", file("r.fastq", GOOD_FQ + "@r9|a\nACGT\n+\nII\n"),
             Refuse()),
        Case("fastq/fasta-content", file("r.fastq", GOOD_FA), Refuse(("line 1",))),
        Case("fastq/crlf", file("r.fq", GOOD_FQ.replace("\n", "\r\n")),
             Accept(n=6, classes=TWO)),
        Case("genbank/good", file("r.gb", _genbank("a", "ACGTACGTAA") + _genbank("b", "TTGACC")),
             Accept(n=2, classes=TWO)),
        Case("genbank/locus-only", file("r.gb", "LOCUS       X\n"), Refuse()),
        Case("genbank/truncated", file("r.gb", (_genbank("a", "ACGTACGTAA") * 2)[:-60]),
             Refuse()),
        Case("genbank/fasta-content", file("r.gb", GOOD_FA), Refuse(("locus",))),
        Case("fasta-folder/good", files("classes", {"a.fa": ">s1\nACGTAC\n>s2\nACGTTT\n",
                                                    "b.fa": ">s3\nTTGACC\n>s4\nTTGACG\n"}),
             Accept(n=4, classes=TWO)),
        Case("fasta-folder/one-file", files("classes", {"a.fa": ">s1\nACGTAC\n>s2\nACGTTT\n"}),
             Refuse(("one class",))),
        Case("fasta-folder/empty-file", files("classes", {"a.fa": ">s1\nACGTAC\n",
                                                          "b.fa": ""}), Refuse(("b.fa",))),
        Case("fasta-folder/junk-file", files("classes", {"a.fa": ">s1\nACGTAC\n",
                                                         "b.fa": b"\x89PNG\r\n\x1a\n\0\0"}),
             Refuse(("b.fa",))),
        Case("labels/empty-option", files("d", {"r.fa": ">s1\nACGT\n>s2\nACGA\n>s3\nTTGA\n",
                                        "l.csv": "id,label\ns1,a\ns2,b\ns3,a\n"},
                                  LoadOptions(labels=""), "r.fa"), Refuse()),
        Case("labels/table", _with_labels("id,label\ns1,a\ns2,b\ns3,a\n"),
             Accept(n=3, classes=TWO)),
        Case("labels/bom-table", _with_labels(codecs.BOM_UTF8 + b"id,label\ns1,a\ns2,b\ns3,a\n"),
             Accept(n=3, classes=TWO)),
        Case("labels/unmatched-ids", _with_labels("id,label\nx1,a\nx2,b\n"), Refuse(("l.csv",))),
        Case("labels/binary-table", _with_labels(b"\x00\x01\x02\xff,\n\x00"), Refuse()),
        Case("labels/empty-table", _with_labels(b""), Refuse(("l.csv",))),
        Case("labels/two-labels-one-id", _with_labels("id,label\ns1,a\ns1,b\ns2,a\ns3,b\n"),
             Refuse(("two labels",))),
    ]


def _with_labels(table: bytes | str) -> object:
    def build(root: object) -> tuple[str, LoadOptions]:
        from pathlib import Path

        base = Path(str(root)) / "d"
        base.mkdir()
        (base / "r.fa").write_text(">s1\nACGTACGT\n>s2\nACGAACGA\n>s3\nTTGATTGA\n")
        (base / "l.csv").write_bytes(table.encode() if isinstance(table, str) else table)
        return str(base / "r.fa"), LoadOptions(labels=str(base / "l.csv"))

    return build
