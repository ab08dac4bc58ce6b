"""``core.explain.export`` and ``inputs``: the files an explanation is written to, for
sequences, images and tables, and the inputs a run gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from core.explain.attribution import Attribution
from core.explain.export import attribution_frame, write_attributions, write_class_attribution
from core.explain.inputs import outcome_inputs
from core.explain.methods import ClassAttribution
from tests.core.explain_fixtures import motif_outcome


def _att(values: np.ndarray, method: str = "saliency") -> Attribution:
    n = len(values)
    return Attribution(method, values.astype(np.float32), np.zeros(n, dtype=np.int64),
                       np.ones(n, dtype=np.float32))


def test_image_and_table_frames() -> None:
    values = np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2)
    frame = attribution_frame(_att(values), values, ["a", "b"], "image",
                              class_names=["zero"])
    assert list(frame.columns) == ["id", "target", "channel", "row", "col", "value"]
    assert len(frame) == values.size and frame["value"].tolist() == values.ravel().tolist()
    last = frame.iloc[-1]
    assert (last["id"], last["channel"], last["row"], last["col"]) == ("b", 2, 2, 2)
    table = attribution_frame(_att(np.ones((3, 2))), np.ones((3, 2)), ["r1", "r2", "r3"],
                              "table", feature_names=["age", "dose"])
    assert list(table.columns) == ["id", "target", "age", "dose"]


def test_sequence_files_and_per_class_files(tmp_path: Path) -> None:
    X = np.eye(4, dtype=np.float32)[[[0, 1, 2, 3, 0]]]
    X[0, 4] = 0  # padding
    X = np.concatenate([X, X])
    X[1, 1] = 0.25  # an N
    values = np.where(X > 0, 1.0, 0.0)
    values[:, 4] = np.nan
    files = write_attributions(tmp_path, _att(values, "ism"), X, ["s1", "s2"], "onehot:DNA",
                               "ACGT", class_names=["absent"])
    frame = pd.read_csv(files[0], keep_default_na=False, na_values=[""])
    assert frame["letter"].fillna("").tolist() == ["A", "C", "G", "T", "", "A", "N", "G",
                                                   "T", ""]
    assert np.isnan(frame["total"].iloc[4]) and frame["total"].iloc[6] == 4
    saved = np.load(files[1])
    np.testing.assert_array_equal(saved["inputs"], X)
    assert str(saved["layout"]) == "onehot:DNA" and "baseline_outputs" not in saved
    per = ClassAttribution("ism", values[:1], np.array([7]), ["present"])
    csv_path, npz_path = write_class_attribution(tmp_path, per, "onehot:DNA", "ACGT")
    rows = pd.read_csv(csv_path)
    assert list(rows.columns[:3]) == ["class", "n_samples", "position"] and len(rows) == 5
    assert set(rows["n_samples"]) == {7} and np.load(npz_path)["counts"].tolist() == [7]


def test_outcome_inputs_are_the_split_as_encoded_for_training() -> None:
    outcome = motif_outcome()
    test = outcome_inputs(outcome, "test")
    np.testing.assert_array_equal(test.X, outcome.data.X_test)
    assert test.ids == outcome.data.ids_test and np.array_equal(test.y, outcome.data.y_test)
    assert test.letters == "ACGT" and test.layout == "onehot:DNA"
    train = outcome_inputs(outcome, "train")
    assert len(train.X) == len(outcome.split.train)
    picked = test.select([test.ids[3], test.ids[0]])
    np.testing.assert_array_equal(picked.X, test.X[[3, 0]])
