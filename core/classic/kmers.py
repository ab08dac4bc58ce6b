"""k-mer spectra and Jaccard similarity: the course's k-mer notebook, vectorized.

A sequence becomes 2-bit codes (A 0, C 1, G 2, T/U 3; anything else, N included, marks a
gap) through one byte lookup table; each window's k-mer is the integer
``sum(code[i + j] * 4 ** (k - 1 - j))``, built in k whole-array steps, and ``np.bincount``
counts all 4**k of them at once. A window touching a gap is skipped (a cumulative count of
gaps says which). Many sequences are joined with "N" so no window spans two of them: one
pass counts a whole FASTA file. A 4.6 Mbp genome at k = 7 takes well under a second
(``tests/benchmarks/bench_classic.py``), where a dict over string slices takes seconds.

Jaccard similarity compares the *sets* of k-mers two sequences (or files) contain:
|A ∩ B| / |A ∪ B|. The sets are rows of a sparse 0/1 presence matrix, so every
intersection comes from one sparse product ``P @ P.T``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from core.data.alphabet import NUCLEOTIDES
from core.errors import DataError
from core.progress import StopFn, check_stop

if TYPE_CHECKING:
    import pandas as pd
    from scipy import sparse

MAX_K = 12  # 4**12 = 16.8 million counts (134 MB); beyond that the table itself is too big
GAP = 255
_CODES = np.full(256, GAP, dtype=np.uint8)
for _code, _letters in enumerate(("Aa", "Cc", "Gg", "TtUu")):
    for _letter in _letters:
        _CODES[ord(_letter)] = _code


def check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= MAX_K:
        raise DataError(f"k must be a whole number from 1 to {MAX_K}, got {k!r}")
    return int(k)


def _codes(text: str) -> np.ndarray:
    """2-bit codes of every letter (``GAP`` for N and anything not A, C, G, T/U)."""
    if not isinstance(text, str):
        raise DataError(f"a sequence must be text, got {type(text).__name__}")
    raw = np.frombuffer(text.encode("ascii", errors="replace"), dtype=np.uint8)
    return _CODES[raw]


def _window_keys(codes: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(k-mer integer of each gap-free window, its start position)."""
    n = len(codes) - k + 1
    if n <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    gaps = np.concatenate([[0], np.cumsum(codes == GAP, dtype=np.int64)])
    clean = gaps[k:] == gaps[: n]  # no gap inside codes[i : i + k]
    dtype = np.uint32 if k <= 15 else np.uint64
    key = np.zeros(n, dtype=dtype)
    c = codes.astype(dtype)
    for j in range(k):  # key = key * 4 + next letter, for all windows at once
        key <<= 2
        key |= c[j : j + n]
    starts = np.flatnonzero(clean)
    return key[starts].astype(np.int64), starts


def _joined(sequences: str | Sequence[str]) -> str:
    if isinstance(sequences, str):
        return sequences
    if not len(sequences):
        raise DataError("no sequences to count k-mers in")
    try:
        return "N".join(sequences)  # an N between them: no window spans two sequences
    except TypeError:
        bad = next(s for s in sequences if not isinstance(s, str))
        raise DataError(f"a sequence must be text, got {type(bad).__name__}") from None


def kmer_spectrum(sequences: str | Sequence[str], k: int) -> np.ndarray:
    """Counts of all 4**k k-mers (int64, ``kmer_names(k)`` order) over one sequence or
    many; windows with N or any other non-ACGT letter are skipped."""
    k = check_k(k)
    keys, _ = _window_keys(_codes(_joined(sequences)), k)
    return np.bincount(keys, minlength=4**k).astype(np.int64)


def kmer_names(k: int) -> np.ndarray:
    """Every k-mer as text, "AA..A" to "TT..T" (the order of ``kmer_spectrum``)."""
    k = check_k(k)
    index = np.arange(4**k, dtype=np.int64)
    shifts = 2 * np.arange(k - 1, -1, -1)
    letters = np.array(list(NUCLEOTIDES))[(index[:, None] >> shifts) & 3]
    return np.ascontiguousarray(letters).view(f"<U{k}")[:, 0]


def kmer_presence(groups: Sequence[str | Sequence[str]], k: int,
                  should_stop: StopFn | None = None) -> sparse.csr_matrix:
    """A sparse (groups x 4**k) 0/1 matrix: which k-mers each group holds. A group is
    one sequence, or a list of them (a file: the union of its sequences' k-mers)."""
    from scipy import sparse

    k = check_k(k)
    if not len(groups):
        raise DataError("no sequences to compare")
    parts = [g if isinstance(g, str) else _joined(g) for g in groups]
    lengths = np.array([len(p) + 1 for p in parts], dtype=np.int64)  # + the joining N
    check_stop(should_stop)
    keys, starts = _window_keys(_codes("N".join(parts)), k)
    check_stop(should_stop)
    row = np.searchsorted(np.cumsum(lengths), starts, side="right")
    pairs = np.unique(row * 4**k + keys)  # each (group, k-mer) once
    rows, cols = np.divmod(pairs, 4**k)
    ones = np.ones(len(pairs), dtype=np.int32)
    return sparse.csr_matrix((ones, (rows, cols)), shape=(len(parts), 4**k))


def jaccard_matrix(sets: Any) -> np.ndarray:
    """|A ∩ B| / |A ∪ B| between every two k-mer sets: rows of a presence matrix (sparse
    or a 0/1 array, as ``kmer_presence`` makes) or a list of Python sets. A pair where
    both sets are empty (a sequence shorter than k) is NaN: nothing to compare."""
    from scipy import sparse

    if isinstance(sets, (list, tuple)) and all(isinstance(s, (set, frozenset)) for s in sets):
        universe = {item: i for i, item in enumerate(sorted(set().union(*sets), key=str))}
        rows = [i for i, s in enumerate(sets) for _ in s]
        cols = [universe[item] for s in sets for item in s]
        sets = sparse.csr_matrix((np.ones(len(rows), np.int32), (rows, cols)),
                                 shape=(len(sets), max(len(universe), 1)))
    matrix = sparse.csr_matrix(sets, dtype=np.int64)
    matrix.data[:] = 1  # presence, even if counts were given
    inter = (matrix @ matrix.T).toarray().astype(np.float64)
    size = np.asarray(matrix.sum(axis=1)).ravel().astype(np.float64)
    union = size[:, None] + size[None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / np.where(union > 0, union, 1), np.nan)


def count_histogram(counts: np.ndarray, max_bins: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """(bin edges, k-mers per bin) of how often the k-mers that occur occur: the k-mer
    spectrum plot of genome papers, from the rarest to the commonest count seen (counts of
    0 are left out; whole-number bins while the range allows)."""
    seen = np.asarray(counts)[np.asarray(counts) > 0]
    if not len(seen):
        return np.array([0.5, 1.5]), np.zeros(1, np.int64)
    low, top = int(seen.min()), int(seen.max())
    width = max(1, int(np.ceil((top - low + 1) / max_bins)))
    edges = np.arange(low, top + width + 1, width) - 0.5
    hist, _ = np.histogram(seen, bins=edges)
    return edges, hist.astype(np.int64)


def spectrum_frame(counts: np.ndarray, k: int) -> pd.DataFrame:
    """kmer, count, frequency (share of all counted windows) for every k-mer."""
    import pandas as pd

    total = int(counts.sum())
    freq = counts / total if total else np.zeros(len(counts))
    return pd.DataFrame({"kmer": kmer_names(k), "count": counts, "frequency": freq})


def top_kmers(counts: np.ndarray, k: int, n: int = 5) -> list[tuple[str, int]]:
    """The ``n`` most frequent k-mers (ties in k-mer order), with their counts."""
    order = np.argsort(-counts, kind="stable")[:n]
    names = kmer_names(k)
    return [(str(names[i]), int(counts[i])) for i in order if counts[i] > 0]


@dataclass
class KmerInput:
    """Sequences to count: ``groups`` are compared by Jaccard (one per sequence, or one
    per file of a folder), ``names`` name them."""

    name: str
    sequences: list[str]
    names: list[str]
    groups: list[list[str]]
    by_file: bool


def read_kmer_input(source: str, should_stop: StopFn | None = None) -> KmerInput:
    """A FASTA/FASTQ/GenBank file (a group per sequence) or a folder of them (a group per
    file), read by ``core.data.load``; ``DataError`` for anything else."""
    from core.data.load import load_dataset
    from core.data.options import SEQUENCE_EXTENSIONS, LoadOptions

    path = Path(source)
    options = LoadOptions(labelled=False)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")
                       and Path(p.name.removesuffix(".gz")).suffix.lower() in
                       SEQUENCE_EXTENSIONS)
        if not files:
            raise DataError("folder holds no FASTA, FASTQ or GenBank files", source)
        sets = [_nucleotides(load_dataset(str(f), options, None, should_stop)) for f in files]
        names = [f.name for f in files]
        return KmerInput(path.name, [s for seqs in sets for s in seqs], names, sets, True)
    ds = load_dataset(source, options, None, should_stop)
    seqs = _nucleotides(ds)
    return KmerInput(ds.name, seqs, list(ds.ids), [[s] for s in seqs], False)


def _nucleotides(ds: Any) -> list[str]:
    if ds.modality != "sequence":
        raise DataError(f"k-mer spectra need DNA or RNA sequences; {ds.name} holds "
                        f"{ds.modality} data")
    if ds.alphabet == "protein":
        raise DataError(f"k-mer spectra here count DNA/RNA letters; {ds.name} holds protein "
                        "sequences")
    return list(ds.records)
