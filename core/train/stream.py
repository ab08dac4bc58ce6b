"""Training batches read from disk (``core.data.lazy``): data larger than memory.

In memory, the trainer keeps every encoded input on the device and slices batches with a
seeded permutation. Rows that are decoded on demand go through one
``torch.utils.data.DataLoader`` per run instead: worker processes decode the next batches
while the network trains on this one (pinned memory on CUDA, so the copy overlaps too).
The batches are the same ones, in the same order, as in memory: the trainer's own
permutation is handed to the loader's sampler epoch by epoch, so a seed reproduces a
streamed run as it does an in-memory one, and validation goes through the same workers.

Workers start with ``forkserver`` on Linux (a fork of a clean server process: never a fork
of the window's threads) and ``spawn`` elsewhere, once per run (``persistent_workers``).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from core.data.lazy import LazyRows

MAX_WORKERS = 4
PREFETCH = 4  # batches each worker decodes ahead
# a decoding worker imports torch, numpy and Pillow: measured 253 MB resident on Linux
WORKER_BYTES = 260 << 20


def stream_workers() -> int:
    """Decoding processes: about half the cores (the other half trains), 1 to 4."""
    return max(1, min(MAX_WORKERS, (os.cpu_count() or 2) // 2))


class _Rows(Dataset):
    """What a worker reads: ``(split, positions)`` -> that batch's decoded inputs."""

    def __init__(self, splits: dict[str, LazyRows]) -> None:
        self.splits = splits

    def __len__(self) -> int:
        return sum(len(x) for x in self.splits.values())

    def __getitem__(self, key: tuple[str, list[int]]) -> torch.Tensor:
        split, positions = key
        return torch.from_numpy(self.splits[split].rows(positions))


class _Batches(Sampler):
    """The batches of the pass being read; the trainer sets them before each pass."""

    def __init__(self) -> None:
        self.keys: list[tuple[str, list[int]]] = []

    def __iter__(self) -> Iterator[tuple[str, list[int]]]:
        return iter(list(self.keys))

    def __len__(self) -> int:
        return len(self.keys)


class Feed:
    """One run's loader over its streamed splits (``train`` and ``val``)."""

    def __init__(self, splits: dict[str, LazyRows], device: torch.device,
                 workers: int | None = None) -> None:
        self.device = device
        self.batches = _Batches()
        workers = stream_workers() if workers is None else workers
        context = None
        if workers:
            context = multiprocessing.get_context(
                "forkserver" if sys.platform.startswith("linux") else "spawn")
        self.loader = DataLoader(
            _Rows(splits), sampler=self.batches, batch_size=None, num_workers=workers,
            pin_memory=device.type == "cuda", persistent_workers=workers > 0,
            prefetch_factor=PREFETCH if workers else None, multiprocessing_context=context,
            # its own generator: the workers' base seed is drawn from it, not from torch's
            # global one, which would shift every dropout mask after the first epoch
            generator=torch.Generator().manual_seed(0))

    def _read(self, keys: list[tuple[str, list[int]]]) -> Iterator[torch.Tensor]:
        self.batches.keys = keys
        for x in self.loader:
            yield x.to(self.device, non_blocking=True)

    def train_batches(self, perm: torch.Tensor | None, n: int,
                      bounds: list[tuple[int, int]]) -> Iterator[torch.Tensor]:
        """The training inputs of one epoch, batch by batch, in ``perm``'s order."""
        order = np.arange(n) if perm is None else perm.cpu().numpy()
        return self._read([("train", order[s:e].tolist()) for s, e in bounds])

    def chunks(self, split: str, chunk: int) -> Iterator[torch.Tensor]:
        """Every row of ``split`` in order, ``chunk`` rows at a time (validation)."""
        n = len(self.loader.dataset.splits[split])  # type: ignore[attr-defined]
        return self._read([(split, list(range(i, min(i + chunk, n))))
                           for i in range(0, n, chunk)])

    def close(self) -> None:
        """End the workers now (not when the loader is collected)."""
        iterator: Any = getattr(self.loader, "_iterator", None)
        if iterator is not None and hasattr(iterator, "_shutdown_workers"):
            iterator._shutdown_workers()
        self.loader = None  # type: ignore[assignment]


def first_rows(x: LazyRows, k: int, device: torch.device) -> torch.Tensor:
    """The first ``k`` rows decoded here (the trainer's shape probe)."""
    return torch.from_numpy(x.rows(slice(0, k))).to(device)
