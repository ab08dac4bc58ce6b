"""Open a saved run folder as a run of this session: File > Open run, the Runs page.

A run folder (one of a project's runs, or what ``mendel train --out`` wrote) holds the
trained weights, the fitted preprocessing and, in its checkpoint, the record of the data
and the split (``core.train.run.run_record``). ``open_run`` reads the data again, puts
the split back and returns a ``TrainingOutcome`` like the one training returned, so
Evaluate, the Network page's weights and Continue work on it as on a run just trained.

The network's metrics are measured again on the data as they are now (a changed file is
a note, never silent); the baselines' test figures come from metrics.json, as they were
measured at training time, so nothing is refitted.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

from core.data.playground import features_record
from core.errors import ExportError, TrainError
from core.export.bundle import (
    CONFIG_FILE,
    HISTORY_FILE,
    LoadedBundle,
    _read_json,
    load_bundle,
    reading_options,
)
from core.export.resume import prepare_recorded
from core.progress import ProgressFn, StopFn
from core.train.checkpoint import load_checkpoint
from core.train.config import TrainConfig
from core.train.events import History
from core.train.predict import evaluate_model
from core.train.run import TrainingOutcome
from core.train.trainer import RunResult

NO_RECORD = ("was saved without checkpoints (--checkpoint-every 0), so it does not record "
             "which samples were its test split; Evaluate needs that. Predict still works")


def open_run(
    run_dir: str | Path,
    *,
    source: str | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> TrainingOutcome:
    """The run in ``run_dir`` with its data, split, model and history.

    ``source`` reads the data from another place (a moved file the user located). Raises
    ``ExportError`` for a run folder that is incomplete, ``DataError`` when its data are
    gone or no longer fit its split; each one line.
    """
    run = Path(run_dir)
    bundle = load_bundle(run)
    if bundle.checkpoint_dir is None:
        raise ExportError(NO_RECORD, str(run))
    ck = load_checkpoint(bundle.checkpoint_dir)
    if ck.record is None or not ck.record.info:
        raise ExportError(NO_RECORD, str(run))
    prepared, notes = prepare_recorded(ck.record, run, force=True, source=source,
                                       progress=progress, should_stop=should_stop)
    try:
        config = TrainConfig.from_dict(_read_json(run / CONFIG_FILE))
    except (TypeError, ValueError, TrainError) as exc:
        raise ExportError(f"{CONFIG_FILE} does not read back ({str(exc)[:80]})",
                          str(run)) from None
    facts = bundle.metrics
    rows = read_history(run / HISTORY_FILE)
    result = RunResult(
        history=History(rows=rows),
        epochs_run=int(facts.get("epochs_run") or len(rows)),
        best_epoch=int(facts.get("best_epoch") or 0),
        stopped_because=str(facts.get("stopped_because") or "completed"),
        message=str(facts.get("message") or ""),
        train_seconds=float(facts.get("train_seconds") or 0.0),
        device=str(facts.get("device") or ""),
        model=bundle.model,
        n_params=int(facts.get("n_params") or sum(p.numel() for p in bundle.model.parameters())),
        checkpoint=ck,  # Continue goes on from here
        resumed_from=int(facts.get("resumed_from") or 0),
    )
    outcome = TrainingOutcome(**vars(prepared), config=config, result=result, run_dir=run)
    outcome.metrics = evaluate_model(bundle.model, prepared.data)
    outcome.baseline = {name: {"test": dict(test)}
                        for name, test in (facts.get("baseline") or {}).items()
                        if isinstance(test, dict)}
    outcome.notes = [*notes, *(n for n in facts.get("notes") or [] if isinstance(n, str)
                               and n not in prepared.data.notes)]
    return outcome


def read_history(path: Path) -> list[dict[str, Any]]:
    """history.csv as rows of numbers (an empty cell is None); [] when absent."""
    try:
        with path.open(newline="", encoding="utf-8") as f:
            return [{k: _number(v) for k, v in row.items() if k} for row in csv.DictReader(f)]
    except (OSError, UnicodeDecodeError, csv.Error):
        return []


def _number(text: str | None) -> Any:
    if text is None or text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        return text
    if math.isfinite(value) and value.is_integer() and "." not in text and "e" not in text:
        return int(value)
    return value


def outcome_bundle(outcome: TrainingOutcome) -> LoadedBundle:
    """A trained run of this session as the bundle its run folder would hold, so Predict
    reads and encodes new input exactly as ``mendel predict`` does with the folder."""
    result = outcome.result
    if result is None or result.model is None:
        raise ExportError("the run has no trained model")
    data = outcome.data
    return LoadedBundle(
        run_dir=outcome.run_dir or Path("."), spec=outcome.spec,
        input_shape=tuple(data.input_shape), n_outputs=data.n_outputs, task=data.task,
        class_names=data.class_names, modality=outcome.dataset.modality,
        preprocessing=outcome.preprocessing, load_options=reading_options(outcome),
        encoding_options=outcome.encoding_options, model=result.model.cpu().eval(),
        metrics={}, playground=features_record(outcome.dataset))
