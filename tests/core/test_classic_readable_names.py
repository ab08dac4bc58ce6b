"""Issue 11, item 6: features and tree splits read as a person says them.

One-hot letters are "position 30 is G" (positions counted from 1), pixels "pixel (13, 22)"
(with the channel only when there are several), table categories "colour is red"; a
tree's split on a one-hot column reads "is G" / "is not G" instead of "29:G <= 0.12"."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.classic.features import Feature, feature_matrix, feature_table
from core.classic.pca import run_pca
from core.classic.tree import fit_tree
from core.data.dataset import Dataset
from core.data.load import load_dataset


def motif_dataset(n: int = 200, length: int = 40) -> Dataset:
    """Class 1 has G at (0-based) position 29, class 0 never has; a few Ns elsewhere."""
    rng = np.random.default_rng(0)
    seqs, labels = [], []
    for i in range(n):
        s = list(rng.choice(list("ACT"), size=length))
        if i % 2:
            s[29] = "G"
        if i % 7 == 0:
            s[29] = "N" if i % 2 == 0 else "G"
        seqs.append("".join(s))
        labels.append(i % 2)
    return Dataset("motif", "sequence", "classification", seqs, np.array(labels),
                   [f"s{i}" for i in range(n)], class_names=["absent", "present"],
                   alphabet="DNA")


def test_one_hot_letters_are_positions_counted_from_one() -> None:
    x, features = feature_table(motif_dataset())
    by_name = {f.name: f for f in features}
    g = by_name["29:G"]
    assert g.label == "position 30 is G" and (g.subject, g.value) == ("position 30", "G")
    assert g.split_texts(0.5) == ("position 30 is not G", "position 30 is G")
    assert g.split_texts(0.125) == ("position 30 is not G", "position 30 is G (or may be)")
    # the names files use are unchanged
    assert feature_matrix(motif_dataset())[1][:2] == ["0:A", "0:C"]
    assert x.shape[1] == len(features)


def test_a_tree_on_one_hot_sequences_says_is_and_is_not() -> None:
    x, features = feature_table(motif_dataset())
    ds = motif_dataset()
    r = fit_tree(x, ds.targets, features=features, class_names=ds.class_names, max_depth=2)
    root = r.nodes[0]
    assert root.question == "position 30"
    assert (root.left_answer, root.right_answer) in (("is not G", "is G"),
                                                     ("is not G", "is G (or may be)"))
    assert root.rule == "position 30 is not G" and root.right_rule.startswith(
        "position 30 is G")
    assert "29:G" not in r.rules_text and "<=" not in r.rules_text.splitlines()[0]
    assert r.rules_text.splitlines()[0] == "|--- position 30 is not G"
    assert r.feature_importances[0][0] == "position 30 is G"


def test_numeric_splits_keep_their_threshold_and_yes_no() -> None:
    ds = load_dataset("demo:iris")
    x, features = feature_table(ds)
    assert [f.label for f in features] == [f.name for f in features]  # already readable
    r = fit_tree(x, ds.targets, features=features, class_names=ds.class_names,
                 criterion="entropy")
    root = r.nodes[0]
    assert root.rule == "petal width (cm) <= 0.80" == root.question
    assert root.right_rule == "petal width (cm) > 0.80"
    assert (root.left_answer, root.right_answer) == ("yes", "no")
    lines = r.rules_text.splitlines()
    assert lines[:2] == ["|--- petal width (cm) <= 0.80", "|   |--- class: setosa"]


def test_image_pixels_are_row_and_column() -> None:
    ds = load_dataset("demo:digits")
    _, features = feature_table(ds)
    assert features[0].name == "c0:0:0"
    assert features[8 * 3 + 4].label == "pixel (3, 4)"  # one channel: no channel named
    x, features = feature_table(ds)
    pca = run_pca(x, 2, feature_names=[f.label for f in features])
    assert all(name.startswith("pixel (") for name, _ in pca.top_loadings(0, 5))
    rgb = Dataset("rgb", "image", "classification",
                  np.random.default_rng(0).random((4, 3, 14, 23)).astype(np.float32),
                  np.array([0, 1, 0, 1]), list("abcd"), class_names=["x", "y"])
    _, features = feature_table(rgb)
    labels = {f.name: f.label for f in features}
    assert labels["c2:13:22"] == "pixel (13, 22), channel 2 (blue)"
    assert labels["c0:0:1"] == "pixel (0, 1), channel 0 (red)"


def test_table_categories_read_column_is_value() -> None:
    frame = pd.DataFrame({"colour": ["red", "blue", "red", "green"] * 10,
                          "size": np.arange(40, dtype=float)})
    ds = Dataset("t", "tabular", "classification", frame,
                 np.array([1, 0, 1, 0] * 10), [str(i) for i in range(40)],
                 class_names=["no", "yes"])
    x, features = feature_table(ds)
    assert Feature("colour=red", "colour is red", "colour", "red") in features
    r = fit_tree(x, ds.targets, features=features, class_names=ds.class_names)
    assert r.nodes[0].question == "colour" and r.nodes[0].right_answer == "is red"
