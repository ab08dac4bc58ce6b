"""The decision surface grid, headless."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.classic.surface import grid_inputs, make_grid, predict_surface
from core.data.load import load_dataset
from core.data.options import LoadOptions
from core.data.playground import with_features
from core.errors import DataError
from core.train.run import prepare_run


def test_playground_demos_get_playgrounds_square_and_other_data_a_padded_range():
    g = make_grid(np.array([-5.0, 5.0]), np.array([-4.0, 4.5]), playground=True)
    assert g.n == 100 and g.bounds == pytest.approx((-6, 6, -6, 6))
    assert g.xs[0] == pytest.approx(-6 + 0.06)
    h = make_grid(np.array([0.0, 10.0]), np.array([1.0, 3.0]), n=20)
    x0, x1, y0, y1 = h.bounds
    assert x0 < 0 < 10 < x1 and y0 < 1 < 3 < y1
    pts = h.points()
    assert pts.shape == (400, 2)
    assert np.all(pts[:20, 1] == h.ys[0]) and np.all(pts[:20, 0] == h.xs)  # row-major, y outer
    with pytest.raises(DataError):
        make_grid(np.array([np.nan]), np.array([0.0]))


def test_grid_inputs_go_through_the_same_features_and_scaling_as_training():
    ds = with_features(load_dataset("demo:circle", LoadOptions(demo_size=80)),
                       ["square1", "sin2"])
    prepared = prepare_run(ds, network="mlp")
    grid = make_grid(ds.records["x1"], ds.records["x2"], n=7, playground=True)
    inputs = grid_inputs(grid, prepared.preprocessing, ["x1", "x2"], ["square1", "sin2"])
    assert inputs.shape == (49, 4) and inputs.dtype == np.float32
    # the same points as a table row through the fitted preprocessing
    sub = ds.subset(np.arange(1))
    sub.records.iloc[0] = [grid.xs[3], grid.ys[5], grid.xs[3] ** 2, np.sin(grid.ys[5])]
    expected = prepared.preprocessing.transform(sub)[0]
    np.testing.assert_allclose(inputs[5 * 7 + 3], expected, rtol=1e-5, atol=1e-6)


def test_surface_of_two_classes_is_playgrounds_scale():
    ds = load_dataset("demo:gauss", LoadOptions(demo_size=60))
    prepared = prepare_run(ds, network="mlp")
    from core.nn.build import build_model

    torch.manual_seed(0)
    model = build_model(prepared.spec, prepared.data.input_shape, 2)
    grid = make_grid(ds.records["x1"], ds.records["x2"], n=10, playground=True)
    s = predict_surface(model, grid_inputs(grid, prepared.preprocessing, ["x1", "x2"], []),
                        grid, "classification")
    assert s.values.shape == (10, 10) and s.n_classes == 2
    assert np.all(np.abs(s.values) <= 1) and np.all((s.confidence >= 0.5) & (s.confidence <= 1))
    probe = torch.as_tensor(grid_inputs(grid, prepared.preprocessing, ["x1", "x2"], []))
    with torch.no_grad():
        p1 = torch.softmax(model.eval()(probe), 1)[:, 1].numpy().reshape(10, 10)
    np.testing.assert_allclose(s.values, 2 * p1 - 1, atol=1e-6)


def test_the_trainer_hands_each_epochs_model_to_the_run_control():
    from core.train.config import TrainConfig
    from core.train.control import RunControl
    from core.train.run import train_prepared

    prepared = prepare_run(load_dataset("demo:xor", LoadOptions(demo_size=60)), network="mlp",
                           preset_options={"hidden": (3,)})
    control = RunControl()
    seen: list[tuple[int, int]] = []

    def on_epoch_model(epoch, model):
        seen.append((epoch, sum(p.numel() for p in model.parameters())))

    control.on_epoch_model = on_epoch_model
    outcome = train_prepared(prepared, TrainConfig(epochs=3, seed=0), control, baselines=False)
    assert [e for e, _ in seen] == [1, 2, 3]
    assert seen[0][1] == prepared.summary.total_params == outcome.result.n_params
