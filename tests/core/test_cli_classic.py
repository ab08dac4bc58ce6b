"""``mendel pca | kmeans | tree`` in-process: the numbers of scikit-learn, files, errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import load_iris
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from app.cli import main
from core.data.demos import load_demo
from core.data.splits import make_split


def run_json(capsys, *argv: str) -> dict:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def run_error(capsys, *argv: str) -> str:
    assert main(list(argv)) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err
    return err


def test_pca_json_matches_sklearn(capsys):
    d = run_json(capsys, "pca", "demo:iris", "--standardize", "--top", "2")
    ref = PCA().fit(StandardScaler().fit_transform(load_iris().data))
    np.testing.assert_allclose(d["explained_variance_ratio"], ref.explained_variance_ratio_,
                               atol=1e-5)
    assert d["n_samples"] == 150 and d["n_features"] == 4 and d["standardized"] is True
    assert list(d["top_loadings"]) == ["PC1", "PC2", "PC3", "PC4"]
    assert d["top_loadings"]["PC1"][0]["feature"] == "petal length (cm)"
    assert len(d["top_loadings"]["PC1"]) == 2
    assert d["cumulative"][-1] == pytest.approx(1.0, abs=1e-5)


def test_pca_without_standardize_uses_raw_units(capsys):
    d = run_json(capsys, "pca", "demo:iris", "--components", "2")
    ref = PCA(2).fit(load_iris().data)
    np.testing.assert_allclose(d["explained_variance_ratio"], ref.explained_variance_ratio_,
                               atol=1e-5)
    assert d["explained_variance_ratio"][0] == pytest.approx(0.9246, abs=1e-4)


def test_pca_summary_and_files(capsys, tmp_path):
    assert main(["pca", "demo:iris", "--standardize", "--out", str(tmp_path),
                 "--no-plots"]) == 0
    text = capsys.readouterr().out
    assert "PC1" in text and "72.96%" in text and "petal length (cm)" in text
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert list(scores.columns) == ["id", "label", "PC1", "PC2", "PC3", "PC4"]
    assert len(scores) == 150 and set(scores["label"]) == {"setosa", "versicolor", "virginica"}
    assert pd.read_csv(tmp_path / "loadings.csv").shape == (4, 5)
    assert len(pd.read_csv(tmp_path / "explained_variance.csv")) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "explained_variance.csv", "loadings.csv", "scores.csv"
    ]


def test_pca_of_sequences_uses_kmer_names(capsys):
    d = run_json(capsys, "pca", "demo:motif", "--encoding", "kmer:2", "--components", "3")
    assert d["n_features"] == 16
    assert {e["feature"] for e in d["top_loadings"]["PC1"]} <= {
        a + b for a in "ACGT" for b in "ACGT"
    }


def test_unlabelled_inputs_with_no_labels(capsys, tmp_path):
    fasta = tmp_path / "reads.fa"
    fasta.write_text(">r1\nACGTACGTAA\n>r2\nACGTTTGTAA\n>r3\nGGGTACGTAA\n>r4\nGGGTACCCAA\n")
    d = run_json(capsys, "kmeans", str(fasta), "--no-labels", "--encoding", "kmer:2",
                 "--k", "2", "--out", str(tmp_path / "out"), "--no-plots")
    assert d["n_features"] == 16 and d["ari"] is None and sum(d["sizes"]) == 4
    clusters = pd.read_csv(tmp_path / "out" / "clusters.csv")
    assert list(clusters.columns) == ["id", "cluster"] and list(clusters["id"]) == [
        "r1", "r2", "r3", "r4"
    ]
    table = tmp_path / "t.csv"
    table.write_text("a,b,c\n1,2,3\n2,3,5\n3,1,2\n4,4,4\n")
    assert run_json(capsys, "pca", str(table), "--no-labels")["n_features"] == 3
    assert run_json(capsys, "pca", str(table))["n_features"] == 2  # last column = label


def test_pca_too_many_components_is_an_error(capsys):
    err = run_error(capsys, "pca", "demo:iris", "--components", "5")
    assert "5 components asked, but the data has only 4 features" in err


def test_kmeans_json_matches_sklearn_and_compares_classes(capsys):
    d = run_json(capsys, "kmeans", "demo:iris", "--k", "3")
    x = load_iris().data.astype(np.float32)
    ref = KMeans(n_clusters=3, n_init=10, random_state=0).fit(x)
    assert d["inertia"] == pytest.approx(ref.inertia_, rel=1e-5)
    assert sorted(d["sizes"]) == sorted(np.bincount(ref.labels_).tolist())
    assert d["ari"] == pytest.approx(0.730, abs=0.01)
    assert np.sum(d["contingency"]) == 150
    assert d["class_names"] == ["setosa", "versicolor", "virginica"]
    assert d["silhouette"] == pytest.approx(0.553, abs=0.01)


def test_kmeans_elbow_summary_and_files(capsys, tmp_path):
    argv = ["kmeans", "demo:wine", "--standardize", "--k", "3", "--elbow", "2..4",
            "--n-init", "3", "--out", str(tmp_path), "--no-plots"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "adjusted Rand index" in text and "Elbow" in text
    elbow = pd.read_csv(tmp_path / "elbow.csv")
    assert list(elbow["k"]) == [2, 3, 4]
    assert elbow["inertia"].is_monotonic_decreasing
    clusters = pd.read_csv(tmp_path / "clusters.csv")
    assert len(clusters) == 178 and clusters["cluster"].between(0, 2).all()
    centroids = pd.read_csv(tmp_path / "centroids.csv")
    assert "alcohol" in centroids.columns and len(centroids) == 3
    assert pd.read_csv(tmp_path / "contingency.csv").iloc[:, 1:].to_numpy().sum() == 178


def test_kmeans_elbow_only(capsys):
    d = run_json(capsys, "kmeans", "demo:iris", "--elbow", "2,3,5", "--n-init", "2")
    assert [p["k"] for p in d["elbow"]] == [2, 3, 5]
    assert "inertia" not in d


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--k", "1"], "k must be at least 2"),
        (["--k", "151"], "more than the 150 samples"),
        ([], "--k K"),
        (["--elbow", "10..2"], "range is empty"),
        (["--elbow", "two..ten"], "expected a range"),
        (["--k", "3", "--n-init", "0"], "at least 1"),
    ],
)
def test_kmeans_bad_input(capsys, args, message):
    assert message in run_error(capsys, "kmeans", "demo:iris", *args)


def test_tree_iris_entropy_on_all_rows(capsys):
    d = run_json(capsys, "tree", "demo:iris", "--criterion", "entropy", "--test-fraction", "0")
    assert d["n_leaves"] == 9 and d["n_nodes"] == 17
    assert d["root_split"] == "petal width (cm) <= 0.80"
    assert d["n_train"] == 150 and d["n_test"] == 0 and d["test_metrics"] is None
    assert d["train_metrics"]["accuracy"] == 1.0
    assert d["feature_importances"][0]["feature"] == "petal width (cm)"


def test_tree_breast_cancer_matches_sklearn_on_the_same_split(capsys):
    d = run_json(capsys, "tree", "demo:breast-cancer", "--criterion", "entropy",
                 "--max-depth", "4", "--seed", "2")
    ds = load_demo("breast-cancer")
    split = make_split(ds, val_fraction=0.0, test_fraction=0.25, seed=2)
    x = ds.records.to_numpy(dtype=np.float32)
    y = ds.targets
    ref = DecisionTreeClassifier(criterion="entropy", max_depth=4, random_state=2)
    ref.fit(x[split.train], y[split.train])
    assert d["n_train"] == len(split.train) and d["n_test"] == len(split.test)
    assert d["n_nodes"] == ref.tree_.node_count and d["depth"] == 4
    assert d["train_metrics"]["accuracy"] == pytest.approx(ref.score(x[split.train],
                                                                     y[split.train]))
    assert d["test_metrics"]["accuracy"] == pytest.approx(ref.score(x[split.test],
                                                                    y[split.test]))
    assert d["train_metrics"]["accuracy"] == pytest.approx(0.98, abs=0.015)
    assert d["test_metrics"]["accuracy"] == pytest.approx(0.94, abs=0.04)
    assert 1 <= len(d["feature_importances"]) <= 10


def test_tree_summary_and_files(capsys, tmp_path):
    argv = ["tree", "demo:breast-cancer", "--criterion", "entropy", "--max-depth", "3",
            "--out", str(tmp_path), "--no-plots"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "root split:" in text and "held-out: accuracy" in text and "|---" in text
    nodes = pd.read_csv(tmp_path / "tree_nodes.csv")
    assert nodes.loc[0, "n_samples"] == nodes.loc[nodes["parent"] == 0, "n_samples"].sum()
    assert (tmp_path / "rules.txt").read_text().startswith("|---")
    curve = pd.read_csv(tmp_path / "depth_curve.csv")
    assert list(curve["depth"]) == [1, 2, 3]
    assert len(pd.read_csv(tmp_path / "feature_importances.csv")) == 30


def test_tree_follows_the_files_split_column(capsys, tmp_path):
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"a": rng.normal(size=40), "b": rng.normal(size=40)})
    table["label"] = np.where(table["a"] > 0, "up", "down")
    table["part"] = ["test" if i % 4 == 0 else "train" for i in range(40)]
    path = tmp_path / "points.csv"
    table.to_csv(path, index=False)
    d = run_json(capsys, "tree", str(path), "--target", "label", "--split-column", "part")
    assert d["n_train"] == 30 and d["n_test"] == 10
    assert d["root_split"].startswith("a <= ")
    assert d["test_metrics"]["accuracy"] >= 0.8


def test_regression_tree(capsys):
    d = run_json(capsys, "tree", "demo:diabetes", "--max-depth", "3")
    assert d["task"] == "regression" and d["criterion"] == "squared_error"
    assert d["test_metrics"]["r2"] is not None and d["train_metrics"]["r2"] > 0.3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--max-depth", "0"], "maximum depth must be at least 1"),
        (["--criterion", "squared_error"], "does not suit classification"),
        (["--test-fraction", "1.5"], "test fraction"),
    ],
)
def test_tree_bad_input(capsys, args, message):
    assert message in run_error(capsys, "tree", "demo:iris", *args)


def test_out_must_be_a_folder(capsys, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    assert "must be a folder" in run_error(capsys, "pca", "demo:iris", "--out", str(blocker))
