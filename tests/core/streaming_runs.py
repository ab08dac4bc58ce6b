"""One check for every kind of streamed data: the same run trained in memory and streamed
(``core.data.lazy``) must be the same run: losses, weights, test figures, predictions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from core.data.lazy import set_streaming
from core.nn.predict import predict
from core.train.config import TrainConfig
from core.train.run import prepare_run, train_prepared


def run(path: Path, mode: str) -> tuple[Any, Any]:
    """(prepared run, outcome) of three epochs on ``path`` with streaming ``mode``."""
    set_streaming(mode)
    prepared = prepare_run(str(path), network="auto", seed=0)
    config = TrainConfig(epochs=3, device="cpu", seed=3, checkpoint_every=0)
    return prepared, train_prepared(prepared, config, baselines=["logistic_regression"])


def assert_streamed_run_is_in_memory_run(path: Path) -> tuple[Any, Any]:
    """Train ``path`` both ways and compare; returns the (in memory, streamed) outcomes."""
    whole_prep, whole = run(path, "never")
    lazy_prep, lazy = run(path, "always")
    assert lazy_prep.data.streamed and not whole_prep.data.streamed
    assert lazy.result.history.rows and [
        (r["train_loss"], r["val_loss"]) for r in lazy.result.history.rows] == [
        (r["train_loss"], r["val_loss"]) for r in whole.result.history.rows]
    for a, b in zip(lazy.result.model.state_dict().values(),
                    whole.result.model.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert lazy.metrics["test"] == whole.metrics["test"]
    got, _ = predict(lazy.result.model, lazy_prep.data.X_test, "classification", batch_size=7)
    want, _ = predict(whole.result.model, whole_prep.data.X_test, "classification")
    np.testing.assert_array_equal(got, want)
    return whole, lazy
