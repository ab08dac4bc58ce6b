"""Encoded arrays a run trains on: the bridge from a ``Dataset`` + ``Split`` to tensors.

They are data, not training: the trainer and the classic baselines both fit on the same
``TensorData``, so it lives in ``core.data`` below both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.budget import check_budget
from core.data.dataset import Dataset, Split, Task
from core.data.lazy import LazyRows, is_lazy, is_lazy_records
from core.errors import DataError


@dataclass
class TensorData:
    """Train / validation / test arrays, already encoded.

    X arrays are float32 of shape (N, *input_shape). y arrays are int64 class indices for
    classification and float32 values for regression (shape (N,) for one output, (N, k)
    for k outputs). Validation and test sets may be empty (0 rows).

    Task "reconstruct" (an autoencoder): each y is a copy of its X flattened to
    (N, prod(input_shape)) float32, ``n_outputs`` is that product and ``class_names`` is
    None (the network predicts no class). The file's own labels stay in ``labels_*`` (class
    indices into ``label_names``, or values when ``label_names`` is None) to colour the
    pictures, e.g. the bottleneck's embedding; other tasks leave them None.
    """

    X_train: np.ndarray | LazyRows  # LazyRows: streamed from disk (``core.data.lazy``)
    y_train: np.ndarray
    X_val: np.ndarray | LazyRows
    y_val: np.ndarray
    X_test: np.ndarray | LazyRows
    y_test: np.ndarray
    task: Task
    n_outputs: int
    class_names: list[str] | None
    input_shape: tuple[int, ...]
    feature_names: list[str] = field(default_factory=list)
    ids_test: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # preprocessing facts, augmentation
    labels_train: np.ndarray | None = None
    labels_val: np.ndarray | None = None
    labels_test: np.ndarray | None = None
    label_names: list[str] | None = None
    layout: str = ""  # what the inputs are (``input_layout``); "" when not known

    @property
    def streamed(self) -> bool:
        """Whether the inputs are read from disk batch by batch (``core.data.lazy``)."""
        return is_lazy(self.X_train)

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.X_train), "val": len(self.X_val), "test": len(self.X_test)}

    def split_arrays(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(X, y) of "train", "val" or "test"."""
        if name not in ("train", "val", "test"):
            raise ValueError(f"unknown split {name!r}")
        return getattr(self, f"X_{name}"), getattr(self, f"y_{name}")

    def split_labels(self, name: str) -> tuple[np.ndarray, list[str] | None] | None:
        """(class indices or values, class names or None) of a split, for colouring:
        ``y`` itself for classification, ``labels_*`` for reconstruct; None for numbers."""
        if self.task == "classification":
            return self.split_arrays(name)[1], self.class_names
        labels = getattr(self, f"labels_{name}", None) if self.task == "reconstruct" else None
        return None if labels is None else (labels, self.label_names)

    @classmethod
    def from_arrays(
        cls,
        X_train: Any,
        y_train: Any,
        X_val: Any = None,
        y_val: Any = None,
        X_test: Any = None,
        y_test: Any = None,
        *,
        task: Task | None = None,
        class_names: list[str] | None = None,
        feature_names: list[str] | None = None,
        ids_test: list[str] | None = None,
        layout: str = "",
    ) -> TensorData:
        """Build from plain arrays (tests, benchmarks, the Playground).

        The task defaults to classification for integer targets and regression otherwise;
        class names default to "0", "1", ... up to the largest label.
        """
        X_train = np.ascontiguousarray(X_train, dtype=np.float32)
        y_raw = np.asarray(y_train)
        if task is None:
            task = "classification" if np.issubdtype(y_raw.dtype, np.integer) else "regression"
        ydt = np.int64 if task == "classification" else np.float32
        empty_x = np.zeros((0, *X_train.shape[1:]), dtype=np.float32)
        empty_y = np.zeros((0, *y_raw.shape[1:]), dtype=ydt)

        def xs(a: Any) -> np.ndarray:
            return empty_x if a is None else np.ascontiguousarray(a, dtype=np.float32)

        def ys(a: Any) -> np.ndarray:
            return empty_y if a is None else np.ascontiguousarray(a, dtype=ydt)

        y_tr, y_va, y_te = ys(y_raw), ys(y_val), ys(y_test)
        if task == "classification":
            if class_names is None:
                top = max((int(a.max()) for a in (y_tr, y_va, y_te) if len(a)), default=0)
                # one name (and later one output) per value up to the largest: a label of
                # 2e9 must be refused before 2e9 names are made
                check_budget(_CLASS_BYTES * (top + 1), f"one class per label 0..{top:,}",
                             error=DataError)
                class_names = [str(i) for i in range(top + 1)]
            n_outputs = len(class_names)
        else:
            n_outputs = 1 if y_tr.ndim == 1 else int(y_tr.shape[1])
        n_features = int(np.prod(X_train.shape[1:]))
        X_te = xs(X_test)
        return cls(
            X_train=X_train, y_train=y_tr, X_val=xs(X_val), y_val=y_va, X_test=X_te, y_test=y_te,
            task=task, n_outputs=n_outputs, class_names=class_names,
            input_shape=tuple(int(s) for s in X_train.shape[1:]),
            feature_names=feature_names or [f"x{i}" for i in range(n_features)],
            ids_test=ids_test or [str(i) for i in range(len(X_te))],
            layout=layout,
        )


_CLASS_BYTES = 64  # a class's name in Python, its count, its output unit's share
# bytes per row and output to measure a trained network on a split: its outputs, their
# softmax and the metrics' float64 copies (core.metrics binarizes labels for the AUCs);
# measured about 28 for classes (core.train.run.run_memory uses it too)
MEASURE_CELL_BYTES = 32


def encoded_bytes(input_shape: tuple[int, ...], n_samples: int, n_train: int,
                  augmented: bool = False) -> int:
    """Bytes of a dataset's encoded float32 tensors (``prepare_tensors``): every split, the
    largest once more while it is encoded and copied, and the training rows twice more
    when the encoding adds to them (reverse complements)."""
    per_row = 4 * math.prod(input_shape)
    return per_row * (n_samples + n_train + (2 * n_train if augmented else 0))


def prepare_tensors(ds: Dataset, split: Split, preprocessing: Any) -> TensorData:
    """Fit ``preprocessing`` on the training rows only, then encode every split.

    Fitting on train only keeps validation and test statistics (scaler means, one-hot
    length, categories) out of the model, as they would be for truly new data. Data
    augmentation (e.g. reverse complements) is applied to the training part only, so the
    held-out figures are measured on real samples.
    """
    if len(split.train) == 0:
        raise DataError("the training split is empty; lower the validation/test fractions")
    preprocessing.fit(ds, split.train)
    ydt = np.int64 if ds.task == "classification" else np.float32
    streamed = is_lazy_records(ds.records)  # rows stay on disk: nothing encoded here
    augments = getattr(preprocessing, "augment", None) is not None
    check_budget(0 if streamed else encoded_bytes(preprocessing.input_shape, len(ds),
                                                  len(split.train), augments),
                 f"encoding {len(ds):,} samples of shape"
                 f" {' x '.join(map(str, preprocessing.input_shape))}", error=DataError)

    notes: list[str] = []

    def encode(idx: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
        if len(idx) == 0:  # an empty validation/test split: no call into the encoder
            shape = (0, *preprocessing.input_shape)
            return np.zeros(shape, dtype=np.float32), np.asarray(ds.targets[:0], dtype=ydt)
        sub = ds.subset(idx)
        X = preprocessing.transform(sub)
        if not is_lazy(X):
            X = np.ascontiguousarray(X, dtype=np.float32)
        notes.extend(f"{name}: {line}" for line in preprocessing.report())  # per transform
        return X, np.asarray(sub.targets, dtype=ydt)

    X_train, y_train = encode(split.train, "training")
    X_val, y_val = encode(split.val, "validation")
    X_test, y_test = encode(split.test, "test")
    # Only sequences have one (reverse complements added once); the random per-batch
    # augmentation of images and sequences is the trainer's (core.train.augment).
    augment = getattr(preprocessing, "augment", None)
    if augment is not None:
        n_before = len(X_train)
        X_train, y_train = augment(X_train, y_train)
        if not is_lazy(X_train):
            X_train = np.ascontiguousarray(X_train, dtype=np.float32)
        y_train = np.asarray(y_train, dtype=ydt)
        if len(X_train) != n_before:
            notes.append(f"augmentation: {n_before} training samples became {len(X_train)}")
    class_names = list(ds.class_names) if ds.class_names else None
    data = TensorData(
        X_train=X_train, y_train=y_train, X_val=X_val, y_val=y_val,
        X_test=X_test, y_test=y_test, task=ds.task, n_outputs=ds.n_outputs,
        class_names=class_names,
        input_shape=tuple(int(s) for s in preprocessing.input_shape),
        feature_names=list(preprocessing.feature_names),
        ids_test=[ds.ids[i] for i in split.test],
        notes=notes,
        layout=input_layout(getattr(preprocessing, "kind", ""),
                            getattr(preprocessing, "alphabet", None),
                            getattr(preprocessing, "encoding", "")),
    )
    if ds.training_task == "reconstruct":
        as_reconstruction(data, class_names)
        if ds.info.get("unlabelled"):  # zeros standing in for labels colour nothing
            data.labels_train = data.labels_val = data.labels_test = None
            data.label_names = None
    return data


def as_reconstruction(data: TensorData, label_names: list[str] | None = None) -> TensorData:
    """Turn ``data`` (in place) into an autoencoder's: targets = the inputs, flattened.

    The previous targets move to ``labels_*`` (``label_names`` names their classes). The
    targets are copies, so noise added to a training batch's inputs never reaches them.
    Augmented training rows are already in X, so their targets follow them.
    """
    classes = data.task == "classification"
    for name in ("train", "val", "test"):
        X, y = data.split_arrays(name)
        setattr(data, f"labels_{name}", y)
        setattr(data, f"y_{name}", X.reshape(len(X), -1).astype(np.float32, copy=True)
                if len(X) else np.zeros((0, int(np.prod(data.input_shape))), np.float32))
    data.label_names = label_names if classes else None
    data.task = "reconstruct"
    data.n_outputs = int(np.prod(data.input_shape))
    data.class_names = None
    return data


def input_layout(modality: str, alphabet: str | None = None, encoding: str = "") -> str:
    """What a run's inputs are, in one word: "image", "table", or ``encoding:alphabet`` for
    sequences ("onehot:DNA", "integer:RNA", "kmer:protein"); "" for anything else.

    Augmentation (``core.train.augment``) reads it to know which transformations fit.
    ``modality`` is a ``Dataset.modality`` or a preprocessing's ``kind``.
    """
    if modality == "image":
        return "image"
    if modality == "tabular":
        return "table"
    if modality == "sequence":
        return f"{encoding or 'onehot'}:{alphabet or 'DNA'}"
    return ""
