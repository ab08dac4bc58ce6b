"""k-means wrapper: scikit-learn's clusters, comparison with known classes, elbow, errors."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import load_iris
from sklearn.metrics import adjusted_rand_score, silhouette_score

import core.classic.kmeans as kmeans_module
from core.classic.kmeans import elbow, elbow_frame, run_kmeans
from core.errors import DataError
from core.progress import Cancelled


@pytest.fixture(scope="module")
def iris():
    return load_iris()


def test_iris_matches_sklearn(iris):
    ref = KMeans(n_clusters=3, n_init=10, random_state=0).fit(iris.data)
    r = run_kmeans(iris.data, 3, seed=0)
    assert r.inertia == pytest.approx(ref.inertia_)
    np.testing.assert_array_equal(r.assignments, ref.labels_)
    np.testing.assert_allclose(r.centroids, ref.cluster_centers_)
    assert r.silhouette == pytest.approx(silhouette_score(iris.data, ref.labels_))
    assert r.silhouette_sample_size is None
    assert r.ari is None and r.contingency is None


def test_random_init_matches_sklearn(iris):
    ref = KMeans(n_clusters=4, init="random", n_init=3, random_state=5).fit(iris.data)
    r = run_kmeans(iris.data, 4, init="random", n_init=3, seed=5)
    assert r.inertia == pytest.approx(ref.inertia_)


def test_known_classes_give_ari_and_contingency(iris):
    r = run_kmeans(iris.data, 3, labels=iris.target, class_names=list(iris.target_names))
    assert r.ari == pytest.approx(adjusted_rand_score(iris.target, r.assignments))
    assert r.contingency.shape == (3, 3)
    np.testing.assert_array_equal(r.contingency.sum(axis=1), r.sizes)
    np.testing.assert_array_equal(r.contingency.sum(axis=0), [50, 50, 50])
    setosa_cluster = r.assignments[0]
    assert r.contingency[setosa_cluster, 0] == 50
    table = r.contingency_frame()
    assert list(table.columns) == ["cluster", "setosa", "versicolor", "virginica"]
    d = r.to_dict()
    assert d["class_names"] == ["setosa", "versicolor", "virginica"]
    assert sum(d["sizes"]) == 150


def test_contingency_has_a_column_for_every_class_name():
    x = np.array([[0.0], [0.1], [5.0], [5.1]])
    r = run_kmeans(x, 2, labels=np.array([0, 0, 1, 1]), class_names=["a", "b", "c"])
    assert r.contingency.shape == (2, 3)
    assert r.contingency[:, 2].sum() == 0


def test_silhouette_is_sampled_for_large_data(monkeypatch):
    monkeypatch.setattr(kmeans_module, "SILHOUETTE_SAMPLE", 60)
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 1, (100, 2)), rng.normal(8, 1, (100, 2))])
    a = run_kmeans(x, 2, seed=3)
    b = run_kmeans(x, 2, seed=3)
    assert a.silhouette_sample_size == 60
    assert a.silhouette == b.silhouette
    assert a.silhouette == pytest.approx(silhouette_score(x, a.assignments), abs=0.1)


def test_elbow_matches_single_runs_and_reports_progress(iris):
    seen = []
    points = elbow(iris.data, range(2, 6), seed=0, progress=lambda f, m: seen.append(f))
    assert [p.k for p in points] == [2, 3, 4, 5]
    inertias = [p.inertia for p in points]
    assert inertias == sorted(inertias, reverse=True)
    assert points[1].inertia == pytest.approx(run_kmeans(iris.data, 3).inertia)
    assert seen[-1] == 1.0 and len(seen) == 5
    assert list(elbow_frame(points).columns) == ["k", "inertia", "silhouette"]


def test_elbow_stops_between_k_values(iris):
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 2  # allow two k values, then stop

    with pytest.raises(Cancelled):
        elbow(iris.data, range(2, 9), should_stop=stop)
    assert len(calls) == 3


def test_cancel_before_clustering(iris):
    with pytest.raises(Cancelled):
        run_kmeans(iris.data, 3, should_stop=lambda: True)


@pytest.mark.parametrize(
    ("k", "kwargs", "message"),
    [
        (1, {}, "at least 2"),
        (11, {}, "more than the 10 samples"),
        (2, {"init": "farthest"}, "unknown k-means init"),
        (2, {"n_init": 0}, "at least 1"),
        (2, {"labels": np.zeros(3, dtype=int)}, "3 labels given for 10 samples"),
        (2, {"labels": np.zeros(10)}, "class indices"),
    ],
)
def test_bad_input_is_a_one_line_data_error(k, kwargs, message):
    x = np.arange(20.0).reshape(10, 2)
    with pytest.raises(DataError, match=message):
        run_kmeans(x, k, **kwargs)


def test_elbow_checks_every_k_first():
    with pytest.raises(DataError, match="more than the 10 samples"):
        elbow(np.arange(20.0).reshape(10, 2), [2, 3, 12])
    with pytest.raises(DataError, match="at least one k"):
        elbow(np.arange(20.0).reshape(10, 2), [])
