"""Training configuration: every option the Train page's form and ``mendel train`` offer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from core.errors import TrainError

LOSSES = ("auto", "cross_entropy", "bce", "mse", "mae", "huber")
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta")
SCHEDULES = ("none", "step", "cosine", "plateau")
DEVICES = ("auto", "cpu", "cuda", "mps")


@dataclass
class TrainConfig:
    """Defaults suit a first run on a small dataset."""

    epochs: int = 30
    batch_size: int | None = 32  # None = full batch
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.0  # SGD / RMSprop
    nesterov: bool = False  # SGD only; needs momentum > 0
    weight_decay: float = 0.0  # decoupled for AdamW, else added to the gradient
    betas: tuple[float, float] = (0.9, 0.999)  # Adam / AdamW
    loss: str = "auto"  # auto: cross-entropy for classes, MSE for regression
    huber_delta: float = 1.0
    class_weights: str = "none"  # "none" or "balanced"
    schedule: str = "none"
    step_size: int = 10  # step schedule: epochs between decays
    gamma: float = 0.5  # step / plateau decay factor
    plateau_patience: int = 5
    l1: float = 0.0  # penalty weight on the sum of |w| (weights, not biases)
    l2: float = 0.0  # penalty weight on the sum of w^2 (weights, not biases)
    grad_clip: float | None = None  # max gradient norm
    early_stopping: int | None = None  # patience in epochs; None = off
    restore_best: bool = True  # with early stopping: keep the best epoch's weights
    seed: int = 0
    deterministic: bool = True
    device: str = "auto"
    batch_event_hz: float = 20.0  # BatchFinished events per second at most
    extra: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        if self.epochs < 1:
            raise TrainError("epochs must be at least 1")
        if self.batch_size is not None and self.batch_size < 1:
            raise TrainError("batch size must be at least 1 (or 'full')")
        if not self.lr > 0:
            raise TrainError("learning rate must be greater than 0")
        if self.optimizer not in OPTIMIZERS:
            raise TrainError(f"unknown optimizer {self.optimizer!r}; use {', '.join(OPTIMIZERS)}")
        if self.loss not in LOSSES:
            raise TrainError(f"unknown loss {self.loss!r}; use {', '.join(LOSSES)}")
        if self.schedule not in SCHEDULES:
            raise TrainError(f"unknown schedule {self.schedule!r}; use {', '.join(SCHEDULES)}")
        if self.device.split(":")[0] not in DEVICES:
            raise TrainError(f"unknown device {self.device!r}; use {', '.join(DEVICES)}")
        if self.nesterov and (self.optimizer != "sgd" or self.momentum <= 0):
            raise TrainError("Nesterov needs the SGD optimizer with momentum > 0")
        for name in ("l1", "l2", "weight_decay", "momentum"):
            if getattr(self, name) < 0:
                raise TrainError(f"{name} must not be negative")
        if self.early_stopping is not None and self.early_stopping < 1:
            raise TrainError("early-stopping patience must be at least 1 epoch")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["betas"] = list(self.betas)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise TrainError(f"train_config: unknown option(s) {', '.join(sorted(unknown))}")
        d = dict(d)
        if "betas" in d:
            d["betas"] = tuple(d["betas"])
        return cls(**d)
