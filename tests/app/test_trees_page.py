"""The Trees page driven as a user would: options, Fit, the diagram, zoom, fold, export."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from app.pages.trees_page import TreesPage
from app.state import AppState
from core.data.load import load_dataset
from core.data.options import LoadOptions
from core.data.splits import SplitOptions


def make_page(qtbot, demo: str | None) -> TreesPage:
    state = AppState()
    if demo is not None:
        state.set_dataset(load_dataset(f"demo:{demo}"), f"demo:{demo}", LoadOptions())
    page = TreesPage(state)
    qtbot.addWidget(page)
    page.resize(1400, 850)
    page.show()
    qtbot.waitExposed(page)
    return page


def fit_on_every_row(page: TreesPage) -> None:
    """The lecture fits on all rows: a session split that holds out none (the Trees page
    uses the Data page's split)."""
    page.state.set_split_options(SplitOptions(val_fraction=0.0, test_fraction=0.0))


def fit(qtbot, page: TreesPage) -> None:
    with qtbot.waitSignal(page.jobs.stopped, timeout=60_000):
        qtbot.mouseClick(page.fit_button, Qt.MouseButton.LeftButton)
    assert not page.message_bar.isVisible(), page.message_bar.text


def test_without_data_there_is_nothing_to_fit(qtbot):
    page = make_page(qtbot, None)
    assert not page.fit_button.isEnabled()
    assert "Load data" in page.placeholder.text()


def test_workflow_3_iris_entropy_unlimited_is_the_lectures_tree(qtbot):
    page = make_page(qtbot, "iris")
    fit_on_every_row(page)
    page.set_settings(criterion="entropy", max_depth=0)
    assert page.max_depth.text() == "none"
    fit(qtbot, page)
    r = page.fit_result.result
    assert (r.n_leaves, r.n_nodes, r.root_split) == (9, 17, "petal width (cm) <= 0.80")
    # one diagram item per node of the fitted tree, each showing its split and samples
    assert sorted(page.diagram.node_items) == list(range(r.n_nodes))
    root = page.diagram.node_items[0]
    assert page.diagram.node_lines(root.node)[:3] == [
        "petal width (cm) <= 0.80", "entropy = 1.585", "samples = 150"]
    assert "Root split: petal width (cm) <= 0.80" in page.summary_text()
    assert "Held-out" not in page.summary_text()


def test_workflow_3_breast_cancer_entropy_depth_4(qtbot, tmp_path):
    page = make_page(qtbot, "breast-cancer")
    page.set_settings(criterion="entropy", max_depth=4)
    fit(qtbot, page)
    fitted = page.fit_result
    r = fitted.result
    assert r.depth == 4 and r.criterion == "entropy"
    assert r.train_metrics["accuracy"] > 0.97
    assert 0.85 < r.test_metrics["accuracy"] < 1.0
    split = page.state.split  # the session's split, as the Train page's baselines use
    assert (fitted.n_train, fitted.n_val, fitted.n_test) == (
        len(split.train), len(split.val), len(split.test))
    # the depth curve goes past the chosen depth and marks the best held-out depth
    assert [p.depth for p in fitted.curve][:5] == [1, 2, 3, 4, 5]
    assert "Best held-out depth" in page.summary_text()
    table = page.importance_plot.getPlotItem().export_table
    assert table.iloc[0]["feature"] == r.feature_importances[0][0]
    # exports: the diagram as PNG and SVG, the rules as text
    png = page.diagram.export(tmp_path / "tree.png")
    svg = page.diagram.export(tmp_path / "tree.svg")
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert "<svg" in svg.read_text(encoding="utf-8")
    rules = page.save_rules(tmp_path / "rules.txt")
    assert rules.read_text() == r.rules_text and "class: malignant" in r.rules_text


def click_node(qtbot, page: TreesPage, node_id: int) -> None:
    view = page.diagram
    item = view.node_items[node_id]
    view.centerOn(item)
    QApplication.processEvents()
    pos = view.mapFromScene(item.mapToScene(QPointF(0, 30)))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_clicking_a_node_folds_and_unfolds_its_branch(qtbot):
    page = make_page(qtbot, "iris")
    fit_on_every_row(page)
    page.set_settings(criterion="entropy")
    fit(qtbot, page)
    view = page.diagram
    right = view.result.nodes[0].right
    with qtbot.waitSignal(view.toggled) as blocker:
        click_node(qtbot, page, right)
    assert blocker.args == [right, True]
    assert view.node_items[right].hidden_count == 14
    assert len(view.visible_ids()) == 17 - 14
    click_node(qtbot, page, right)
    assert len(view.visible_ids()) == 17
    click_node(qtbot, page, 1)  # a leaf does not fold
    assert len(view.visible_ids()) == 17


def test_zoom_with_buttons_and_ctrl_wheel(qtbot):
    page = make_page(qtbot, "iris")
    fit_on_every_row(page)
    fit(qtbot, page)
    view = page.diagram
    view.set_zoom(1.0)
    view.zoom_in()
    assert view.zoom == pytest.approx(1.25)
    center = QPointF(view.viewport().rect().center())
    for modifiers, expected in ((Qt.KeyboardModifier.ControlModifier, 1.25 * 1.15),
                                (Qt.KeyboardModifier.NoModifier, 1.25 * 1.15)):
        event = QWheelEvent(center, view.mapToGlobal(center), QPoint(0, 0), QPoint(0, 120),
                            Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase,
                            False)
        QApplication.sendEvent(view.viewport(), event)
        assert view.zoom == pytest.approx(expected)  # a plain wheel scrolls instead


def test_options_reach_the_tree_and_regression_gets_its_criteria(qtbot):
    page = make_page(qtbot, "diabetes")
    assert page.criterion.itemText(0) == "squared_error"
    assert not page.class_weight.isEnabled()
    page.set_settings(max_depth=3, min_samples_leaf=20)
    fit(qtbot, page)
    r = page.fit_result.result
    assert r.task == "regression" and r.depth <= 3
    assert min(n.n_samples for n in r.nodes if n.is_leaf) >= 20
    assert "Held-out R\u00b2" in page.summary_text()
    leaf = next(n for n in r.nodes if n.is_leaf)
    assert page.diagram.node_lines(leaf)[-1].startswith("value = ")


def test_a_new_dataset_clears_the_tree(qtbot):
    page = make_page(qtbot, "iris")
    fit(qtbot, page)
    page.state.set_dataset(load_dataset("demo:wine"), "demo:wine", LoadOptions())
    assert page.fit_result is None and page.results.currentIndex() == 0
    assert "wine" in page.placeholder.text()
