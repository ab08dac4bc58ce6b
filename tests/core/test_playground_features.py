"""Playground's extra input features as a transform of a two-feature table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.data.dataset import Dataset
from core.data.load import load_dataset
from core.data.options import LoadOptions
from core.data.playground import (
    add_features,
    base_columns,
    chosen_features,
    extra_column_names,
    with_features,
)
from core.errors import DataError
from core.train.run import prepare_run


def test_features_are_computed_from_the_two_inputs_in_playgrounds_order():
    ds = load_dataset("demo:circle", LoadOptions(demo_size=40))
    out = with_features(ds, ["sin2", "square1", "product"])
    assert list(out.records.columns) == ["x1", "x2", "x1^2", "x1*x2", "sin(x2)"]
    x1, x2 = ds.records["x1"].to_numpy(), ds.records["x2"].to_numpy()
    np.testing.assert_allclose(out.records["x1^2"], x1 ** 2)
    np.testing.assert_allclose(out.records["x1*x2"], x1 * x2)
    np.testing.assert_allclose(out.records["sin(x2)"], np.sin(x2))
    assert chosen_features(out) == ["square1", "product", "sin2"]
    assert extra_column_names(out) == ["x1^2", "x1*x2", "sin(x2)"]
    assert base_columns(out) == ["x1", "x2"]
    assert out.targets is ds.targets and out.ids == ds.ids


def test_toggling_replaces_the_extras_and_none_restores_the_table():
    ds = load_dataset("demo:xor", LoadOptions(demo_size=30))
    one = with_features(ds, ["square1", "square2"])
    two = with_features(one, ["sin1"])
    assert list(two.records.columns) == ["x1", "x2", "sin(x1)"]
    back = with_features(two, [])
    assert list(back.records.columns) == ["x1", "x2"]
    assert chosen_features(back) == []
    pd.testing.assert_frame_equal(back.records, ds.records)


def test_the_network_gets_one_input_per_column():
    ds = with_features(load_dataset("demo:spiral", LoadOptions(demo_size=60)),
                       ["square1", "square2", "product", "sin1", "sin2"])
    prepared = prepare_run(ds, network="mlp")
    assert prepared.data.input_shape == (7,)
    assert prepared.data.feature_names[2:] == ["x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]


def test_add_features_serves_any_frame_with_the_base_columns():
    grid = pd.DataFrame({"a": [0.0, 1.0], "b": [2.0, np.pi / 2]})
    out = add_features(grid, ["a", "b"], ["product", "sin2"])
    assert list(out.columns) == ["a", "b", "a*b", "sin(b)"]
    np.testing.assert_allclose(out["sin(b)"], [np.sin(2.0), 1.0])


@pytest.mark.parametrize("name", ["iris", "motif"])
def test_only_two_numeric_inputs_qualify(name):
    ds = load_dataset(f"demo:{name}", LoadOptions(demo_size=20))
    assert base_columns(ds) is None
    with pytest.raises(DataError, match="two numeric"):
        with_features(ds, ["square1"])


def test_text_columns_do_not_qualify_and_unknown_features_are_errors():
    ds = Dataset("t", "tabular", "classification",
                 pd.DataFrame({"x": [1.0, 2.0], "kind": ["a", "b"]}),
                 np.array([0, 1]), ["r1", "r2"], class_names=["0", "1"])
    assert base_columns(ds) is None
    circle = load_dataset("demo:circle", LoadOptions(demo_size=10))
    with pytest.raises(DataError, match="unknown Playground feature 'cube'"):
        with_features(circle, ["cube"])
