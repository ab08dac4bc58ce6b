"""Why the network said what it said about one sequence: an attribution logo (gradient x
input or integrated gradients) above the in-silico mutagenesis heat map.

The sequence is one of the test split (its worst errors first, or in file order) or one
typed in; the output explained is the predicted class or a chosen one. "Class means"
draws, per class, the mean attribution over its correctly predicted test sequences.
Every computation runs on a worker (``core.explain``); the plots export like the others.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.jobs import JobRunner, error_text
from app.plots.base import new_plot
from app.plots.logos import attribution_logo, mutagenesis_heatmap
from app.widgets.plot_export import PlotPanel

SOURCES = (("Worst predictions first", "worst"), ("Test sequences", "test"), ("Typed in", "typed"))
METHODS = (("gradient \u00d7 input", "saliency"), ("integrated gradients", "ig"))
MAX_LISTED = 300


def worst_first(model: Any, X: np.ndarray, y: np.ndarray, task: str) -> np.ndarray:
    """Row order from the worst prediction to the best: lowest probability of the true
    class, or largest absolute error."""
    from core.nn.predict import predict

    pred, proba = predict(model, X, task)
    if task == "classification" and proba is not None:
        return np.argsort(proba[np.arange(len(y)), y], kind="stable")
    error = np.abs(np.asarray(pred, dtype=np.float64).reshape(len(y), -1)
                   - np.asarray(y, dtype=np.float64).reshape(len(y), -1)).sum(axis=1)
    return np.argsort(-error, kind="stable")


class SequenceExplainer(QWidget):
    """Controls, the attribution logo and the mutagenesis heat map."""

    message = Signal(str, str)  # text, level

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outcome: Any = None
        self.inputs: Any = None  # core.explain.inputs.ExplainInputs of the test split
        self.order = np.zeros(0, dtype=np.int64)
        self.source = QComboBox()
        for text, key in SOURCES:
            self.source.addItem(text, key)
        self.source.currentIndexChanged.connect(self._fill_list)
        self.pick = QComboBox()
        self.pick.setMinimumContentsLength(28)
        self.typed = QLineEdit()
        self.typed.setPlaceholderText("type or paste a sequence")
        self.method = QComboBox()
        for text, key in METHODS:
            self.method.addItem(text, key)
        self.target = QComboBox()
        self.explain_button = QPushButton("Explain")
        self.explain_button.setObjectName("primaryButton")
        self.explain_button.clicked.connect(self.explain)
        self.means_button = QPushButton("Class means")
        self.means_button.setToolTip("Per class, the mean attribution over its correctly "
                                     "predicted test sequences")
        self.means_button.clicked.connect(self.class_means)
        row = QHBoxLayout()
        for w in (self.source, self.pick, self.typed):
            row.addWidget(w, 1 if w is not self.source else 0)
        row2 = QHBoxLayout()
        row2.addWidget(QLabel("Method"))
        row2.addWidget(self.method)
        row2.addWidget(QLabel("Explain the output"))
        row2.addWidget(self.target)
        row2.addWidget(self.explain_button)
        row2.addWidget(self.means_button)
        row2.addStretch(1)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.logo_plot = new_plot(None, "position", "attribution", legend=False)
        self.ism_plot = new_plot(None, "position", "", legend=False)
        self.logo_panel = PlotPanel(self.logo_plot, "Attribution",
                                    "letters above the line push the output up")
        self.ism_panel = PlotPanel(self.ism_plot, "In-silico mutagenesis",
                                   "every position changed to every other letter")
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(row2)
        layout.addWidget(self.summary)
        layout.addWidget(self.logo_panel, 1)
        layout.addWidget(self.ism_panel, 1)
        self.job = JobRunner(self)
        self.job.succeeded.connect(self._on_done)
        self.job.failed.connect(self._on_failed)
        self._fill_list()

    # -- the run ---------------------------------------------------------------------------
    def set_outcome(self, outcome: Any, inputs: Any, order: np.ndarray) -> None:
        """The run's test sequences (``inputs``) and their worst-first ``order``."""
        self.outcome, self.inputs, self.order = outcome, inputs, order
        self.target.clear()
        self.target.addItem("predicted class" if inputs.task == "classification"
                            else "the value", None)
        for i, name in enumerate(inputs.class_names or []):
            self.target.addItem(f"class {name}", i)
        self.means_button.setEnabled(inputs.task == "classification")
        self._fill_list()

    def _fill_list(self) -> None:
        key = self.source.currentData()
        self.typed.setVisible(key == "typed")
        self.pick.setVisible(key != "typed")
        self.pick.clear()
        if self.inputs is None:
            return
        rows = self.order if key == "worst" else np.arange(len(self.inputs.ids))
        names = self.inputs.class_names
        for i in rows[:MAX_LISTED]:
            label = self.inputs.ids[i]
            if names and self.inputs.y is not None:
                label += f" (true: {names[int(self.inputs.y[i])]})"
            self.pick.addItem(label, int(i))

    # -- computing -------------------------------------------------------------------------
    def _chosen(self) -> tuple[np.ndarray, str, str]:
        """(X of one sequence, its text, its name); ``ExplainError`` for a bad typed one."""
        from core.errors import ExplainError

        if self.source.currentData() == "typed":
            text = "".join(self.typed.text().split()).upper()
            if not text:
                raise ExplainError("type a sequence first")
            return _encode_typed(self.outcome, text), text, "typed sequence"
        row = self.pick.currentData()
        if row is None:
            raise ExplainError("the run has no test sequences to explain")
        seq = str(self.outcome.dataset.subset(self.outcome.split.test).records[row])
        return self.inputs.X[row:row + 1], seq, self.inputs.ids[row]

    def explain(self) -> None:
        if self.outcome is None:
            return
        try:
            X, text, name = self._chosen()
        except Exception as exc:  # ExplainError / DataError: one line
            self.message.emit(str(exc), "error")
            return
        model, method, target = self.inputs.model, self.method.currentData(), \
            self.target.currentData()
        layout, task = self.inputs.layout, self.inputs.task

        def job(progress: Any, should_stop: Any) -> Any:
            from core.explain.methods import explain

            att = explain(model, X, method, target, layout=layout, task=task)
            ism = explain(model, X, "ism", att.targets, layout=layout, task=task)
            return "one", att, ism, text, name

        self.job.run(job)

    def class_means(self) -> None:
        if self.inputs is None or self.inputs.y is None:
            return
        inputs, method = self.inputs, self.method.currentData()

        def job(progress: Any, should_stop: Any) -> Any:
            from core.explain.methods import class_mean_attribution

            return "means", class_mean_attribution(
                inputs.model, inputs.X, inputs.y, method, class_names=inputs.class_names,
                layout=inputs.layout, should_stop=should_stop), None, "", ""

        self.job.run(job)

    def _on_done(self, result: tuple[Any, Any, Any, str, str]) -> None:
        kind, att, ism, text, name = result
        letters = list(self.inputs.letters)
        if kind == "one":
            values = att.values[0]
            length = min(len(text), values.shape[0])
            attribution_logo(self.logo_plot, values[:length], letters, text[:length],
                             title=self.method.currentText())
            effects = np.nan_to_num(ism.values[0][:length])
            mutagenesis_heatmap(self.ism_plot, effects, letters, text[:length])
            names = self.inputs.class_names
            what = (f"class {names[int(att.targets[0])]}" if names else "the value")
            self.summary.setText(f"<b>{name}</b>{self._verdict(name)}: explained is the "
                                 f"output for {what} ({float(att.outputs[0]):.3g}, before "
                                 "the softmax for a class). Below, the darkest cells are "
                                 "the changes that move it most.")
            self.ism_panel.setVisible(True)
            return
        shown = [c for c in range(len(att.class_names)) if att.counts[c]]
        chosen = self.target.currentData()
        # the class asked for, else the last one (the "positive" class of two)
        c = chosen if chosen is not None else (shown[-1] if shown else 0)
        attribution_logo(self.logo_plot, np.nan_to_num(att.values[c]), letters, None,
                         title=f"mean {self.method.currentText()}")
        counts = ", ".join(f"{n}: {k}" for n, k in zip(att.class_names, att.counts,
                                                       strict=True))
        self.summary.setText(f"Mean attribution of class <b>{att.class_names[c]}</b> over "
                             f"its correctly predicted test sequences (per class: {counts}).")
        self.ism_panel.setVisible(False)

    def _verdict(self, name: str) -> str:
        """' (true: absent, predicted: present)' for a test sequence of a classifier."""
        names, inputs = self.inputs.class_names, self.inputs
        if not names or inputs.y is None or name not in inputs.ids:
            return ""
        from core.nn.predict import predict

        row = inputs.ids.index(name)
        pred, _ = predict(inputs.model, inputs.X[row:row + 1], inputs.task)
        return f" (true: {names[int(inputs.y[row])]}, predicted: {names[int(pred[0])]})"

    def _on_failed(self, error: object) -> None:
        self.message.emit(error_text(error), "error")

    def shutdown(self) -> None:
        self.job.shutdown()


def _encode_typed(outcome: Any, text: str) -> np.ndarray:
    """One typed sequence encoded as the run's training data were (its preprocessing)."""
    from core.data.dataset import Dataset
    from core.errors import ExplainError

    ds = outcome.dataset
    allowed = set("ACGTUN") if ds.alphabet in ("DNA", "RNA") else None
    if allowed is not None and not set(text) <= allowed:
        bad = sorted(set(text) - allowed)
        raise ExplainError(f"the sequence holds {', '.join(bad)}; a {ds.alphabet} model "
                           "reads A, C, G, T (or U) and N")
    if ds.alphabet in ("DNA", "RNA"):
        text = text.replace("U", "T")
    one = Dataset(name="typed", modality="sequence", task=ds.task, records=[text],
                  targets=ds.targets[:1], ids=["typed"], class_names=ds.class_names,
                  alphabet=ds.alphabet)
    return np.ascontiguousarray(outcome.preprocessing.transform(one), dtype=np.float32)
