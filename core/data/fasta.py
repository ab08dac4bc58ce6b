"""Read FASTA, FASTQ and GenBank files (each optionally gzip-compressed) into a Dataset.

The format follows the extension: ``.fq``/``.fastq`` is FASTQ, ``.gb``/``.gbk``/``.genbank``
is GenBank, anything else FASTA; a trailing ``.gz`` is decompressed on the fly.

Labels can be given in three ways:

1. A folder with one file per class; the file name (without extensions) is the class::

       promoters/
         promoter.fa         >s1
                             ACGTTGCA...
         enhancer.fa.gz      >s2
                             TTGACCAT...

2. One file whose headers carry the label, as the last ``|`` field of the id or as a
   ``label=VALUE`` word in the description::

       >seq17|promoter
       ACGTTGCA...
       >seq18 human chr2 label=enhancer
       TTGACCAT...

3. A file plus a labels table (``--labels labels.csv``, comma or tab separated) whose id
   column (``id``, ``name``, ``sequence_id`` or the first column) matches the record ids
   and whose label column is ``label``, ``target``, ``class``, ``y`` or the other column::

       id,label
       seq17,promoter
       seq18,enhancer

Numbers as labels (``>seq17|0.82``) mean regression, except whole numbers with at most
10 distinct values (``|0``/``|1``), which are classes; ``--task`` forces either.
"""

from __future__ import annotations

import codecs
import gzip
import io
import math
import re
import warnings
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
from Bio import SeqIO
from Bio.SeqIO.FastaIO import SimpleFastaParser
from Bio.SeqIO.QualityIO import FastqGeneralIterator

from core.budget import human_bytes
from core.data.alphabet import (
    MIN_NUCLEOTIDE_LOOK,
    bad_letter_message,
    clean_packed,
    clean_sequences,
    detect_alphabet,
    mixed_alphabet_note,
    mixed_alphabet_warning,
    squeeze,
)
from core.data.dataset import Dataset, Provenance, sha256_of_path
from core.data.fasta_index import FastaIndex, IndexProblem, index_fasta, record_blocks
from core.data.fastq_index import Unusual, index_fastq
from core.data.files import check_source, display, open_regular
from core.data.groups import header_fields, header_groups
from core.data.lazy import is_lazy_records, should_stream
from core.data.options import SEQUENCE_EXTENSIONS, LoadOptions
from core.errors import DataError
from core.progress import ProgressFn, StopFn, check_stop, report

_FORMAT_OF_SUFFIX = {".fq": "fastq", ".fastq": "fastq",
                     ".gb": "genbank", ".gbk": "genbank", ".genbank": "genbank"}
_FIRST_LINE = {"fasta": (">", "a FASTA header such as '>seq1'"),
               "fastq": ("@", "a FASTQ header such as '@read1'"),
               "genbank": ("LOCUS", "a GenBank 'LOCUS' line")}
_DISPLAY = {"fasta": "FASTA", "fastq": "FASTQ", "genbank": "GenBank"}
_ID_COLUMNS = ("id", "name", "sequence_id", "seq_id")
_LABEL_COLUMNS = ("label", "target", "class", "y")
_LABEL_TOKEN = re.compile(r"(?:^|\s)label=(\S+)")
_BLOCK = 1 << 24  # bytes the FASTA fast path reads at a time
_MAX_INTEGER_CLASSES = 10
_NO_LABELS = (
    "no labels found; give them as (1) a folder with one FASTA file per class, "
    "(2) headers like '>seq1|promoter' or '>seq1 label=promoter', or "
    "(3) a labels table with id and label columns (--labels labels.csv)"
)


@dataclass
class _Records:
    """What was read from the files, before labels and cleaning."""

    titles: list[str] = field(default_factory=list)
    seqs: list[str] = field(default_factory=list)  # as parsed (Biopython path only)
    file_of: list[int] = field(default_factory=list)  # index into ``files``
    first_of_file: list[int] = field(default_factory=list)  # first record index per file
    files: list[Path] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # parser warnings, "file: message"


def load_sequences(
    path: Path,
    options: LoadOptions,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> Dataset:
    """A sequence Dataset from a file or a folder of files (see the module docstring)."""
    path = Path(path)
    files = _sequence_files(path) if path.is_dir() else [path]
    index = _large_fasta_index(files, progress, should_stop)  # larger than memory
    fast = None if index else _read_fasta_fast(files, progress, should_stop)
    if index:
        recs = _Records(titles=index.titles, file_of=index.file_of.tolist(),
                        first_of_file=index.first_of_file, files=files,
                        formats=[_format_of(f) for f in files])
    else:
        recs = fast[0] if fast else _read_all(files, progress, should_stop)
    ids = [t.split(None, 1)[0] if t.strip() else f"record{i + 1}"
           for i, t in enumerate(recs.titles)]

    label_where: Callable[[int], str]
    labels: list[str | None] | None
    if not options.labelled:  # prediction: inputs only, labels ignored
        labels, source = None, "none"
    elif options.labels:
        table = Path(options.labels)
        labels = _labels_from_table(table, ids)
        label_where, source = (lambda i: f"{table.name} (id {ids[i]})"), "table"
    elif path.is_dir():
        labels = [_class_of_file(recs.files[f]) for f in recs.file_of]
        label_where, source = (lambda i: recs.files[recs.file_of[i]].name), "folder"
    else:
        ids, labels = _labels_from_headers(recs, ids)
        label_where, source = (lambda i: _where_header(recs, i)), "headers"

    seqs: Any
    if index:
        seqs, alphabet = index.records(), index.alphabet
    elif fast:
        _, seqs, alphabet = fast
    else:
        seqs, alphabet = clean_sequences(recs.seqs, lambda i, pos: _where_letter(recs, i, pos))
    titles = recs.titles
    dropped: list[str] = []
    places = list(range(len(titles)))  # index in recs of each record kept
    if labels is not None:
        kept = _usable_labels(labels, label_where, display(path.name))
        if len(kept) < len(labels):
            places = kept
            keep = set(kept)
            where_first = label_where(next(i for i in range(len(labels)) if i not in keep))
            dropped.append(f"{len(labels) - len(kept)} records whose label is not a usable value"
                           f" (nan or inf, e.g. {where_first}) dropped")
            ids, labels = [ids[i] for i in kept], [labels[i] for i in kept]
            seqs = seqs[np.asarray(kept)] if index else [seqs[i] for i in kept]
            titles = [titles[i] for i in kept]
            original = label_where
            label_where = lambda i: original(kept[i])  # noqa: E731 - the kept record's place
    if labels is None:
        task = "regression" if options.task == "regression" else "classification"
        targets = np.zeros(len(seqs), np.float32 if task == "regression" else np.int64)
        class_names = None
    else:
        task, targets, class_names = _targets(labels, options.task, label_where,
                                               display(path.name))
    lengths = seqs.lengths if index else np.fromiter(map(len, seqs), dtype=np.int64,
                                                     count=len(seqs))
    if task == "classification" and class_names and _all_numbers(set(class_names)):
        fractions = [c for c in class_names if not float(c).is_integer()]
        if fractions:
            dropped.append(f"labels with fractions ({', '.join(fractions[:3])}) are read as"
                           " classes, one per distinct number; choose regression if they are"
                           " measurements")
    groups = header_groups(titles, options.group_by, lambda i: _where_header(recs, places[i])) \
        if options.labelled else None  # fmt: skip
    duplicates = len(ids) - len(set(ids))
    name = display(path.name if path.is_dir() else _strip_extensions(path.name))
    if index:
        plain = int((index.plain[seqs.items] & (lengths >= MIN_NUCLEOTIDE_LOOK)).sum())
        mixed = mixed_alphabet_note(plain, len(seqs)) if alphabet == "protein" else None
        dropped.append(f"{len(seqs):,} sequences ({human_bytes(seqs.stored_bytes)} on disk)"
                       " are read and encoded batch by batch while training (streamed),"
                       " never held in memory whole")
    else:
        mixed = mixed_alphabet_warning(seqs, alphabet)
    report(progress, 1.0, f"read {len(seqs)} sequences")
    return Dataset(
        name=name,
        modality="sequence",
        task=task,
        records=seqs,
        targets=targets,
        ids=ids,
        class_names=class_names,
        alphabet=alphabet,
        provenance=Provenance(str(path), sha256_of_path(path, should_stop), "fasta",
                              options.to_dict()),
        groups=groups,
        warnings=recs.warnings + dropped + ([mixed] if mixed else [])
        + ([f"{duplicates} sequence ids occur more than once"] if duplicates else []),
        info={
            "format": "+".join(sorted(set(recs.formats))),
            "n_files": len(recs.files),
            **({"streamed": True} if is_lazy_records(seqs) else {}),
            "label_source": source,
            "header_fields": header_fields(titles[0], label_last=source == "headers"),
            **({"unlabelled": True} if labels is None else {}),
            "length_min": int(lengths.min()),
            "length_median": float(np.median(lengths)),
            "length_max": int(lengths.max()),
        },
    )


# --- files -----------------------------------------------------------------------------


def _strip_extensions(name: str) -> str:
    """'promoter.fa.gz' -> 'promoter'."""
    name = name[:-3] if name.lower().endswith(".gz") else name
    return Path(name).stem


def _class_of_file(path: Path) -> str:
    return display(_strip_extensions(path.name))


def _sequence_files(folder: Path) -> list[Path]:
    def is_sequence(p: Path) -> bool:
        name = p.name.lower()
        name = name[:-3] if name.endswith(".gz") else name
        return Path(name).suffix in SEQUENCE_EXTENSIONS

    files = sorted(
        p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".") and is_sequence(p)
    )
    if not files:
        raise DataError("folder holds no FASTA, FASTQ or GenBank files", display(folder))
    return files


def _format_of(path: Path) -> str:
    name = path.name.lower()
    name = name[:-3] if name.endswith(".gz") else name
    return _FORMAT_OF_SUFFIX.get(Path(name).suffix, "fasta")


@contextmanager
def _open_bytes(path: Path) -> Iterator[tuple[BinaryIO, BinaryIO]]:
    """(content, raw file) of a possibly gzip-compressed file; the raw file's position
    measures progress in bytes on disk. A UTF-8 byte-order mark (Windows editors write
    one) is skipped, so the first line starts with its '>'."""
    name = display(path.name)
    with open_regular(path) as raw:
        is_gz = path.name.lower().endswith(".gz")
        if is_gz and raw.read(2) != b"\x1f\x8b":
            raise DataError("not a gzip file, although the name ends in .gz", name)
        raw.seek(0)
        try:
            content: BinaryIO = gzip.GzipFile(fileobj=raw) if is_gz else raw  # type: ignore[assignment]
            if content.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:
                content.seek(0)
            yield content, raw
        except (gzip.BadGzipFile, EOFError, OSError, zlib.error) as err:
            raise DataError(f"damaged gzip file ({err or 'it ends too early'})", name) from None


@contextmanager
def _open_text(path: Path, errors: str = "replace") -> Iterator[tuple[io.TextIOWrapper, BinaryIO]]:
    """(text stream, raw file) of a possibly gzip-compressed file (see ``_open_bytes``)."""
    with _open_bytes(path) as (binary, raw):
        yield io.TextIOWrapper(binary, encoding="utf-8", errors=errors, newline=None), raw


def _check_start(path: Path, fmt: str) -> None:
    """Reject empty, binary and headerless files before the parser misreads them."""
    name = display(path.name)
    with _open_text(path) as (text, raw):
        head = text.buffer.read(8192)
    if not head.strip():
        raise DataError("file is empty", name)
    ascii_as_utf16 = head[1:64:2].count(0) > 16 and head[0:64:2].count(0) < 2
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or ascii_as_utf16:
        raise DataError("the file is UTF-16 text; save it as UTF-8 (or plain ASCII) text", name)
    controls = sum(head.count(bytes([b])) for b in (*range(0, 9), 11, 12, *range(14, 32)))
    if b"\0" in head or controls > len(head) // 100:
        raise DataError(
            "not a text file (binary content); expected FASTA, FASTQ or GenBank text", name
        )
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # a character cut at the 8 KB edge is fine
            raise _not_utf8(head, err.start, name) from None
    start, example = _FIRST_LINE[fmt]
    lines = head.decode("utf-8", "replace").splitlines()
    number, first = next(((n, line) for n, line in enumerate(lines, 1) if line.strip()), (1, ""))
    if not first.lstrip().startswith(start):
        raise DataError(f"line {number} must start with '{start}' ({example})", name)


def _not_utf8(data: bytes, at: int, name: str, first_line: int = 1) -> DataError:
    """The error for byte ``at`` of ``data`` (which starts at line ``first_line``)."""
    line = first_line + data.count(b"\n", 0, at)
    column = at - (data.rfind(b"\n", 0, at) + 1) + 1
    return DataError(
        f"line {line}, column {column}: byte 0x{data[at]:02x} is not UTF-8 text (the file"
        " seems to be Latin-1 or Windows-1252); save it as UTF-8", name)


def _first_undecodable(path: Path) -> DataError:
    """The error naming the first byte of ``path`` that is not UTF-8 (files are read as
    UTF-8 text; this re-reads the file line by line only after a decoding failed)."""
    with _open_bytes(path) as (content, _raw):
        for number, line in enumerate(content, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as err:
                return _not_utf8(line, err.start, display(path.name), number)
    return DataError("the text is not valid UTF-8; save it as UTF-8", display(path.name))


def _parse(text: io.TextIOWrapper, fmt: str) -> Iterator[tuple[str, str]]:
    """(title, sequence) pairs; Biopython does the parsing."""
    if fmt == "fasta":
        yield from SimpleFastaParser(text)
    elif fmt == "fastq":
        for title, seq, _qual in FastqGeneralIterator(text):
            yield title, seq
    else:
        for rec in SeqIO.parse(text, "genbank"):
            title = f"{rec.id} {rec.description}"
            try:
                yield title, str(rec.seq)
            except Exception:  # Bio.Seq.UndefinedSequenceError (e.g. CONTIG records)
                yield title, ""


def _large_fasta_index(files: list[Path], progress: ProgressFn | None,
                       should_stop: StopFn | None) -> FastaIndex | None:
    """The index of FASTA or FASTQ files whose encoding would not fit in memory
    (``core.data.lazy``: streamed), else None (read whole). One-hot rows take 16 bytes a
    letter (80 for protein) and a FASTA file holds at most one letter a byte (FASTQ one
    in two), so its size bounds them. Compressed files are read whole: a gzip stream
    cannot be read at an offset; so is FASTQ that is not four lines a record."""
    formats = {_format_of(f) for f in files}
    if len(formats) > 1 or formats & {"genbank"} or any(
            f.name.lower().endswith(".gz") for f in files):
        return None
    fmt = formats.pop()
    size = sum(f.stat().st_size for f in files) // (2 if fmt == "fastq" else 1)
    if not should_stream(size * (80 if _looks_protein(files[0], fmt) else 16)):
        return None
    for path in files:
        _check_start(path, fmt)
    if fmt == "fastq":
        try:
            return index_fastq(files, progress, should_stop)
        except Unusual:  # read whole: Biopython accepts it or names the problem
            return None
    try:
        return index_fasta(files, progress, should_stop)
    except IndexProblem as problem:
        raise _problem_error(problem, files) from None


def _looks_protein(path: Path, fmt: str) -> bool:
    """Whether the first records of a FASTA or FASTQ file are protein (the whole file
    decides later; this only sizes its encoding)."""
    with open_regular(path) as fh:
        head = fh.read(1 << 16)
    lines = head.split(b"\n")
    body = b"".join(lines[1::4] if fmt == "fastq" else
                    [line for line in lines if not line.startswith(b">")])
    return detect_alphabet([body.decode("ascii", "ignore")]) == "protein"


def _problem_error(problem: IndexProblem, files: list[Path]) -> DataError:
    """The one-line error for what the index pass refused, naming the line."""
    path = files[problem.file]
    if problem.kind == "utf8":
        return _first_undecodable(path)
    if problem.kind == "none":
        return DataError("no FASTA records found", display(path.name))
    if problem.kind == "empty":
        line = _locate(path, "fasta", problem.record, None)
        where = f"{path.name} line {line}" if line else f"{path.name} record {problem.record + 1}"
        return DataError(f"header '>{problem.char[:40]}' has no sequence", where)
    line = _locate(path, "fasta", problem.record, problem.pos)
    where = (f"{path.name} line {line}" if line
             else f"{path.name} record {problem.record + 1} position {problem.pos + 1}")
    return DataError(bad_letter_message(problem.char), where)


def _read_fasta_fast(
    files: list[Path], progress: ProgressFn | None, should_stop: StopFn | None
) -> tuple[_Records, list[str], str] | None:
    """(records, clean sequences, alphabet) of FASTA files read as bytes, block by block.

    Biopython's parser and string-by-string cleaning take ~15 s for 100 MB; splitting the
    bytes on record starts and cleaning all letters at once takes ~1 s. The result is the
    one ``SimpleFastaParser`` + ``clean_sequences`` give. None when a file is not FASTA or
    holds anything unusual (an empty record, a bad letter, a lone CR line end, a NUL):
    the Biopython path then reads everything again and names the problem.
    """
    if any(_format_of(f) != "fasta" for f in files):
        return None
    recs = _Records(files=files)
    blobs: list[bytes] = []
    total = sum(f.stat().st_size for f in files) or 1
    done = 0
    for f_index, path in enumerate(files):
        _check_start(path, "fasta")
        recs.formats.append("fasta")
        recs.first_of_file.append(len(recs.titles))
        with _open_bytes(path) as (stream, raw):
            for block in record_blocks(stream, _BLOCK):
                check_stop(should_stop)
                split = _split_block(block)
                if split is None:
                    return None
                if split[0]:
                    recs.titles += split[0]
                    blobs.append(split[1])
                report(progress, (done + raw.tell()) / total, f"reading {path.name}")
        if len(recs.titles) == recs.first_of_file[-1]:
            return None
        recs.file_of += [f_index] * (len(recs.titles) - recs.first_of_file[-1])
        done += path.stat().st_size
    cleaned = clean_packed(blobs, len(recs.titles))
    return None if cleaned is None else (recs, *cleaned)


def _split_block(block: bytes) -> tuple[list[str], bytes] | None:
    """(titles, sequences packed for ``clean_packed``) of a block of whole FASTA records;
    None for a lone CR, which Biopython's text mode would read as a line end."""
    if b"\r" in block:
        block = block.replace(b"\r\n", b"\n")
        if b"\r" in block:
            return None
    if block[:1] != b">":  # text before the first record: skipped, as Biopython does
        start = block.find(b"\n>")
        if start < 0:
            return [], b""
        block = block[start + 1 :]
    records = [record.partition(b"\n") for record in block[1:].split(b"\n>")]
    try:
        heads = b"\n".join([head for head, _, _ in records]).decode("utf-8")
    except UnicodeDecodeError:  # the Biopython path names the line
        return None
    titles = [title.rstrip() for title in heads.split("\n")]
    return titles, squeeze(b"\0".join([body for _, _, body in records]))


def _read_all(
    files: list[Path], progress: ProgressFn | None, should_stop: StopFn | None
) -> _Records:
    recs = _Records(files=files)
    total = sum(f.stat().st_size for f in files) or 1
    done = 0
    for f_index, path in enumerate(files):
        fmt = _format_of(path)
        _check_start(path, fmt)
        recs.formats.append(fmt)
        recs.first_of_file.append(len(recs.seqs))
        with _open_text(path, "strict") as (text, raw), \
                warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                for n, (title, seq) in enumerate(_parse(text, fmt)):
                    recs.titles.append(title)
                    recs.seqs.append(seq)
                    recs.file_of.append(f_index)
                    if n % 1024 == 0:
                        check_stop(should_stop)
                        report(progress, (done + raw.tell()) / total, f"reading {path.name}")
            except UnicodeDecodeError:
                raise _first_undecodable(path) from None
            except ValueError as err:
                raise DataError(f"not a valid {_DISPLAY[fmt]} file ({err})",
                                display(path.name)) from None
        recs.warnings += [f"{path.name}: {w.message}" for w in caught]
        if len(recs.seqs) == recs.first_of_file[-1]:
            raise DataError(f"no {_DISPLAY[fmt]} records found", display(path.name))
        done += path.stat().st_size
    for i, seq in enumerate(recs.seqs):
        if not seq.strip():
            where = _where_header(recs, i)
            raise DataError(f"header '>{recs.titles[i][:40]}' has no sequence", where)
    return recs


# --- where things are, for error messages (only computed when something is wrong) --------


def _local(recs: _Records, i: int) -> tuple[Path, str, int]:
    f = recs.file_of[i]
    return recs.files[f], recs.formats[f], i - recs.first_of_file[f]


def _where_header(recs: _Records, i: int) -> str:
    path, fmt, r = _local(recs, i)
    line = _locate(path, fmt, r, None)
    return f"{path.name} line {line}" if line else f"{path.name} record {r + 1}"


def _where_letter(recs: _Records, i: int, pos: int) -> str:
    path, fmt, r = _local(recs, i)
    line = _locate(path, fmt, r, pos)
    return f"{path.name} line {line}" if line else f"{path.name} record {r + 1} position {pos + 1}"


def _locate(path: Path, fmt: str, record: int, pos: int | None) -> int | None:
    """Line number of a record's header (``pos`` None) or of letter ``pos`` of its sequence.

    Re-reads the file; errors are rare, so the fast path never tracks lines.
    """
    with _open_text(path) as (text, _raw):
        lines = enumerate(text, 1)
        if fmt == "fasta":
            return _locate_fasta(lines, record, pos)
        if fmt == "fastq":
            return _locate_fastq(lines, record, pos)
        return _locate_genbank(lines, record, pos)


def _letters_in(line: str) -> int:
    return len("".join(line.split()))


def _locate_fasta(lines: Iterator[tuple[int, str]], record: int, pos: int | None) -> int | None:
    seen, count = -1, 0
    for number, line in lines:
        if line.startswith(">"):
            seen += 1
            if seen == record and pos is None:
                return number
            if seen > record:
                return None
        elif seen == record and pos is not None:
            count += _letters_in(line)
            if count > pos:
                return number
    return None


def _locate_fastq(lines: Iterator[tuple[int, str]], record: int, pos: int | None) -> int | None:
    seen = -1
    for number, line in lines:
        if not line.startswith("@"):
            continue
        seen += 1
        if seen == record and pos is None:
            return number
        length = 0  # sequence lines run to the '+' line; quality lines as many letters
        for seq_number, seq_line in lines:  # the same stream, consumed on purpose
            if seq_line.startswith("+"):
                break
            length += _letters_in(seq_line)
            if seen == record and pos is not None and length > pos:
                return seq_number
        quality = 0
        while quality < length:
            _, line = next(lines, (0, ""))
            if not line:
                return None
            quality += _letters_in(line)
    return None


def _locate_genbank(lines: Iterator[tuple[int, str]], record: int, pos: int | None) -> int | None:
    seen, in_sequence = -1, False
    for number, line in lines:
        if line.startswith("LOCUS"):
            seen += 1
            in_sequence = False
            if seen == record and pos is None:
                return number
        elif line.startswith("ORIGIN"):
            in_sequence = seen == record
        elif in_sequence and pos is not None:
            start, _, letters = line.strip().partition(" ")  # "61 acgtacgtac ggtacc..."
            if start.isdigit() and pos < int(start) - 1 + _letters_in(letters):
                return number
    return None


# --- labels ------------------------------------------------------------------------------


def _labels_from_headers(recs: _Records, ids: list[str]) -> tuple[list[str], list[str | None]]:
    """(ids without the label field, labels) from '>id|label' or 'label=VALUE' headers."""
    out_ids, labels = [], []
    for title, rid in zip(recs.titles, ids, strict=True):
        token = _LABEL_TOKEN.search(title) if "label=" in title else None
        head, bar, label = rid.rpartition("|")
        if token:
            out_ids.append(rid)
            labels.append(token.group(1))
        elif bar and label:
            out_ids.append(head)
            labels.append(label)
        else:
            out_ids.append(rid)
            labels.append(None)
    missing = [i for i, lab in enumerate(labels) if lab is None]
    if len(missing) == len(labels):
        raise DataError(_NO_LABELS, recs.files[0].name)
    if missing:
        example = recs.titles[labels.index(next(lab for lab in labels if lab is not None))]
        raise DataError(
            f"header '>{recs.titles[missing[0]][:40]}' has no label, but others do "
            f"(e.g. '>{example[:40]}')",
            _where_header(recs, missing[0]),
        )
    distinct = set(labels)
    if len(labels) >= 5 and len(distinct) == len(labels) and not _all_numbers(distinct):
        raise DataError(
            f"every header has a different label (e.g. '{labels[0]}'): these look like "
            "names, not classes. " + _NO_LABELS,
            recs.files[0].name,
        )
    return out_ids, labels  # type: ignore[return-value]


def _read_label_table(path: Path) -> pd.DataFrame:
    """The table as text columns; the delimiter is the first of tab, comma, semicolon
    found in the header line (more predictable than csv.Sniffer on two short columns)."""
    if path.exists():
        check_source(path)  # a FIFO would block the read below forever
    if not path.is_file():
        raise DataError("labels table not found", display(path))
    with open_regular(path) as raw, io.TextIOWrapper(raw, "utf-8", errors="replace") as fh:
        header = next((line for line in fh if line.strip()), "")
    if not header:
        raise DataError("labels table is empty", display(path.name))
    sep = next((d for d in ("\t", ",", ";") if d in header), None)
    if sep is None:
        raise DataError(
            "labels table needs two columns, an id and a label (comma or tab separated)",
            path.name,
        )
    try:
        return pd.read_csv(path, sep=sep, dtype=str, skipinitialspace=True, skip_blank_lines=True)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        raise DataError(f"could not read the labels table ({err})", display(path.name)) from None


def _pick_column(columns: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {c.strip().lower(): c for c in columns}
    return next((lowered[n] for n in names if n in lowered), None)


def _labels_from_table(path: Path, ids: list[str]) -> list[str | None]:
    df = _read_label_table(path)
    columns = [str(c) for c in df.columns]
    df.columns = columns
    id_col = _pick_column(columns, _ID_COLUMNS) or columns[0]
    label_col = _pick_column(columns, _LABEL_COLUMNS)
    if label_col is None:
        others = [c for c in columns if c != id_col]
        if len(others) != 1:
            raise DataError(
                f"which column holds the labels? name it label, target, class or y "
                f"(columns: {', '.join(columns)})",
                path.name,
            )
        label_col = others[0]
    table = df[[id_col, label_col]].dropna()
    mapping: dict[str, str] = {}
    for row, (key, value) in enumerate(table.itertuples(index=False, name=None), 2):
        key, value = str(key).strip(), str(value).strip()
        if mapping.get(key, value) != value:
            raise DataError(f"id '{key}' has two labels ('{mapping[key]}' and '{value}')",
                            f"{path.name} row {row}")
        mapping[key] = value
    labels = [mapping.get(i, mapping.get(i.split("|", 1)[0])) for i in ids]
    unmatched = [i for i, lab in zip(ids, labels, strict=True) if lab is None]
    if unmatched:
        raise DataError(
            f"{len(ids) - len(unmatched)} of {len(ids)} sequence ids have a label; "
            f"unmatched e.g. {', '.join(unmatched[:3])}; check the id column '{id_col}'",
            path.name,
        )
    return labels


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _all_numbers(values: set[str]) -> bool:
    return all(_number(v) is not None for v in values)


def _usable_labels(labels: list[str | None], where: Callable[[int], str], name: str) -> list[int]:
    """Indices of the labels to keep: 'nan', 'inf' and '-inf' are a missing or broken
    value (a spreadsheet's or a script's), not a class. None are left: a ``DataError``."""
    broken = {lab for lab in set(labels) if _not_finite(str(lab))}  # each distinct once
    kept = [i for i, lab in enumerate(labels) if lab not in broken] if broken \
        else list(range(len(labels)))
    if not kept:
        raise DataError(f"no record has a usable label (e.g. {labels[0]!r} at {where(0)})", name)
    return kept


def _not_finite(text: str) -> bool:
    try:
        return not math.isfinite(float(text))
    except ValueError:
        return False


def _targets(
    labels: list[str | None], task: str | None, where: Callable[[int], str], name: str
) -> tuple[str, np.ndarray, list[str] | None]:
    """(task, targets, class names) from text labels; ``where(i)`` names label i's place."""
    values = [str(lab) for lab in labels]
    distinct = sorted(set(values))
    numeric = _all_numbers(set(distinct))
    if task is None:
        few_integers = numeric and len(distinct) <= _MAX_INTEGER_CLASSES and all(
            float(v).is_integer() for v in distinct
        )
        task = "regression" if numeric and not few_integers else "classification"
    if task == "regression":
        for i, v in enumerate(values):
            if _number(v) is None:
                raise DataError(
                    f"label '{v}' is not a number; regression needs numeric labels", where(i)
                )
        return task, np.array([float(v) for v in values], dtype=np.float32), None
    if task != "classification":
        raise DataError(f"unknown task {task!r}; use classification or regression", name)
    if numeric:
        distinct.sort(key=float)
    if len(distinct) < 2:
        raise DataError(
            f"only one class '{distinct[0]}' found: classification needs at least two", name
        )
    index = {name: i for i, name in enumerate(distinct)}
    return task, np.array([index[v] for v in values], dtype=np.int64), distinct
