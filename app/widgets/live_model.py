"""What every live view of a training run shares: its own copy of the network, and a
throttle that redraws with the newest weights at most a few times a second.

The decision surface and the hidden-layer view both follow the weights epoch by epoch.
Each keeps a ``LiveModel`` (the weights loaded into a network of its own, never the one
the trainer updates) and pushes each epoch through a ``Throttle`` so that a fast run does
not queue more redraws than the window can paint.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

MAX_HZ = 5.0


class LiveModel:
    """The run's network as the views use it on the main thread.

    A finished run's model is used as it is; per-epoch weights (a state dict copied on
    the worker side) are loaded into the views' own copy, built once from the spec, so
    nothing here ever touches the model the trainer is updating.
    """

    def __init__(self, prepared: Any) -> None:
        self.prepared = prepared
        self._own: Any = None

    def model_for(self, source: Any) -> Any:
        """The model to run, or None for weights that do not fit this run's network (a
        late epoch of a previous run, still in the event queue when a new one started)."""
        if not isinstance(source, Mapping):
            return source  # a torch module the caller does not train any more
        if self._own is None:
            from core.nn.build import build_model

            data = self.prepared.data
            self._own = build_model(self.prepared.spec, tuple(data.input_shape),
                                    data.n_outputs)
            self._own.eval()
        try:
            self._own.load_state_dict(source)
        except RuntimeError:  # missing, unexpected or differently shaped tensors
            return None
        return self._own


class Throttle:
    """Calls ``fn`` with the latest value at most ``hz`` times a second (main thread).

    ``fn`` (a method of ``parent``) is held weakly: a widget that owns its throttle must
    not sit in a reference cycle, or Python's cycle collector would destroy it at an
    arbitrary moment, possibly while Qt is painting.
    """

    def __init__(self, parent: QWidget, fn: Any, hz: float = MAX_HZ) -> None:
        self._fn = weakref.WeakMethod(fn)
        self._interval = 1.0 / hz
        self._pending: Any = None
        self._has_pending = False
        self._last = -1e9
        self._timer = QTimer(parent)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)

    def push(self, value: Any) -> None:
        self._pending, self._has_pending = value, True
        if not self._timer.isActive():
            wait = max(0.0, self._interval - (time.monotonic() - self._last))
            self._timer.start(int(wait * 1000))

    def flush(self) -> None:
        """Run now with the latest value, if one is waiting."""
        self._timer.stop()
        if self._has_pending:
            value, self._pending, self._has_pending = self._pending, None, False
            self._last = time.monotonic()
            fn = self._fn()
            if fn is not None:
                fn(value)

    def cancel(self) -> None:
        self._timer.stop()
        self._pending, self._has_pending = None, False
