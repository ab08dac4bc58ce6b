"""Checkpoints: everything a run needs to continue exactly where an epoch ended.

A checkpoint folder holds two files:

    checkpoint.json                      format, epoch, the optimizer's param_groups, the
                                         schedule's state, early-stopping bookkeeping,
                                         history rows, the run record (data source and
                                         sha256, load/encoding options, network, config),
                                         and the name and id of its tensors file
    checkpoint-e00010-<id>.safetensors   every tensor: "model.<k>" weights, "best.<k>"
                                         (the best epoch's weights, when kept),
                                         "optim.state.<i>.<name>" (exp_avg, exp_avg_sq,
                                         momentum buffers, step), "rng.<name>" random
                                         states as uint8, "split.<side>" indices

No pickle anywhere: JSON and safetensors only (``load_checkpoint`` reads them with
``json`` and ``safetensors.safe_open``). In the JSON, a tensor inside the optimizer or
schedule state is ``{"$tensor": name}``, a tuple ``{"$tuple": [...]}``, a dict with
non-string keys ``{"$dict": [[key, value], ...]}`` and a non-finite float ``{"$float":
"inf"}``; finite floats are written by ``repr`` (what ``json`` does), which reads back to
the same bits.

Writing is atomic as a pair: the tensors go to a new file whose name carries the epoch and
a random id, then ``checkpoint.json`` (naming that file and id) replaces the old one, both
flushed to the disk; only then are older tensor files removed. A crash at any moment
leaves the previous pair or the new one, never a JSON naming tensors that are not there.
"""

from __future__ import annotations

import json
import math
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from core.atomic import write_atomic, write_text_atomic
from core.errors import TrainError

CHECKPOINT_FORMAT = "mendel-checkpoint/1"
JSON_FILE = "checkpoint.json"
_TENSORS_GLOB = "checkpoint-e*.safetensors"


@dataclass
class RunRecord:
    """What the trainer cannot know but a resume needs: where the data came from, how it
    was read, split and encoded, and the network (``core.train.run.train_prepared`` fills
    it). ``info`` is plain JSON; ``split`` holds the train/val/test index arrays."""

    info: dict[str, Any] = field(default_factory=dict)
    split: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Checkpoint:
    """The state at the end of epoch ``epoch`` of a run planned for ``planned_epochs``.

    Tensors are CPU copies, independent of the live model. ``optimizer`` and ``scheduler``
    are torch ``state_dict()``s; ``rng`` maps "torch" (the global CPU generator: dropout),
    "cuda" (on CUDA runs), "batches" (the batch order and reconstruct noise) and "augment"
    (the augmentation stream) to their states. NumPy's global generator is not stored:
    training never draws from it (splits and baselines use their own seeded generators).
    """

    epoch: int
    planned_epochs: int
    global_step: int
    elapsed: float  # training seconds up to this epoch's end, over every segment
    config: dict[str, Any]
    model: dict[str, torch.Tensor]
    optimizer: dict[str, Any]
    scheduler: dict[str, Any] | None
    rng: dict[str, torch.Tensor]
    best_loss: float
    best_epoch: int
    since_best: int
    best_state: dict[str, torch.Tensor] | None
    history: list[dict[str, Any]]
    n_train: int
    n_val: int
    batches_per_epoch: int
    device_type: str
    record: RunRecord | None = None
    # the loss early stopping's patience counts from (the last gain above min_delta);
    # None in checkpoints written before min_delta: the best loss, which it then equalled
    patience_loss: float | None = None


def cpu_copy(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Independent contiguous CPU copies (the live tensors change in place)."""
    return {k: v.detach().to("cpu", copy=True).contiguous() for k, v in tensors.items()}


def _copy_state(obj: Any) -> Any:
    """A deep copy of a state_dict whose tensors are CPU copies."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().to("cpu", copy=True).contiguous()
    if isinstance(obj, dict):
        return {k: _copy_state(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_copy_state(v) for v in obj)
    return obj


def capture_optimizer(opt: torch.optim.Optimizer) -> dict[str, Any]:
    return _copy_state(opt.state_dict())


def capture_scheduler(sched: Any) -> dict[str, Any] | None:
    return None if sched is None else _copy_state(sched.state_dict())


# -- JSON with tensors beside it ----------------------------------------------------------

def _encode(obj: Any, name: str, tensors: dict[str, torch.Tensor]) -> Any:
    """Plain JSON for ``obj``; its tensors go into ``tensors`` under dotted names."""
    if isinstance(obj, torch.Tensor):
        tensors[name] = obj.detach().cpu().contiguous()
        return {"$tensor": name}
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else {"$float": repr(value)}
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, tuple):
        return {"$tuple": [_encode(v, f"{name}.{i}", tensors) for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [_encode(v, f"{name}.{i}", tensors) for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in obj):
            return {k: _encode(v, f"{name}.{k}", tensors) for k, v in obj.items()}
        return {"$dict": [[_encode(k, "", {}), _encode(v, f"{name}.{k}", tensors)]
                          for k, v in obj.items()]}
    raise TypeError(f"cannot store a {type(obj).__name__} in a checkpoint ({name})")


def _plain_row(row: dict[str, Any]) -> dict[str, Any]:
    """A history row (str keys; numbers, None, text) as ``_encode`` would write it."""
    return {k: {"$float": repr(v)} if isinstance(v, float) and not math.isfinite(v)
            else v for k, v in row.items()}


def _decode(obj: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(obj, list):
        return [_decode(v, tensors) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if len(obj) == 1:
        (key, value), = obj.items()
        if key == "$tensor":
            if value not in tensors:
                raise TrainError(f"the checkpoint's tensors file lacks {value!r}")
            return tensors[value]
        if key == "$float":
            return float(value)
        if key == "$tuple":
            return tuple(_decode(v, tensors) for v in value)
        if key == "$dict":
            return {_decode(k, tensors): _decode(v, tensors) for k, v in value}
    return {k: _decode(v, tensors) for k, v in obj.items()}


# -- save and load ------------------------------------------------------------------------

def save_checkpoint(folder: str | Path, ckpt: Checkpoint) -> Path:
    """Write ``ckpt`` into ``folder`` (created) atomically as a pair; returns the JSON path."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ident = secrets.token_hex(6)
    tensors: dict[str, torch.Tensor] = {}
    for prefix, group in (("model", ckpt.model), ("best", ckpt.best_state or {}),
                          ("rng", ckpt.rng)):
        for k, v in group.items():
            tensors[f"{prefix}.{k}"] = v.detach().cpu().contiguous()
    split = ckpt.record.split if ckpt.record is not None else {}
    for side, idx in split.items():
        tensors[f"split.{side}"] = torch.from_numpy(np.ascontiguousarray(idx, dtype=np.int64))
    doc = {
        "format": CHECKPOINT_FORMAT,
        "id": ident,
        "epoch": ckpt.epoch,
        "planned_epochs": ckpt.planned_epochs,
        "global_step": ckpt.global_step,
        "elapsed": ckpt.elapsed,
        "config": ckpt.config,
        "best_loss": ckpt.best_loss,
        "best_epoch": ckpt.best_epoch,
        "since_best": ckpt.since_best,
        "patience_loss": ckpt.patience_loss,
        "has_best_state": ckpt.best_state is not None,
        "n_train": ckpt.n_train,
        "n_val": ckpt.n_val,
        "batches_per_epoch": ckpt.batches_per_epoch,
        "device_type": ckpt.device_type,
        "run": ckpt.record.info if ckpt.record is not None else None,
        "split_sides": sorted(split),
    }
    doc = _encode(doc, "", {})  # tuples and non-finite floats (best_loss may be inf)
    doc["history"] = [_plain_row(row) for row in ckpt.history]  # the long part: a fast path
    doc["optimizer"] = _encode(ckpt.optimizer, "optim", tensors)
    doc["scheduler"] = _encode(ckpt.scheduler, "sched", tensors)
    name = f"checkpoint-e{ckpt.epoch:05d}-{ident}.safetensors"
    doc["tensors"] = name
    # no indent: the C encoder, several times faster than the indenting one (per epoch)
    text = json.dumps(doc, allow_nan=False, separators=(",", ":")) + "\n"
    write_atomic(folder / name, lambda tmp: save_file(
        tensors, str(tmp), metadata={"format": CHECKPOINT_FORMAT, "id": ident}), durable=True)
    write_text_atomic(folder / JSON_FILE, text, durable=True)
    for old in folder.glob(_TENSORS_GLOB):  # the JSON now names the new file alone
        if old.name != name:
            old.unlink(missing_ok=True)
    return folder / JSON_FILE


def checkpoint_files(folder: str | Path) -> list[str]:
    """The file names of the checkpoint in ``folder`` (JSON first), or [] when none."""
    folder = Path(folder)
    try:
        doc = json.loads((folder / JSON_FILE).read_text(encoding="utf-8"))
        return [JSON_FILE, str(doc["tensors"])]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def remove_checkpoint(folder: str | Path) -> None:
    """Delete the checkpoint files in ``folder`` (JSON first, so no half pair is left
    readable); other files and the folder itself stay."""
    folder = Path(folder)
    (folder / JSON_FILE).unlink(missing_ok=True)
    for old in folder.glob(_TENSORS_GLOB):
        old.unlink(missing_ok=True)


def has_checkpoint(folder: str | Path) -> bool:
    return (Path(folder) / JSON_FILE).is_file()


def load_checkpoint(folder: str | Path) -> Checkpoint:
    """Read the checkpoint in ``folder``; ``TrainError`` (one line) says what is wrong."""
    from safetensors import safe_open

    folder = Path(folder)
    path = folder / JSON_FILE
    if not path.is_file():
        raise TrainError(f"no checkpoint in {folder} ({JSON_FILE} is missing)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise TrainError(f"{path} is not readable JSON ({str(exc)[:80]}); the checkpoint "
                         "is damaged") from None
    if not isinstance(doc, dict) or doc.get("format") != CHECKPOINT_FORMAT:
        got = doc.get("format") if isinstance(doc, dict) else None
        raise TrainError(f"{path}: unsupported checkpoint format {got!r}; expected "
                         f"{CHECKPOINT_FORMAT!r}")
    name = doc.get("tensors")
    if not isinstance(name, str) or Path(name).name != name or not name.endswith(
            ".safetensors"):
        raise TrainError(f"{path} names no tensors file of its own; the checkpoint is damaged")
    tpath = folder / name
    if not tpath.is_file():
        raise TrainError(f"the checkpoint's tensors file {name} is missing from {folder}")
    try:
        with safe_open(str(tpath), framework="pt") as fh:  # no pickle: a header and bytes
            meta = fh.metadata() or {}
            tensors = {k: fh.get_tensor(k) for k in fh.keys()}  # noqa: SIM118 - not a dict
    except Exception as exc:  # safetensors raises its own types for a bad header
        raise TrainError(f"{tpath} is not a readable safetensors file ({str(exc)[:80]}); "
                         "the checkpoint is damaged") from None
    if meta.get("id") != doc.get("id"):
        raise TrainError(f"{name} does not belong to {JSON_FILE} (ids differ); the "
                         "checkpoint is damaged")
    try:
        plain = _decode({k: v for k, v in doc.items()
                         if k not in ("optimizer", "scheduler")}, {})

        def group(prefix: str) -> dict[str, torch.Tensor]:
            cut = len(prefix) + 1
            return {k[cut:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}

        info = plain.get("run")
        record = None if info is None else RunRecord(
            info=info, split={s: group("split")[s].numpy() for s in plain["split_sides"]})
        return Checkpoint(
            epoch=int(plain["epoch"]), planned_epochs=int(plain["planned_epochs"]),
            global_step=int(plain["global_step"]), elapsed=float(plain["elapsed"]),
            config=dict(plain["config"]), model=group("model"),
            optimizer=_decode(doc["optimizer"], tensors),
            scheduler=_decode(doc["scheduler"], tensors), rng=group("rng"),
            best_loss=float(plain["best_loss"]), best_epoch=int(plain["best_epoch"]),
            since_best=int(plain["since_best"]),
            patience_loss=(None if plain.get("patience_loss") is None
                           else float(plain["patience_loss"])),
            best_state=group("best") if plain["has_best_state"] else None,
            history=list(plain["history"]), n_train=int(plain["n_train"]),
            n_val=int(plain["n_val"]), batches_per_epoch=int(plain["batches_per_epoch"]),
            device_type=str(plain["device_type"]), record=record)
    except (KeyError, TypeError, ValueError) as exc:
        raise TrainError(f"{path} is incomplete ({exc!r:.80}); the checkpoint is "
                         "damaged") from None
