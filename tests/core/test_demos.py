"""Demo datasets: Playground generators, notebook data, scikit-learn's bundled sets."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from core.data.demos import list_demos, load_demo
from core.data.load import load_dataset
from core.data.options import LoadOptions
from core.errors import DataError

PLAYGROUND = ["circle", "xor", "gauss", "spiral", "reg-plane", "reg-gauss"]


def test_list_demos_names_are_unique_and_loadable_entries_match():
    demos = list_demos()
    names = [d.name for d in demos]
    assert len(names) == len(set(names))
    assert set(PLAYGROUND) | {"line", "motif", "motif-regression", "digits"} <= set(names)
    for d in demos:
        assert d.title and d.description and "\n" not in d.description


def test_unknown_demo_lists_valid_names():
    with pytest.raises(DataError, match="unknown demo 'nope'.*circle.*digits"):
        load_demo("nope", LoadOptions())


@pytest.mark.parametrize("noise", [-1, 51])
def test_noise_out_of_range(noise):
    with pytest.raises(DataError, match="noise"):
        load_demo("circle", LoadOptions(demo_noise=noise))


@pytest.mark.parametrize("name", PLAYGROUND)
def test_playground_sizes_columns_and_provenance(name):
    ds = load_demo(name, LoadOptions())
    regression = name.startswith("reg-")
    assert len(ds) == (1200 if regression else 500)
    assert list(ds.records.columns) == ["x1", "x2"]
    assert ds.modality == "tabular" and ds.info["playground"] is True
    assert ds.provenance.source == f"demo:{name}" and ds.provenance.loader == "demo"
    if regression:
        assert ds.task == "regression" and ds.targets.dtype == np.float32
        assert np.abs(ds.targets).max() <= 1.2 + 1e-6
    else:
        assert ds.class_names == ["-1", "+1"] and ds.targets.dtype == np.int64
    assert np.abs(ds.records.to_numpy()).max() < 7


@pytest.mark.parametrize("name", ["circle", "gauss", "spiral"])
def test_half_of_each_class_without_noise(name):
    ds = load_demo(name, LoadOptions(demo_size=200))
    assert np.bincount(ds.targets).tolist() == [100, 100]


def test_demo_size_option_and_odd_sizes_like_playground():
    assert len(load_demo("xor", LoadOptions(demo_size=60))) == 60
    # dataset.ts loops `i < n / 2` per class, so an odd size gives one more point
    assert len(load_demo("circle", LoadOptions(demo_size=61))) == 62


def test_circle_without_noise_is_separable_by_radius():
    ds = load_demo("circle", LoadOptions(demo_noise=0))
    r = np.hypot(ds.records["x1"], ds.records["x2"]).to_numpy()
    assert r[ds.targets == 1].max() <= 2.5 < 3.5 <= r[ds.targets == 0].min()


def test_circle_noise_flips_labels_but_keeps_points():
    clean = load_demo("circle", LoadOptions(demo_noise=0))
    noisy = load_demo("circle", LoadOptions(demo_noise=50))
    r = np.hypot(noisy.records["x1"], noisy.records["x2"]).to_numpy()
    assert r.max() <= 5  # coordinates are the clean ones
    inside = r < 2.5
    assert (noisy.targets[inside] == 0).any()  # some labels computed at a noisy point differ
    assert not np.array_equal(clean.targets, noisy.targets)


def test_xor_labels_follow_quadrants_and_padding():
    ds = load_demo("xor", LoadOptions())
    x, y = ds.records["x1"].to_numpy(), ds.records["x2"].to_numpy()
    assert np.abs(x).min() >= 0.3 and np.abs(y).min() >= 0.3
    assert np.array_equal(ds.targets, (x * y >= 0).astype(int))


def test_gauss_variance_grows_with_noise():
    quiet = load_demo("gauss", LoadOptions(demo_noise=0)).records.to_numpy()
    loud = load_demo("gauss", LoadOptions(demo_noise=50)).records.to_numpy()
    # variance 0.5 without noise, 4 at noise 50 (Playground's d3 scale)
    assert 0.35 < np.var(np.abs(quiet)) < 0.7
    assert np.var(np.abs(loud)) > 1.5


def test_reg_plane_target_without_noise():
    ds = load_demo("reg-plane", LoadOptions())
    expected = (ds.records["x1"] + ds.records["x2"]).to_numpy() / 10
    assert np.allclose(ds.targets, expected, atol=1e-6)


def test_reg_gauss_peaks_at_centres():
    ds = load_demo("reg-gauss", LoadOptions(demo_size=4000))
    x, y = ds.records["x1"].to_numpy(), ds.records["x2"].to_numpy()
    near_pos = np.hypot(x + 4, y - 2.5) < 0.3  # centre (-4, 2.5) is positive
    near_neg = np.hypot(x - 0, y - 2.5) < 0.3  # centre (0, 2.5) is negative
    assert ds.targets[near_pos].min() > 0.8 and ds.targets[near_neg].max() < -0.8


def test_same_seed_same_data_other_seed_other_data():
    a = load_demo("spiral", LoadOptions(demo_noise=20, demo_seed=3))
    b = load_demo("spiral", LoadOptions(demo_noise=20, demo_seed=3))
    c = load_demo("spiral", LoadOptions(demo_noise=20, demo_seed=4))
    assert a.records.equals(b.records) and np.array_equal(a.targets, b.targets)
    assert not a.records.equals(c.records)


def test_playground_is_shuffled():
    ds = load_demo("gauss", LoadOptions())
    assert 0 < ds.targets[:250].mean() < 1


def test_line_matches_the_notebook_stream():
    rs = np.random.RandomState(42)
    x = rs.rand(100, 1)
    y = 1 + 2 * x + 0.1 * rs.randn(100, 1)
    ds = load_demo("line", LoadOptions())
    assert list(ds.records.columns) == ["x"] and ds.task == "regression"
    assert np.allclose(ds.records["x"], x[:, 0]) and np.allclose(ds.targets, y[:, 0])


def test_motif_positives_hold_the_motif_and_negatives_do_not():
    ds = load_demo("motif", LoadOptions(demo_size=400))
    assert ds.modality == "sequence" and ds.alphabet == "DNA"
    assert ds.class_names == ["absent", "present"]
    assert np.bincount(ds.targets).tolist() == [200, 200]
    has = np.array(["TATAAT" in s for s in ds.records])
    assert np.array_equal(has, ds.targets == 1)
    assert {len(s) for s in ds.records} == {60}
    assert set("".join(ds.records)) == set("ACGT")


def test_motif_regression_scores():
    ds = load_demo("motif-regression", LoadOptions())
    assert len(ds) == 4**8 and ds.task == "regression"
    value = {"A": 20, "C": 17, "G": 14, "T": 11}
    lookup = dict(zip(ds.records, ds.targets, strict=True))
    for kmer in ("AAAAAAAA", "TATCCCCC", "GCGAAAAA", "TATGCGAA"):
        expected = np.mean([value[b] for b in kmer]) + 10 * ("TAT" in kmer) - 10 * ("GCG" in kmer)
        assert lookup[kmer] == pytest.approx(expected)
    assert set(ds.records) == {"".join(p) for p in itertools.product("ACGT", repeat=8)}


@pytest.mark.parametrize(
    "name,n,task,first_column",
    [
        ("iris", 150, "classification", "sepal length (cm)"),
        ("wine", 178, "classification", None),
        ("breast-cancer", 569, "classification", "mean radius"),
        ("diabetes", 442, "regression", "age"),
    ],
)
def test_sklearn_tables(name, n, task, first_column):
    ds = load_demo(name, LoadOptions())
    assert len(ds) == n and ds.task == task and ds.modality == "tabular"
    if first_column:
        assert ds.records.columns[0] == first_column
    if task == "classification":
        assert ds.n_classes == len(np.unique(ds.targets))


def test_digits_are_images_in_unit_range():
    ds = load_dataset("demo:digits")
    assert ds.records.shape == (1797, 1, 8, 8) and ds.records.dtype == np.float32
    assert ds.records.min() == 0 and ds.records.max() == 1
    assert ds.class_names == [str(i) for i in range(10)]
