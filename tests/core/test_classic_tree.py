"""Decision tree wrapper: the lecture's trees, node data for drawing, depth curve, errors."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from core.classic.tree import depth_curve, fit_tree, format_threshold
from core.errors import DataError
from core.progress import Cancelled


@pytest.fixture(scope="module")
def iris():
    return load_iris()


@pytest.fixture(scope="module")
def cancer_split():
    b = load_breast_cancer()
    parts = train_test_split(b.data, b.target, test_size=0.25, random_state=2, stratify=b.target)
    return b, parts


def test_iris_entropy_unlimited_is_the_lectures_tree(iris):
    r = fit_tree(iris.data, iris.target, feature_names=list(iris.feature_names),
                 class_names=list(iris.target_names), criterion="entropy")
    ref = DecisionTreeClassifier(criterion="entropy", random_state=0).fit(iris.data, iris.target)
    assert r.n_nodes == ref.tree_.node_count == 17
    assert r.n_leaves == 9
    assert r.depth == ref.get_depth()
    assert r.root_split == "petal width (cm) <= 0.80"
    assert r.train_metrics["accuracy"] == 1.0
    assert r.test_metrics is None and r.n_test == 0
    assert "petal width (cm) <= 0.80" in r.rules_text
    assert r.feature_importances[0][0] in ("petal width (cm)", "petal length (cm)")


def test_breast_cancer_entropy_depth_4_matches_sklearn(cancer_split):
    b, (x_tr, x_te, y_tr, y_te) = cancer_split
    r = fit_tree(x_tr, y_tr, x_te, y_te, feature_names=list(b.feature_names),
                 class_names=list(b.target_names), criterion="entropy", max_depth=4)
    ref = DecisionTreeClassifier(criterion="entropy", max_depth=4, random_state=0).fit(x_tr, y_tr)
    assert r.n_nodes == ref.tree_.node_count
    assert r.train_metrics["accuracy"] == pytest.approx(ref.score(x_tr, y_tr))
    assert r.test_metrics["accuracy"] == pytest.approx(ref.score(x_te, y_te))
    assert r.train_metrics["accuracy"] == pytest.approx(0.98, abs=0.015)
    assert r.test_metrics["accuracy"] == pytest.approx(0.94, abs=0.02)
    assert r.depth == 4 and r.n_train == len(y_tr) and r.n_test == len(y_te)
    assert {"balanced_accuracy", "f1_macro", "roc_auc"} <= set(r.test_metrics)
    d = r.to_dict()
    assert len(d["feature_importances"]) <= 10
    assert d["root_split"] == r.nodes[0].rule


def test_nodes_hold_consistent_raw_counts(iris):
    r = fit_tree(iris.data, iris.target, class_names=list(iris.target_names),
                 max_depth=3, class_weight="balanced")
    nodes = {n.id: n for n in r.nodes}
    assert nodes[0].value == [50.0, 50.0, 50.0] and nodes[0].parent is None
    for n in r.nodes:
        assert sum(n.value) == n.n_samples
        if n.is_leaf:
            assert n.left is None and n.rule is None
        else:
            left, right = nodes[n.left], nodes[n.right]
            assert left.parent == right.parent == n.id
            assert left.depth == right.depth == n.depth + 1
            np.testing.assert_array_equal(np.add(left.value, right.value), n.value)
            assert n.rule == f"{n.feature} <= {format_threshold(n.threshold)}"
    frame = r.nodes_frame()
    assert len(frame) == r.n_nodes
    assert frame.loc[0, "value"] == "50 50 50"
    assert str(frame["parent"].dtype) == "Int64"


def test_regression_tree_matches_sklearn():
    x, y = load_diabetes(return_X_y=True)
    r = fit_tree(x[:300], y[:300], x[300:], y[300:], max_depth=3, task="regression")
    ref = DecisionTreeRegressor(max_depth=3, random_state=0).fit(x[:300], y[:300])
    assert r.criterion == "squared_error"
    assert r.n_nodes == ref.tree_.node_count
    assert r.test_metrics["r2"] == pytest.approx(ref.score(x[300:], y[300:]))
    assert r.nodes[0].value[0] == pytest.approx(y[:300].mean())


def test_depth_curve_matches_single_fits(cancer_split):
    _, (x_tr, x_te, y_tr, y_te) = cancer_split
    curve = depth_curve(x_tr, y_tr, x_te, y_te, max_depth=4, criterion="entropy")
    assert [p.depth for p in curve] == [1, 2, 3, 4]
    ref = DecisionTreeClassifier(criterion="entropy", max_depth=2, random_state=0)
    ref.fit(x_tr, y_tr)
    assert curve[1].train == pytest.approx(ref.score(x_tr, y_tr))
    assert curve[1].test == pytest.approx(ref.score(x_te, y_te))


def test_depth_curve_defaults_to_full_depth(iris):
    curve = depth_curve(iris.data, iris.target, criterion="entropy")
    assert len(curve) == 5 and curve[-1].train == 1.0 and curve[-1].test is None


def test_cancel(iris):
    with pytest.raises(Cancelled):
        fit_tree(iris.data, iris.target, should_stop=lambda: True)
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled):
        depth_curve(iris.data, iris.target, max_depth=5, should_stop=stop)
    assert len(calls) == 3


def test_format_threshold():
    assert format_threshold(0.800000011920929) == "0.80"
    assert format_threshold(0.0015) == "0.0015"
    assert format_threshold(0.0) == "0.00"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_depth": 0}, "maximum depth must be at least 1"),
        ({"min_samples_leaf": 0}, "at least 1"),
        ({"ccp_alpha": -0.1}, "0 or more"),
        ({"criterion": "squared_error"}, "does not suit classification"),
        ({"class_weight": "heavy"}, "class weight"),
        ({"task": "clustering"}, "unknown task"),
        ({"class_names": ["a"]}, "has no class name"),
        ({"feature_names": ["a", "b"]}, "2 feature names given for 4 features"),
    ],
)
def test_bad_settings_are_data_errors(iris, kwargs, message):
    with pytest.raises(DataError, match=message):
        fit_tree(iris.data, iris.target, **kwargs)


def test_bad_data_is_a_data_error(iris):
    with pytest.raises(DataError, match="only one class"):
        fit_tree(iris.data[:50], iris.target[:50])
    with pytest.raises(DataError, match="149 targets for 150 samples"):
        fit_tree(iris.data, iris.target[:-1])
    with pytest.raises(DataError, match="both held-out features and targets"):
        fit_tree(iris.data, iris.target, iris.data)
    with pytest.raises(DataError, match="held-out rows have 3 features"):
        fit_tree(iris.data, iris.target, iris.data[:, :3], iris.target)
    with pytest.raises(DataError, match="class indices"):
        fit_tree(iris.data, iris.target.astype(float))
    with pytest.raises(DataError, match="class weights apply to classification"):
        fit_tree(iris.data, iris.data[:, 0], task="regression", class_weight="balanced")
