"""CSV / TSV tables: encodings, line ends, quoting, shapes, values that are not numbers,
targets that cannot be learned."""

from __future__ import annotations

import codecs
import math

import numpy as np

from core.data.options import LoadOptions
from tests.hostile.build import file, gz
from tests.hostile.catalogue import Accept, Case, Refuse

GOOD_ROWS = [(i, i * 0.5, "ab"[i % 2]) for i in range(12)]
GOOD_CSV = "x1,x2,label\n" + "".join(f"{a},{b},{c}\n" for a, b, c in GOOD_ROWS)
TWO = ["a", "b"]


def _table(rows: list[tuple[object, ...]], header: str = "x1,x2,label", sep: str = ",",
           end: str = "\n") -> str:
    return header.replace(",", sep) + end + "".join(
        sep.join(str(v) for v in row) + end for row in rows)


def _column(name: str, expected: list[float]) -> object:
    """A check: the feature column ``name`` holds ``expected`` (NaN = missing)."""

    def check(ds: object, summary: dict[str, object]) -> str | None:
        got = ds.records[name].tolist()  # type: ignore[attr-defined]
        same = len(got) == len(expected) and all(
            (math.isnan(g) and math.isnan(e)) if isinstance(g, float) and math.isnan(g)
            or math.isnan(e) else g == e for g, e in zip(got, expected, strict=True))
        return None if same else f"column {name!r} is {got[:6]}, expected {expected[:6]}"

    return check


def _reports(column: str) -> object:
    """A check: the summary names ``column`` among the missing or non-finite values."""

    def check(ds: object, summary: dict[str, object]) -> str | None:
        facts = {**dict(summary.get("missing_values") or {}),  # type: ignore[call-overload]
                 **dict(summary.get("non_finite_values") or {})}  # type: ignore[call-overload]
        if column not in facts:
            return f"the summary does not report {column!r} (missing values: {facts or 'none'})"
        x = np.asarray(ds.records[column], dtype=float)  # type: ignore[attr-defined]
        if np.isinf(x).any() or (np.abs(x[np.isfinite(x)]) > 3.4e38).any():
            return f"column {column!r} still holds values no network can take"
        return None

    return check


def _finite_targets(ds: object, summary: dict[str, object]) -> str | None:
    t = np.asarray(ds.targets, dtype=float)  # type: ignore[attr-defined]
    return None if np.isfinite(t).all() else "a target is not finite"


def _no_nan_class(ds: object, summary: dict[str, object]) -> str | None:
    names = [str(c).lower() for c in (ds.class_names or [])]  # type: ignore[attr-defined]
    bad = [c for c in names if c in ("nan", "inf", "-inf")]
    return f"classes named {bad}" if bad else None


def cases() -> list[Case]:
    crlf = GOOD_CSV.replace("\n", "\r\n")
    rows = GOOD_ROWS
    inf_rows = [(("inf" if i == 3 else a), b, c) for i, (a, b, c) in enumerate(rows)]
    big_rows = [(("1e308" if i == 3 else a), b, c) for i, (a, b, c) in enumerate(rows)]
    neg_rows = [(("-inf" if i in (2, 5) else a), b, c) for i, (a, b, c) in enumerate(rows)]
    return [
        Case("csv/good", file("d.csv", GOOD_CSV), Accept(n=12, classes=TWO)),
        Case("csv/utf8-bom", file("d.csv", codecs.BOM_UTF8 + GOOD_CSV.encode()),
             Accept(n=12, classes=TWO, check=_column("x1", [float(r[0]) for r in rows]))),
        Case("csv/utf16-le-bom", file("d.csv", GOOD_CSV.encode("utf-16")),
             Accept(n=12, classes=TWO)),
        Case("csv/utf16-be-bom", file("d.csv", codecs.BOM_UTF16_BE + GOOD_CSV.encode(
            "utf-16-be")), Accept(n=12, classes=TWO)),
        Case("csv/crlf", file("d.csv", crlf), Accept(n=12, classes=TWO)),
        Case("csv/cr-only", file("d.csv", GOOD_CSV.replace("\n", "\r")),
             Accept(n=12, classes=TWO)),
        Case("csv/mixed-line-ends", file("d.csv", GOOD_CSV.replace("\n", "\r\n", 5)),
             Accept(n=12, classes=TWO)),
        Case("csv/no-final-newline", file("d.csv", GOOD_CSV.rstrip("\n")),
             Accept(n=12, classes=TWO)),
        Case("csv/latin1-category", file("d.csv", _table(
            [(i, "caf\xe9" if i % 3 else "th\xe9", "ab"[i % 2]) for i in range(12)],
            "x1,drink,label").encode("latin-1")),
             Accept(n=12, check=lambda ds, s: None if "caf\xe9" in set(ds.records["drink"])
                    else f"drink values {set(ds.records['drink'])}")),
        Case("csv/semicolon-decimal-comma", file("d.csv", _table(
            [(f"{i},5", f"{i},25", "ab"[i % 2]) for i in range(12)], sep=";")),
             Accept(n=12, check=_column("x1", [i + 0.5 for i in range(12)]))),
        Case("csv/pipe-delimited", file("d.csv", _table(rows, sep="|")), Accept(n=12)),
        Case("tsv/good", file("d.tsv", _table(rows, sep="\t")), Accept(n=12, classes=TWO)),
        Case("tsv/commas-inside", file("d.tsv", _table(
            [(f"{a}", f"x,{b}", c) for a, b, c in rows], sep="\t")), Accept(n=12)),
        Case("csv/trailing-delimiters", file("d.csv", GOOD_CSV.replace("\n", ",\n")),
             Accept(n=12, classes=TWO)),
        Case("csv/blank-lines", file("d.csv", GOOD_CSV.replace("\n", "\n\n", 6)),
             Accept(n=12, classes=TWO)),
        Case("csv/header-only", file("d.csv", "x1,x2,label\n"), Refuse(("no data rows",))),
        Case("csv/header-only-no-newline", file("d.csv", "x1,x2,label"), Refuse()),
        Case("csv/header-and-blank-lines", file("d.csv", "x1,x2,label\n\n\n  \n"), Refuse()),
        Case("csv/single-row", file("d.csv", "x1,x2,label\n1,2,a\n"),
             Accept(n=1, warns=("only one class",))),
        Case("csv/one-class", file("d.csv", _table([(a, b, "a") for a, b, _ in rows])),
             Accept(n=12, warns=("only one class",))),
        Case("csv/constant-numeric-target", file("d.csv", _table([(a, b, 7) for a, b, _ in rows])),
             Accept(n=12, warns=("only one class",))),
        Case("csv/constant-regression-target",
             file("d.csv", _table([(a, b, 2.5) for a, b, _ in rows]),
                  LoadOptions(task="regression")),
             Accept(n=12, warns=("same value",))),
        Case("csv/one-column", file("d.csv", "x\n1\n2\n3\n"), Refuse(("one column",))),
        Case("csv/only-numbers-no-header", file("d.csv", "".join(
            f"{i},{i * 2},{i % 2}\n" for i in range(12))), Accept(n=12)),
        Case("csv/ragged-row", file("d.csv", GOOD_CSV + "1,2,a,9\n"), Refuse(("row 14",))),
        Case("csv/short-row", file("d.csv", GOOD_CSV + "1\n"), Refuse(("row 14",))),
        Case("csv/unterminated-quote", file("d.csv", GOOD_CSV + '1,"2,a\n3,4,b\n'), Refuse()),
        Case("csv/quoted-newline", file("d.csv", "x1,note,label\n" + "".join(
            f'{i},"two\nlines",{"ab"[i % 2]}\n' for i in range(12))), Accept(n=12)),
        Case("csv/nul-in-middle", file("d.csv", GOOD_CSV[:30] + "\0" + GOOD_CSV[30:]), Refuse()),
        Case("csv/duplicate-column-names", file("d.csv", _table(rows, "x,x,label")),
             Accept(n=12)),
        Case("csv/names-equal-once-stripped", file("d.csv", _table(rows, " x,x,label")),
             Accept(n=12, check=lambda ds, s: None if list(ds.records.columns) == ["x", "x.1"]
                    else f"columns {list(ds.records.columns)}")),
        Case("csv/true-false-regression-target", file("d.csv", _table(
            [(a, b, "True" if i % 2 else "False") for i, (a, b, _) in enumerate(rows)]),
            LoadOptions(task="regression")), Refuse(("true/false",))),
        Case("csv/empty-column-names", file("d.csv", _table(rows, ",,label")), Accept(n=12)),
        Case("csv/duplicate-ids", file("d.csv", _table(
            [(f"s{i % 3}", a, c) for i, (a, _, c) in enumerate(rows)], "id,x1,label")),
             Accept(n=12)),
        Case("csv/inf-feature", file("d.csv", _table(inf_rows)),
             Accept(n=12, check=_reports("x1"))),
        Case("csv/1e308-feature", file("d.csv", _table(big_rows)),
             Accept(n=12, check=_reports("x1"))),
        Case("csv/minus-inf-drop", file("d.csv", _table(neg_rows), LoadOptions(missing="drop")),
             Accept(n=10, warns=("x1",))),
        Case("csv/nan-text-feature", file("d.csv", _table(
            [(("NaN" if i == 4 else a), b, c) for i, (a, b, c) in enumerate(rows)])),
             Accept(n=12, check=_reports("x1"))),
        Case("csv/inf-regression-target", file("d.csv", _table(
            [(a, b, ("inf" if i == 2 else i * 1.37)) for i, (a, b, _) in enumerate(rows)],
            "x1,x2,y"), LoadOptions(task="regression")),
             Accept(n=11, warns=("y",), check=_finite_targets)),
        Case("csv/1e308-regression-target", file("d.csv", _table(
            [(a, b, ("1e308" if i == 2 else i * 1.37)) for i, (a, b, _) in enumerate(rows)],
            "x1,x2,y")), Accept(n=11, check=_finite_targets)),
        Case("csv/label-nan-inf-fraction", file("d.csv", _table(
            [(a, b, ["inf", "nan", "1.5", "0", "1"][i % 5]) for i, (a, b, _) in enumerate(rows)]),
            LoadOptions(task="classification")),
             Accept(warns=("1.5",), check=_no_nan_class)),
        Case("csv/all-targets-missing", file("d.csv", _table([(a, b, "") for a, b, _ in rows])),
             Refuse(("empty",))),
        Case("csv/every-row-missing-drop", file("d.csv", _table(
            [(a, "", c) for a, _, c in rows]), LoadOptions(missing="drop")), Accept(n=12)),
        Case("csv/text-in-numeric-column", file("d.csv", _table(
            [(("oops" if i == 5 else a), b, c) for i, (a, b, c) in enumerate(rows)])),
             Accept(n=12, warns=("text",))),
        Case("csv/excel-zip", file("d.csv", b"PK\x03\x04" + bytes(40)), Refuse(("excel",))),
        Case("csv/gzip-good", file("d.csv.gz", gz(GOOD_CSV)), Accept(n=12, classes=TWO)),
        Case("csv/gzip-truncated", file("d.csv.gz", lambda: _half(gz(GOOD_CSV * 40)())),
             Refuse()),
        Case("csv/gzip-two-members", file("d.csv.gz", lambda: gz(GOOD_CSV)() + gz(
            "".join(f"{a},{b},{c}\n" for a, b, c in rows))()), Accept(n=24)),
        Case("csv/gzip-named-plain", file("d.csv.gz", GOOD_CSV), Accept(n=12)),
        Case("csv/gzip-bad-crc", file("d.csv.gz", lambda: _bad_crc(gz(GOOD_CSV)())), Refuse()),
        Case("csv/gzip-of-zeros", file("d.csv.gz", gz(bytes(64 << 20), 9)), Refuse(("binary",)),
             timeout_s=30),
        Case("csv/sequence-column-mixed", file("d.csv", _table(
            [("ACGTACGTACGTACGTACGTAC" if i % 2 else "MKVLAAGIVWRRTESAQLLP", "ab"[i % 2])
             for i in range(12)], "seq,label")), Accept(n=12, warns=("dna",))),
        Case("csv/huge-cell", file("d.csv", lambda: (GOOD_CSV + "1," + "x" * (8 << 20) + ",a\n")
                                   .encode()), Accept(n=13), timeout_s=60),
        Case("csv/huge-line-of-columns", file("d.csv", lambda: (
            ",".join(f"c{i}" for i in range(20000)) + ",label\n" + "".join(
                ",".join("1" for _ in range(20000)) + f",{'ab'[r % 2]}\n" for r in range(4))
        ).encode()), Accept(n=4), slow=True, timeout_s=120),
        Case("csv/many-rows", file("d.csv", lambda: ("x1,x2,label\n" + "".join(
            f"{i},{i % 7},{'ab'[i % 2]}\n" for i in range(400_000))).encode()),
             Accept(n=400_000), slow=True, timeout_s=120),
        Case("csv/text-bomb-gzip", file("d.csv.gz", lambda: gz("1,2,a\n3,4,b\n" * 90_000, 9)()
                                        * 3000), Refuse(), slow=True, timeout_s=120),
    ]


def _half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _bad_crc(data: bytes) -> bytes:
    return data[:-8] + bytes(4) + data[-4:]
