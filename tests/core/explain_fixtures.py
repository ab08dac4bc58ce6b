"""What the tests/core/test_explain_*.py modules share: one small CNN trained on the
planted-motif demo (TATAAT at a random place in the positives), trained once per test
process (about 2 s) and only read by the tests.

It is the default 1-D CNN preset (32 filters of width 9, 'same' padding, ReLU) trained
6 epochs with fixed seeds; its test accuracy is about 0.98.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from core.train.config import TrainConfig
from core.train.run import TrainingOutcome, prepare_run, train_prepared

MOTIF = "TATAAT"


@lru_cache(maxsize=1)
def motif_outcome() -> TrainingOutcome:
    prepared = prepare_run("demo:motif", network="cnn1d", seed=0)
    config = TrainConfig(epochs=6, device="cpu", seed=0)
    outcome = train_prepared(prepared, config, baselines=["logistic_regression", "majority"])
    assert outcome.succeeded and outcome.metrics["test"]["accuracy"] > 0.9
    outcome.result.model.eval()
    return outcome


def planted_starts(outcome: TrainingOutcome, split: str = "test") -> tuple[np.ndarray, list[int]]:
    """(rows of ``split`` that carry the motif, the motif's start in each). The demo does
    not store where it planted the motif; it is where TATAAT first occurs (negatives
    never hold it)."""
    idx = getattr(outcome.split, split)
    seqs = [outcome.dataset.records[i] for i in idx]
    rows = [r for r, s in enumerate(seqs) if MOTIF in s]
    return np.array(rows), [seqs[r].find(MOTIF) for r in rows]


def one_hot(text: str, letters: str = "ACGT") -> np.ndarray:
    return np.eye(len(letters), dtype=np.float32)[[letters.index(c) for c in text]]
