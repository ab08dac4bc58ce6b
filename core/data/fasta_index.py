"""A FASTA file too large to hold, indexed instead of read (issue 17).

One streaming pass over the bytes (a few megabytes at a time) keeps, per record, its
header and where its sequence lies in the file (first and last byte), how many letters it
has once cleaned (whitespace removed, a protein's final stop dropped) and whether it is
plain A/C/G/T/U/N; it counts every byte value of the sequences to choose the alphabet and
to find a letter that does not belong. The sequences themselves are not kept: a
``SequenceRecords`` reads them back at their offsets, cleaned as ``clean_packed`` cleans
them, a batch at a time (``os.pread``-style seeks, runs of neighbouring records read in
one piece). The encodings then make one-hot rows of them batch by batch
(``core.data.encoding.EncodedSequences``).

Only uncompressed FASTA is indexed: a gzip stream cannot be read at an offset.
"""

from __future__ import annotations

import codecs
import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from core.data.alphabet import VALID_LETTERS, WHITESPACE, alphabet_from_counts, byte_counts, squeeze
from core.data.files import display
from core.data.lazy import LazyItems
from core.errors import DataError
from core.progress import ProgressFn, StopFn, check_stop, report

INDEX_BLOCK = 1 << 23  # bytes indexed at a time: the block and its few masks stay small
_SPAN = 1 << 23  # bytes read at once when neighbouring records are decoded together
_GAP = 1 << 16  # records closer than this are read in one piece (the headers between)
_KEY_CHUNK = 4096  # records hashed at a time
_IS_SPACE = np.zeros(256, dtype=bool)
_IS_SPACE[list(WHITESPACE)] = True
NOT_PLAIN = ~_IS_SPACE  # letters other than A/C/G/T/U/N (either case) and a stop '*'
NOT_PLAIN[list(b"ACGTUNacgtun*")] = False
_OTHER_SPACE = _IS_SPACE.copy()  # whitespace other than a line end
_OTHER_SPACE[ord("\n")] = False
# bytes.translate tables marking those bytes 1 (one C pass; the marks are sparse)
_SPACE_MARKS = _IS_SPACE.astype(np.uint8).tobytes()
NOT_PLAIN_MARKS = NOT_PLAIN.astype(np.uint8).tobytes()
_STAR = ord("*")


class IndexProblem(Exception):
    """Something the index pass cannot accept; ``core.data.fasta`` names the place.

    ``kind`` is "utf8" (a header is not UTF-8), "empty" (a header without sequence) or
    "letter" (``char`` at letter ``pos`` of the record) or "none" (no record at all);
    ``record`` counts from 0 in ``file``; an empty record's title is its ``char``.
    """

    def __init__(self, kind: str, file: int, record: int, pos: int = 0, char: str = ""):
        super().__init__(kind)
        self.kind, self.file, self.record, self.pos, self.char = kind, file, record, pos, char


@dataclass
class FastaIndex:
    """Where the records of FASTA files are, and what the pass learnt of them."""

    files: list[Path]
    titles: list[str] = field(default_factory=list)
    first_of_file: list[int] = field(default_factory=list)
    file_of: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    start: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # first byte
    stop: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # after last
    length: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # letters
    plain: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # only ACGTUN
    alphabet: str = "DNA"

    def records(self) -> SequenceRecords:
        return SequenceRecords(self)


def record_blocks(stream: BinaryIO, size: int) -> Iterator[bytes]:
    """The stream in blocks of whole records: every block but the first starts with the '>'
    of a header line. A record longer than ``size`` makes one bigger block."""
    pieces: list[bytes] = []
    while chunk := stream.read(size):
        cut = chunk.rfind(b"\n>") + 1  # where the chunk's last header starts; 0: none
        if cut == 0 and not (chunk[:1] == b">" and pieces and pieces[-1].endswith(b"\n")):
            pieces.append(chunk)
            continue
        pieces.append(chunk[:cut])
        yield b"".join(pieces)
        pieces = [chunk[cut:]]
    yield b"".join(pieces)


def _layout(arr: np.ndarray) -> tuple[np.ndarray, ...]:
    """(header starts, header ends, sequence starts, sequence ends, line ends) of a
    block's records; a header is a '>' at the start of a line; text before the first one
    is skipped."""
    gt = np.flatnonzero(arr == ord(">"))
    at_line_start = np.ones(len(gt), dtype=bool)
    inner = gt > 0
    at_line_start[inner] = arr[gt[inner] - 1] == ord("\n")
    hs = gt[at_line_start]
    newlines = np.flatnonzero(arr == ord("\n"))
    if len(newlines):  # a header ends at its line's end; the last may have none
        k = np.searchsorted(newlines, hs)
        he = np.where(k < len(newlines), newlines[np.minimum(k, len(newlines) - 1)], len(arr))
    else:
        he = np.full(len(hs), len(arr), dtype=np.int64)
    bs = np.minimum(he + 1, len(arr))
    be = np.append(hs[1:], len(arr)).astype(np.int64)
    return hs, he, bs, be, newlines


def count_in_bodies(block: bytes, marks: bytes, bs: np.ndarray, be: np.ndarray) -> np.ndarray:
    """How many bytes that ``marks`` (a translate table) marks each sequence [bs, be)
    holds: the marked places found once, then counted between the bounds."""
    at = np.flatnonzero(np.frombuffer(block.translate(marks), dtype=bool))  # 0/1 bytes
    return (np.searchsorted(at, be) - np.searchsorted(at, bs)).astype(np.int64)


def index_fasta(files: list[Path], progress: ProgressFn | None = None,
                should_stop: StopFn | None = None) -> FastaIndex:
    """Index ``files`` (uncompressed FASTA) in one pass; ``IndexProblem`` when a record is
    unusable. The caller has checked each file's start (``_check_start``)."""
    index = FastaIndex(files=list(files))
    counts = np.zeros(256, dtype=np.int64)  # every byte of every sequence
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("file", "start", "stop", "length",
                                                         "plain", "stars")}
    late_stars: list[tuple[int, int, int]] = []  # (file, record, letter) of a '*' inside
    total = sum(f.stat().st_size for f in files) or 1
    done = 0
    for f_index, path in enumerate(files):
        index.first_of_file.append(len(index.titles))
        first = len(index.titles)
        with open(path, "rb") as stream:
            offset = len(codecs.BOM_UTF8) if stream.read(3) == codecs.BOM_UTF8 else 0
            stream.seek(offset)  # after a UTF-8 byte-order mark (Windows editors write one)
            for block in record_blocks(stream, INDEX_BLOCK):
                check_stop(should_stop)
                arr = np.frombuffer(block, dtype=np.uint8)
                hs, he, bs, be, newlines = _layout(arr)
                n = len(hs)
                heads = b"".join([block[:hs[0]] if n else block]
                                 + [block[a:b] for a, b in zip(hs.tolist(), bs.tolist(),
                                                               strict=True)])
                body = byte_counts(block) - byte_counts(heads)  # the sequences' bytes
                counts += body
                if n:
                    try:
                        titles = [block[a + 1:b].decode("utf-8").rstrip() for a, b in
                                  zip(hs.tolist(), he.tolist(), strict=True)]
                    except UnicodeDecodeError:
                        raise IndexProblem("utf8", f_index, 0) from None
                    record0 = len(index.titles) - first
                    # line ends are the only whitespace of most files: already found
                    if body[_OTHER_SPACE].any():
                        spaces = count_in_bodies(block, _SPACE_MARKS, bs, be)
                    else:
                        spaces = np.searchsorted(newlines, be) - np.searchsorted(newlines, bs)
                    letters = (be - bs) - spaces
                    empty = np.flatnonzero(letters == 0)
                    if len(empty):
                        e = int(empty[0])
                        raise IndexProblem("empty", f_index, record0 + e, char=titles[e])
                    stars = np.zeros(n, dtype=np.int64)
                    for pos in np.flatnonzero(arr == _STAR).tolist():
                        r = int(np.searchsorted(bs, pos, side="right")) - 1
                        if r < 0 or pos < bs[r]:
                            continue  # in a header
                        stars[r] += 1
                        if block[pos + 1:be[r]].strip() or stars[r] > 1:
                            late_stars.append((f_index, record0 + r, int(
                                pos - bs[r] - np.count_nonzero(_IS_SPACE[arr[bs[r]:pos]]))))
                    index.titles += titles
                    parts["file"].append(np.full(n, f_index, dtype=np.int32))
                    parts["start"].append(offset + bs)
                    parts["stop"].append(offset + be)
                    parts["length"].append(letters)
                    parts["stars"].append(stars)
                    parts["plain"].append(count_in_bodies(block, NOT_PLAIN_MARKS, bs, be) == 0
                                          if body[NOT_PLAIN].any() else np.ones(n, bool))
                offset += len(block)
                report(progress, (done + offset) / total, f"indexing {display(path.name)}")
        if len(index.titles) == first:
            raise IndexProblem("none", f_index, 0)
        done += path.stat().st_size
    stars = np.concatenate(parts.pop("stars"))
    for name, chunks in parts.items():
        setattr(index, "file_of" if name == "file" else name, np.concatenate(chunks))
    choose_alphabet(index, counts, stars, late_stars)
    return index


def choose_alphabet(index: FastaIndex, counts: np.ndarray, stars: np.ndarray,
                    late_stars: list[tuple[int, int, int]], locate: bool = True) -> None:
    """The alphabet from the sequences' byte counts (as ``clean_packed`` decides it); a
    letter it does not allow is an ``IndexProblem`` at its first place (found by a
    second pass over FASTA files; ``locate`` False: at no place)."""
    counts = counts.copy()
    counts[list(WHITESPACE)] = 0
    counts[ord("A"):ord("Z") + 1] += counts[ord("a"):ord("z") + 1]
    counts[ord("a"):ord("z") + 1] = 0
    index.alphabet = alphabet_from_counts(counts)
    family = "protein" if index.alphabet == "protein" else "nucleotide"
    allowed = VALID_LETTERS[family].copy()
    if family == "protein":
        allowed[_STAR] = True
        if late_stars:
            f, r, pos = late_stars[0]
            raise IndexProblem("letter", f, r, pos, "*")
        index.length = index.length - stars
    if counts[~allowed].any():
        raise _first_bad(index, allowed) if locate else IndexProblem("letter", 0, 0)


def _first_bad(index: FastaIndex, allowed: np.ndarray) -> IndexProblem:
    """Where the first letter outside ``allowed`` is (a second pass, only on error)."""
    bad = ~allowed
    bad[list(WHITESPACE)] = False
    bad[ord("a"):ord("z") + 1] = bad[ord("A"):ord("Z") + 1]
    for f_index, path in enumerate(index.files):
        record0 = 0
        with open(path, "rb") as stream:
            stream.seek(len(codecs.BOM_UTF8) if stream.read(3) == codecs.BOM_UTF8 else 0)
            for block in record_blocks(stream, INDEX_BLOCK):
                arr = np.frombuffer(block, dtype=np.uint8)
                _, _, bs, be, _ = _layout(arr)
                for r, (a, b) in enumerate(zip(bs.tolist(), be.tolist(), strict=True)):
                    hits = np.flatnonzero(bad[arr[a:b]])
                    if len(hits):
                        pos = int(hits[0])
                        letter = pos - int(np.count_nonzero(_IS_SPACE[arr[a:a + pos]]))
                        char = block[a + pos:a + pos + 4].decode("utf-8", "replace")[:1]
                        return IndexProblem("letter", f_index, record0 + r, letter, char)
                record0 += len(bs)
    return IndexProblem("letter", 0, 0, 0, "?")


class SequenceRecords(LazyItems):
    """The cleaned sequences of a ``FastaIndex``, read from the files when asked: a
    dataset's ``records`` that never holds them all (``items`` are record numbers)."""

    def __init__(self, index: FastaIndex) -> None:
        super().__init__(np.arange(len(index.titles), dtype=np.int64))
        self.files = [str(f) for f in index.files]
        self.stamps = [_stamp(os.stat(f)) for f in self.files]
        self.file_of, self.start, self.stop = index.file_of, index.start, index.stop
        self.length = index.length
        self.protein = index.alphabet == "protein"

    @property
    def lengths(self) -> np.ndarray:
        """Letters of each record (nothing is read)."""
        return self.length[self.items]

    @property
    def stored_bytes(self) -> int:
        """Bytes on disk of these records' sequences (line ends included)."""
        return int((self.stop[self.items] - self.start[self.items]).sum())

    def decode(self, items: Sequence[int] | np.ndarray) -> list[str]:
        items = np.asarray(items, dtype=np.int64)
        out: list[str] = [""] * len(items)
        order = np.lexsort((self.start[items], self.file_of[items]))
        done = 0
        while done < len(order):
            f = int(self.file_of[items[order[done]]])
            run = done + 1  # neighbours in the same file are read in one piece
            while (run < len(order) and self.file_of[items[order[run]]] == f
                   and self.start[items[order[run]]] - self.stop[items[order[run - 1]]] < _GAP
                   and self.stop[items[order[run]]] - self.start[items[order[done]]] < _SPAN):
                run += 1
            first = int(self.start[items[order[done]]])
            span = self._read(f, first, int(self.stop[items[order[run - 1]]]) - first)
            for k in order[done:run].tolist():
                r = items[k]
                out[k] = self._clean(span[int(self.start[r]) - first:int(self.stop[r]) - first])
            done = run
        return out

    def _read(self, f: int, at: int, size: int) -> bytes:
        path = self.files[f]
        handles = self.__dict__.setdefault("_handles", {})  # this process's open files
        fh = handles.get(f)
        if fh is None:
            fh = handles[f] = open(path, "rb")  # noqa: SIM115 - kept open for the next batch
        if _stamp(os.fstat(fh.fileno())) != self.stamps[f]:
            raise DataError("the file changed since it was loaded; load it again",
                            display(Path(path).name))
        fh.seek(at)
        data = fh.read(size)
        if len(data) != size:
            raise DataError("the file is shorter than when it was loaded; load it again",
                            display(Path(path).name))
        return data

    def _clean(self, raw: bytes) -> str:
        """As ``clean_packed`` cleans a sequence: upper case, no whitespace, RNA U as T,
        a protein's final stop dropped."""
        letters = squeeze(raw)
        if self.protein:
            letters = letters.removesuffix(b"*")
        else:
            letters = letters.replace(b"U", b"T")
        return letters.decode("ascii")

    def __getstate__(self) -> dict[str, object]:
        """Without the open files: a loader's worker opens its own."""
        return {k: v for k, v in self.__dict__.items() if k != "_handles"}

    def __iter__(self) -> Iterator[str]:
        for a in range(0, len(self.items), _KEY_CHUNK):
            yield from self.decode(self.items[a:a + _KEY_CHUNK])

    def row_keys(self) -> list[bytes]:
        """A digest of each cleaned sequence (duplicate counting), a chunk at a time."""
        return [hashlib.blake2b(s.encode("ascii"), digest_size=16).digest() for s in self]

    def __repr__(self) -> str:
        return f"SequenceRecords({len(self)} records of {len(self.files)} files)"


def _stamp(st: os.stat_result) -> tuple[int, int]:
    return int(st.st_size), int(st.st_mtime_ns)
