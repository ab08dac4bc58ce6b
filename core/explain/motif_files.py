"""Known motifs read from files, offline: MEME minimal format and JASPAR (bracket or
plain PFM).

- MEME (``meme-format``): an optional ``ALPHABET= ACGT`` line (a MEME 5 custom alphabet
  block is skipped; its letters are then told by ``alength``), then per motif a line
  ``MOTIF id [name]``, a line ``letter-probability matrix: alength= A w= W ...`` and W
  rows of A numbers. Everything else (background, URL, strands) is skipped.
- JASPAR: per motif a header ``>ID name`` and one row per letter, A C G T in that order;
  a row is either ``A [ 4 19 0 ]`` (the "jaspar" format) or bare numbers (a ``.pfm``
  file, whose single motif may lack the header). Counts become probabilities per column.

Every problem is a ``DataError`` naming the file and the line, in one line. RNA's U is
read as T, so a motif compares with the run's one-hot channels A, C, G, T.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.data.alphabet import AMINO_ACIDS, NUCLEOTIDES
from core.errors import DataError

_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


@dataclass(frozen=True)
class Motif:
    """A known motif: probabilities (width, letters), letters in channel order."""

    name: str  # "MA0004.1 Arnt": identifier and name as the file gives them
    probabilities: np.ndarray
    letters: str
    source: str  # the file it came from
    line: int  # where its header is (1-based)

    @property
    def width(self) -> int:
        return int(self.probabilities.shape[0])


def _fail(path: Path, line: int, message: str) -> DataError:
    return DataError(f"line {line}: {message}", str(path))


def _numbers(path: Path, line: int, fields: list[str]) -> list[float]:
    bad = next((f for f in fields if not _NUMBER.match(f)), None)
    if bad is not None:
        raise _fail(path, line, f"{bad!r} is not a number")
    return [float(f) for f in fields]


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise DataError("no such motif file", str(path)) from None
    except UnicodeDecodeError:
        raise DataError("is not a text motif file", str(path)) from None
    except OSError as exc:
        raise DataError(f"cannot be read ({exc.strerror})", str(path)) from None


def _letters_of(alength: int, path: Path, line: int) -> str:
    if alength == 4:
        return NUCLEOTIDES
    if alength == 20:
        return AMINO_ACIDS
    raise _fail(path, line, f"alength= {alength}: only 4 (DNA/RNA) or 20 (protein) letters "
                "can be compared with a network's filters")


def _probabilities(rows: np.ndarray, path: Path, line: int) -> np.ndarray:
    """Columns scaled to sum to 1 (counts or rounded probabilities alike)."""
    if (rows < 0).any():
        raise _fail(path, line, "a motif holds a negative count or probability")
    sums = rows.sum(axis=1, keepdims=True)
    if (sums <= 0).any():
        raise _fail(path, line, "a motif column sums to 0")
    return rows / sums


def read_meme(path: str | Path) -> list[Motif]:
    """Every motif of a MEME minimal-format file."""
    path = Path(path)
    lines = _lines(path)
    letters_line: str | None = None
    motifs: list[Motif] = []
    name, name_line = None, 0
    i = 0
    while i < len(lines):
        text = lines[i].strip()
        if text.startswith("ALPHABET="):
            letters_line = text.split("=", 1)[1].strip().upper().replace("U", "T")
        elif text.startswith("ALPHABET") and not text.startswith("ALPHABET="):
            while i < len(lines) and not lines[i].strip().startswith("END ALPHABET"):
                i += 1  # a MEME 5 custom alphabet: alength tells the letters
        elif text.startswith("MOTIF"):
            fields = text.split()
            if len(fields) < 2:
                raise _fail(path, i + 1, "MOTIF has no identifier")
            name, name_line = " ".join(fields[1:]), i + 1
        elif text.startswith("letter-probability matrix"):
            if name is None:
                raise _fail(path, i + 1, "a letter-probability matrix before any MOTIF line")
            alength, width = _matrix_size(path, i + 1, text)
            letters = _letters_of(alength, path, i + 1)
            if letters_line and sorted(letters_line) != sorted(letters):
                raise _fail(path, i + 1, f"alength= {alength} does not fit ALPHABET= "
                            f"{letters_line}")
            rows = []
            j = i + 1
            while len(rows) < width:
                if j >= len(lines) or lines[j].strip().startswith(("MOTIF", "URL")):
                    raise _fail(path, j + 1 if j < len(lines) else len(lines),
                                f"motif {name} has {len(rows)} rows, w= says {width}")
                fields = lines[j].split()
                if fields:
                    row = _numbers(path, j + 1, fields)
                    if len(row) != alength:
                        raise _fail(path, j + 1, f"{len(row)} numbers in a row, alength= "
                                    f"says {alength}")
                    rows.append(row)
                j += 1
            probs = _probabilities(np.array(rows, dtype=np.float64), path, i + 1)
            motifs.append(Motif(name, probs, letters, str(path), name_line))
            name, i = None, j - 1
        i += 1
    if not motifs:
        raise DataError("holds no MEME motif (no 'letter-probability matrix' after a "
                        "MOTIF line)", str(path))
    return motifs


def _matrix_size(path: Path, line: int, text: str) -> tuple[int, int]:
    found = dict(re.findall(r"(\w+)=\s*(\S+)", text))
    try:
        alength, width = int(found["alength"]), int(found["w"])
    except (KeyError, ValueError):
        raise _fail(path, line, "the matrix line needs 'alength= A w= W'") from None
    if width < 1:
        raise _fail(path, line, f"w= {width}: a motif needs at least one column")
    return alength, width


def read_jaspar(path: str | Path) -> list[Motif]:
    """Every motif of a JASPAR file (bracket rows ``A [ ... ]`` or plain PFM rows)."""
    path = Path(path)
    motifs: list[Motif] = []
    name, start, rows = None, 0, []
    for i, raw in enumerate([*_lines(path), ">"], start=1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith(">"):
            if rows or name is not None:
                motifs.append(_jaspar_motif(path, name or path.stem, start, rows))
            name, start, rows = text[1:].strip() or f"motif {len(motifs) + 1}", i, []
            continue
        if not rows and name is None:
            start = i  # a .pfm file's single motif without a header
        rows.append((i, _jaspar_row(path, i, text)))
    if not motifs:
        raise DataError("holds no JASPAR motif", str(path))
    return motifs


def _jaspar_row(path: Path, line: int, text: str) -> tuple[str, list[float]]:
    """(the row's letter, "" for a plain row; its numbers)."""
    if "[" in text or "]" in text:
        m = re.match(r"^([A-Za-z])\s*\[(.*)\]$", text)
        if m is None:
            raise _fail(path, line, "a bracket row must read like 'A [ 4 19 0 ]'")
        return m.group(1).upper().replace("U", "T"), _numbers(path, line, m.group(2).split())
    return "", _numbers(path, line, text.split())


def _jaspar_motif(path: Path, name: str, start: int,
                  rows: list[tuple[int, tuple[str, list[float]]]]) -> Motif:
    if len(rows) != 4:
        where = rows[-1][0] if rows else start
        raise _fail(path, where, f"motif {name} has {len(rows)} rows; JASPAR gives 4 "
                    "(A, C, G, T)")
    for (line, (letter, _)), wanted in zip(rows, NUCLEOTIDES, strict=True):
        if letter and letter != wanted:
            raise _fail(path, line, f"motif {name}: row {letter} where JASPAR puts "
                        f"{wanted} (rows A, C, G, T in this order)")
    numbers = [r for _, (_, r) in rows]
    if len({len(r) for r in numbers}) != 1:
        line = next(n for n, (_, r) in rows if len(r) != len(numbers[0]))
        raise _fail(path, line, f"motif {name}: its rows differ in length")
    if not numbers[0]:
        raise _fail(path, start, f"motif {name} has no columns")
    counts = np.array(numbers, dtype=np.float64).T  # (width, 4)
    return Motif(name, _probabilities(counts, path, start), NUCLEOTIDES, str(path), start)


def read_motifs(path: str | Path, kind: str) -> list[Motif]:
    """``kind`` "meme" or "jaspar"."""
    if kind == "meme":
        return read_meme(path)
    if kind == "jaspar":
        return read_jaspar(path)
    raise DataError(f"unknown motif file kind {kind!r}; use meme or jaspar")
