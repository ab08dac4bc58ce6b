"""Dataset summary: facts per modality, and the warnings a course asks students to check."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from core.data.dataset import Dataset, Provenance, Split
from core.data.demos import load_demo
from core.data.options import EncodingOptions, LoadOptions
from core.data.preprocessing import make_preprocessing
from core.data.splits import make_split
from core.data.summary import format_summary, summarize


def table_ds(values, targets, class_names=("a", "b"), warnings=()):
    frame = pd.DataFrame({"x": values, "y": np.arange(len(values), dtype=float)})
    return Dataset(
        "tab", "tabular", "classification", frame, np.asarray(targets, np.int64),
        [f"r{i}" for i in range(len(values))], class_names=list(class_names),
        provenance=Provenance("data.csv", "", "csv"), warnings=list(warnings),
    )  # fmt: skip


def test_table_facts_are_json_and_missing_values_counted():
    ds = table_ds([1.0, np.nan, 3.0, np.nan], [0, 1, 0, 1], warnings=["loader said so"])
    d = summarize(ds)
    json.dumps(d)
    assert d["name"] == "tab" and d["source"] == "data.csv" and d["n_samples"] == 4
    assert d["task"] == "classification" and d["modality"] == "tabular"
    assert d["classes"] == {"a": 2, "b": 2} and d["input_shape"] == [2]
    assert d["missing_values"] == {"x": 2}
    assert "loader said so" in d["warnings"]
    assert "x: 2 missing values filled" in " ".join(d["warnings"])


def test_imbalance_warning():
    targets = [0] * 52 + [1] * 10
    d = summarize(table_ds(np.arange(62.0), targets))
    warning = next(w for w in d["warnings"] if "imbalanced" in w)
    assert warning.startswith("classes are imbalanced 5.2:1 (a 52, b 10)")
    assert "class weights 'balanced'" in warning
    balanced = summarize(table_ds(np.arange(40.0), [0] * 30 + [1] * 10))  # exactly 3:1
    assert not any("imbalanced" in w for w in balanced["warnings"])


def test_empty_class_is_reported():
    d = summarize(table_ds(np.arange(4.0), [0, 0, 1, 1], class_names=("a", "b", "c")))
    assert d["classes"]["c"] == 0 and any("without samples: c" in w for w in d["warnings"])


def test_duplicates_between_train_and_test_are_leakage():
    values = np.arange(10.0)
    ds = table_ds(values, [0, 1] * 5)
    ds.records["y"] = 0.0
    ds.records.loc[7, "x"] = 1.0  # row 7 (test) equals row 1 (train)
    ds.records.loc[8, "x"] = 2.0  # row 8 (test) equals row 2 (train)
    split = Split(train=np.arange(7), val=np.array([9]), test=np.array([7, 8]))
    d = summarize(ds, split)
    assert d["split"] == {"train": 7, "val": 1, "test": 2}
    leak = [w for w in d["warnings"] if "leakage" in w]
    assert len(leak) == 1 and leak[0].startswith("2 of 2 test samples are exact duplicates")


def test_no_leakage_warning_without_duplicates():
    ds = table_ds(np.arange(20.0), [0, 1] * 10)
    d = summarize(ds, make_split(ds, 0.2, 0.2))
    assert not any("leakage" in w for w in d["warnings"])


def test_duplicate_images_are_found():
    ds = load_demo("digits", LoadOptions())
    ds.records[5] = ds.records[0]
    d = summarize(ds, Split(train=np.arange(5), val=np.arange(0), test=np.arange(5, 10)))
    assert any(w.startswith("1 of 5 test samples") for w in d["warnings"])


def test_sequence_facts_and_padding_counts():
    seqs = ["ACGT", "ACGTAC", "ACGTACGT", "AC"]
    ds = Dataset("s", "sequence", "regression", seqs, np.zeros(4, np.float32),
                 ["a", "b", "c", "d"], alphabet="DNA")  # fmt: skip
    d = summarize(ds)
    assert d["alphabet"] == "DNA" and d["input_shape"] == [8, 4]
    assert (d["length_min"], d["length_median"], d["length_max"]) == (2, 5.0, 8)
    assert "3 sequences padded and 0 truncated to length 8" in d["warnings"]
    p = make_preprocessing(ds, EncodingOptions(length=5))
    p.fit(ds, np.arange(4))
    d = summarize(ds, preprocessing=p)
    assert d["input_shape"] == [5, 4]
    assert "2 sequences padded and 2 truncated to length 5" in d["warnings"]


def test_image_facts_and_formatting():
    ds = load_demo("digits", LoadOptions())
    d = summarize(ds, make_split(ds))
    assert d["image_size"] == [8, 8] and d["channels"] == 1 and d["input_shape"] == [1, 8, 8]
    text = format_summary(d)
    lines = text.splitlines()
    assert lines[0].split() == ["dataset", "digits"]
    value_columns = {line.index(line.split()[-1]) for line in lines[:4]}
    assert len(value_columns) == 1  # values aligned in one column
    assert "input shape" in text and "1 x 8 x 8" in text and "classes:" in text


def test_format_lists_warnings_and_regression_range():
    ds = load_demo("line", LoadOptions())
    d = summarize(ds)
    assert d["target_range"][0] > 0.9 and "classes" not in d
    d["warnings"] = ["something odd"]
    text = format_summary(d)
    assert text.endswith("warnings:\n  - something odd") and "target range" in text


def test_unlabelled_input_has_no_class_or_target_facts():
    ds = table_ds(np.arange(4.0), [0, 0, 0, 0])
    ds.info["unlabelled"] = True
    d = summarize(ds)
    assert d["unlabelled"] is True and "classes" not in d and "target_range" not in d
    assert "none (inputs for prediction)" in format_summary(d)
