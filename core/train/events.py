"""What a running trainer reports. Plain dataclasses: the GUI's worker forwards them as
Qt signals, the CLI prints them, tests collect them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RunStarted:
    device: str  # "cpu", "cuda:0 (NVIDIA H100)", ...
    n_params: int
    n_train: int
    n_val: int
    epochs: int
    batches_per_epoch: int
    first_epoch: int = 1  # more than 1 when the run continues a checkpoint


@dataclass
class BatchFinished:
    """Throttled: emitted at most ``TrainConfig.batch_event_hz`` times a second."""

    epoch: int  # 1-based
    batch: int  # 1-based within the epoch
    batches_per_epoch: int
    loss: float  # this batch's training loss
    global_step: int  # batches done since the run started


@dataclass
class EpochFinished:
    epoch: int  # 1-based
    train_loss: float
    val_loss: float | None
    train_metrics: dict[str, float]  # e.g. {"accuracy": 0.9} or {"r2": 0.8}
    val_metrics: dict[str, float]
    lr: float
    elapsed: float  # seconds since the run started
    eta: float  # seconds left, estimated
    is_best: bool = False  # best validation loss so far


@dataclass
class RunFinished:
    epochs_run: int
    best_epoch: int
    stopped_because: str  # "completed", "early_stopping", "stopped", "nan"
    message: str = ""  # e.g. the NaN explanation, or the early-stopping summary
    train_seconds: float = 0.0


@dataclass
class RunFailed:
    message: str  # one line, shown to the user as it is


Event = RunStarted | BatchFinished | EpochFinished | RunFinished | RunFailed


@dataclass
class History:
    """Per-epoch records (the rows of history.csv)."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, ev: EpochFinished) -> None:
        row: dict[str, Any] = {"epoch": ev.epoch, "train_loss": ev.train_loss,
                               "val_loss": ev.val_loss, "lr": ev.lr, "elapsed": ev.elapsed}
        row.update({f"train_{k}": v for k, v in ev.train_metrics.items()})
        row.update({f"val_{k}": v for k, v in ev.val_metrics.items()})
        self.rows.append(row)

    def column(self, name: str) -> list[Any]:
        return [r.get(name) for r in self.rows]
