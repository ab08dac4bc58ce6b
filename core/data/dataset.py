"""The dataset model every loader produces and every later step consumes.

A ``Dataset`` keeps the *raw* records (sequences as strings, a table as a DataFrame,
images as a float array) so that preprocessing can be fitted on the training split only
and saved with a trained model (see ``core.data.preprocessing``).
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from core.data.lazy import LazyItems
from core.progress import Cancelled

if TYPE_CHECKING:  # pandas takes 0.4 s to import; the window must show before that
    import pandas as pd

# "reconstruct": an autoencoder's task. The network's targets are its own encoded inputs
# (``core.data.tensors``); a ``Dataset`` keeps the task of its labels (``Dataset.task``)
# and marks the choice in ``info["reconstruct"]`` (``training_task``), so every view that
# colours or splits by the labels still sees classes or values.
Task = Literal["classification", "regression", "reconstruct"]
Modality = Literal["sequence", "tabular", "image"]


@dataclass
class Provenance:
    """Where a dataset came from, so a model card can say exactly what it was trained on."""

    source: str  # a path, or "demo:NAME"
    sha256: str  # of the file content (or of the sorted files of a folder); "" for demos
    loader: str  # "fasta", "csv", "images", "idx", "demo"
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Dataset:
    """Raw records plus targets.

    records:
      - sequence: ``list[str]``, upper-case, RNA ``U`` already read as ``T`` when the
        alphabet is DNA/RNA (so DNA models accept both); a FASTA file too large to hold
        is a ``core.data.fasta_index.SequenceRecords`` (read at its offsets on demand);
      - tabular: ``pandas.DataFrame`` of feature columns only (may hold NaN, text);
      - image: ``numpy.ndarray`` float32 of shape (N, C, H, W), values in [0, 1], or a
        ``core.data.lazy.LazyRows`` of them (a folder too large to decode whole).
    targets: int64 class indices (classification) or float32 values (regression).
    """

    name: str
    modality: Modality
    task: Task
    records: list[str] | pd.DataFrame | np.ndarray | LazyItems
    targets: np.ndarray
    ids: list[str]
    class_names: list[str] | None = None
    alphabet: str | None = None  # "DNA", "RNA" or "protein" for sequences
    provenance: Provenance | None = None
    groups: np.ndarray | None = None  # e.g. patient ids; a group never spans two splits
    split_labels: np.ndarray | None = None  # "train"/"val"/"test" per sample, from the file
    warnings: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)  # loader facts for the summary

    def __post_init__(self) -> None:
        n = len(self.records)
        if len(self.targets) != n or len(self.ids) != n:
            raise ValueError(
                f"records ({n}), targets ({len(self.targets)}) and ids ({len(self.ids)})"
                " must have the same length"
            )

    def __len__(self) -> int:
        return len(self.records)

    @property
    def n_classes(self) -> int:
        return len(self.class_names) if self.class_names else 0

    @property
    def n_outputs(self) -> int:
        """Units the network's output layer needs for the labels: classes, or 1 for
        regression (a reconstruct run needs one per input value: ``output_units``)."""
        return self.n_classes if self.task == "classification" else 1

    @property
    def training_task(self) -> Task:
        """What a network trained on this dataset learns: the labels' task, or
        "reconstruct" when the user chose to reconstruct the inputs (``LoadOptions.task``)."""
        return "reconstruct" if self.info.get("reconstruct") else self.task

    def output_units(self, input_shape: tuple[int, ...]) -> int:
        """Output units of a network on encoded inputs of ``input_shape``."""
        if self.training_task == "reconstruct":
            return int(np.prod(input_shape))
        return self.n_outputs

    def sequence_lengths(self) -> np.ndarray:
        """Letters of each sequence record (int64); an indexed file's are known without
        reading it (``core.data.fasta_index``)."""
        lengths = getattr(self.records, "lengths", None)
        if lengths is not None:
            return np.asarray(lengths, dtype=np.int64)
        return np.fromiter(map(len, self.records), dtype=np.int64, count=len(self.records))

    def subset(self, idx: np.ndarray) -> Dataset:
        """The same dataset restricted to ``idx`` (for previews, k-fold, prediction)."""
        idx = np.asarray(idx, dtype=np.int64)
        if is_frame(self.records):
            records: Any = self.records.iloc[idx].reset_index(drop=True)
        elif isinstance(self.records, (np.ndarray, LazyItems)):
            records = self.records[idx]  # read from disk: the same files, nothing decoded
        else:
            records = [self.records[i] for i in idx]
        return Dataset(
            name=self.name,
            modality=self.modality,
            task=self.task,
            records=records,
            targets=self.targets[idx],
            ids=[self.ids[i] for i in idx],
            class_names=self.class_names,
            alphabet=self.alphabet,
            provenance=self.provenance,
            groups=None if self.groups is None else self.groups[idx],
            split_labels=None if self.split_labels is None else self.split_labels[idx],
            warnings=list(self.warnings),
            info=dict(self.info),
        )


@dataclass
class Split:
    """Train / validation / test index sets (int64 arrays into the dataset).

    ``warnings`` are what the splitter knows and the summary shows: a side left empty, a
    train/val/test column of the file that this split does not follow.
    """

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    seed: int = 0
    warnings: list[str] = field(default_factory=list)

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "val": len(self.val), "test": len(self.test)}


def sha256_of_path(path: str | Path, should_stop: Callable[[], bool] | None = None) -> str:
    """Content hash of a file, or of every file under a folder (sorted, with names).

    Names are hashed as the bytes on disk (``os.fsencode``: a name that is not UTF-8 is
    hashed, not an error). Only regular files are read: a FIFO or a device in a folder
    would never end. ``should_stop`` is asked between megabytes (a big file takes a while).
    """
    path = Path(path)
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        if path.is_dir():
            h.update(os.fsencode(f.relative_to(path)))
        if not stat.S_ISREG(os.stat(f).st_mode):
            continue
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
                if should_stop is not None and should_stop():
                    raise Cancelled()
    return h.hexdigest()


def is_frame(records: object) -> bool:
    """A pandas DataFrame (without importing pandas: no frame exists before it is)."""
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(records, pd.DataFrame)
