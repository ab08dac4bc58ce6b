"""The default network beats every classic baseline (a small version of ``make bench``'s
``models`` table): everything at its default, one seed per task, smaller data.

Training on the CPU with deterministic algorithms gives the same result run after run, so
these are regression guards, not coin flips: a change to a preset or a training default
that makes the network lose to a logistic regression, a forest or k-NN fails here.
"""

from __future__ import annotations

import pytest
import torch

from core.nn.presets import suggest_preset
from tests.benchmarks.bench_models import compare


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize(("task", "n", "model"), [
    ("fixed_offset", 1500, "cnn1d"),
    ("motif_anywhere", 1000, "cnn1d"),
    ("tabular", 1000, "mlp"),
    ("images", 2000, "cnn2d"),  # smaller sets tie with k-NN on near-duplicate digits
])
def test_the_default_network_beats_the_best_baseline(task: str, n: int, model: str) -> None:
    row = compare(task, seed=0, n=n)
    assert row["model"] == model
    assert row["win"], (f"{task}: network {row['network']} vs {row['best_baseline']} "
                        f"{row['baseline']} ({row['baselines']})")


def test_auto_chooses_by_data_and_encoding() -> None:
    assert suggest_preset("sequence", (60, 4)) == "cnn1d"
    assert suggest_preset("sequence", (60,), encoding="integer") == "transformer"
    assert suggest_preset("sequence", (256,), encoding="kmer") == "mlp"
    assert suggest_preset("image", (1, 28, 28)) == "cnn2d"
    assert suggest_preset("tabular", (10,)) == "mlp"
    assert suggest_preset("tabular", (10,), task="reconstruct") == "autoencoder"
