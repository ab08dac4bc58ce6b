"""Issue 11 on the Trees page: one split for the whole session (item 4), readable split
labels (item 6), the pages' number format (item 7) and no label that widens the window
(item 8)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from app.pages.trees_page import TreesPage
from app.state import AppState
from core.data.dataset import Dataset
from core.data.load import load_dataset
from core.data.options import LoadOptions
from core.data.splits import SplitOptions


def make_page(qtbot: QtBot, ds: Dataset, source: str = "") -> tuple[QMainWindow, TreesPage]:
    state = AppState()
    state.set_dataset(ds, source or f"demo:{ds.name}", LoadOptions())
    window = QMainWindow()
    page = TreesPage(state)
    window.setCentralWidget(page)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window, page


def fit(qtbot: QtBot, page: TreesPage) -> None:
    with qtbot.waitSignal(page.jobs.stopped, timeout=60_000):
        qtbot.mouseClick(page.fit_button, Qt.MouseButton.LeftButton)
    assert not page.message_bar.isVisible(), page.message_bar.text


def test_the_tree_uses_the_sessions_split_and_matches_the_tree_baseline(qtbot: QtBot) -> None:
    from core.classic.baselines import TREE_DEPTH, fit_baselines
    from core.train.run import prepare_run

    _, page = make_page(qtbot, load_dataset("demo:breast-cancer"))
    state = page.state
    assert not hasattr(page, "test_fraction")  # no fraction box of its own any more
    split = state.split
    assert page.split_label.text().startswith(
        f"{len(split.train)} training \u00b7 {len(split.val)} validation \u00b7 "
        f"{len(split.test)} test")
    page.set_settings(max_depth=TREE_DEPTH)  # the baseline's tree: gini, depth 8, seed 0
    fit(qtbot, page)
    fitted = page.fit_result
    assert (fitted.n_train, fitted.n_val, fitted.n_test) == (
        len(split.train), len(split.val), len(split.test))
    # the same rows as the Train page's baseline, the same test accuracy
    prepared = prepare_run(state.dataset, split=split, network="mlp")
    baseline = fit_baselines(prepared.data, seed=0)["decision_tree"]
    r = fitted.result
    assert r.test_metrics["accuracy"] == pytest.approx(baseline["test"]["accuracy"])
    assert r.val_metrics["accuracy"] == pytest.approx(baseline["val"]["accuracy"])
    text = page.summary_text()
    assert f"{len(split.val)} validation" in text and f"{len(split.test)} test" in text
    # the depth curve is measured on validation rows: its best depth never saw the test rows
    assert "Best held-out depth (validation)" in text
    names = [i.name() for i in page.depth_plot.getPlotItem().items if hasattr(i, "name")]
    assert "validation rows" in names and "held-out rows" not in names


def test_choosing_the_best_depth_refits_on_validation_not_test(qtbot: QtBot) -> None:
    _, page = make_page(qtbot, load_dataset("demo:wine"))
    page.set_settings(max_depth=0)  # unlimited: deeper than the validation rows like
    fit(qtbot, page)
    curve = page.fit_result.curve
    best = max(curve, key=lambda p: (p.test, -p.depth))  # DepthPoint.test: validation score
    assert page.use_best_button.isVisible()
    assert page.use_best_button.text() == f"Fit again at depth {best.depth}"
    with qtbot.waitSignal(page.jobs.stopped, timeout=60_000):
        qtbot.mouseClick(page.use_best_button, Qt.MouseButton.LeftButton)
    assert page.max_depth.value() == best.depth
    assert page.fit_result.result.depth <= best.depth


def test_a_new_split_on_the_data_page_clears_the_tree(qtbot: QtBot) -> None:
    _, page = make_page(qtbot, load_dataset("demo:iris"))
    fit(qtbot, page)
    page.state.set_split_options(SplitOptions(val_fraction=0.2, test_fraction=0.2, seed=3))
    assert page.fit_result is None
    assert page.split_label.text().startswith("90 training \u00b7 30 validation \u00b7 30 test")


def test_figures_have_four_significant_digits(qtbot: QtBot) -> None:
    _, page = make_page(qtbot, load_dataset("demo:iris"))
    fit(qtbot, page)
    figures = re.findall(r"accuracy(?: \(test\))?: (\S+)", page.summary_text())
    assert len(figures) == 3
    for figure in figures:
        assert len(figure.replace(".", "").lstrip("0")) == 4, figure  # 1.000, 0.9667


def motif_table(n: int = 200) -> Dataset:
    rng = np.random.default_rng(1)
    seqs, labels = [], []
    for i in range(n):
        s = list(rng.choice(list("ACT"), size=40))
        if i % 2:
            s[29] = "G"
        seqs.append("".join(s))
        labels.append(i % 2)
    return Dataset("motif", "sequence", "classification", seqs, np.array(labels),
                   [f"s{i}" for i in range(n)], class_names=["absent", "present"],
                   alphabet="DNA")


def test_one_hot_splits_read_position_is_letter(qtbot: QtBot) -> None:
    _, page = make_page(qtbot, motif_table(), "motif.fasta")
    fit(qtbot, page)
    root = page.fit_result.result.nodes[0]
    diagram = page.diagram
    assert diagram.node_lines(root)[0] == "position 30"
    left, right = root.left, root.right
    assert diagram.edge_labels[left].text() == "is not G"
    assert diagram.edge_labels[right].text() == "is G"
    assert "Root split: position 30 is not G" in page.summary_text()
    assert page.importance_plot.getPlotItem().export_table.iloc[0]["feature"] == \
        "position 30 is G"
    assert ":G" not in page.fit_result.result.rules_text


def test_pixel_features_read_row_and_column(qtbot: QtBot) -> None:
    _, page = make_page(qtbot, load_dataset("demo:digits"))
    fit(qtbot, page)
    root = page.fit_result.result.nodes[0]
    assert re.fullmatch(r"pixel \(\d, \d\) <= \d+\.\d\d", root.rule)
    features = page.importance_plot.getPlotItem().export_table["feature"]
    assert all(f.startswith("pixel (") for f in features)


def test_a_tree_on_200_columns_does_not_widen_the_window(qtbot: QtBot, tmp_path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 200))
    frame = pd.DataFrame(x, columns=[f"gene_expression_marker_{i:03d}_of_the_panel"
                                     for i in range(200)])
    frame["label"] = np.where(x[:, 5] + x[:, 17] > 0, "tumour", "normal")
    path = tmp_path / "wide.csv"
    frame.to_csv(path, index=False)
    window, page = make_page(qtbot, load_dataset(str(path)), str(path))
    fit(qtbot, page)
    qtbot.wait(50)
    assert window.width() <= 1280
    assert page.minimumSizeHint().width() <= 1280
    assert window.minimumSizeHint().width() <= 1280
