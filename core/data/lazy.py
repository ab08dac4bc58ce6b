"""Rows decoded on demand: data larger than memory (issue 17).

An image folder whose decoded tensor would take more than ``STREAM_SHARE`` of the memory
budget (``core.budget``) is not decoded at load: its ``Dataset.records`` is a
``LazyRows`` (``core.data.images.ImageFiles``), which knows each row's file and shape and
decodes rows only when asked (``rows(idx)``). It behaves like the (N, C, H, W) array it
stands for where that is cheap: ``len``, ``shape``, slicing and fancy indexing give
another ``LazyRows`` of those rows, an integer gives one decoded row, and
``np.asarray`` decodes all of them, refused in one line when that would go over the
budget. The trainer streams such rows through a ``torch.utils.data.DataLoader`` with
worker processes (``core.train.stream``); everything else that needs pixels (a preview,
a prediction chunk, an attribution) decodes the few rows it takes.

A FASTA file too large to hold is indexed instead (``core.data.fasta_index``): its
records are a ``LazyItems`` of sequences (strings read at their byte offsets), and the
encoding (``core.data.encoding``) makes of them a ``LazyRows`` of one-hot rows that are
encoded batch by batch in the same workers. Both kinds are ``LazyItems``: a list of
record numbers (or files) and a ``decode`` that reads them.

``MENDEL_STREAM`` = ``auto`` (the default: stream above the share), ``always`` or
``never`` (decode whole, as before; over the budget is then refused); ``set_streaming``
sets it for the process (tests, benchmarks).
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from core.budget import check_budget, memory_budget
from core.errors import DataError

ENV = "MENDEL_STREAM"
MODES = ("auto", "always", "never")
STREAM_SHARE = 0.25  # of the budget: the training copy, the device copy and the rest
_KEY_CHUNK = 256  # rows decoded at once to hash them
_mode: str | None = None


def set_streaming(mode: str | None) -> None:
    """``auto``, ``always`` or ``never`` for this process (None: back to ``MENDEL_STREAM``)."""
    global _mode
    if mode is not None and mode not in MODES:
        raise DataError(f"streaming must be one of {', '.join(MODES)}, got {mode!r}")
    _mode = mode


def streaming_mode() -> str:
    mode = _mode or os.environ.get(ENV, "auto").strip().lower() or "auto"
    if mode not in MODES:
        raise DataError(f"the environment variable {ENV} must be one of {', '.join(MODES)},"
                        f" got {mode!r}")
    return mode


def should_stream(decoded_bytes: int) -> bool:
    """Whether data of ``decoded_bytes`` once decoded is read lazily rather than whole."""
    mode = streaming_mode()
    if mode != "auto":
        return mode == "always"
    return decoded_bytes > STREAM_SHARE * memory_budget()


class LazyItems:
    """N records made from ``items`` (file names, record numbers) by ``decode`` on demand.

    ``items`` is a list or a 1-D numpy array (a million records are an int64 array, not a
    million Python objects). Subsets share what the items point into: ``with_items``
    copies the rest of the object shallowly. Subclasses must pickle (DataLoader workers
    on macOS and Windows receive a copy).
    """

    def __init__(self, items: Sequence[Any] | np.ndarray) -> None:
        self.items = items if isinstance(items, np.ndarray) else list(items)

    def decode(self, items: Sequence[Any]) -> Any:
        """The records of ``items`` (a part of ``self.items``), in that order."""
        raise NotImplementedError

    def with_items(self, items: Sequence[Any] | np.ndarray) -> Any:
        """The same kind of records over other items."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.items = items if isinstance(items, np.ndarray) else list(items)
        return clone

    def __len__(self) -> int:
        return len(self.items)

    def rows(self, idx: Any) -> Any:
        """Decoded records ``idx`` (positions, a slice or a boolean mask)."""
        return self.decode(self._pick(idx))

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, (int, np.integer)):
            return self.decode(self._pick([int(idx)]))[0]
        return self.with_items(self._pick(idx))

    def _pick(self, idx: Any) -> Any:
        if isinstance(idx, slice):
            return self.items[idx]
        positions = np.asarray(idx)
        if positions.dtype == bool:
            positions = np.flatnonzero(positions)
        if isinstance(self.items, np.ndarray):
            return self.items[positions.ravel().astype(np.int64)]
        return [self.items[int(i)] for i in positions.ravel()]


class LazyRows(LazyItems):
    """N rows of ``row_shape`` float32, decoded by ``decode(items)`` on demand: an array
    that is read from disk (see the module docstring)."""

    dtype = np.dtype(np.float32)

    def __init__(self, items: Sequence[Any] | np.ndarray, row_shape: tuple[int, ...],
                 what: str) -> None:
        super().__init__(items)
        self.row_shape = tuple(int(s) for s in row_shape)
        self.what = what  # "images of 64x64 pixels": said when a whole decode is refused

    def decode(self, items: Sequence[Any]) -> np.ndarray:
        """(len(items), *row_shape) float32 for ``items`` (a part of ``self.items``)."""
        raise NotImplementedError

    def row_keys(self) -> list[bytes]:
        """One digest per row, equal for identical rows (duplicate counting): the decoded
        rows' bytes, a chunk at a time. A subclass may hash what a row is made from."""
        keys = []
        for start in range(0, len(self.items), _KEY_CHUNK):
            for row in self.decode(self.items[start:start + _KEY_CHUNK]):
                keys.append(hashlib.blake2b(row.tobytes(), digest_size=16).digest())
        return keys

    # -- array-like ----------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self.items), *self.row_shape)

    @property
    def ndim(self) -> int:
        return 1 + len(self.row_shape)

    @property
    def nbytes(self) -> int:
        """Bytes once decoded."""
        return 4 * len(self.items) * math.prod(self.row_shape)

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, tuple):  # X[:, 0] and the like need pixels: decode the rows
            first, rest = idx[0], idx[1:]
            return self.rows(first)[(slice(None), *rest)]
        return super().__getitem__(idx)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        check_budget(self.nbytes, f"decoding all {len(self):,} {self.what} at once",
                     error=DataError)
        out = self.decode(self.items) if len(self.items) else np.zeros(self.shape, np.float32)
        return out if dtype is None else out.astype(dtype, copy=False)

    def reshape(self, *shape: Any) -> np.ndarray:
        """The decoded rows reshaped (a consumer that needs them all: PCA, a flat table),
        refused in one line over the budget as ``np.asarray`` is."""
        return np.asarray(self).reshape(*shape)

    def astype(self, dtype: Any, copy: bool = True) -> Any:
        if np.dtype(dtype) == self.dtype:
            return self if not copy else self.with_items(self.items)
        return np.asarray(self).astype(dtype)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} x {self.row_shape})"


def is_lazy(x: object) -> bool:
    """Whether ``x`` is an array read from disk (streamed encoded rows or pixels)."""
    return isinstance(x, LazyRows)


def is_lazy_records(x: object) -> bool:
    """Whether ``x`` is a dataset's records read from disk (pixels or sequences)."""
    return isinstance(x, LazyItems)
