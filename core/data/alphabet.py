"""Sequence alphabets: which letters a DNA, RNA or protein sequence may hold.

Sequences reach Mendel from FASTA files and from table columns, typed by people and tools
that disagree on case, RNA ``U`` versus ``T`` and ambiguity codes. This module is the one
place that decides what is a sequence, which alphabet it uses, and which letter is wrong
(so the error can name it). Checks run on the joined bytes with ``bytes.translate`` tables
and numpy, so a genome's worth of reads is validated without a Python loop over characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from core.errors import DataError

NUCLEOTIDES = "ACGT"  # channel order of one-hot and k-mer codes
AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"  # the 20 standard residues, channel order

# IUPAC nucleotide ambiguity letters -> the bases they stand for (U is read as T).
IUPAC_NUCLEOTIDES: dict[str, str] = {
    "A": "A", "C": "C", "G": "G", "T": "T", "U": "T",
    "R": "AG", "Y": "CT", "S": "CG", "W": "AT", "K": "GT", "M": "AC",
    "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT",
}  # fmt: skip

# Protein ambiguity letters -> the residues they stand for. U (selenocysteine) and
# O (pyrrolysine) are real residues without a channel of their own: read as unknown (X).
IUPAC_PROTEIN: dict[str, str] = {
    **{a: a for a in AMINO_ACIDS},
    "B": "DN", "Z": "EQ", "J": "IL", "X": AMINO_ACIDS, "U": AMINO_ACIDS, "O": AMINO_ACIDS,
}  # fmt: skip

_NUCLEOTIDE_LETTERS = set(IUPAC_NUCLEOTIDES)
_PROTEIN_LETTERS = set(IUPAC_PROTEIN)


def _table(letters: Iterable[str]) -> np.ndarray:
    """A 256-entry boolean lookup: True for the (upper-case) byte values in ``letters``."""
    table = np.zeros(256, dtype=bool)
    table[np.frombuffer("".join(letters).encode("ascii"), dtype=np.uint8)] = True
    return table


VALID_LETTERS = {"nucleotide": _table(_NUCLEOTIDE_LETTERS), "protein": _table(_PROTEIN_LETTERS)}
_PLAIN_NUCLEOTIDE = _table("ACGTUN")
# 1 for every byte a family rejects: translate + find locates the first one in one C pass.
_BAD_MARKS = {family: (~valid).astype(np.uint8).tobytes()
              for family, valid in VALID_LETTERS.items()}
# What may sit in packed sequences besides letters: the NUL separator, a protein's final stop.
_PACKED_EXTRA = {"nucleotide": _table("\0"), "protein": _table("\0*")}
_COMMON = b"ACGT"
_COUNT_CHUNK = 1 << 20  # bytes compared or bincounted at once (bounds temporary memory)
# ASCII whitespace as str.split() sees it, and lower -> upper case, for bytes.translate.
WHITESPACE = bytes(b for b in range(128) if chr(b).isspace())
_UPPER = bytes.maketrans(bytes(range(97, 123)), bytes(range(65, 91)))


def byte_counts(data: bytes) -> np.ndarray:
    """How often each byte value occurs in ``data``.

    ``np.bincount`` widens every byte to 8 bytes, so A, C, G and T (most of any nucleotide
    data) are counted by SIMD comparisons, and bincount only sees the bytes that remain.
    """
    counts = np.zeros(256, dtype=np.int64)
    rest = np.frombuffer(data.translate(None, _COMMON), dtype=np.uint8)
    for start in range(0, rest.size, _COUNT_CHUNK):
        counts += np.bincount(rest[start : start + _COUNT_CHUNK], minlength=256)
    view = np.frombuffer(data, dtype=np.uint8)
    if rest.size == view.size:  # no A, C, G or T at all
        return counts
    for start in range(0, view.size, _COUNT_CHUNK):
        chunk = view[start : start + _COUNT_CHUNK]
        for letter in _COMMON:
            counts[letter] += np.count_nonzero(chunk == letter)
    return counts


def _letter_counts(seqs: Iterable[str]) -> np.ndarray:
    """Counts of each byte value over all sequences, lower case folded into upper case
    (non-ASCII ignored)."""
    counts = np.zeros(256, dtype=np.int64)
    for chunk in _chunks(seqs, 1 << 24):
        counts += byte_counts(chunk.encode("ascii", "ignore"))
    counts[ord("A") : ord("Z") + 1] += counts[ord("a") : ord("z") + 1]
    counts[ord("a") : ord("z") + 1] = 0
    return counts


def _chunks(seqs: Iterable[str], size: int) -> Iterable[str]:
    """Join sequences into strings of roughly ``size`` characters (bounded memory)."""
    batch: list[str] = []
    total = 0
    for s in seqs:
        batch.append(s)
        total += len(s)
        if total >= size:
            yield "".join(batch)
            batch, total = [], 0
    if batch:
        yield "".join(batch)


def alphabet_from_counts(counts: np.ndarray) -> str:
    letters = counts.copy()
    letters[~_table("ABCDEFGHIJKLMNOPQRSTUVWXYZ")] = 0
    total = int(letters.sum())
    if total == 0:
        return "DNA"
    only_iupac = not letters[~VALID_LETTERS["nucleotide"]].any()
    plain = int(letters[_PLAIN_NUCLEOTIDE].sum())
    # Ambiguity letters are rare in real nucleotide data; a protein made only of letters
    # that are also IUPAC codes (A, C, G, T, D, H, K, ...) is far from 75 % ACGTUN.
    if only_iupac and plain >= 0.75 * total:
        has_t, has_u = letters[ord("T")] > 0, letters[ord("U")] > 0
        return "RNA" if has_u and not has_t else "DNA"
    return "protein"


def detect_alphabet(seqs: Iterable[str]) -> str:
    """"DNA", "RNA" or "protein" for a collection of sequences (case-insensitive).

    Nucleotide when every letter is an IUPAC nucleotide code and at least 75 % are plain
    A/C/G/T/U/N; RNA when it holds U and no T. Anything else is protein.
    """
    return alphabet_from_counts(_letter_counts(seqs))


def looks_like_sequences(values: Sequence[str]) -> bool:
    """True when a table column holds biological sequences rather than words or numbers.

    Every non-empty value must be letters only, all of them nucleotide or amino-acid
    letters. Nucleotide columns need a median length of at least 8 (short enough for
    primers, long enough to reject "A"/"B"/"yes"); protein columns need a median of at
    least 20, because many English words ("healthy", "differentiated") spell peptides.
    """
    cells = [str(v).strip() for v in values if v is not None and str(v).strip()]
    cells = [c for c in cells if c.lower() not in {"nan", "none", "na"}]
    if not cells or not all(c.isascii() and c.isalpha() for c in cells):
        return False
    counts = _letter_counts(cells)
    if counts[~(VALID_LETTERS["nucleotide"] | VALID_LETTERS["protein"])].any():
        return False
    median = float(np.median([len(c) for c in cells]))
    if alphabet_from_counts(counts) in ("DNA", "RNA"):
        return median >= 8
    return median >= 20


_NOT_NUCLEOTIDE = re.compile(r"[^ACGTUN]")
MIN_NUCLEOTIDE_LOOK = 8  # shorter runs of A/C/G/T/N letters are ordinary peptides too


def mixed_alphabet_warning(seqs: Sequence[str], alphabet: str) -> str | None:
    """A warning when a protein dataset holds records that look like DNA or RNA.

    One amino-acid letter anywhere makes the whole dataset protein (``detect_alphabet``),
    so a FASTA of genes and their proteins would silently encode the genes as protein.
    ``seqs`` are cleaned (upper case); the scan stops at each record's first letter that
    is not A/C/G/T/U/N, which for real proteins comes within a few letters.
    """
    if alphabet != "protein" or not seqs:
        return None
    dna = sum(1 for s in seqs if len(s) >= MIN_NUCLEOTIDE_LOOK and not _NOT_NUCLEOTIDE.search(s))
    return mixed_alphabet_note(dna, len(seqs))


def mixed_alphabet_note(dna: int, n: int) -> str | None:
    """The warning of ``mixed_alphabet_warning`` for ``dna`` DNA-like records of ``n``."""
    if not dna:
        return None
    return (f"{dna} of {n} sequences look like DNA/RNA (only A, C, G, T, U, N), but"
            " the others hold amino-acid letters, so all are read as protein; keep DNA and"
            " protein in separate files")


def display_sequence(seq: str, alphabet: str | None) -> str:
    """A record as the user wrote it: RNA with U.

    Datasets hold RNA with T (``clean_sequences``), so DNA and RNA models accept both; a
    view that shows a record (the Data page's preview, the Evaluate page's worst errors)
    calls this so RNA reads as RNA, as Explore's axis labels do. DNA and protein (where T
    is threonine) come back unchanged.
    """
    return seq.replace("T", "U") if alphabet == "RNA" else seq


def first_bad_letter(seqs: Sequence[str], alphabet: str) -> tuple[int, int, str] | None:
    """(sequence index, position, character) of the first letter not in ``alphabet``.

    ``seqs`` must already be upper-case. ``alphabet`` is "DNA", "RNA" or "protein".
    Returns None when every letter is valid.
    """
    non_ascii = next((i for i, s in enumerate(seqs) if not s.isascii()), None)
    if non_ascii is not None:
        earlier = first_bad_letter(seqs[:non_ascii], alphabet)
        if earlier is not None:
            return earlier
        s = seqs[non_ascii]
        pos = next(p for p, ch in enumerate(s) if not ch.isascii())
        return (non_ascii, pos, s[pos])
    offsets = np.cumsum([0] + [len(s) for s in seqs])
    data = "".join(seqs).encode("ascii")
    at = data.translate(_BAD_MARKS["protein" if alphabet == "protein" else "nucleotide"]).find(1)
    if at < 0:
        return None
    idx = int(np.searchsorted(offsets, at, side="right") - 1)
    return (idx, at - int(offsets[idx]), chr(data[at]))


def bad_letter_message(ch: str) -> str:
    """Why ``ch`` was rejected, phrased for a biologist (one line, no location)."""
    if ch == "-" or ch == ".":
        return f"{ch!r} (alignment gap) is not a nucleotide or amino-acid letter; remove gaps"
    if ch == "*":
        return "'*' (stop codon) inside a protein sequence; only a final '*' is accepted"
    return f"{ch!r} is not a nucleotide or amino-acid letter"


def squeeze(text: bytes) -> bytes:
    """ASCII sequence text upper-cased with whitespace removed (one C pass; NUL bytes kept)."""
    return text.translate(_UPPER, WHITESPACE)


def clean_packed(blobs: Sequence[bytes], count: int) -> tuple[list[str], str] | None:
    """``clean_sequences`` for sequences packed as bytes: the fast path for big inputs.

    Each blob holds whole sequences separated by NUL bytes, already passed through
    ``squeeze``; ``count`` is how many sequences the blobs hold together. Returns what
    ``clean_sequences`` would, or None when a sequence is empty or holds a character its
    alphabet does not allow (a NUL inside a sequence shows as a wrong count): the caller
    then runs ``clean_sequences`` on the original text, which names the place.
    """
    counts = np.zeros(256, dtype=np.int64)
    for blob in blobs:
        counts += byte_counts(blob)
    alphabet = alphabet_from_counts(counts)
    family = "protein" if alphabet == "protein" else "nucleotide"
    if counts[~(VALID_LETTERS[family] | _PACKED_EXTRA[family])].any():
        return None
    seqs: list[str] = []
    for blob in blobs:
        if family == "protein" and counts[ord("*")]:
            blob = blob.replace(b"*\0", b"\0").removesuffix(b"*")  # each final stop
            if b"*" in blob:
                return None
        elif family == "nucleotide" and counts[ord("U")]:
            blob = blob.replace(b"U", b"T")
        seqs += blob.decode("ascii").split("\0")
    if len(seqs) != count or not all(seqs):
        return None
    return seqs, alphabet


def clean_sequences(
    seqs: list[str], where: Sequence[str] | Callable[[int, int], str]
) -> tuple[list[str], str]:
    """Normalize sequences for a dataset and return ``(sequences, alphabet)``.

    Removes whitespace, upper-cases (soft-masked lower case is accepted), detects the
    alphabet and reads RNA ``U`` as ``T`` for nucleotide data (the alphabet is still
    reported as "RNA") so DNA and RNA models accept both. A protein's final stop '*' is
    dropped. Raises ``DataError`` naming the place of the first bad character:
    ``where[i]`` for sequence i (e.g. "table.csv row 7"), or ``where(i, position)`` when
    a reader can name the exact line (FASTA).
    """
    joined = "\0".join(seqs)
    if seqs and joined.isascii():  # the common case, done on bytes in a few C passes
        fast = clean_packed([squeeze(joined.encode("ascii"))], len(seqs))
        if fast is not None:
            return fast
    del joined
    # Something is wrong or unusual (non-ASCII): clean string by string to say where.
    locate = where if callable(where) else (lambda i, _pos: where[i])
    out = ["".join(s.split()).upper() for s in seqs]
    alphabet = detect_alphabet(out)
    if alphabet == "protein":
        out = [s[:-1] if s.endswith("*") else s for s in out]
    for i, s in enumerate(out):
        if not s:
            raise DataError("empty sequence", locate(i, 0))
    bad = first_bad_letter(out, alphabet)
    if bad is not None:
        i, pos, _ = bad
        original = "".join(seqs[i].split())[pos]  # as typed, before upper-casing
        raise DataError(bad_letter_message(original), locate(i, pos))
    if alphabet != "protein":
        out = [s.replace("U", "T") for s in out]
    return out, alphabet
