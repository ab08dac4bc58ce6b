"""The epoch snapshotter: weights and a projection from an immutable request, on budget."""

from __future__ import annotations

import numpy as np
import torch

from core.train.snapshot import (
    EMBEDDING_INTERVAL_S,
    WEIGHTS_INTERVAL_S,
    EmbeddingRequest,
    EpochSnapshotter,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))


def test_weights_are_copies_sent_at_most_every_interval() -> None:
    clock, weights, embeddings = Clock(), [], []
    snap = EpochSnapshotter(lambda e, s: weights.append((e, s)),
                            lambda e, emb, p: embeddings.append(e), clock)
    model = _model()
    snap(1, model)
    clock.now += WEIGHTS_INTERVAL_S / 2
    snap(2, model)  # too soon
    clock.now += WEIGHTS_INTERVAL_S
    snap(3, model)
    assert [e for e, _ in weights] == [1, 3]
    state = weights[0][1]
    with torch.no_grad():
        model[0].weight.add_(1.0)
    assert not torch.equal(state["0.weight"], model[0].weight)  # a copy, not a view
    assert embeddings == []  # no request: nothing projected


def test_projection_follows_the_latest_request() -> None:
    clock, embeddings = Clock(), []
    snap = EpochSnapshotter(lambda e, s: None,
                            lambda e, emb, p: embeddings.append((e, emb, p)), clock)
    X = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    snap.set_request(EmbeddingRequest((0,), X))
    model = _model()
    snap(1, model)
    assert len(embeddings) == 1
    epoch, emb, path = embeddings[0]
    assert epoch == 1 and path == (0,) and emb.coords.shape == (40, 2)
    clock.now += WEIGHTS_INTERVAL_S  # weights again, but the projection waits
    snap(2, model)
    assert len(embeddings) == 1
    clock.now += EMBEDDING_INTERVAL_S
    snap.set_request(EmbeddingRequest((1,), X[:10], None))  # another layer, fewer rows
    snap(3, model)
    assert embeddings[-1][2] == (1,) and embeddings[-1][1].coords.shape == (10, 2)
    snap.set_request(None)  # the view was hidden
    clock.now += 10.0
    snap(4, model)
    assert len(embeddings) == 2


def test_a_request_for_other_inputs_never_ends_the_training() -> None:
    """The window's request may still hold the previous run's inputs (30 columns) when
    this run's first epoch ends: no picture then, and training goes on."""
    clock, embeddings = Clock(), []
    snap = EpochSnapshotter(lambda e, s: None, lambda e, emb, p: embeddings.append(e), clock)
    snap.set_request(EmbeddingRequest((0,), np.zeros((8, 30), np.float32)))
    snap(1, _model())  # must not raise
    assert embeddings == [] and snap.request is None
