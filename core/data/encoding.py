"""Sequences -> numbers: one-hot matrices, integer codes, k-mer profiles, reverse complements.

Everything here works on whole batches with numpy lookup tables over the sequence bytes,
because a course data set (100,000 reads of 1 kb) must encode in seconds on a laptop.
Python loops run over sequences (to join or pad strings), never over characters.

Conventions:
  - nucleotide channels are A, C, G, T (RNA ``U`` is read as ``T``); protein channels are
    ACDEFGHIKLMNPQRSTVWY;
  - IUPAC ambiguity letters are spread evenly over the letters they stand for in one-hot
    (N = 0.25 each, R = 0.5 A + 0.5 G; protein X = 1/20 each, B = D/N, Z = E/Q, J = I/L)
    and k-mers holding one are skipped;
  - integer codes (for Embedding layers) are 1..A in channel order (DNA A=1 C=2 G=3 T/U=4),
    0 for padding and for every other letter (ambiguity letters included), as float32;
  - ``both_strands`` k-mer profiles are *summed*: each k-mer's count plus the count of its
    reverse complement, i.e. the profile of the sequence plus that of its other strand.
    The columns stay all 4**k k-mers, so a profile and its strand partner read the same.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from core.data.alphabet import (
    AMINO_ACIDS,
    IUPAC_NUCLEOTIDES,
    IUPAC_PROTEIN,
    NUCLEOTIDES,
    detect_alphabet,
)
from core.data.dataset import Dataset
from core.data.lazy import LazyItems, LazyRows, is_lazy_records
from core.data.options import EncodingOptions
from core.errors import DataError

_CHUNK_CHARS = 1 << 20  # characters encoded per chunk: small temporaries, reused from the heap
_CHUNK_BINS = 1 << 22  # rows x k-mer columns counted at once by bincount
_MAX_K = {"nucleotide": 8, "protein": 3}
_COMPLEMENT = str.maketrans(
    "ACGTURYSWKMBDHVNacgturyswkmbdhvn", "TGCAAYRSWMKVHDBNtgcaayrswmkvhdbn"
)


def _family(alphabet: str) -> str:
    return "protein" if alphabet == "protein" else "nucleotide"


def _letters(alphabet: str) -> str:
    return AMINO_ACIDS if alphabet == "protein" else NUCLEOTIDES


def _weights(alphabet: str) -> np.ndarray:
    """(256, A) float32: the one-hot row of every byte (either case; unknown bytes -> 0)."""
    letters = _letters(alphabet)
    spread = IUPAC_PROTEIN if alphabet == "protein" else IUPAC_NUCLEOTIDES
    table = np.zeros((256, len(letters)), dtype=np.float32)
    for letter, meaning in spread.items():
        for byte in (ord(letter), ord(letter.lower())):
            for m in meaning:
                table[byte, letters.index(m)] = 1.0 / len(meaning)
    return table


def _codes(alphabet: str) -> np.ndarray:
    """(256,) uint8: channel index of every unambiguous letter, 255 for anything else."""
    table = np.full(256, 255, dtype=np.uint8)
    for i, letter in enumerate(_letters(alphabet)):
        table[[ord(letter), ord(letter.lower())]] = i
    if alphabet != "protein":
        table[[ord("U"), ord("u")]] = NUCLEOTIDES.index("T")
    return table


def _bytes(text: str) -> np.ndarray:
    """Bytes of ``text``, one per character (non-ASCII becomes '?', which encodes to 0)."""
    return np.frombuffer(text.encode("ascii", "replace"), dtype=np.uint8)


def _row_chunks(lengths: np.ndarray, budget: int) -> list[tuple[int, int]]:
    """Consecutive row ranges whose total length stays near ``budget`` (at least one row)."""
    bounds, start, total = [], 0, 0
    for i, n in enumerate(lengths.tolist()):
        total += n
        if total >= budget:
            bounds.append((start, i + 1))
            start, total = i + 1, 0
    if start < len(lengths):
        bounds.append((start, len(lengths)))
    return bounds


def one_hot(seqs: Sequence[str], alphabet: str, length: int) -> np.ndarray:
    """float32 (N, length, A): A = 4 (A, C, G, T) for DNA/RNA, 20 for protein.

    Shorter sequences are padded with zero rows at the end, longer ones truncated.
    """
    table = _weights(alphabet)
    out = np.empty((len(seqs), length, table.shape[1]), dtype=np.float32)
    # Each table row viewed as one opaque item: take copies whole rows (twice as fast).
    item = np.dtype(f"V{table.shape[1] * 4}")
    rows, out_rows = table.view(item).ravel(), out.view(item).reshape(len(seqs), length)
    for start, stop in _row_chunks(np.full(len(seqs), length), _CHUNK_CHARS):
        text = "".join(s[:length].ljust(length, "\0") for s in seqs[start:stop])
        codes = _bytes(text).reshape(stop - start, length)
        np.take(rows, codes, out=out_rows[start:stop])
    return out


def integer_codes(seqs: Sequence[str], alphabet: str, length: int) -> np.ndarray:
    """float32 (N, length): 1..A for the alphabet's letters in channel order (either case;
    RNA ``U`` has T's code), 0 for padding and any other letter. Shorter sequences are
    padded with zeros at the end, longer ones truncated (as ``one_hot``)."""
    known = _codes(alphabet)
    table = np.where(known == 255, 0, known.astype(np.float32) + 1).astype(np.float32)
    out = np.empty((len(seqs), length), dtype=np.float32)
    for start, stop in _row_chunks(np.full(len(seqs), length), _CHUNK_CHARS):
        text = "".join(s[:length].ljust(length, "\0") for s in seqs[start:stop])
        np.take(table, _bytes(text).reshape(stop - start, length), out=out[start:stop])
    return out


def reverse_complement_codes(X: np.ndarray) -> np.ndarray:
    """Reverse complement of a nucleotide ``integer_codes`` batch (N, L).

    Codes 1..4 (A, C, G, T) become 5 - code, 0 stays 0, positions are reversed and each
    row is shifted so its padding stays at the end. Padding and unknown letters share the
    code 0, so unknown letters at a sequence's very end move to the end with the padding.
    """
    flipped = np.where(X > 0, 5 - X, 0).astype(X.dtype)[:, ::-1]
    n, length = X.shape
    shift = np.argmax(flipped > 0, axis=1)  # leading zeros = the padding, now in front
    if not shift.any():
        return np.ascontiguousarray(flipped)
    out = np.empty_like(X)
    step = max(1, _CHUNK_CHARS // max(length, 1))
    for a in range(0, n, step):
        b = min(a + step, n)
        idx = (np.arange(length, dtype=np.int64) + shift[a:b, None]) % length
        out[a:b] = np.take_along_axis(flipped[a:b], idx, axis=1)
    return out


def reverse_complement(seqs: Sequence[str]) -> list[str]:
    """Reverse complements (IUPAC-aware, case kept; RNA ``U`` pairs with ``A``)."""
    return [s.translate(_COMPLEMENT)[::-1] for s in seqs]


def reverse_complement_onehot(X: np.ndarray) -> np.ndarray:
    """Reverse complement of a nucleotide one-hot batch (N, L, 4).

    Positions and channels are flipped (A, C, G, T reversed is T, G, C, A: each base's
    complement), then each row is shifted so its padding stays at the end: the result
    equals ``one_hot`` of the reverse-complemented strings (when none was truncated).
    """
    flipped = X[:, ::-1, ::-1]
    n, length = X.shape[:2]
    # Padding is all-zero rows after the last letter (every letter has a nonzero channel).
    shift = np.argmax(X[:, ::-1].any(axis=2), axis=1)
    if not shift.any():
        return np.ascontiguousarray(flipped)
    out = np.empty_like(X)
    step = max(1, _CHUNK_CHARS // max(length, 1))
    for a in range(0, n, step):
        b = min(a + step, n)
        idx = (np.arange(length, dtype=np.int64) + shift[a:b, None]) % length
        out[a:b] = flipped[np.arange(a, b)[:, None], idx]
    return out


def kmer_names(k: int, alphabet: str = "DNA") -> list[str]:
    """Column names of ``kmer_profile``: every k-mer in lexicographic channel order."""
    letters = "ACGU" if alphabet == "RNA" else _letters(alphabet)
    return ["".join(p) for p in itertools.product(letters, repeat=k)]


def _check_k(k: int, alphabet: str) -> None:
    top = _MAX_K[_family(alphabet)]
    if not 1 <= k <= top:
        raise DataError(f"k-mer length k={k} is out of range: use 1 to {top} for {alphabet}")


def _rc_permutation(k: int) -> np.ndarray:
    """Index of the reverse complement of every nucleotide k-mer code (base 4)."""
    codes = np.arange(4**k, dtype=np.int64)
    rc = np.zeros_like(codes)
    for _ in range(k):
        rc = rc * 4 + (3 - codes % 4)  # complement of channel c is 3 - c (A<->T, C<->G)
        codes //= 4
    return rc


def _window_keys(seqs: Sequence[str], k: int, alphabet: str, width: int) -> np.ndarray:
    """``row * width + code`` of every unambiguous k-mer in ``seqs``, in reading order.

    Sequences are joined with a separator byte that is not a letter, so no k-mer spans two
    sequences; k-mers holding a separator or an ambiguity letter are dropped.
    """
    base = len(_letters(alphabet))
    text = ("\0".join(seqs) + "\0").encode("ascii", "replace")
    codes = _codes(alphabet)
    known = codes != 255
    c = np.frombuffer(text.translate(np.where(known, codes, 0).tobytes()), dtype=np.uint8)
    n = c.size - k + 1
    if n <= 0:
        return np.zeros(0, np.int64)
    valid = np.frombuffer(text.translate(known.tobytes()), dtype=bool)
    ok = valid[:n].copy()
    for j in range(1, k):
        ok &= valid[j : j + n]
    dtype = np.int32 if len(seqs) * width < 2**31 else np.int64
    code = c[:n].astype(dtype)
    for j in range(1, k):
        code *= base
        code += c[j : j + n]
    code += np.repeat(np.arange(len(seqs), dtype=dtype) * width, [len(s) + 1 for s in seqs])[:n]
    return code[ok]


def kmer_profile(
    seqs: Sequence[str],
    k: int,
    alphabet: str = "DNA",
    normalize: bool = True,
    both_strands: bool = False,
    sparse: bool | None = None,
) -> np.ndarray | sp.csr_matrix:
    """k-mer counts (``normalize=False``) or frequencies per sequence.

    Columns follow ``kmer_names(k, alphabet)``: 4**k for DNA/RNA (k = 1..8), 20**k for
    protein (k = 1..3). k-mers holding an ambiguity letter are skipped; a row with no
    countable k-mer stays zero. ``sparse=None`` returns CSR (float32 data, int32
    indices) from k >= 6 and a dense float32 array below.
    """
    _check_k(k, alphabet)
    if both_strands and alphabet == "protein":
        raise DataError("both strands needs DNA or RNA sequences, not protein")
    sparse = k >= 6 if sparse is None else sparse
    width = len(_letters(alphabet)) ** k
    rc = _rc_permutation(k) if both_strands else None
    if not sparse:
        return _dense_profile(seqs, k, alphabet, width, rc, normalize)
    lengths = np.fromiter(map(len, seqs), dtype=np.int64, count=len(seqs))
    windows = np.maximum(lengths - k + 1, 0) * (2 if both_strands else 1)
    capacity = int(np.minimum(windows, width).sum())  # nnz can't exceed this
    data = np.empty(capacity, dtype=np.float32)
    indices = np.empty(capacity, dtype=np.int32)
    # int32 row pointers while they fit, so scipy keeps int32 indices (half the bytes)
    indptr = np.zeros(len(seqs) + 1, dtype=np.int32 if capacity < 2**31 else np.int64)
    nnz = 0
    for a, b in _row_chunks(lengths, _CHUNK_CHARS):
        keys, bounds = _sparse_counts(seqs[a:b], k, alphabet, width, rc)
        m = keys.size
        np.subtract(bounds[1:], bounds[:-1], out=data[nnz : nnz + m], casting="unsafe")
        if width & (width - 1) == 0:  # 4**k: the k-mer is the key's low bits
            np.bitwise_and(keys, width - 1, out=indices[nnz : nnz + m], casting="unsafe")
        else:
            np.remainder(keys, width, out=indices[nnz : nnz + m], casting="unsafe")
        # keys are sorted: each row's end is where the next row's keys begin
        ends = np.arange(1, b - a + 1, dtype=keys.dtype) * width
        indptr[a + 1 : b + 1] = nnz + np.searchsorted(keys, ends)
        nnz += m
    X = sp.csr_matrix((data[:nnz], indices[:nnz], indptr), shape=(len(seqs), width))
    if normalize:
        totals = np.asarray(X.sum(axis=1), dtype=np.float32).ravel()
        X.data /= np.repeat(totals, np.diff(X.indptr))  # rows with data have totals > 0
    return X


def _dense_profile(
    seqs: Sequence[str],
    k: int,
    alphabet: str,
    width: int,
    rc: np.ndarray | None,
    normalize: bool,
) -> np.ndarray:
    out = np.zeros((len(seqs), width), dtype=np.float32)
    row_cap = max(1, _CHUNK_BINS // width)  # bincount bins (rows x width) per step
    for a in range(0, len(seqs), row_cap):
        b = min(a + row_cap, len(seqs))
        keys = _window_keys(seqs[a:b], k, alphabet, width)
        counts = np.bincount(keys, minlength=(b - a) * width).reshape(b - a, width)
        out[a:b] = counts if rc is None else counts + counts[:, rc]
    if normalize:
        totals = out.sum(axis=1, keepdims=True)
        np.divide(out, totals, out=out, where=totals > 0)
    return out


def _sparse_counts(
    seqs: Sequence[str], k: int, alphabet: str, width: int, rc: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """(distinct ``row * width + code`` keys of a chunk, sorted; where each run of equal
    keys starts, then the number of keys).

    Sorting the keys touches only the k-mers present, where a dense block would scan
    every row x 4**k cell for nonzeros. ``bounds`` ends with the number of keys, so
    ``np.diff(bounds)`` is the count of each distinct key.
    """
    keys = _window_keys(seqs, k, alphabet, width)
    if rc is not None:
        codes = keys % width
        keys = np.concatenate((keys, keys - codes + rc[codes].astype(keys.dtype)))
    keys.sort()
    edge = np.ones(keys.size + 1, dtype=bool)  # where a run of equal keys starts or ends
    np.not_equal(keys[1:], keys[:-1], out=edge[1:-1])
    bounds = np.flatnonzero(edge)
    return keys[bounds[:-1]], bounds


class SequencePreprocessing:
    """One-hot (L, A), integer codes (L,) or k-mer profile (A**k,) encoding, fitted on the
    training split.

    Fitting fixes the one-hot / integer length (``options.length`` or the longest training
    sequence, capped at ``max_length``) so validation, test and new sequences are
    padded/truncated exactly as training was. Everything is saved by ``to_dict`` for a run
    bundle.
    """

    kind = "sequence"

    def __init__(
        self,
        alphabet: str,
        encoding: str = "onehot",
        k: int = 3,
        normalize: bool = True,
        both_strands: bool = False,
        length: int | None = None,
        max_length: int = 2000,
        rc_augment: bool = False,
    ) -> None:
        if encoding not in ("onehot", "integer", "kmer"):
            raise DataError(
                f"unknown sequence encoding {encoding!r}; use onehot, integer or kmer")
        if alphabet not in ("DNA", "RNA", "protein"):
            raise DataError(f"unknown alphabet {alphabet!r}; use DNA, RNA or protein")
        if encoding == "kmer":
            _check_k(k, alphabet)
            if both_strands and alphabet == "protein":
                raise DataError("both strands needs DNA or RNA sequences, not protein")
        if length is not None and length < 1:
            raise DataError(f"one-hot length must be at least 1, got {length}")
        self.alphabet = alphabet
        self.encoding = encoding
        self.k = k
        self.normalize = normalize
        self.both_strands = both_strands
        self.length = length
        self.max_length = max_length
        self.rc_augment = rc_augment
        self._report: list[str] = []

    @classmethod
    def from_options(cls, ds: Dataset, options: EncodingOptions) -> SequencePreprocessing:
        return cls(
            alphabet=_alphabet_of(ds),
            encoding=options.encoding,
            k=options.k,
            normalize=options.kmer_normalize,
            both_strands=options.both_strands,
            length=options.length,
            max_length=options.max_length,
            rc_augment=options.rc_augment,
        )

    def fit(self, ds: Dataset, train_idx: np.ndarray) -> None:
        self._check_alphabet(ds)
        if self.encoding in ("onehot", "integer") and self.length is None:
            train = ds.sequence_lengths()[np.asarray(train_idx, dtype=np.int64)]
            longest = int(train.max()) if len(train) else 1
            self.length = max(1, min(longest, self.max_length))

    def transform(self, ds: Dataset) -> np.ndarray | LazyRows:
        """The encoded records; those of a file too large to hold stay on disk: an
        ``EncodedSequences`` that encodes the rows asked for (``core.data.lazy``)."""
        self._check_alphabet(ds)
        self._report = []
        if self.encoding != "kmer":
            if self.length is None:
                raise RuntimeError("SequencePreprocessing.transform called before fit")
            lengths = ds.sequence_lengths()
            padded = int((lengths < self.length).sum())
            truncated = int((lengths > self.length).sum())
            if padded or truncated:
                self._report = [f"{padded} sequences padded and {truncated} truncated to"
                                f" length {self.length}"]
        if is_lazy_records(ds.records):
            return EncodedSequences(ds.records, self)  # type: ignore[arg-type]
        return self.encode(ds.records)  # type: ignore[arg-type]

    def encode(self, seqs: Sequence[str]) -> np.ndarray:
        """The fitted encoding of cleaned sequences (nothing reported)."""
        if self.encoding == "kmer":
            return kmer_profile(
                seqs, self.k, self.alphabet, self.normalize, self.both_strands, sparse=False
            )
        if self.length is None:
            raise RuntimeError("SequencePreprocessing.encode called before fit")
        if self.encoding == "integer":
            return integer_codes(seqs, self.alphabet, self.length)
        return one_hot(seqs, self.alphabet, self.length)

    def _check_alphabet(self, ds: Dataset) -> None:
        theirs = _alphabet_of(ds)
        if _family(theirs) != _family(self.alphabet):
            raise DataError(
                f"these are {theirs} sequences, but the encoding was made for {self.alphabet}"
            )

    @property
    def input_shape(self) -> tuple[int, ...]:
        channels = len(_letters(self.alphabet))
        if self.encoding == "kmer":
            return (channels**self.k,)
        if self.length is None:
            raise RuntimeError("SequencePreprocessing.input_shape needs fit first")
        return (self.length,) if self.encoding == "integer" else (self.length, channels)

    @property
    def feature_names(self) -> list[str]:
        if self.encoding == "kmer":
            return kmer_names(self.k, self.alphabet)
        if self.encoding == "integer":  # one code per position, counted from 1
            return [str(pos + 1) for pos in range(self.input_shape[0])]
        letters = "ACGU" if self.alphabet == "RNA" else _letters(self.alphabet)
        return [f"{pos}:{b}" for pos in range(self.input_shape[0]) for b in letters]

    def augment(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Training rows plus their reverse complements when ``rc_augment`` is on (DNA/RNA).

        A k-mer profile's reverse complement is the same profile with columns permuted;
        a both-strands profile already counts both strands, so nothing is added then.
        Integer codes are complemented and reversed (``reverse_complement_codes``).
        """
        if not self.rc_augment or self.alphabet == "protein":
            return X, y
        if self.encoding == "kmer" and self.both_strands:
            return X, y
        if isinstance(X, EncodedSequences):  # streamed: the flipped rows are encoded later
            return X.with_reverse_complements(), np.concatenate((y, y))
        return np.concatenate((X, self.flip(X))), np.concatenate((y, y))

    def flip(self, X: np.ndarray) -> np.ndarray:
        """The reverse complements of encoded nucleotide rows ``X``."""
        if self.encoding == "kmer":
            return X[:, _rc_permutation(self.k)]
        if self.encoding == "integer":
            return reverse_complement_codes(X)
        return reverse_complement_onehot(X)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "alphabet": self.alphabet,
            "encoding": self.encoding,
            "k": self.k,
            "normalize": self.normalize,
            "both_strands": self.both_strands,
            "length": self.length,
            "max_length": self.max_length,
            "rc_augment": self.rc_augment,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SequencePreprocessing:
        if d.get("kind") != cls.kind:
            raise DataError(f"preprocessing.json: expected kind 'sequence', got {d.get('kind')!r}")
        try:
            return cls(**{key: value for key, value in d.items() if key != "kind"})
        except TypeError as err:
            raise DataError(f"preprocessing.json: bad sequence preprocessing ({err})") from None

    def report(self) -> list[str]:
        return list(self._report)


class EncodedSequences(LazyRows):
    """Encoded rows of sequences read from disk (``core.data.fasta_index``), encoded by a
    fitted ``SequencePreprocessing`` when asked: what the trainer streams.

    ``items`` are the records' numbers; ``-1 - r`` stands for the reverse complement of
    record ``r`` (``augment``), so the augmented training set is still on disk.
    """

    def __init__(self, records: LazyItems, preprocessing: SequencePreprocessing) -> None:
        length = preprocessing.length
        super().__init__(np.asarray(records.items, dtype=np.int64), preprocessing.input_shape,
                         "sequences" + (f" of length {length}" if length else ""))
        self.records = records
        self.preprocessing = preprocessing

    def decode(self, items: Sequence[Any]) -> np.ndarray:
        items = np.asarray(items, dtype=np.int64)
        flipped = items < 0
        X = self.preprocessing.encode(self.records.decode(np.where(flipped, -1 - items, items)))
        if flipped.any():
            X[flipped] = self.preprocessing.flip(X[flipped])
        return np.ascontiguousarray(X, dtype=np.float32)

    def with_reverse_complements(self) -> EncodedSequences:
        """These rows followed by their reverse complements."""
        return self.with_items(np.concatenate((self.items, -1 - self.items)))


def _alphabet_of(ds: Dataset) -> str:
    return ds.alphabet or detect_alphabet(ds.records)  # type: ignore[arg-type]
