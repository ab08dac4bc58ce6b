"""The text of a table: bytes to characters, the delimiter, the rows, a DataFrame.

Spreadsheets reach Mendel saved by Excel, R, pandas and lab instruments, so the encoding
is sniffed (UTF-8, UTF-8/UTF-16 with a byte-order mark, else Latin-1), and so is the
delimiter; a row with the wrong number of fields is named by its line. What the columns
mean (target, ids, split, groups, features) is decided afterwards, in ``tabular``.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from core.data.alphabet import looks_like_sequences
from core.errors import DataError

EXTRA_MISSING = ["?"]  # besides pandas' defaults ("", NA, N/A, n/a, NaN, null, ...)


def read_text(path: Path) -> str:
    """File content as text: gzip unpacked, encoding from the byte-order mark or guessed."""
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError) as err:
        raise DataError(f"cannot read the file ({err})", path.name) from None
    if not raw.strip():
        raise DataError("the file is empty", path.name)
    if raw[:2] == b"PK":
        raise DataError("this is an Excel or zip file; save it as CSV first", path.name)
    try:
        if raw.startswith(codecs.BOM_UTF8):
            text = raw[len(codecs.BOM_UTF8):].decode("utf-8")
        elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = raw.decode("utf-16")
        else:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")  # every byte is a character: never fails
    except UnicodeDecodeError as err:
        raise DataError(f"the text is not valid {err.encoding}", path.name) from None
    if "\x00" in text:
        raise DataError("this looks like a binary file, not a text table", path.name)
    return text


def _sniff_delimiter(text: str, path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".tsv", ".tab")):
        return "\t"
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:  # one column, or too irregular to tell: the header decides
        counts = {d: lines[0].count(d) for d in ",;\t|"}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _field_counts(text: str, delimiter: str, file: str) -> Iterator[tuple[int, int]]:
    """(file row number, number of fields) of every non-blank row."""
    if '"' not in text:  # no quoting: counting delimiters is exact, and fast on big tables
        for i, line in enumerate(text.splitlines()):
            if line.strip():
                yield i + 1, line.count(delimiter) + 1
        return
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for row in rows:
            if any(cell.strip() for cell in row):
                yield rows.line_num, len(row)
    except csv.Error as err:
        raise DataError(f"row {rows.line_num}: {err}", file) from None


def parse_table(text: str, path: Path) -> tuple[pd.DataFrame, list[str], np.ndarray]:
    """(frame, warnings, file row number of each data row); ragged rows raise ``DataError``."""
    delimiter = _sniff_delimiter(text, path)
    counts = _field_counts(text, delimiter, path.name)
    row_numbers = []
    first, expected = next(counts)
    for row, n in counts:
        if n != expected:
            raise DataError(
                f"row {row} has {n} fields, expected {expected} like the first row"
                f" (delimiter {delimiter!r})",
                path.name,
            )
        row_numbers.append(row)
    header = next((r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if any(r)), None)
    if header is None:
        raise DataError("the table holds no values", path.name)
    warnings: list[str] = []
    has_header = not all(_is_number(cell) for cell in header)
    decimal = "," if delimiter == ";" and re.search(r"\d,\d", text[:10000]) else "."
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=delimiter, header=0 if has_header else None,
            na_values=EXTRA_MISSING, skipinitialspace=True, decimal=decimal, low_memory=False,
        )  # fmt: skip
    except (ValueError, pd.errors.ParserError) as err:
        raise DataError(f"cannot parse the table ({str(err).strip()})", path.name) from None
    if not has_header:
        frame.columns = [f"col{i + 1}" for i in range(frame.shape[1])]
        warnings.append(
            f"the first row holds only numbers, so it is read as data; columns are named"
            f" col1..col{frame.shape[1]}"
        )
    frame.columns = [str(c).strip() for c in frame.columns]
    unnamed_empty = [c for c in frame.columns if c.startswith("Unnamed:") and frame[c].isna().all()]
    frame = frame.drop(columns=unnamed_empty)  # trailing delimiters make empty columns
    if len(frame) == 0:
        raise DataError("the table has a header but no data rows", path.name)
    if frame.shape[1] < 2 and not looks_like_sequences(frame.iloc[:, 0].dropna().astype(str)):
        raise DataError(
            f"only one column was found (delimiter {delimiter!r}); a table needs features and"
            " a target",
            path.name,
        )
    if not has_header:
        row_numbers.insert(0, first)
    if len(row_numbers) != len(frame):  # pandas saw blank rows differently: count plainly
        row_numbers = list(range(2 if has_header else 1, len(frame) + 2))
    return frame, warnings, np.array(row_numbers[: len(frame)], dtype=np.int64)


def _is_number(cell: str) -> bool:
    try:
        float(cell.strip())
    except ValueError:
        return False
    return True
