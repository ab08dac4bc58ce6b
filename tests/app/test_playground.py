"""The Playground view (decision surface, extra features, noise and ratio) and the
hidden-layer embedding, fed as the Train page feeds them: a prepared run, then weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from app.plots.colors import class_colors, rgb_table
from app.state import AppState
from app.widgets.decision_surface import DecisionSurface, surface_rgb
from app.widgets.embedding_view import EmbeddingView
from core.classic.surface import Surface, make_grid
from core.data.load import load_dataset
from core.data.options import LoadOptions
from core.nn.build import build_model
from core.train.config import TrainConfig
from core.train.run import prepare_run, train_prepared


def make_state(demo: str = "spiral", **options) -> AppState:
    state = AppState()
    opts = LoadOptions(**options)
    state.set_dataset(load_dataset(f"demo:{demo}", opts), f"demo:{demo}", opts)
    return state


def make_view(qtbot, state: AppState) -> DecisionSurface:
    view = DecisionSurface(state)
    qtbot.addWidget(view)
    view.resize(700, 600)
    view.show()
    qtbot.waitExposed(view)
    return view


def weights(prepared, seed: int) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    data = prepared.data
    return build_model(prepared.spec, data.input_shape, data.n_outputs).state_dict()


def test_before_training_the_points_are_drawn_over_playgrounds_plane(qtbot):
    state = make_state(demo_size=200)
    view = make_view(qtbot, state)
    assert view.available and view.demo_row.isVisibleTo(view)
    n_train, n_test = len(view.train_points.getData()[0]), len(view.test_points.getData()[0])
    assert n_train + n_test == 200 and n_train == len(state.split.train)
    rect = view.image.mapRectToParent(view.image.boundingRect())
    assert (rect.left(), rect.top(), rect.width(), rect.height()) == pytest.approx(
        (-6, -6, 12, 12))
    view.show_test.setChecked(False)
    assert not view.test_points.isVisible()


def test_extra_features_change_the_dataset_and_the_network_inputs(qtbot):
    state = make_state(demo_size=100)
    view = make_view(qtbot, state)
    with qtbot.waitSignal(state.datasetChanged):
        view.feature_boxes["square1"].setChecked(True)
    with qtbot.waitSignal(state.datasetChanged):
        view.feature_boxes["sin2"].setChecked(True)
    assert list(state.dataset.records.columns) == ["x1", "x2", "x1^2", "sin(x2)"]
    assert view.feature_boxes["square1"].text() == "x1\u00b2"
    prepared = prepare_run(state.dataset, network="mlp", preset_options={"hidden": (4,)})
    assert prepared.data.input_shape == (4,)
    view.set_prepared(prepared)
    assert view.inputs.shape == (100 * 100, 4)  # the grid went through the same transform
    assert view.status.text() == "Training\u2026 inputs: x1, x2, x1^2, sin(x2)"
    view.update_model(weights(prepared, 0), epoch=1)
    view.flush()
    assert view.surface.values.shape == (100, 100) and view.epoch == 1
    assert view.status.text() == "Decision surface after epoch 1."
    with qtbot.waitSignal(state.datasetChanged):
        view.feature_boxes["square1"].setChecked(False)
    assert list(state.dataset.records.columns) == ["x1", "x2", "sin(x2)"]


def test_updates_are_throttled_and_draw_the_latest_weights(qtbot, monkeypatch):
    drawn: list[int] = []
    original = DecisionSurface._evaluate

    def spy(self, payload):
        drawn.append(payload[1])
        original(self, payload)

    monkeypatch.setattr(DecisionSurface, "_evaluate", spy)
    state = make_state(demo_size=120)
    view = make_view(qtbot, state)
    prepared = prepare_run(state.dataset, network="mlp", preset_options={"hidden": (6,)})
    view.set_prepared(prepared)
    for epoch in range(1, 11):  # ten epochs arrive at once
        view.update_model(weights(prepared, epoch), epoch=epoch)
    qtbot.waitUntil(lambda: bool(drawn) and drawn[-1] == 10, timeout=5000)
    assert len(drawn) <= 2  # the burst became one or two redraws, the last one epoch 10
    image = view.image.image
    assert image.shape == (100, 100, 3) and image.dtype == np.uint8
    v = view.surface.values
    assert np.all(np.abs(v) <= 1)


def test_the_finished_run_is_drawn_and_fits_the_data(qtbot):
    state = make_state("gauss", demo_size=200)
    view = make_view(qtbot, state)
    prepared = prepare_run(state.dataset, network="mlp", preset_options={"hidden": (4,)})
    view.set_prepared(prepared)
    outcome = train_prepared(prepared, TrainConfig(epochs=5, lr=0.05, seed=0),
                             baselines=False)
    view.set_outcome(outcome)
    s = view.surface
    # the gauss clouds sit at (2, 2) (+1, blue) and (-2, -2) (-1, orange)
    g = s.grid
    near = lambda x, y: s.values[np.argmin(abs(g.ys - y)), np.argmin(abs(g.xs - x))]  # noqa: E731
    assert near(2, 2) > 0 > near(-2, -2)
    view.discretize.setChecked(True)
    assert len(np.unique(view.image.image.reshape(-1, 3), axis=0)) <= 3


def test_noise_and_training_ratio_regenerate_the_demo(qtbot):
    state = make_state(demo_size=100)
    view = make_view(qtbot, state)
    with qtbot.waitSignal(state.datasetChanged, timeout=3000):
        view.noise.setValue(25)
    assert state.dataset.info["noise"] == 25 and state.load_options.demo_noise == 25
    with qtbot.waitSignal(state.splitChanged, timeout=3000):
        view.ratio.setValue(50)
    assert state.split_options.val_fraction == pytest.approx(0.25)
    assert state.split_options.test_fraction == pytest.approx(0.25)
    assert view.ratio_label.text() == "50 %"


def test_other_tables_get_no_surface_but_a_reason(qtbot):
    view = make_view(qtbot, make_state("iris"))
    assert not view.available and not view.feature_boxes["sin1"].isEnabled()
    assert "two numeric" in view.status.text() and not view.demo_row.isVisibleTo(view)


def test_colours_for_two_classes_more_classes_and_regression():
    grid = make_grid(np.array([0.0, 1.0]), np.array([0.0, 1.0]), n=2)
    two = Surface(grid, "classification", 2, np.array([[-1.0, 0.0], [1.0, 0.5]]),
                  np.ones((2, 2)))
    rgb = surface_rgb(two)
    assert tuple(rgb[0, 0]) == (0xf5, 0x93, 0x22) and tuple(rgb[1, 0]) == (0x08, 0x77, 0xbd)
    assert tuple(rgb[0, 1]) == (0xe8, 0xea, 0xeb)
    three = Surface(grid, "classification", 3, np.array([[0.0, 1.0], [2.0, 2.0]]),
                    np.array([[1.0, 1.0], [1.0, 1 / 3]]))
    rgb3 = surface_rgb(three)
    assert len({tuple(c) for c in rgb3.reshape(-1, 3)}) == 4  # 3 classes, one unsure cell
    reg = Surface(grid, "regression", 0, np.array([[0.0, 10.0], [5.0, 5.0]]), None)
    rgbr = surface_rgb(reg, value_range=(0.0, 10.0))
    assert tuple(rgbr[0, 0]) == (0xf5, 0x93, 0x22) and tuple(rgbr[1, 0]) == (0xe8, 0xea, 0xeb)


def test_embedding_of_a_hidden_layer_follows_the_weights(qtbot, tmp_path):
    ds = load_dataset("demo:iris")
    prepared = prepare_run(ds, network="mlp", preset_options={"hidden": (8, 5)})
    view = EmbeddingView()
    qtbot.addWidget(view)
    view.show()
    view.set_prepared(prepared)
    labels = [view.layer.itemText(i) for i in range(view.layer.count())]
    assert labels[0].startswith("1  Dense 8") and labels[-1].startswith("2  Dense 5")
    assert view.layer.currentIndex() == len(labels) - 1  # the last hidden layer
    view.update_model(weights(prepared, 0), epoch=1)
    view.flush()
    n = len(prepared.data.X_val)
    assert view.coords.shape == (n, 2)
    assert [p.name() for p in view.points] == ["setosa", "versicolor", "virginica"]
    img = view.image.image
    ratio = view.devicePixelRatioF()
    vb = view.plot.getViewBox()
    assert img.shape[:2] == (int(vb.height() * ratio), int(vb.width() * ratio))
    colours = {tuple(c) for c in img.reshape(-1, 4)[img.reshape(-1, 4)[:, 3] > 0][:, :3]}
    assert colours == {tuple(c) for c in rgb_table(class_colors(3))}
    x0, x1, y0, y1 = view._bounds  # the view shows exactly the range the image covers
    assert vb.viewRange()[0] == pytest.approx([x0, x1]) and x0 < view.coords[:, 0].min()
    view.points[0].setVisible(False)  # a click on "setosa" in the legend hides it
    shown = {tuple(c) for c in view.image.image.reshape(-1, 4)[
        view.image.image.reshape(-1, 4)[:, 3] > 0][:, :3]}
    assert tuple(rgb_table(class_colors(3))[0]) not in shown and len(shown) == 2
    assert "5 activations each, after epoch 1" in view.status.text()
    from app.plots.base import export_table

    table = export_table(view.plot)  # CSV export: the coordinates drawn
    assert list(table.columns) == ["class", "PC1", "PC2"] and len(table) == n
    assert table["class"].iloc[0] in {"setosa", "versicolor", "virginica"}
    from app.plots.export import export_plot

    csv = export_plot(view.plot, tmp_path / "hidden.csv").read_text().splitlines()
    assert csv[0] == "class,PC1,PC2" and len(csv) == n + 1
    assert export_plot(view.plot, tmp_path / "hidden.png").stat().st_size > 0
    view.layer.setCurrentIndex(0)  # another layer: recomputed at once
    assert "8 activations each" in view.status.text()


def test_the_train_page_feeds_both_views_during_a_real_run(qtbot):
    from app.pages.train_page import TrainPage

    state = make_state("xor", demo_size=120)
    page = TrainPage(state)
    qtbot.addWidget(page)
    page.resize(1400, 850)
    page.show()
    qtbot.waitExposed(page)
    assert page.live_views.currentIndex() == 0  # two inputs: the surface comes first
    page.state.set_train_config(TrainConfig(epochs=4, batch_size=16, seed=0))
    epochs: list[int] = []
    page.epoch_weights.connect(lambda epoch, state_dict: epochs.append(epoch))
    with qtbot.waitSignal(state.runFinished, timeout=60_000):
        page.start()
    assert epochs and epochs[0] == 1 and epochs == sorted(epochs)
    assert page.surface_view.epoch == 4 and page.surface_view.surface.values.shape == (100, 100)
    page.live_views.setCurrentIndex(1)  # the hidden tab catches up when shown
    qtbot.waitUntil(lambda: page.embedding_view.coords is not None)
    assert "after epoch 4" in page.embedding_view.status.text()
    page.shutdown()
