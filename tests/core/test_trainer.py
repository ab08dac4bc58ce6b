"""The training loop: reproducibility, control, stopping rules, losses and optimizers."""

from __future__ import annotations

import queue
import re
import threading
import time

import numpy as np
import pytest
import torch
from torch import nn

from core.data.tensors import TensorData
from core.errors import TrainError
from core.nn.predict import predict
from core.train.config import OPTIMIZERS, SCHEDULES, TrainConfig
from core.train.control import RunControl
from core.train.device import describe_device, resolve_device
from core.train.events import BatchFinished, EpochFinished, RunFailed, RunFinished, RunStarted
from core.train.predict import evaluate_model
from core.train.trainer import (
    Trainer,
    _batch_bounds,
    balanced_class_weights,
    train_network,
)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny networks train faster on one thread, and the test machine is shared."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def blobs(n: int = 120, seed: int = 0, sep: float = 2.0) -> TensorData:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 2)) + sep * y[:, None]
    cut = int(n * 0.75)
    return TensorData.from_arrays(X[:cut], y[:cut], X[cut:], y[cut:], X[cut:], y[cut:])


def mlp(seed: int = 0, dropout: float = 0.0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Dropout(dropout), nn.Linear(8, 2))


def run(model: nn.Module, data: TensorData, **cfg):
    events: list = []
    config = TrainConfig(**{"epochs": 3, "batch_size": 16, "device": "cpu", **cfg})
    return Trainer(model, config, data, on_event=events.append).run(), events


def test_same_seed_same_history() -> None:
    data = blobs()
    histories = []
    for _ in range(2):
        model = mlp(seed=3, dropout=0.3)  # dropout draws from torch's RNG too
        result, _ = run(model, data, epochs=4, seed=7)
        histories.append(result.history.column("train_loss") + result.history.column("val_loss"))
    assert histories[0] == histories[1]
    other, _ = run(mlp(seed=3, dropout=0.3), data, epochs=4, seed=8)  # other batch order
    assert other.history.column("train_loss") != histories[0][:4]


def test_events_order_and_throttling() -> None:
    result, events = run(mlp(), blobs(), epochs=3, batch_event_hz=0)
    assert isinstance(events[0], RunStarted) and isinstance(events[-1], RunFinished)
    batches = [e for e in events if isinstance(e, BatchFinished)]
    # no time-based events: only the last batch of each epoch is reported
    assert [(b.epoch, b.batch) for b in batches] == [(1, 6), (2, 6), (3, 6)]
    assert [b.global_step for b in batches] == [6, 12, 18]
    epochs = [e for e in events if isinstance(e, EpochFinished)]
    assert [e.epoch for e in epochs] == [1, 2, 3]
    assert set(epochs[0].train_metrics) == {"accuracy"} and set(epochs[0].val_metrics) == {
        "accuracy"}
    assert epochs[-1].eta == 0 and events[0].batches_per_epoch == 6 and events[0].n_params == 42
    assert result.stopped_because == "completed" and result.epochs_run == 3
    assert result.history.column("epoch") == [1, 2, 3]
    assert all(e.train_loss > 0 for e in epochs)
    every, ev2 = run(mlp(), blobs(), epochs=1, batch_event_hz=1e9)
    assert len([e for e in ev2 if isinstance(e, BatchFinished)]) == 6


def test_full_batch_gradient_descent_reaches_least_squares() -> None:
    """Workflow 1 of the course: the notebook's intercept 1.0235 and slope 1.9690."""
    np.random.seed(42)
    x = np.random.rand(100, 1)
    y = 1 + 2 * x + 0.1 * np.random.randn(100, 1)
    idx = np.arange(100)
    np.random.shuffle(idx)
    tr, va = idx[:80], idx[80:]
    data = TensorData.from_arrays(x[tr], y[tr, 0], x[va], y[va, 0], task="regression")
    torch.manual_seed(42)
    model = nn.Linear(1, 1)
    result, events = run(model, data, epochs=1000, batch_size=None, optimizer="sgd", lr=0.1)
    assert result.stopped_because == "completed" and events[0].batches_per_epoch == 1
    b, w = np.linalg.lstsq(np.c_[np.ones(80), x[tr]], y[tr, 0], rcond=None)[0]
    assert result.model.bias.item() == pytest.approx(b, abs=1e-3)
    assert result.model.weight.item() == pytest.approx(w, abs=1e-3)
    assert (b, w) == pytest.approx((1.0235, 1.9690), abs=1e-4)
    assert result.history.rows[-1]["train_loss"] == pytest.approx(0.0080, abs=1e-4)
    assert result.history.rows[-1]["train_r2"] > 0.95


def test_nan_loss_stops_with_advice() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3)) * 100
    data = TensorData.from_arrays(X, X.sum(1) * 100, task="regression")
    torch.manual_seed(0)
    result, events = run(nn.Linear(3, 1), data, epochs=50, optimizer="sgd", lr=100.0)
    assert result.stopped_because == "nan"
    assert result.message.startswith("loss became")
    assert "the learning rate 100 is probably too high; try 0.01" in result.message
    assert isinstance(events[-1], RunFinished) and events[-1].stopped_because == "nan"
    # same stop and same batch without a listener (detected from the epoch's batch losses)
    torch.manual_seed(0)
    quiet = Trainer(nn.Linear(3, 1), TrainConfig(epochs=50, batch_size=16, optimizer="sgd",
                                                 lr=100.0, device="cpu"), data).run()
    assert quiet.stopped_because == "nan" and quiet.message == result.message


def test_early_stopping_restores_best_weights() -> None:
    x = np.linspace(-1, 1, 40)[:, None]
    # validation wants the opposite slope: it is best early and gets worse with training
    data = TensorData.from_arrays(x, 2 * x[:, 0], x, -0.5 * x[:, 0] + 0.2, task="regression")
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.zero_()
        model.bias.zero_()
    states: dict[int, dict] = {}

    def keep(ev) -> None:
        if isinstance(ev, EpochFinished):
            states[ev.epoch] = {k: v.clone() for k, v in model.state_dict().items()}

    config = TrainConfig(epochs=100, batch_size=None, optimizer="sgd", lr=0.1,
                         early_stopping=3, device="cpu")
    result = Trainer(model, config, data, on_event=keep).run()
    assert result.stopped_because == "early_stopping"
    assert result.epochs_run == result.best_epoch + 3 < 100
    assert "kept the weights of epoch" in result.message
    best = states[result.best_epoch]
    for k, v in result.model.state_dict().items():
        torch.testing.assert_close(v, best[k])
    last = states[result.epochs_run]
    assert not torch.equal(last["weight"], best["weight"])
    vals = result.history.column("val_loss")
    assert min(vals) == vals[result.best_epoch - 1]


def test_stop_from_another_thread_ends_within_one_batch() -> None:
    control = RunControl()
    at_batch_5 = threading.Event()
    go_on = threading.Event()
    steps: list[int] = []

    def on_event(ev) -> None:
        if isinstance(ev, BatchFinished):
            steps.append(ev.global_step)
            if ev.global_step == 5:
                at_batch_5.set()
                go_on.wait(5)

    config = TrainConfig(epochs=50, batch_size=8, batch_event_hz=1e9, device="cpu")
    out: list = []
    worker = threading.Thread(target=lambda: out.append(
        Trainer(mlp(), config, blobs(), control, on_event).run()))
    worker.start()
    assert at_batch_5.wait(10)
    control.stop()
    go_on.set()
    worker.join(10)
    assert not worker.is_alive()
    assert steps[-1] == 5  # the batch in progress finished, no other started
    assert out[0].stopped_because == "stopped" and "after 5 of" in out[0].message


def test_pause_step_and_resume() -> None:
    control = RunControl()
    control.pause()
    events: queue.Queue = queue.Queue()
    config = TrainConfig(epochs=2, batch_size=16, batch_event_hz=1e9, device="cpu")
    worker = threading.Thread(target=lambda: Trainer(mlp(), config, blobs(), control,
                                                     events.put).run())
    worker.start()

    def next_event(kind):
        while True:
            ev = events.get(timeout=10)
            if isinstance(ev, kind):
                return ev

    assert isinstance(next_event(RunStarted), RunStarted)
    time.sleep(0.2)
    assert events.empty()  # paused before the first batch
    control.step_batch()
    assert next_event(BatchFinished).global_step == 1
    time.sleep(0.2)
    assert events.empty()  # exactly one batch, then paused again
    control.step_batch()
    assert next_event(BatchFinished).global_step == 2
    control.step_epoch()
    ev = next_event(EpochFinished)
    assert ev.epoch == 1
    time.sleep(0.2)
    assert events.empty()  # paused again at the start of epoch 2
    control.resume()
    finished = next_event(RunFinished)
    worker.join(10)
    assert finished.stopped_because == "completed" and finished.epochs_run == 2


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_optimizer_learns(optimizer: str) -> None:
    lr = {"sgd": 0.1, "adadelta": 1.0, "adagrad": 0.1}.get(optimizer, 0.01)
    result, _ = run(mlp(), blobs(sep=4.0), epochs=5, optimizer=optimizer, lr=lr,
                    momentum=0.9 if optimizer in ("sgd", "rmsprop") else 0.0,
                    nesterov=optimizer == "sgd", weight_decay=1e-4)
    losses = result.history.column("train_loss")
    assert result.stopped_because == "completed", result.message
    assert losses[-1] < losses[0]


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_every_schedule_sets_the_learning_rate(schedule: str) -> None:
    result, _ = run(mlp(), blobs(), epochs=4, lr=0.1, optimizer="sgd", schedule=schedule,
                    step_size=1, gamma=0.5, plateau_patience=0)
    lrs = result.history.column("lr")
    if schedule == "onecycle":  # per batch: up to the peak in the first quarter, then down
        assert max(lrs) <= 0.1 + 1e-9 and lrs[-1] < 0.1 / 100
        assert lrs[0] < 0.1 and lrs[1] > lrs[2] > lrs[3]
        return
    assert lrs[0] == pytest.approx(0.1)
    if schedule == "none":
        assert lrs == [0.1] * 4
    elif schedule == "step":
        assert lrs == pytest.approx([0.1, 0.05, 0.025, 0.0125])
    elif schedule == "cosine":
        assert lrs[1] == pytest.approx(0.05 * (1 + np.cos(np.pi / 4)))
    else:  # plateau: the rate halves after every epoch that did not improve
        vals = result.history.column("val_loss")
        for i in range(1, 4):
            worse = vals[i - 1] >= min(vals[: i - 1] or [np.inf])
            assert lrs[i] == pytest.approx(lrs[i - 1] * (0.5 if worse else 1.0))


def test_balanced_class_weights_favour_the_rare_class() -> None:
    from sklearn.utils.class_weight import compute_class_weight

    y = np.array([0] * 90 + [1] * 10)
    np.testing.assert_allclose(balanced_class_weights(y, 3)[:2],
                               compute_class_weight("balanced", classes=np.array([0, 1]), y=y))
    assert balanced_class_weights(y, 3)[2] == 1.0  # absent class: neutral weight
    rng = np.random.default_rng(1)
    X = np.r_[rng.normal(0, 1, (90, 2)), rng.normal(1, 1, (10, 2))]
    data = TensorData.from_arrays(X, y, X, y)
    recalls = []
    for weights in ("none", "balanced"):
        res, _ = run(mlp(), data, epochs=30, batch_size=None, lr=0.05, class_weights=weights)
        pred, _ = predict(res.model, X, "classification")
        recalls.append((pred[y == 1] == 1).mean())
    assert recalls[1] > recalls[0]


def test_bce_matches_cross_entropy_for_two_classes() -> None:
    a, _ = run(mlp(), blobs(), epochs=3, loss="cross_entropy")
    b, _ = run(mlp(), blobs(), epochs=3, loss="bce")
    np.testing.assert_allclose(a.history.column("train_loss"), b.history.column("train_loss"),
                               rtol=1e-5)


def test_regression_losses_and_wrong_loss_for_task() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    data = TensorData.from_arrays(X, X @ [1.0, -2.0], X, X @ [1.0, -2.0], task="regression")
    for loss in ("mse", "mae", "huber"):
        torch.manual_seed(0)
        res, _ = run(nn.Linear(2, 1), data, loss=loss, lr=0.05, epochs=5)
        assert res.stopped_because == "completed"
        assert res.history.column("train_loss")[-1] < res.history.column("train_loss")[0]
        assert "val_r2" in res.history.rows[-1]
    res, events = run(nn.Linear(2, 1), data, loss="cross_entropy")
    assert res.failed == "the cross_entropy loss is for classes; use mse, mae or huber for" \
                         " numeric targets"
    assert events == [RunFailed(res.failed)]
    res, _ = run(mlp(), blobs(), loss="mse")
    assert res.failed and "cross_entropy" in res.failed


def test_l1_and_l2_shrink_weights_but_not_biases() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 5))
    y = 5.0 + X @ np.array([1.0, 0.5, 0, 0, -1.0])  # the bias 5 must survive the penalty
    data = TensorData.from_arrays(X, y, task="regression")
    fits = {}
    for name, extra in (("plain", {}), ("l1", {"l1": 0.5}), ("l2", {"l2": 0.5})):
        torch.manual_seed(0)
        res, _ = run(nn.Linear(5, 1), data, epochs=300, batch_size=None, optimizer="sgd",
                     lr=0.05, **extra)
        fits[name] = (res.model.weight.detach().abs().sum().item(), res.model.bias.item())
    assert fits["l1"][0] < 0.8 * fits["plain"][0]
    assert fits["l2"][0] < 0.8 * fits["plain"][0]
    assert fits["plain"][1] == pytest.approx(5.0, abs=0.05)
    assert fits["l2"][1] == pytest.approx(5.0, abs=0.2)


def test_gradient_clipping_and_model_comes_back_on_cpu_in_eval_mode() -> None:
    res, _ = run(mlp(), blobs(), grad_clip=0.01, optimizer="sgd", lr=0.1)
    assert res.stopped_because == "completed"
    assert not res.model.training
    assert next(res.model.parameters()).device.type == "cpu"
    assert res.device == "CPU, 1 thread" and res.n_params == 42


class Broken(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 2)
        self.calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        if self.calls > 3:
            raise RuntimeError("kaboom\nsecond line")
        return self.lin(x)


def test_exceptions_become_run_failed() -> None:
    res, events = run(Broken(), blobs())
    assert res.failed == "RuntimeError: kaboom second line"
    assert res.stopped_because == "failed"
    assert isinstance(events[-1], RunFailed) and events[-1].message == res.failed
    assert not any(isinstance(e, RunFinished) for e in events)
    res, _ = run(nn.Linear(2, 3), blobs())
    assert res.failed == "the network outputs shape (3,) per sample, but this task needs 2 value(s)"
    res, _ = run(mlp(), blobs(), epochs=0)
    assert res.failed == "epochs must be at least 1"
    res, _ = run(mlp(), TensorData.from_arrays(np.zeros((4, 2)), np.array([0, 1, 5, 1]),
                                               class_names=["a", "b"]))
    assert res.failed == "training class labels must be 0..1, found 5"
    bad = blobs()
    bad.X_train[4, 1] = np.nan
    res, _ = run(mlp(), bad)
    assert res.failed.startswith("the encoded training inputs contain NaN")
    assert "(row 5)" in res.failed


def test_listener_errors_also_become_run_failed() -> None:
    def explode(ev) -> None:
        if isinstance(ev, EpochFinished):
            raise ValueError("listener broke")

    res = Trainer(mlp(), TrainConfig(epochs=2, device="cpu"), blobs(), on_event=explode).run()
    assert res.failed == "ValueError: listener broke"


def test_batch_bounds_fold_a_lone_last_sample() -> None:
    assert _batch_bounds(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert _batch_bounds(9, 4) == [(0, 4), (4, 9)]
    assert _batch_bounds(5, None) == [(0, 5)]
    assert _batch_bounds(3, 100) == [(0, 3)]
    assert _batch_bounds(1, 1) == [(0, 1)]


def test_devices() -> None:
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type in ("cpu", "cuda", "mps")
    assert describe_device(torch.device("cpu")).startswith("CPU, ")
    if not torch.cuda.is_available():
        with pytest.raises(TrainError, match="^CUDA was requested but no GPU is available; use"
                                             " --device cpu$"):
            resolve_device("cuda")
    with pytest.raises(TrainError, match="unknown device"):
        resolve_device("tpu")


def test_evaluate_model_on_every_split() -> None:
    res, _ = run(mlp(), blobs(sep=4.0), epochs=20, lr=0.05)
    scores = evaluate_model(res.model, blobs(sep=4.0))
    assert scores["train"]["n"] == 90 and scores["test"]["n"] == 30
    assert scores["test"]["accuracy"] > 0.85
    pred, proba = predict(res.model, blobs(sep=4.0).X_test, "classification", batch_size=7)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-5)
    assert pred.dtype == np.int64 and res.model.training is False


def test_train_network_builds_from_a_spec_reproducibly() -> None:
    from core.nn.spec import LayerSpec, NetworkSpec

    spec = NetworkSpec(layers=[LayerSpec("Dense", {"units": 8, "activation": "relu"}),
                               LayerSpec("Dropout", {"rate": 0.2})])
    config = TrainConfig(epochs=3, batch_size=16, seed=5, device="cpu")
    a = train_network(spec, config, blobs())
    b = train_network(spec, config, blobs())
    assert a.failed is None and a.stopped_because == "completed"
    assert a.history.column("train_loss") == b.history.column("train_loss")
    assert not torch.are_deterministic_algorithms_enabled()  # switched back afterwards
    events: list = []
    bad = NetworkSpec(layers=[LayerSpec("Conv1D", {"filters": 4, "kernel": 9})])
    failed = train_network(bad, config, blobs(), on_event=events.append)
    assert failed.failed and failed.stopped_because == "failed"
    assert events == [RunFailed(failed.failed)]


def test_a_loss_growing_by_orders_of_magnitude_stops_the_run_as_diverged() -> None:
    """Adam at a learning rate of 1e6 never reaches NaN here: the loss just explodes. The
    run stops as diverged (not "completed"), with the same advice as a NaN."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    data = TensorData.from_arrays(X, (X[:, 0] > 0).astype(np.int64), task="classification")
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))
    result, events = run(model, data, epochs=30, optimizer="adam", lr=1e6)
    assert result.stopped_because == "nan", result.message
    assert re.match(r"the loss grew from 0\.\d+ to [\d.e+]+ by epoch \d+, more than 1,000 "
                    r"times: the run diverged; the learning rate 1e\+06 is probably too high; "
                    r"try 0\.001$", result.message)
    assert isinstance(events[-1], RunFinished) and events[-1].stopped_because == "nan"
    assert result.epochs_run < 30


def test_an_ordinary_run_whose_loss_rises_a_little_is_not_called_diverged() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 5))
    data = TensorData.from_arrays(X, (X @ rng.normal(size=5) > 0).astype(np.int64),
                                  task="classification")
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 32), nn.ReLU(), nn.Linear(32, 2))
    result, _ = run(model, data, epochs=40, optimizer="sgd", lr=0.5)  # noisy, but learning
    assert result.stopped_because == "completed", result.message
