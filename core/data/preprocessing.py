"""Preprocessing: raw records -> float32 tensors, fitted on the training split only.

Each modality has one ``Preprocessing`` class:
  - ``core.data.encoding.SequencePreprocessing``  (one-hot [L, A] or k-mer profile [4**k])
  - ``core.data.tabular.TabularPreprocessing``    (impute, standardize, one-hot categories)
  - ``core.data.images.ImagePreprocessing``       (resize / channels; [C, H, W])

They share this protocol, and serialize to plain JSON (``to_dict``) so a run bundle can
turn new raw input into tensors exactly as training did, with nothing unpickled.
``EncodingOptions`` lives in ``core.data.options`` and is importable from here too.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from core.data.dataset import Dataset
from core.data.options import EncodingOptions
from core.errors import DataError


class Preprocessing(Protocol):
    kind: str  # "sequence", "tabular" or "image"

    def fit(self, ds: Dataset, train_idx: np.ndarray) -> None:
        """Learn statistics (length, scaler, categories...) from ``ds`` rows ``train_idx``."""

    def transform(self, ds: Dataset) -> np.ndarray:
        """All rows of ``ds`` as a float32 array of shape (N, *input_shape)."""

    @property
    def input_shape(self) -> tuple[int, ...]: ...

    @property
    def feature_names(self) -> list[str]:
        """One name per flattened input feature (k-mer strings, columns, 'pos:base')."""

    def to_dict(self) -> dict[str, Any]: ...

    def report(self) -> list[str]:
        """Facts the user should see, e.g. '12 sequences padded, 3 truncated to 60'."""


def make_preprocessing(ds: Dataset, options: EncodingOptions | None = None) -> Preprocessing:
    """An unfitted preprocessing suited to the dataset's modality."""
    options = options or EncodingOptions()
    if ds.modality == "sequence":
        from core.data.encoding import SequencePreprocessing

        return SequencePreprocessing.from_options(ds, options)
    if ds.modality == "tabular":
        from core.data.tabular import TabularPreprocessing

        return TabularPreprocessing.from_options(ds, options)
    if ds.modality == "image":
        from core.data.images import ImagePreprocessing

        return ImagePreprocessing.from_options(ds, options)
    raise DataError(f"unknown modality {ds.modality!r}")


def preprocessing_from_dict(d: dict[str, Any]) -> Preprocessing:
    """Rebuild a fitted preprocessing from ``to_dict`` output (a bundle's JSON)."""
    kind = d.get("kind")
    if kind == "sequence":
        from core.data.encoding import SequencePreprocessing

        return SequencePreprocessing.from_dict(d)
    if kind == "tabular":
        from core.data.tabular import TabularPreprocessing

        return TabularPreprocessing.from_dict(d)
    if kind == "image":
        from core.data.images import ImagePreprocessing

        return ImagePreprocessing.from_dict(d)
    raise DataError(f"preprocessing.json: unknown kind {kind!r}")
