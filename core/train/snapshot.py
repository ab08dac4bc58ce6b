"""What the live views need from each epoch, made on the training thread.

After an epoch the trainer calls ``RunControl.on_epoch_model(epoch, model)`` on its own
thread. An ``EpochSnapshotter`` there copies the weights (at most ``WEIGHTS_INTERVAL_S``
apart) and projects one hidden layer (``core.nn.embedding.hidden_embedding``) for the
request the window last handed it. The request is an immutable value the window replaces
whole, so nothing of the window (no widget, no page) runs or is read on this thread; the
results leave through two plain callbacks (in the GUI, Qt signals, which are thread-safe).

The projection delays the next epoch, so it runs at most every ``EMBEDDING_INTERVAL_S``
and only as often as keeps its cost within ``EMBEDDING_TIME_SHARE`` of the training time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import MendelError

WEIGHTS_INTERVAL_S = 0.2  # weights to the live views at most 5 times a second
EMBEDDING_INTERVAL_S = 0.5  # the hidden-layer picture: at most twice a second...
EMBEDDING_TIME_SHARE = 0.03  # ...and at most this share of the training time


@dataclass(frozen=True)
class EmbeddingRequest:
    """Which layer to project, on which rows, keeping the signs of ``previous``."""

    path: tuple[int, ...]
    X: np.ndarray
    previous: np.ndarray | None = None


WeightsFn = Callable[[int, dict[str, Any]], None]
EmbeddingFn = Callable[[int, Any, tuple[int, ...]], None]


class EpochSnapshotter:
    """``on_epoch_model`` for the trainer: weights and a projection, within a time budget."""

    def __init__(self, on_weights: WeightsFn, on_embedding: EmbeddingFn,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._on_weights = on_weights
        self._on_embedding = on_embedding
        self._clock = clock
        self.request: EmbeddingRequest | None = None  # replaced whole by the window
        self._weights_sent = -float("inf")
        self._embedding_sent = -float("inf")
        self._embedding_cost = 0.0
        self._projected = False

    def set_request(self, request: EmbeddingRequest | None) -> None:
        """Called from any thread: one attribute assignment, read once per epoch."""
        self.request = request

    def __call__(self, epoch: int, model: Any) -> None:
        now = self._clock()
        if now - self._weights_sent < WEIGHTS_INTERVAL_S:
            return
        self._weights_sent = now
        state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
        self._on_weights(epoch, state)
        wait = max(EMBEDDING_INTERVAL_S, self._embedding_cost / EMBEDDING_TIME_SHARE)
        request = self.request
        if request is None or now - self._embedding_sent < wait:
            return
        from core.nn.embedding import hidden_embedding

        start = self._clock()  # the projection alone, not the weights copy before it
        try:
            emb = hidden_embedding(model, request.X, request.path, request.previous)
        except MendelError:
            return  # the view says why when it next projects the final model itself
        except RuntimeError:  # inputs of another run (the window's request is late):
            self.request = None  # a picture never ends a training; the next request comes
            return
        done = self._clock()
        cost = done - start
        if not self._projected:  # the first one pays one-time costs: it must not set the pace
            cost = min(cost, EMBEDDING_INTERVAL_S * EMBEDDING_TIME_SHARE)
            self._projected = True
        self._embedding_sent, self._embedding_cost = done, cost
        self._on_embedding(epoch, emb, request.path)
