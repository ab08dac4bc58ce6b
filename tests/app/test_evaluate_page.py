"""The Evaluate page after real (tiny) training runs: empty state, confusion matrix,
curves, tables, worst errors with their samples, split selector, regression views."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.pages.evaluate_page import EvaluatePage
from app.plots.export import plot_csv_text
from app.state import AppState
from core.data.load import load_dataset
from core.data.options import LoadOptions
from core.train.config import TrainConfig
from core.train.run import run_training


def train(demo: str, **kwargs):
    ds = load_dataset(f"demo:{demo}", LoadOptions(demo_size=kwargs.pop("size", None)))
    return run_training(ds, config=TrainConfig(epochs=kwargs.pop("epochs", 5), lr=0.01,
                                               seed=0), **kwargs)


@pytest.fixture(scope="module")
def iris_run():
    return train("iris", network="mlp", preset_options={"hidden": (16,)})


class Window(QWidget):
    """Stands in for the main window: records which page it was asked to show."""

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.shown: list[str] = []
        self.page = EvaluatePage(state, self)
        QVBoxLayout(self).addWidget(self.page)

    def show_page(self, name: str) -> None:
        self.shown.append(name)


def make_window(qtbot, outcome=None) -> Window:
    """The page in a stand-in main window (the test holds the window: qtbot keeps only a
    weak reference)."""
    state = AppState()
    window = Window(state)
    qtbot.addWidget(window)
    window.resize(1400, 850)
    window.show()
    qtbot.waitExposed(window)
    if outcome is not None:
        state.set_dataset(outcome.dataset, f"demo:{outcome.dataset.name}", LoadOptions())
        with qtbot.waitSignal(window.page.jobs.stopped, timeout=60_000):
            state.set_run(outcome)
    return window


def test_before_any_run_it_sends_the_user_to_the_train_page(qtbot):
    window = make_window(qtbot)
    page = window.page
    assert page.stack.currentIndex() == 0
    assert page.empty_title.text() == "Train a network first"
    qtbot.mouseClick(page.go_train, Qt.MouseButton.LeftButton)
    assert window.shown == ["train"]


def test_classification_views_after_a_run(qtbot, iris_run):
    window = make_window(qtbot, iris_run)
    page = window.page
    assert page.stack.currentIndex() == 1
    ev = page.evaluation
    n_test = iris_run.data.sizes()["test"]
    assert ev.split == "test" and ev.n == n_test
    # confusion matrix: counts with class names, and row shares when asked
    counts = page.confusion_plot.getPlotItem().export_table
    assert list(counts["true class"]) == ["setosa", "versicolor", "virginica"]
    assert counts.iloc[:, 1:].to_numpy().sum() == n_test
    page.normalize.setChecked(True)
    shares = page.confusion_plot.getPlotItem().export_table.iloc[:, 1:].to_numpy()
    np.testing.assert_allclose(shares.sum(axis=1)[counts.iloc[:, 1:].sum(axis=1) > 0], 1.0)
    assert "predicted setosa" in plot_csv_text(page.confusion_plot)
    # ROC and PR: one curve per class, the area in the legend
    legend = [label.text for _, label in page.roc_plot.getPlotItem().legend.items]
    assert any("(AUC " in t for t in legend) and len(legend) == 1 + len(ev.roc)
    assert all("(AP " in label.text for _, label in page.pr_plot.getPlotItem().legend.items)
    # tables
    assert list(page.per_class_model.frame["class"]) == ["setosa", "versicolor", "virginica"]
    comparison = page.comparison_model.frame
    assert list(comparison.columns) == ["metric", "network", "logistic regression",
                                        "decision tree", "naive Bayes", "random forest",
                                        "k-nearest neighbours", "majority class"]
    accuracy = comparison.set_index("metric").loc["accuracy", "network"]
    assert accuracy == pytest.approx(round(iris_run.metrics["test"]["accuracy"], 4))
    wrong = int((ev.pred != ev.y_true).sum())
    errors = page.errors_model.frame
    assert len(errors) == min(wrong, 25)
    if wrong:
        assert errors.loc[0, "id"].startswith("iris")
        assert "petal length (cm)=" in errors.loc[0, "sample"]
    assert page.plot_panels() == [page.confusion_panel, page.roc_panel, page.pr_panel]


def test_the_baselines_that_ran_show_by_their_display_names(qtbot):
    run = train("line", network="linear", epochs=2, baselines=["knn", "majority", "naive_bayes"])
    assert list(run.baseline) == ["knn", "mean"]  # majority's twin; naive Bayes cannot
    assert run.notes == ["naive Bayes skipped: it is for classification only"]
    window = make_window(qtbot, run)
    page = window.page
    frame = page.comparison_model.frame.set_index("metric")
    assert list(frame.columns) == ["network", "k-nearest neighbours", "mean"]
    assert frame.loc["R\u00b2", "mean"] < 0.05 < frame.loc["R\u00b2", "k-nearest neighbours"]
    header = [page.comparison_model.headerData(i, Qt.Orientation.Horizontal)
              for i in range(page.comparison_model.columnCount())]
    assert header == ["metric", "network", "k-nearest\nneighbours", "mean"]  # two lines


def test_the_split_selector_switches_to_validation(qtbot, iris_run):
    window = make_window(qtbot, iris_run)
    page = window.page
    assert page.split_combo.count() == 2
    with qtbot.waitSignal(page.jobs.stopped, timeout=60_000):
        page.split_combo.setCurrentIndex(page.split_combo.findData("val"))
    assert page.evaluation.split == "val"
    assert "validation samples" in page.summary.text()
    page.split_combo.setCurrentIndex(page.split_combo.findData("test"))  # cached: no job
    assert page.evaluation.split == "test" and not page.jobs.running


def test_regression_shows_predicted_against_true_and_residuals(qtbot):
    run = train("line", network="linear", epochs=20, baselines=False)
    window = make_window(qtbot, run)
    page = window.page
    assert not page.confusion_panel.isVisibleTo(page)
    assert page.scatter_panel.isVisibleTo(page) and page.residual_panel.isVisibleTo(page)
    ev = page.evaluation
    names = [i.name() for i in page.scatter_plot.getPlotItem().items if hasattr(i, "name")]
    assert "identity (perfect)" in names
    assert "R\u00b2" in page.summary.text()
    errors = page.errors_model.frame
    assert list(errors.columns)[:4] == ["id", "true", "predicted", "abs. error"]
    assert errors["abs. error"].is_monotonic_decreasing and len(errors) == min(ev.n, 25)
    assert errors.loc[0, "sample"].startswith("x=")


def test_image_errors_come_with_thumbnails_and_sequences_with_their_letters(qtbot):
    digits = train("digits", network="mlp", preset_options={"hidden": (8,)}, epochs=1,
                   baselines=False)
    window = make_window(qtbot, digits)
    page = window.page
    if len(page.errors_model.frame):
        assert page.errors_model.thumbnails
        index = page.errors_model.index(0, list(page.errors_model.frame.columns).index("sample"))
        assert not page.errors_model.data(index, Qt.ItemDataRole.DecorationRole).isNull()
    motif = train("motif", size=200, network="mlp", preset_options={"hidden": (4,)},
                  epochs=1, baselines=False)
    page.state.set_dataset(motif.dataset, "demo:motif", LoadOptions())
    with qtbot.waitSignal(page.jobs.stopped, timeout=60_000):
        page.state.set_run(motif)
    frame = page.errors_model.frame
    assert len(frame) and set(frame.loc[0, "sample"]) <= set("ACGT")


def test_worst_errors_show_rna_as_rna(qtbot, tmp_path):
    rng = np.random.default_rng(0)
    lines = []
    for i in range(120):
        seq = "".join(rng.choice(list("ACGU"), 30))
        lines += [f">r{i}|{'bound' if i % 2 else 'free'}", seq]
    path = tmp_path / "reads.fa"
    path.write_text("\n".join(lines) + "\n")
    ds = load_dataset(str(path), LoadOptions())
    assert ds.alphabet == "RNA"
    outcome = run_training(ds, network="mlp", config=TrainConfig(epochs=2, seed=0))
    window = make_window(qtbot, outcome)
    samples = window.page.errors_model.frame["sample"].tolist()
    assert samples and all("U" in s and "T" not in s for s in samples)
