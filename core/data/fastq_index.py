"""A FASTQ file too large to hold, indexed like a FASTA file (``core.data.fasta_index``).

Reads from sequencers are four lines each (``@title``, the sequence, ``+``, the
qualities), which makes the index a matter of line numbers: a block of whole records is
cut after a multiple of four line ends, and each record's sequence is its second line.
Qualities are not kept (the encodings do not use them). Anything else (multi-line records,
blank lines between records, a sequence and quality of different lengths, a letter that
does not belong) is ``Unusual``: the caller then reads the file whole with Biopython,
which accepts what it can and names the problem in its one-line error.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

from core.data.alphabet import WHITESPACE, byte_counts
from core.data.fasta_index import (
    INDEX_BLOCK,
    NOT_PLAIN,
    NOT_PLAIN_MARKS,
    FastaIndex,
    IndexProblem,
    choose_alphabet,
    count_in_bodies,
)
from core.data.files import display
from core.progress import ProgressFn, StopFn, check_stop, report

_CR = ord("\r")


class Unusual(Exception):
    """The file is not plain four-line FASTQ: read it whole instead."""


def fastq_blocks(stream: BinaryIO, size: int) -> Iterator[bytes]:
    """The stream in blocks of whole four-line records (the last may lack its final line
    end)."""
    rest = b""
    while chunk := stream.read(size):
        buf = rest + chunk
        ends = np.flatnonzero(np.frombuffer(buf, dtype=np.uint8) == ord("\n"))
        whole = len(ends) - len(ends) % 4
        if whole == 0:
            rest = buf
            continue
        cut = int(ends[whole - 1]) + 1
        yield buf[:cut]
        rest = buf[cut:]
    if rest:
        yield rest


def _records(block: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(title starts, title ends, sequence starts, sequence ends) of a block's records."""
    arr = np.frombuffer(block, dtype=np.uint8)
    ends = np.flatnonzero(arr == ord("\n"))
    if not block.endswith(b"\n"):
        ends = np.append(ends, len(arr))
    if len(ends) % 4:
        raise Unusual
    starts = np.concatenate(([0], ends[:-1] + 1))
    heads, pluses = starts[0::4], starts[2::4]
    if not ((arr[heads] == ord("@")).all() and (arr[np.minimum(pluses, len(arr) - 1)]
                                                 == ord("+")).all()):
        raise Unusual
    title_end, seq_start, seq_end = ends[0::4], starts[1::4], ends[1::4].copy()
    qual_start, qual_end = starts[3::4], ends[3::4].copy()
    for lo, hi in ((seq_start, seq_end), (qual_start, qual_end)):  # a CR before the LF
        cr = (hi > lo) & (arr[np.maximum(hi - 1, 0)] == _CR)
        hi -= cr
    if ((seq_end - seq_start) != (qual_end - qual_start)).any() or \
            ((seq_end - seq_start) == 0).any():
        raise Unusual
    return heads, title_end, seq_start, seq_end


def index_fastq(files: list[Path], progress: ProgressFn | None = None,
                should_stop: StopFn | None = None) -> FastaIndex:
    """Index plain four-line FASTQ ``files`` in one pass; ``Unusual`` for anything else."""
    index = FastaIndex(files=list(files))
    counts = np.zeros(256, dtype=np.int64)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("file_of", "start", "stop",
                                                         "length", "plain")}
    total = sum(f.stat().st_size for f in files) or 1
    done = 0
    for f_index, path in enumerate(files):
        index.first_of_file.append(len(index.titles))
        first, offset = len(index.titles), 0
        with open(path, "rb") as stream:
            for block in fastq_blocks(stream, INDEX_BLOCK):
                check_stop(should_stop)
                heads, title_end, bs, be = _records(block)
                try:
                    index.titles += [block[a + 1:b].decode("utf-8").rstrip() for a, b in
                                     zip(heads.tolist(), title_end.tolist(), strict=True)]
                except UnicodeDecodeError:
                    raise Unusual from None
                body = byte_counts(b"".join([block[a:b] for a, b in
                                             zip(bs.tolist(), be.tolist(), strict=True)]))
                if body[list(WHITESPACE)].any():
                    raise Unusual
                counts += body
                parts["file_of"].append(np.full(len(bs), f_index, dtype=np.int32))
                parts["start"].append(offset + bs)
                parts["stop"].append(offset + be)
                parts["length"].append((be - bs).astype(np.int64))
                parts["plain"].append(count_in_bodies(block, NOT_PLAIN_MARKS, bs, be) == 0
                                      if body[NOT_PLAIN].any() else np.ones(len(bs), bool))
                offset += len(block)
                report(progress, (done + offset) / total, f"indexing {display(path.name)}")
        if len(index.titles) == first:
            raise Unusual
        done += path.stat().st_size
    for name, chunks in parts.items():
        setattr(index, name, np.concatenate(chunks))
    if counts[ord("*")]:
        raise Unusual  # a stop in a read: the whole read decides what it means
    try:
        choose_alphabet(index, counts, np.zeros(len(index.titles), np.int64), [], False)
    except IndexProblem:  # a letter that does not belong: Biopython's path names it
        raise Unusual from None
    return index
