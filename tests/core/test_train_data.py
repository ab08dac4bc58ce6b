"""TensorData: preprocessing fitted on the training rows only, augmentation on train only."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from core.data.dataset import Dataset, Split
from core.data.tensors import TensorData, prepare_tensors
from core.errors import DataError


class CenteringPreprocessing:
    """Subtracts the mean of the rows it was fitted on; augmentation doubles the rows."""

    kind = "tabular"

    def __init__(self) -> None:
        self.mean: np.ndarray | None = None
        self.fitted_on: np.ndarray | None = None

    def fit(self, ds: Dataset, train_idx: np.ndarray) -> None:
        self.fitted_on = np.asarray(train_idx)
        self.mean = ds.records.iloc[train_idx].to_numpy().mean(axis=0)

    def transform(self, ds: Dataset) -> np.ndarray:
        return (ds.records.to_numpy() - self.mean).astype(np.float64)  # not float32 on purpose

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (2,)

    @property
    def feature_names(self) -> list[str]:
        return ["a", "b"]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind}

    def report(self) -> list[str]:
        return ["centred"]

    def augment(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.concatenate([X, -X]), np.concatenate([y, y])


def _table(n: int = 10) -> Dataset:
    df = pd.DataFrame({"a": np.arange(n, dtype=float), "b": np.arange(n, dtype=float) * 10})
    return Dataset(name="t", modality="tabular", task="classification", records=df,
                   targets=np.arange(n) % 2, ids=[f"s{i}" for i in range(n)],
                   class_names=["x", "y"])


def test_fit_on_train_only_and_augment_train_only() -> None:
    ds = _table()
    split = Split(train=np.array([0, 1, 2, 3]), val=np.array([8, 9]), test=np.array([5, 6]))
    pre = CenteringPreprocessing()
    data = prepare_tensors(ds, split, pre)
    np.testing.assert_array_equal(pre.fitted_on, split.train)
    np.testing.assert_allclose(pre.mean, [1.5, 15.0])  # train rows only, not all ten
    assert data.X_train.dtype == np.float32 and data.y_train.dtype == np.int64
    assert data.sizes() == {"train": 8, "val": 2, "test": 2}  # train doubled by augment
    np.testing.assert_allclose(data.X_val[:, 0], [6.5, 7.5])
    np.testing.assert_allclose(data.X_test[:, 0], [3.5, 4.5])
    assert data.ids_test == ["s5", "s6"]
    assert data.input_shape == (2,) and data.feature_names == ["a", "b"]
    assert data.n_outputs == 2 and data.class_names == ["x", "y"]
    assert "augmentation: 4 training samples became 8" in data.notes
    assert "training: centred" in data.notes


def test_empty_validation_split_and_empty_training_split() -> None:
    ds = _table()
    data = prepare_tensors(ds, Split(train=np.arange(8), val=np.array([], dtype=np.int64),
                                     test=np.array([8, 9])), CenteringPreprocessing())
    assert data.X_val.shape == (0, 2) and data.y_val.shape == (0,)
    with pytest.raises(DataError, match="training split is empty"):
        prepare_tensors(ds, Split(train=np.array([], dtype=np.int64), val=np.arange(5),
                                  test=np.arange(5, 10)), CenteringPreprocessing())


def test_from_arrays_infers_task_and_defaults() -> None:
    X = np.zeros((6, 3, 4))
    cls = TensorData.from_arrays(X, np.array([0, 2, 1, 0, 2, 1]))
    assert cls.task == "classification" and cls.n_outputs == 3
    assert cls.class_names == ["0", "1", "2"] and cls.input_shape == (3, 4)
    assert cls.X_train.dtype == np.float32 and cls.X_test.shape == (0, 3, 4)
    assert len(cls.feature_names) == 12
    reg = TensorData.from_arrays(X, np.linspace(0, 1, 6), X[:2], np.ones(2))
    assert reg.task == "regression" and reg.n_outputs == 1 and reg.y_val.dtype == np.float32
    two = TensorData.from_arrays(X, np.ones((6, 2)))
    assert two.n_outputs == 2


def test_prepare_tensors_with_the_real_sequence_encoder() -> None:
    from core.data.demos import load_demo
    from core.data.options import EncodingOptions, LoadOptions
    from core.data.preprocessing import make_preprocessing
    from core.data.splits import make_split

    ds = load_demo("motif", LoadOptions(demo_size=200))
    split = make_split(ds, 0.2, 0.2, seed=1)
    pre = make_preprocessing(ds, EncodingOptions(encoding="onehot", rc_augment=True))
    data = prepare_tensors(ds, split, pre)
    n_train = len(split.train)
    assert data.X_train.shape == (2 * n_train, *data.input_shape)  # reverse complements
    assert data.X_val.shape == (len(split.val), *data.input_shape)
    assert data.input_shape[1] == 4
    np.testing.assert_array_equal(data.y_train[:n_train], data.y_train[n_train:])
    assert data.ids_test == [ds.ids[i] for i in split.test]
