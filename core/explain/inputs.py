"""What an explanation runs on: a trained model and inputs encoded as training encoded
them, from a run folder (``mendel explain`` / ``mendel motifs``) or a finished run of
the session (the GUI's ``TrainingOutcome``).

New data go through the run's own reading options and fitted preprocessing
(``LoadedBundle.load_data`` and ``.preprocessing``). A run's own data are the ones its
checkpoint's run record names, read again with the recorded split
(``core.export.resume.prepare_recorded``; a changed file is a note), and encoded with
the run's saved preprocessing, not a refitted one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from torch import nn

from core.data.dataset import Dataset
from core.data.tensors import TensorData, input_layout
from core.errors import ExplainError, ExportError
from core.explain.ism import layout_letters
from core.export.bundle import LoadedBundle, load_bundle
from core.export.reopen import NO_RECORD
from core.export.resume import prepare_recorded
from core.nn.spec import NetworkSpec
from core.train.checkpoint import load_checkpoint
from core.train.run import PreparedRun, TrainingOutcome

SPLITS = ("train", "val", "test")


@dataclass
class ExplainInputs:
    """A model and N encoded inputs with their ids (and targets when known)."""

    model: nn.Module
    spec: NetworkSpec
    task: str
    class_names: list[str] | None
    layout: str  # ``core.data.tensors.input_layout``: "onehot:DNA", "image", "table"...
    X: np.ndarray  # (N, *input_shape) float32
    ids: list[str]
    y: np.ndarray | None = None  # class indices or values; None when not read
    feature_names: list[str] = field(default_factory=list)  # per flattened input value
    notes: list[str] = field(default_factory=list)

    @property
    def letters(self) -> str:
        """The one-hot channels' letters ("ACGT"...), "" for other inputs."""
        return layout_letters(self.layout)

    def select(self, ids: Sequence[str]) -> ExplainInputs:
        """Only the samples ``ids``, in that order; ``ExplainError`` names a missing one."""
        where = {sid: i for i, sid in enumerate(self.ids)}
        missing = next((sid for sid in ids if sid not in where), None)
        if missing is not None:
            like = f" (ids look like {self.ids[0]!r})" if self.ids else ""
            raise ExplainError(f"no sample has the id {missing!r}{like}")
        rows = np.array([where[sid] for sid in ids], dtype=np.int64)
        return replace(self, X=self.X[rows], ids=[self.ids[i] for i in rows],
                       y=None if self.y is None else self.y[rows])


def _layout(preprocessing: object) -> str:
    return input_layout(getattr(preprocessing, "kind", ""),
                        getattr(preprocessing, "alphabet", None),
                        getattr(preprocessing, "encoding", ""))


def _targets(ds: Dataset, task: str, X: np.ndarray) -> np.ndarray:
    if task == "reconstruct":  # an autoencoder's targets are its flattened inputs
        return X.reshape(len(X), -1)
    return np.asarray(ds.targets, dtype=np.int64 if task == "classification" else np.float32)


def bundle_inputs(bundle: LoadedBundle, ds: Dataset, labelled: bool = False) -> ExplainInputs:
    """``ds`` (from ``bundle.load_data``) encoded for ``bundle``'s model; its targets are
    kept when it was read ``labelled``."""
    X = np.ascontiguousarray(bundle.encode(ds), dtype=np.float32)
    return ExplainInputs(model=bundle.model.eval(), spec=bundle.spec, task=bundle.task,
                         class_names=bundle.class_names, layout=_layout(bundle.preprocessing),
                         X=X, ids=list(ds.ids),
                         y=_targets(ds, bundle.task, X) if labelled else None,
                         feature_names=list(bundle.preprocessing.feature_names))


def outcome_inputs(outcome: TrainingOutcome, split: str = "test") -> ExplainInputs:
    """The rows of one split of a finished run, with their targets (training rows
    without augmentation: only the samples themselves)."""
    if split not in SPLITS:
        raise ExplainError(f"unknown split {split!r}; use train, val or test")
    result = outcome.result
    if result is None or result.model is None:
        raise ExplainError("the run has no trained model to explain")
    idx = getattr(outcome.split, split)
    sub = outcome.dataset.subset(idx)
    shape = (0, *outcome.data.input_shape)
    X = (np.ascontiguousarray(outcome.preprocessing.transform(sub), dtype=np.float32)
         if len(idx) else np.zeros(shape, dtype=np.float32))
    return ExplainInputs(model=result.model.eval(), spec=outcome.spec,
                         task=outcome.data.task, class_names=outcome.data.class_names,
                         layout=outcome.data.layout or _layout(outcome.preprocessing),
                         X=X, ids=list(sub.ids), y=_targets(sub, outcome.data.task, X),
                         feature_names=list(outcome.data.feature_names))


def _recorded(run_dir: str | Path) -> tuple[LoadedBundle, PreparedRun, list[str], str]:
    """The run folder, its recorded data prepared again (split and tensors), notes and
    the data's source; ``ExportError`` for a run that does not record its data."""
    bundle = load_bundle(run_dir)
    run = Path(run_dir)
    record = load_checkpoint(bundle.checkpoint_dir).record if bundle.checkpoint_dir else None
    if record is None or not record.info:
        raise ExportError(NO_RECORD, str(run))
    prepared, notes = prepare_recorded(record, run, force=True)
    return bundle, prepared, notes, str(record.info.get("source", ""))


def run_tensors(run_dir: str | Path) -> tuple[LoadedBundle, TensorData, list[str]]:
    """A run folder, the tensors of its recorded data and split (as training made them),
    and notes (e.g. a changed data file)."""
    bundle, prepared, notes, _ = _recorded(run_dir)
    return bundle, prepared.data, notes


def run_inputs(run_dir: str | Path, data: str | None = None, *, split: str = "train",
               labelled: bool = False, labels: str | None = None) -> ExplainInputs:
    """A run folder's model on ``data`` (read as training read its input; ``labelled``
    keeps the targets, ``labels`` is a FASTA's labels table), or without ``data`` on
    the rows of ``split`` of the run's own data (with their targets)."""
    if split not in SPLITS:
        raise ExplainError(f"unknown split {split!r}; use train, val or test")
    if data is not None:
        bundle = load_bundle(run_dir)
        ds = bundle.load_data(data, labels=labels, labelled=labelled)
        return bundle_inputs(bundle, ds, labelled)
    bundle, prepared, notes, source = _recorded(run_dir)
    sub = prepared.dataset.subset(getattr(prepared.split, split))
    inputs = bundle_inputs(bundle, sub, labelled=False)
    inputs.y = _targets(sub, bundle.task, inputs.X)
    inputs.notes = [*notes, f"the run's {split} rows of {source} ({len(sub)} samples)"]
    return inputs
