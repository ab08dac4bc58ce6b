"""The pictures that follow the weights while a network trains, as tabs.

Playground's decision surface (for a table of two inputs), a hidden layer's projection
and the first Conv1D layer's motifs (``app.widgets.motif_view``, sequence models). Each
takes the run's ``PreparedRun`` when it starts, each epoch's weights (copied on the
training thread) and, at the end, the finished run. The hidden-layer
projection itself is computed on the training thread from the view's
``EmbeddingRequest`` (``request_changed``), so this widget only draws.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QTabWidget, QWidget

from app.state import AppState
from app.widgets.decision_surface import DecisionSurface
from app.widgets.embedding_view import EmbeddingView
from app.widgets.motif_view import MotifView


class LiveViews(QTabWidget):
    """Decision surface | Hidden layer | Motifs."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.surface_view = DecisionSurface(state)
        self.embedding_view = EmbeddingView()
        self.embedding_view.worker_computes = True  # epochs arrive as ready projections
        self.request_changed = self.embedding_view.request_changed
        self.addTab(self.surface_view, "Decision surface")
        self.addTab(self.embedding_view, "Hidden layer")
        self.motif_view = MotifView()
        self.addTab(self.motif_view, "Motifs")
        self.setTabToolTip(2, "The first Conv1D layer's filters as sequence logos, updated "
                              "while the network trains (sequence models)")
        self.setTabToolTip(0, "The network's answer over the plane of a table of two inputs "
                              "(TensorFlow Playground's picture)")
        self.setTabToolTip(1, "A hidden layer's outputs on the validation samples, "
                              "projected on two principal components")
        self.setCurrentIndex(0 if self.surface_view.available else 1)

    def set_prepared(self, prepared: Any) -> None:
        self.surface_view.set_prepared(prepared)
        self.embedding_view.set_prepared(prepared)
        self.motif_view.set_prepared(prepared)
        if self.surface_view.available:
            self.setCurrentIndex(0)
        elif self.motif_view.available:
            self.setCurrentIndex(2)  # a sequence model: its motifs forming are the news
        elif self.currentIndex() != 1:
            self.setCurrentIndex(1)

    def update_weights(self, epoch: int, state_dict: Any) -> None:
        self.surface_view.update_model(state_dict, epoch)
        self.embedding_view.update_model(state_dict, epoch)
        self.motif_view.update_model(state_dict, epoch)

    def show_embedding(self, epoch: int, emb: Any, path: Any) -> None:
        self.embedding_view.show_embedding(emb, epoch, path)

    def set_outcome(self, outcome: Any) -> None:
        self.surface_view.set_outcome(outcome)
        self.embedding_view.set_outcome(outcome)
        self.motif_view.set_outcome(outcome)

    def shutdown(self) -> None:
        self.surface_view.shutdown()
        self.embedding_view.shutdown()
        self.motif_view.shutdown()
