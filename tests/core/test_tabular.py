"""Tables: sniffing, column roles, bad input, and TabularPreprocessing."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

from core.data.load import load_dataset
from core.data.options import EncodingOptions, LoadOptions
from core.data.preprocessing import make_preprocessing, preprocessing_from_dict
from core.data.tabular import TabularPreprocessing, load_table
from core.errors import DataError


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


SIMPLE = "id,age,tissue,score,label\ns1,34,liver,1.5,yes\ns2,51,brain,2.5,no\ns3,47,liver,0.5,yes\n"


def test_named_target_id_column_and_text_classes(tmp_path):
    ds = load_table(write(tmp_path, "d.csv", SIMPLE), LoadOptions())
    assert ds.modality == "tabular" and ds.task == "classification"
    assert ds.class_names == ["no", "yes"] and ds.targets.tolist() == [1, 0, 1]
    assert ds.ids == ["s1", "s2", "s3"]
    assert list(ds.records.columns) == ["age", "tissue", "score"]
    assert ds.name == "d" and ds.provenance.loader == "csv" and len(ds.provenance.sha256) == 64


def test_last_column_is_the_default_target_and_floats_mean_regression(tmp_path):
    text = "a,b,growth\n" + "".join(f"{i},{i * 2},{i * 0.37:.2f}\n" for i in range(30))
    ds = load_table(write(tmp_path, "g.csv", text), LoadOptions())
    assert ds.task == "regression" and ds.targets.dtype == np.float32
    assert ds.ids[0] == "row2"  # file row number, the header being row 1
    assert ds.targets[3] == pytest.approx(1.11)


def test_few_whole_numbers_mean_classes_and_task_can_be_forced(tmp_path):
    text = "x,Class\n" + "".join(f"{i},{i % 3}\n" for i in range(30))
    path = write(tmp_path, "c.csv", text)
    ds = load_table(path, LoadOptions())
    assert ds.task == "classification" and ds.class_names == ["0", "1", "2"]
    forced = load_table(path, LoadOptions(task="regression"))
    assert forced.task == "regression" and forced.targets.tolist()[:3] == [0, 1, 2]


def test_many_whole_numbers_mean_regression(tmp_path):
    text = "x,y\n" + "".join(f"{i},{i * 3}\n" for i in range(100))
    assert load_table(write(tmp_path, "r.csv", text), LoadOptions()).task == "regression"


def test_text_target_cannot_be_regression(tmp_path):
    with pytest.raises(DataError, match="row 2: target 'yes' is not a number"):
        load_table(write(tmp_path, "d.csv", SIMPLE), LoadOptions(task="regression"))


def test_unknown_target_lists_columns(tmp_path):
    with pytest.raises(DataError, match="target column 'nope' not found.*age, tissue"):
        load_table(write(tmp_path, "d.csv", SIMPLE), LoadOptions(target="nope"))


def test_target_option_is_case_insensitive(tmp_path):
    ds = load_table(write(tmp_path, "d.csv", SIMPLE), LoadOptions(target="TISSUE"))
    assert ds.class_names == ["brain", "liver"] and "label" in ds.records.columns


def test_tsv_by_extension_and_semicolon_with_decimal_comma(tmp_path):
    ds = load_table(write(tmp_path, "d.tsv", SIMPLE.replace(",", "\t")), LoadOptions())
    assert list(ds.records.columns) == ["age", "tissue", "score"]
    text = "a;b;y\n1,5;2;0,25\n2,5;3;0,5\n3,5;4;1,75\n4,5;1;2,5\n5,5;0;3,25\n6,5;7;1,5\n"
    ds = load_table(write(tmp_path, "eu.csv", text), LoadOptions())
    assert ds.records["a"].tolist()[:2] == [1.5, 2.5] and ds.targets[0] == pytest.approx(0.25)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "latin-1"])
def test_encodings(tmp_path, encoding):
    text = "Gène,poids,label\nα1,1.5,oui\nβ2,2.5,non\n" if encoding != "latin-1" \
        else "Gène,poids,label\né1,1.5,oui\nè2,2.5,non\n"  # fmt: skip
    ds = load_table(write(tmp_path, "e.csv", text, encoding), LoadOptions())
    assert list(ds.records.columns)[0] == "Gène"
    assert ds.class_names == ["non", "oui"]


def test_gzipped_table(tmp_path):
    path = tmp_path / "d.csv.gz"
    path.write_bytes(gzip.compress(SIMPLE.encode()))
    ds = load_dataset(str(path))
    assert len(ds) == 3 and ds.name == "d"


def test_ragged_row_is_named(tmp_path):
    text = "a,b,c,d\n" + "1,2,3,4\n" * 5 + "1,2,3,4,5\n"
    with pytest.raises(DataError, match=r"r\.csv: row 7 has 5 fields, expected 4"):
        load_table(write(tmp_path, "r.csv", text), LoadOptions())
    with pytest.raises(DataError, match="row 3 has 2 fields, expected 4"):
        load_table(write(tmp_path, "s.csv", "a,b,c,d\n1,2,3,4\n1,2\n"), LoadOptions())


def test_row_numbers_skip_blank_lines_like_a_spreadsheet(tmp_path):
    text = "\na,label\n1,x\n\n2,\n3,y\n"
    ds = load_table(write(tmp_path, "b.csv", text), LoadOptions())
    assert ds.ids == ["row3", "row6"]
    assert any("(row 5)" in w for w in ds.warnings)
    with pytest.raises(DataError, match="holds no values"):
        load_table(write(tmp_path, "c.csv", ",,\n,,\n"), LoadOptions())


def test_text_in_numeric_column_becomes_categories_with_a_warning(tmp_path):
    text = "age,label\n" + "".join(f"{20 + i},{i % 2}\n" for i in range(10)) + "12a,1\nn/a,0\n"
    ds = load_table(write(tmp_path, "t.csv", text), LoadOptions())
    assert ds.records["age"].isna().sum() == 1  # "n/a" means missing
    assert "12a" in set(ds.records["age"].dropna())
    assert any("'age' holds text in 1 of 12 rows ('12a')" in w for w in ds.warnings)


def test_target_all_empty(tmp_path):
    with pytest.raises(DataError, match="target column 'label' is empty"):
        load_table(write(tmp_path, "e.csv", "a,label\n1,\n2,\n"), LoadOptions())


def test_rows_without_target_are_dropped_and_reported(tmp_path):
    text = "a,label\n1,x\n2,\n3,y\n4, \n"
    ds = load_table(write(tmp_path, "m.csv", text), LoadOptions())
    assert ds.ids == ["row2", "row4"] and ds.targets.tolist() == [0, 1]
    assert any("2 rows without a value in 'label' dropped (rows 3, 5)" in w for w in ds.warnings)


def test_missing_values_drop_or_keep(tmp_path):
    path = write(tmp_path, "m.csv", "a,b,label\n1,,x\n2,5,y\n,6,x\n4,7,y\n")
    kept = load_table(path, LoadOptions(missing="impute"))
    assert len(kept) == 4 and kept.records.isna().sum().sum() == 2
    dropped = load_table(path, LoadOptions(missing="drop"))
    assert dropped.ids == ["row3", "row5"]
    assert any("2 rows with missing values" in w for w in dropped.warnings)
    with pytest.raises(DataError, match="missing must be"):
        load_table(path, LoadOptions(missing="zero"))


def test_sequence_column_makes_a_sequence_dataset(tmp_path):
    text = "name,sequence,score\n" + "".join(
        f"g{i},{'ACGTTGCAAC'[i:] + 'acgu'[: i % 4 + 1]},{i * 1.5}\n" for i in range(8)
    )
    ds = load_table(write(tmp_path, "s.csv", text), LoadOptions())
    assert ds.modality == "sequence" and ds.alphabet in ("DNA", "RNA")
    assert ds.records[0] == "ACGTTGCAACA" and "U" not in "".join(ds.records)
    assert ds.task == "regression" and ds.ids[0] == "g0"
    assert ds.info["sequence_column"] == "sequence"
    off = load_table(write(tmp_path, "s.csv", text), LoadOptions(sequence_column=""))
    assert off.modality == "tabular"


def test_sequence_column_bad_letter_names_the_row(tmp_path):
    text = "seq,y\nACGTACGTAC,a\nACGTACGT!C,b\n"
    with pytest.raises(DataError, match=r"s\.csv row 3: '!'"):
        load_table(write(tmp_path, "s.csv", text), LoadOptions(sequence_column="seq"))


def test_split_and_group_columns(tmp_path):
    text = "x,patient,Set,label\n1,p1,train,a\n2,p1,train,b\n3,p2,test,a\n4,p3,Val,b\n"
    path = write(tmp_path, "g.csv", text)
    ds = load_table(path, LoadOptions(group_column="patient"))
    assert ds.info["split_column_found"] == "Set"
    assert ds.split_labels.tolist() == ["train", "train", "test", "Val"]
    assert ds.groups.tolist() == ["p1", "p1", "p2", "p3"]
    assert list(ds.records.columns) == ["x"]
    explicit = load_table(path, LoadOptions(split_column="set"))
    assert explicit.split_labels is not None and explicit.groups is None
    with pytest.raises(DataError, match="group column 'clinic' not found"):
        load_table(path, LoadOptions(group_column="clinic"))


def test_features_option(tmp_path):
    ds = load_table(write(tmp_path, "d.csv", SIMPLE), LoadOptions(features=["score", "age"]))
    assert list(ds.records.columns) == ["score", "age"]
    with pytest.raises(DataError, match="cannot be a feature"):
        load_table(write(tmp_path, "d.csv", SIMPLE), LoadOptions(features=["label"]))


def test_pixel_table_becomes_images(tmp_path):
    header = "label," + ",".join(f"pixel{i}" for i in range(6))
    rows = "\n".join(f"{k % 2}," + ",".join(str((k * 40 + i * 30) % 256) for i in range(6))
                     for k in range(4))  # fmt: skip
    path = write(tmp_path, "px.csv", header + "\n" + rows + "\n")
    ds = load_table(path, LoadOptions(image_shape=(2, 3)))
    assert ds.modality == "image" and ds.records.shape == (4, 1, 2, 3)
    assert ds.records.dtype == np.float32 and ds.records.max() <= 1
    assert ds.records[1, 0, 1, 2] == pytest.approx(((40 + 150) % 256) / 255)
    with pytest.raises(DataError, match="6 pixel columns do not make 2x2 images"):
        load_table(path, LoadOptions(image_shape=(2, 2)))


@pytest.mark.parametrize(
    "content,message",
    [
        ("", "empty"),
        ("a,b,label\n", "no data rows"),
        ("PK\x03\x04junk", "Excel"),
        ("onlyone\n1\n2\n", "only one column"),
    ],
)
def test_bad_files(tmp_path, content, message):
    with pytest.raises(DataError, match=message):
        load_table(write(tmp_path, "bad.csv", content), LoadOptions())


def test_numeric_first_row_is_data(tmp_path):
    ds = load_table(write(tmp_path, "n.csv", "1,2,0\n3,4,1\n5,6,0\n"), LoadOptions())
    assert len(ds) == 3 and list(ds.records.columns) == ["col1", "col2"]
    assert any("only numbers" in w for w in ds.warnings)


def test_pandas_index_column_is_used_as_ids(tmp_path):
    path = tmp_path / "p.csv"
    pd.DataFrame({"a": [1.0, 2.0, 3.0], "label": ["x", "y", "x"]}).to_csv(path)
    ds = load_table(path, LoadOptions())
    assert ds.ids == ["0", "1", "2"] and list(ds.records.columns) == ["a"]


# --- TabularPreprocessing --------------------------------------------------------------


def frame_ds(frame: pd.DataFrame):
    from core.data.dataset import Dataset

    n = len(frame)
    return Dataset("t", "tabular", "classification", frame, np.zeros(n, np.int64),
                   [f"r{i}" for i in range(n)], class_names=["a"])  # fmt: skip


def test_preprocessing_fits_on_training_rows_only():
    frame = pd.DataFrame({"x": [1.0, 3.0, np.nan, 1000.0], "c": ["a", "b", None, "z"]})
    ds = frame_ds(frame)
    p = make_preprocessing(ds, EncodingOptions())
    assert isinstance(p, TabularPreprocessing)
    p.fit(ds, np.array([0, 1, 2]))
    X = p.transform(ds)
    assert X.dtype == np.float32 and X.shape == (4, 3)
    assert p.input_shape == (3,) and p.feature_names == ["x", "c=a", "c=b"]
    # NaN -> training median 2, then scaled by the training mean 2 and std sqrt(2/3)
    std = np.sqrt(2 / 3)
    assert X[:3, 0] == pytest.approx([-1 / std, 1 / std, 0.0])
    assert X[3, 0] == pytest.approx(998 / std)  # the test outlier does not move the scaler
    assert X[2, 1:].tolist() == [1.0, 0.0]  # missing -> most frequent ('a' wins the tie)
    assert X[3, 1:].tolist() == [0.0, 0.0]  # 'z' never seen in training
    facts = " ".join(p.report())
    assert "x: 1 missing value filled" in facts and "c: 1 values not seen" in facts


def test_preprocessing_constant_column_and_no_standardize():
    ds = frame_ds(pd.DataFrame({"k": [5.0, 5.0, 5.0]}))
    p = TabularPreprocessing(standardize=True)
    p.fit(ds, np.arange(3))
    assert p.transform(ds)[:, 0].tolist() == [0.0, 0.0, 0.0]
    raw = TabularPreprocessing(standardize=False)
    raw.fit(ds, np.arange(3))
    assert raw.transform(ds)[:, 0].tolist() == [5.0, 5.0, 5.0]


def test_preprocessing_round_trips_through_json():
    ds = frame_ds(pd.DataFrame({"x": [1.0, 2.0, 4.0], "c": ["u", "v", "u"]}))
    p = TabularPreprocessing()
    p.fit(ds, np.arange(3))
    again = preprocessing_from_dict(json.loads(json.dumps(p.to_dict())))
    assert np.array_equal(again.transform(ds), p.transform(ds))
    assert again.feature_names == p.feature_names
    with pytest.raises(DataError, match="bad table preprocessing"):
        TabularPreprocessing.from_dict({"kind": "tabular"})


def test_preprocessing_rejects_new_data_that_does_not_fit():
    p = TabularPreprocessing()
    p.fit(frame_ds(pd.DataFrame({"x": [1.0, 2.0], "y": [0.0, 1.0]})), np.arange(2))
    with pytest.raises(DataError, match="column 'y' is missing; the model expects: x, y"):
        p.transform(frame_ds(pd.DataFrame({"x": [1.0]})))
    with pytest.raises(DataError, match="r1: column 'x' holds '12a'"):
        p.transform(frame_ds(pd.DataFrame({"x": ["1", "12a"], "y": [0.0, 1.0]})))


def test_tables_have_no_augmentation():
    assert not hasattr(TabularPreprocessing(), "augment")  # prepare_tensors adds no rows
