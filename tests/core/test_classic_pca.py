"""PCA wrapper: same numbers as scikit-learn, named loadings, clear errors, cancellation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from core.classic.features import classic_encoding, feature_matrix, standardize_columns
from core.classic.pca import choose_solver, run_pca
from core.data.dataset import Dataset
from core.data.demos import load_demo
from core.data.options import EncodingOptions
from core.errors import DataError
from core.progress import Cancelled


@pytest.fixture(scope="module")
def iris():
    return load_iris()


@pytest.mark.parametrize("standardize", [False, True])
def test_iris_matches_sklearn(iris, standardize):
    x = iris.data
    ref_x = StandardScaler().fit_transform(x) if standardize else x
    ref = PCA(n_components=4).fit(ref_x)
    r = run_pca(x, standardize=standardize, feature_names=list(iris.feature_names))
    assert r.n_components == 4
    np.testing.assert_allclose(r.explained_variance_ratio, ref.explained_variance_ratio_)
    np.testing.assert_allclose(r.cumulative, np.cumsum(ref.explained_variance_ratio_))
    np.testing.assert_allclose(np.abs(r.scores), np.abs(ref.transform(ref_x)), atol=1e-8)
    np.testing.assert_allclose(np.abs(r.components), np.abs(ref.components_), atol=1e-8)


def test_breast_cancer_standardized_matches_sklearn():
    x = load_breast_cancer().data
    ref = PCA(n_components=5, svd_solver="full").fit(StandardScaler().fit_transform(x))
    r = run_pca(x, n_components=5, standardize=True, solver="full")
    np.testing.assert_allclose(r.explained_variance_ratio, ref.explained_variance_ratio_)
    assert r.explained_variance_ratio[0] == pytest.approx(0.4427, abs=1e-4)


def test_default_components_capped_at_ten():
    x = np.random.default_rng(0).normal(size=(40, 30))
    assert run_pca(x).n_components == 10
    assert run_pca(x[:6]).n_components == 6


def test_top_loadings_sorted_by_magnitude_with_names(iris):
    r = run_pca(iris.data, standardize=True, feature_names=list(iris.feature_names))
    top = r.top_loadings(0, 4)
    assert top[0][0] == "petal length (cm)"
    mags = [abs(v) for _, v in top]
    assert mags == sorted(mags, reverse=True)
    assert r.top_loadings(1, 1)[0][0] == "sepal width (cm)"
    with pytest.raises(DataError, match="component 5 does not exist"):
        r.top_loadings(4, 2)


def test_frames_and_dict(iris):
    r = run_pca(iris.data, n_components=2, feature_names=list(iris.feature_names))
    scores = r.scores_frame([f"s{i}" for i in range(150)], ["a"] * 150)
    assert list(scores.columns) == ["id", "label", "PC1", "PC2"]
    assert list(r.loadings_frame()["feature"]) == list(iris.feature_names)
    d = r.to_dict(top=3)
    assert d["n_samples"] == 150 and d["n_features"] == 4
    assert len(d["top_loadings"]["PC2"]) == 3


def test_solver_choice():
    assert choose_solver(100_000, 256, 10) == "covariance_eigh"
    assert choose_solver(150, 4, 4) == "covariance_eigh"
    assert choose_solver(2_000, 8_000, 10) == "randomized"
    assert choose_solver(2_000, 8_000, 1_900) == "full"
    assert choose_solver(100, 200, 5) == "full"


def test_randomized_solver_agrees_with_full():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 3)) @ rng.normal(size=(3, 600)) * 5 + rng.normal(size=(300, 600))
    r = run_pca(x, n_components=3)
    assert r.solver == "randomized"
    full = run_pca(x, n_components=3, solver="full")
    np.testing.assert_allclose(r.explained_variance_ratio, full.explained_variance_ratio,
                               rtol=1e-3)


def test_standardize_columns_keeps_constant_columns_finite():
    x = np.array([[1.0, 5.0], [3.0, 5.0]])
    np.testing.assert_allclose(standardize_columns(x), [[-1.0, 0.0], [1.0, 0.0]])


@pytest.mark.parametrize(
    ("x", "kwargs", "message"),
    [
        (np.ones((10, 4)) * np.arange(10)[:, None], {"n_components": 5}, "only 4 features"),
        (np.arange(12.0).reshape(3, 4), {"n_components": 4}, "only 3 samples"),
        (np.arange(40.0).reshape(10, 4), {"n_components": 0}, "at least 1"),
        (np.arange(4.0).reshape(1, 4), {}, "at least 2 samples"),
        (np.arange(10.0), {}, "2-D"),
        (np.array([[1.0, np.nan], [2.0, 3.0]]), {}, "missing or infinite"),
        (np.ones((5, 3)), {}, "same value"),
        (np.arange(8.0).reshape(4, 2), {"feature_names": ["a"]}, "1 feature names"),
    ],
)
def test_bad_input_is_a_one_line_data_error(x, kwargs, message):
    with pytest.raises(DataError, match=message) as err:
        run_pca(x, **kwargs)
    assert "\n" not in str(err.value)


def test_cancel_and_progress(iris):
    seen = []
    run_pca(iris.data, progress=lambda f, m: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0
    with pytest.raises(Cancelled):
        run_pca(iris.data, should_stop=lambda: True)


def test_feature_matrix_of_a_table_is_unscaled_with_column_names():
    x, names = feature_matrix(load_demo("iris"))
    np.testing.assert_allclose(x, load_iris().data, rtol=1e-6)
    assert names == list(load_iris().feature_names)


def test_feature_matrix_imputes_from_the_fitting_rows_only():
    ds = Dataset(name="t", modality="tabular", task="classification",
                 records=pd.DataFrame({"a": [1.0, np.nan, 3.0, 100.0]}),
                 targets=np.array([0, 1, 0, 1]), ids=list("pqrs"), class_names=["u", "v"])
    x, _ = feature_matrix(ds, fit_idx=np.array([0, 2]))
    assert x[:, 0].tolist() == [1.0, 2.0, 3.0, 100.0]


def test_feature_matrix_flattens_sequence_encodings():
    ds = Dataset(name="s", modality="sequence", task="classification", records=["ACGT", "AAGG"],
                 targets=np.array([0, 1]), ids=["a", "b"], class_names=["x", "y"],
                 alphabet="DNA")
    x, names = feature_matrix(ds)
    assert x.shape == (2, 16) and names[:4] == ["0:A", "0:C", "0:G", "0:T"]
    assert x[0, :4].tolist() == [1.0, 0.0, 0.0, 0.0]
    x, names = feature_matrix(ds, classic_encoding(EncodingOptions(encoding="kmer", k=2)))
    assert x.shape == (2, 16) and x[1, names.index("AA")] == pytest.approx(1 / 3)
