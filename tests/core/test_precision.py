"""Mixed precision (``TrainConfig.amp``, ``core.train.precision``). The CUDA path itself
runs in ``tests/gpu``; here the same code paths run on the CPU: asked for on a CPU it is
float32 with a note, and a forced bfloat16 autocast (with and without a gradient scaler)
trains, so the autocast, scaling, unscaling-before-clipping and stepping code is covered
on every machine."""

from __future__ import annotations

import pytest
import torch

from core.train import trainer
from core.train.config import TrainConfig
from core.train.precision import Precision, choose_precision
from core.train.run import prepare_run, train_prepared


@pytest.fixture(scope="module")
def prepared():
    return prepare_run("demo:xor", network="mlp", seed=0)


def _train(prepared, **config):
    c = TrainConfig(epochs=5, device="cpu", seed=0, checkpoint_every=0, **config)
    return train_prepared(prepared, c, baselines=False).result


def test_asked_for_on_a_cpu_it_trains_in_float32_and_says_so(prepared) -> None:
    plain, amp = _train(prepared), _train(prepared, amp=True)
    assert "mixed precision runs on CUDA GPUs only" in amp.message
    assert [r["train_loss"] for r in plain.history.rows] == \
        [r["train_loss"] for r in amp.history.rows]
    assert "mixed" not in amp.device


def test_labels() -> None:
    assert Precision().label == "float32"
    assert choose_precision(torch.device("cpu"), False).dtype is None
    assert Precision(torch.bfloat16).label == "bfloat16 mixed precision"
    scaled = Precision(torch.float16, torch.amp.GradScaler("cpu"))
    assert scaled.label == "float16 mixed precision (loss scaling)"


@pytest.mark.parametrize("scaled", [False, True], ids=["bf16", "bf16+scaler"])
def test_a_forced_16_bit_autocast_trains_and_is_recorded(prepared, monkeypatch,
                                                         scaled: bool) -> None:
    forced = Precision(torch.bfloat16, torch.amp.GradScaler("cpu") if scaled else None)
    monkeypatch.setattr(trainer, "choose_precision", lambda dev, amp: forced)
    result = _train(prepared, amp=True, grad_clip=1.0)
    losses = [r["train_loss"] for r in result.history.rows]
    assert result.stopped_because == "completed", result.message
    assert losses[-1] < 0.8 * losses[0]
    assert forced.label in result.device
    assert all(p.dtype == torch.float32 for p in result.model.parameters())
    if scaled:
        assert forced.scaler.get_scale() > 0  # it stepped through the scaler
