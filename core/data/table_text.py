"""The text of a table: bytes to characters, the delimiter, the rows, a DataFrame.

Spreadsheets reach Mendel saved by Excel, R, pandas and lab instruments, so the encoding
is sniffed (UTF-8, UTF-8/UTF-16 with a byte-order mark, else Latin-1), and so is the
delimiter; a row with the wrong number of fields is named by its line. What the columns
mean (target, ids, split, groups, features) is decided afterwards, in ``tabular``.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype

from core.data.alphabet import looks_like_sequences
from core.data.files import display, read_whole
from core.errors import DataError
from core.progress import StopFn, check_stop

EXTRA_MISSING = ["?"]  # besides pandas' defaults ("", NA, N/A, n/a, NaN, null, ...)
CHUNK_ROWS = 200_000  # rows pandas parses between two checks of should_stop
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _check_start(head: bytes, name: str) -> None:
    """Refuse binary content from the first chunk, before the rest is read or unpacked."""
    if head[:2] == b"PK":
        raise DataError("this is an Excel or zip file; save it as CSV first", name)
    if head.startswith(_UTF16_BOMS) or b"\x00" not in head:
        return
    pairs = head[: len(head) - len(head) % 2]
    odd, even = pairs[1::2].count(0), pairs[0::2].count(0)
    if max(odd, even) > len(pairs) // 4 and min(odd, even) < len(pairs) // 50:  # ASCII as UTF-16
        raise DataError("this looks like UTF-16 text without a byte-order mark; save it as"
                        " UTF-8 CSV", name)  # fmt: skip
    raise DataError("this looks like a binary file, not a text table", name)


def read_text(path: Path, should_stop: StopFn | None = None) -> str:
    """File content as text: gzip unpacked, encoding from the byte-order mark or guessed,
    every line end made ``\\n`` (pandas, the csv module and row numbers then agree)."""
    name = display(path.name)
    raw = read_whole(path, should_stop, lambda head: _check_start(head, name))
    if not raw.strip():
        raise DataError("the file is empty", name)
    try:
        if raw.startswith(codecs.BOM_UTF8):
            text = raw[len(codecs.BOM_UTF8):].decode("utf-8")
        elif raw.startswith(_UTF16_BOMS):
            text = raw.decode("utf-16")
        else:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")  # every byte is a character: never fails
    except UnicodeDecodeError as err:
        raise DataError(f"the text is not valid {err.encoding}", name) from None
    del raw
    if "\x00" in text:
        raise DataError("this looks like a binary file, not a text table", name)
    if not text.strip():
        raise DataError("the file is empty", name)
    check_stop(should_stop)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _sniff_delimiter(text: str, path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".tsv", ".tab")):
        return "\t"
    lines = [line for line in text[:65536].split("\n")[:50] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:  # one column, or too irregular to tell: the header decides
        counts = {d: lines[0].count(d) for d in ",;\t|"}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _field_counts(text: str, delimiter: str, file: str,
                  should_stop: StopFn | None = None) -> Iterator[tuple[int, int]]:
    """(file row number, number of fields) of every non-blank row."""
    if '"' not in text:  # no quoting: counting delimiters is exact, and fast on big tables
        for i, line in enumerate(io.StringIO(text)):
            if i % 65536 == 0:
                check_stop(should_stop)
            if line.strip():
                yield i + 1, line.count(delimiter) + 1
        return
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for row in rows:
            if rows.line_num % 65536 == 0:
                check_stop(should_stop)
            if any(cell.strip() for cell in row):
                yield rows.line_num, len(row)
    except csv.Error as err:
        raise DataError(f"row {rows.line_num}: {err}", file) from None


def parse_table(text: str, path: Path, should_stop: StopFn | None = None,
                ) -> tuple[pd.DataFrame, list[str], np.ndarray]:
    """(frame, warnings, file row number of each data row); ragged rows raise ``DataError``.

    ``text`` has ``\\n`` line ends (``read_text``)."""
    name = display(path.name)
    delimiter = _sniff_delimiter(text, path)
    counts = _field_counts(text, delimiter, name, should_stop)
    row_numbers = []
    first, expected = next(counts, (0, 0))
    if not first:
        raise DataError("the table holds no values", name)
    for row, n in counts:
        if n != expected:
            raise DataError(
                f"row {row} has {n} fields, expected {expected} like the first row"
                f" (delimiter {delimiter!r})",
                name,
            )
        row_numbers.append(row)
    try:
        header = next((r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if any(r)),
                      None)
    except csv.Error as err:
        raise DataError(f"cannot read the first row ({err})", name) from None
    if header is None:
        raise DataError("the table holds no values", name)
    warnings: list[str] = []
    has_header = not all(_is_number(cell) for cell in header)
    decimal = "," if delimiter == ";" and re.search(r"\d,\d", text[:10000]) else "."
    frame = _read_frame(text, name, should_stop, sep=delimiter,
                        header=0 if has_header else None, decimal=decimal)
    if not has_header:
        frame.columns = [f"col{i + 1}" for i in range(frame.shape[1])]
        warnings.append(
            f"the first row holds only numbers, so it is read as data; columns are named"
            f" col1..col{frame.shape[1]}"
        )
    frame.columns = _unique([str(c).strip() for c in frame.columns])
    unnamed_empty = [c for c in frame.columns if c.startswith("Unnamed:") and frame[c].isna().all()]
    frame = frame.drop(columns=unnamed_empty)  # trailing delimiters make empty columns
    if frame.shape[1] == 0:
        raise DataError("the table holds no values (every column is empty)", name)
    if len(frame) == 0:
        raise DataError("the table has a header but no data rows", name)
    if frame.shape[1] < 2 and not looks_like_sequences(frame.iloc[:, 0].dropna().astype(str)):
        raise DataError(
            f"only one column was found (delimiter {delimiter!r}); a table needs features and"
            " a target",
            name,
        )
    if not has_header:
        row_numbers.insert(0, first)
    if len(row_numbers) != len(frame):  # pandas saw blank rows differently: count plainly
        row_numbers = list(range(2 if has_header else 1, len(frame) + 2))
    return frame, warnings, np.array(row_numbers[: len(frame)], dtype=np.int64)


def _read_frame(text: str, name: str, should_stop: StopFn | None, **options: object,
                ) -> pd.DataFrame:
    """The table parsed by pandas ``CHUNK_ROWS`` rows at a time (``should_stop`` between).

    Each chunk infers its own column types. Numbers of several kinds concatenate as a
    whole read would type them (int and float give float); a column that is text in one
    chunk and numbers (or booleans) in another would come back holding both, so such
    columns are read again as text, which is what a whole read makes of them."""
    frames = _frame_chunks(text, name, should_stop, options)
    mixed = _mixed_columns(frames)
    if mixed:
        frames = _frame_chunks(text, name, should_stop, {**options, "dtype": dict.fromkeys(
            mixed, str)})
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _frame_chunks(text: str, name: str, should_stop: StopFn | None,
                  options: dict[str, object]) -> list[pd.DataFrame]:
    frames = []
    try:
        reader = pd.read_csv(io.StringIO(text), na_values=EXTRA_MISSING, skipinitialspace=True,
                             low_memory=False, chunksize=CHUNK_ROWS, **options)  # type: ignore[call-overload]
        with reader:
            for frame in reader:
                frames.append(frame)
                check_stop(should_stop)
    except (ValueError, pd.errors.ParserError) as err:
        raise DataError(f"cannot parse the table ({str(err).strip()})", name) from None
    if not frames:  # a header and nothing else: pandas yields no chunk
        frames.append(pd.read_csv(io.StringIO(text), nrows=0, **options))  # type: ignore[call-overload]
    return frames


def _mixed_columns(frames: list[pd.DataFrame]) -> list[object]:
    """Columns whose chunks disagree on their type beyond int versus float."""
    if len(frames) < 2:
        return []
    mixed = []
    for column in frames[0].columns:
        kinds = {str(f[column].dtype) for f in frames if f[column].notna().any()}
        numeric = all(is_numeric_dtype(f[column]) and not str(f[column].dtype) == "bool"
                      for f in frames if f[column].notna().any())
        if len(kinds) > 1 and not numeric:
            mixed.append(column)
    return mixed


def _unique(names: list[str]) -> list[str]:
    """Column names made unique as pandas does ('a', 'a.1'): stripping spaces can make
    two of pandas' names equal (' a' and 'a'), and a column is then two columns."""
    seen: set[str] = set()
    out = []
    for name in names:
        candidate, n = name, 0
        while candidate in seen:
            n += 1
            candidate = f"{name}.{n}"
        seen.add(candidate)
        out.append(candidate)
    return out


def _is_number(cell: str) -> bool:
    try:
        float(cell.strip())
    except ValueError:
        return False
    return True
