"""Continue a saved run from its checkpoint (``mendel train --resume RUN --epochs N``).

The checkpoint's run record (``core.train.run.run_record``) names the data, how it was
read, split and encoded, and the network, so a run folder, or a bare ``checkpoint/``
folder left by an interrupted run, is enough. Before anything trains the data are read
again and checked: a file whose sha256 differs from the record is refused unless
``force``, and the split's indices must still fit it. Training then goes through the same
``train_prepared`` as any run, with ``resume=`` the checkpoint; how the schedule continues
is ``core.train.trainer._restore``'s rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from core.data.dataset import Split
from core.data.load import load_dataset
from core.data.options import EncodingOptions, LoadOptions
from core.errors import DataError, MendelError, TrainError
from core.export.bundle import CHECKPOINT_DIR, NETWORK_FILE, _options_from_dict
from core.nn.spec import NetworkSpec
from core.progress import ProgressFn, StopFn
from core.train.checkpoint import Checkpoint, RunRecord, has_checkpoint, load_checkpoint
from core.train.config import TrainConfig
from core.train.run import PreparedRun, prepare_run


@dataclass
class ResumePlan:
    """A checkpoint and everything prepared to continue it to ``config.epochs``."""

    run_dir: Path
    checkpoint: Checkpoint
    prepared: PreparedRun
    config: TrainConfig
    notes: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        return f"resumed at epoch {self.checkpoint.epoch} of {self.config.epochs}"


def checkpoint_folder(run_dir: str | Path) -> Path:
    """The checkpoint folder of a run folder (or the folder itself when it is one)."""
    run = Path(run_dir)
    if not run.is_dir():
        raise TrainError(f"no such run folder: {run}")
    for folder in (run / CHECKPOINT_DIR, run):
        if has_checkpoint(folder):
            return folder
    raise TrainError(f"no checkpoint in {run}: it was saved with checkpoints off "
                     "(--checkpoint-every 0) or before they existed")


def resumed_folder(run_dir: str | Path) -> Path:
    """Where a resumed run goes by default: ``RUN-resumed`` (then -2, -3...), so the run
    it continues stays as it was."""
    run = Path(run_dir).resolve()
    candidate = run.with_name(f"{run.name}-resumed")
    k = 2
    while candidate.exists():
        candidate = run.with_name(f"{run.name}-resumed-{k}")
        k += 1
    return candidate


def prepare_resume(
    run_dir: str | Path,
    epochs: int,
    *,
    force: bool = False,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> ResumePlan:
    """Read the checkpoint of ``run_dir`` and prepare its data to train on to ``epochs``
    epochs in all; ``TrainError`` / ``DataError`` (one line) for what does not fit."""
    run = Path(run_dir)
    folder = checkpoint_folder(run)
    ck = load_checkpoint(folder)
    if epochs <= ck.epoch:
        raise TrainError(f"{run} has {ck.epoch} epochs done; ask for more than {ck.epoch} "
                         "epochs in all (--epochs)")
    if ck.record is None or not ck.record.info:
        raise TrainError(f"the checkpoint in {folder} does not record its data; it cannot "
                         "be continued")
    try:
        config = replace(TrainConfig.from_dict(dict(ck.config)), epochs=epochs)
    except (KeyError, TypeError, ValueError) as exc:
        raise TrainError(f"the checkpoint's run record is incomplete ({exc!r:.80})") from None
    except MendelError as exc:
        raise TrainError(f"the checkpoint's run record does not read back: {exc}") from None
    prepared, notes = prepare_recorded(ck.record, run, force=force, progress=progress,
                                       should_stop=should_stop)
    return ResumePlan(run_dir=run, checkpoint=ck, prepared=prepared, config=config,
                      notes=notes)


def prepare_recorded(
    record: RunRecord,
    run: Path,
    *,
    force: bool = False,
    source: str | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> tuple[PreparedRun, list[str]]:
    """The data, split and network a run record names, read again and checked.

    A data file whose sha256 differs from the record is refused (``DataError``) unless
    ``force``, which turns it into a note; the split's indices must fit the data either
    way. ``source`` reads the data from another place (the user located a moved file).
    Returns the preparation and the notes.
    """
    info, split_idx = record.info, record.split
    try:
        load_options = _options_from_dict(LoadOptions, dict(info["load_options"]))
        encoding = _options_from_dict(EncodingOptions, dict(info["encoding_options"]))
        spec = NetworkSpec.from_dict(info["network"])
    except (KeyError, TypeError, ValueError) as exc:
        raise TrainError(f"the checkpoint's run record is incomplete ({exc!r:.80})") from None
    except MendelError as exc:
        raise TrainError(f"the checkpoint's run record does not read back: {exc}") from None
    _check_network(run, spec)
    source = source or _data_source(info)
    ds = load_dataset(source, load_options, progress, should_stop)
    notes: list[str] = []
    recorded = str(info.get("sha256") or "")
    now = ds.provenance.sha256 if ds.provenance is not None else ""
    if recorded and now != recorded:
        if not force:
            raise DataError(f"the data changed since the run was trained (sha256 {now[:12]}... "
                            f"is not {recorded[:12]}...); give --force to continue on it "
                            "anyway", source)
        notes.append(f"the data changed since the run was trained (sha256 {now[:12]}...)")
    if len(ds) != info.get("n_samples", len(ds)) and not force:
        raise DataError(f"the data now hold {len(ds)} samples, the run was trained on "
                        f"{info['n_samples']}; give --force to continue anyway", source)
    sides = {side: np.asarray(split_idx.get(side, []), dtype=np.int64)
             for side in ("train", "val", "test")}
    if any(len(idx) and int(idx.max()) >= len(ds) for idx in sides.values()):
        raise DataError(f"the run's split does not fit the data any more ({len(ds)} samples)",
                        source)
    split = Split(train=sides["train"], val=sides["val"], test=sides["test"],
                  seed=int(info.get("split_seed", 0)))
    prepared = prepare_run(ds, load_options, encoding, network=spec, split=split)
    prepared.network_source = str(info.get("network_source") or "custom")
    return prepared, notes


def _data_source(info: dict) -> str:
    """The recorded source as given, else its absolute path (read from elsewhere)."""
    source = str(info.get("source") or "")
    if not source:
        raise TrainError("the checkpoint does not name its data source")
    if source.startswith("demo:") or Path(source).exists():
        return source
    absolute = str(info.get("source_absolute") or "")
    if absolute and Path(absolute).exists():
        return absolute
    raise DataError("the run's data are not there any more; put the file back to "
                    "continue the run", source)


def _check_network(run: Path, spec: NetworkSpec) -> None:
    """A run folder's network.json must be the network the checkpoint trained."""
    path = run / NETWORK_FILE
    if not path.is_file():
        return  # a bare checkpoint folder (an interrupted run): the record alone decides
    try:
        saved = NetworkSpec.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, MendelError) as exc:
        raise TrainError(f"{path} does not read back ({str(exc)[:80]})") from None
    if saved.to_dict() != spec.to_dict():
        raise TrainError(f"{path} is not the network the checkpoint was trained with; "
                         "the run folder was changed")
