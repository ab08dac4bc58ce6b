"""Early stopping's min_delta: gains smaller than it do not restart the patience."""

from __future__ import annotations

import numpy as np

from core.data.tensors import TensorData
from core.nn.spec import NetworkSpec
from core.train.checkpoint import load_checkpoint, save_checkpoint
from core.train.config import TrainConfig
from core.train.trainer import train_network


def _data() -> TensorData:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5]) + 0.3 * rng.normal(size=200)).astype(np.float32)
    return TensorData.from_arrays(x[:150], y[:150], x[150:], y[150:], task="regression")


CONFIG = dict(epochs=60, lr=0.02, optimizer="sgd", schedule="none", device="cpu",
              early_stopping=3, checkpoint_every=0)


def test_tiny_gains_no_longer_reset_the_patience() -> None:
    data, spec = _data(), NetworkSpec([])
    plain = train_network(spec, TrainConfig(**CONFIG), data)
    strict = train_network(spec, TrainConfig(**CONFIG, min_delta=0.05), data)
    assert plain.stopped_because == strict.stopped_because == "early_stopping"
    assert strict.epochs_run < plain.epochs_run
    losses = [r["val_loss"] for r in strict.history.rows]
    assert strict.best_epoch == int(np.argmin(losses)) + 1  # the best is still the lowest
    assert "by more than 0.05" in strict.message
    # the patience's epochs: none of the last three beat the loss it counts from by 0.05
    start = strict.epochs_run - 3
    assert min(losses[start:]) > min(losses[:start]) - 0.05
    again = train_network(spec, TrainConfig(**CONFIG, min_delta=0.05), data)
    assert [r["val_loss"] for r in again.history.rows] == losses


def test_a_checkpoint_keeps_the_loss_the_patience_counts_from(tmp_path) -> None:  # noqa: ANN001
    data, spec = _data(), NetworkSpec([])
    config = {**CONFIG, "checkpoint_every": 1, "min_delta": 0.05, "early_stopping": 50}
    run = train_network(spec, TrainConfig(**{**config, "epochs": 6}), data)
    ck = run.checkpoint
    assert ck is not None and ck.patience_loss is not None
    save_checkpoint(tmp_path, ck)
    loaded = load_checkpoint(tmp_path)
    assert loaded.patience_loss == ck.patience_loss and loaded.since_best == ck.since_best
    straight = train_network(spec, TrainConfig(**{**config, "epochs": 12}), data)
    resumed = train_network(spec, TrainConfig(**{**config, "epochs": 12}), data, resume=loaded)
    assert [r["val_loss"] for r in resumed.history.rows] == [
        r["val_loss"] for r in straight.history.rows]
