"""The learning-rate finder: a short run whose rate rises exponentially, batch by batch.

A fresh copy of the network (built from the spec with the configuration's seed; the
user's own model is never touched) trains on the training rows while the rate rises
from ``start_lr`` (1e-7) to ``end_lr`` (10) over ``steps`` mini-batches, with the
configuration's optimizer, weight decay and loss. The losses are smoothed with an
exponential moving average (``beta`` 0.98, bias-corrected, as fastai's finder does). The
run ends early when the loss is NaN or infinite or the smoothed loss exceeds
``diverge`` (4) times its minimum: past there the rate only blows the weights up.

The suggestion follows fastai's "valley" rule (``valley``): the longest descending
stretch of the smoothed curve (a longest decreasing subsequence, so an early spike or a
bump does not cut it short), and the rate halfway down it, where the loss falls fastest
without being close to blowing up. It is a rate for a constant schedule; one-cycle runs
(whose rate is the peak) usually take it as it is or up to ten times more.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from core.errors import TrainError
from core.progress import ProgressFn, StopFn, report
from core.select.events import LRStep, SelectEvent
from core.train.config import TrainConfig
from core.train.run import PreparedRun


@dataclass
class LRFinding:
    lrs: list[float]
    losses: list[float]  # raw batch losses (the last may be the one that diverged)
    smoothed: list[float]
    suggestion: float | None  # None when the curve never descended
    suggestion_index: int | None
    stopped_because: str  # "completed", "diverged", "stopped"
    message: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """Plain JSON (non-finite losses as None)."""
        def clean(values: Sequence[float]) -> list[float | None]:
            return [v if math.isfinite(v) else None for v in values]
        return {"lrs": list(self.lrs), "losses": clean(self.losses),
                "smoothed": clean(self.smoothed), "suggestion": self.suggestion,
                "suggestion_index": self.suggestion_index,
                "stopped_because": self.stopped_because, "message": self.message,
                "notes": list(self.notes)}


def valley(smoothed: Sequence[float]) -> int | None:
    """fastai's valley rule: the index halfway down the longest decreasing subsequence of
    the finite prefix of ``smoothed``; None when nothing descends."""
    n = next((i for i, v in enumerate(smoothed) if not math.isfinite(v)), len(smoothed))
    if n < 2:
        return None
    lds = [1] * n
    start = end = 0
    for i in range(1, n):
        for j in range(i):
            if smoothed[i] < smoothed[j] and lds[i] < lds[j] + 1:
                lds[i] = lds[j] + 1
        if lds[end] < lds[i]:
            end = i
            start = end - lds[end]
    if end == 0:
        return None
    sections = (end - start) / 3
    return start + int(sections) + int(sections / 2)


def find_lr(
    prepared: PreparedRun,
    config: TrainConfig,
    *,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    steps: int = 100,
    diverge: float = 4.0,
    beta: float = 0.98,
    on_event: Callable[[SelectEvent], None] | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> LRFinding:
    """Run the finder on ``prepared``'s training rows (see the module); ``TrainError``
    for impossible settings. Stopping ends it early and keeps what was measured."""
    import torch

    from core.nn.build import build_model
    from core.train.device import resolve_device
    from core.train.trainer import make_loss, make_optimizer, seeded

    if not 0 < start_lr < end_lr:
        raise TrainError(f"the rates must rise: 0 < start ({start_lr:g}) < end ({end_lr:g})")
    if steps < 5:
        raise TrainError(f"the finder needs at least 5 steps, got {steps}")
    config.validate()
    data = prepared.data
    if len(data.X_train) < 2:
        raise TrainError("the learning-rate finder needs at least 2 training samples")
    dev = resolve_device(config.device)
    X = torch.from_numpy(data.X_train).to(dev)
    classes = data.task == "classification"
    y_np = data.y_train if classes else data.y_train.reshape(len(data.y_train), -1)
    y = torch.from_numpy(y_np).to(dev)
    batch = config.batch_for(len(X), dev.type)
    factor = (end_lr / start_lr) ** (1 / (steps - 1))
    lrs: list[float] = []
    losses: list[float] = []
    smoothed: list[float] = []
    why, message = "completed", ""
    with seeded(config.seed, config.deterministic):
        model = build_model(prepared.spec, tuple(data.input_shape), data.n_outputs).to(dev)
        model.train()
        loss_fn = make_loss(config, data, dev)
        params = [p for p in model.parameters() if p.requires_grad]
        opt = make_optimizer(params, config, dev)
        gen = torch.Generator().manual_seed(config.seed)
        order = torch.randperm(len(X), generator=gen)
        at, average, lowest = 0, 0.0, math.inf
        for step in range(steps):
            if should_stop is not None and should_stop():
                why, message = "stopped", f"stopped by the user after {step} steps"
                break
            lr = start_lr * factor ** step
            for group in opt.param_groups:
                group["lr"] = lr
            if at + batch > len(X):  # a new pass over the rows in a new order
                order, at = torch.randperm(len(X), generator=gen), 0
            idx = order[at:at + batch].to(dev)
            at += batch
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(X[idx]), y[idx])
            value = float(loss.detach())
            lrs.append(lr)
            losses.append(value)
            if not math.isfinite(value):
                smoothed.append(math.inf)
                why, message = "diverged", f"the loss became {value} at rate {lr:.3g}"
                break
            loss.backward()
            if config.grad_clip:
                torch.nn.utils.clip_grad_norm_(params, config.grad_clip)
            opt.step()
            average = beta * average + (1 - beta) * value
            smooth = average / (1 - beta ** (step + 1))
            smoothed.append(smooth)
            lowest = min(lowest, smooth)
            if on_event is not None and (step % max(1, steps // 20) == 0 or step == steps - 1):
                on_event(LRStep(step + 1, steps, lr, value, smooth))
            report(progress, (step + 1) / steps, f"rate {lr:.2g}: loss {smooth:.4g}")
            if step > 0 and smooth > diverge * lowest:
                why = "diverged"
                message = (f"the smoothed loss rose above {diverge:g} times its minimum at "
                           f"rate {lr:.3g}")
                break
    index = valley(smoothed)
    notes = [] if config.schedule == "none" else [
        f"the suggestion is for a constant rate; the {config.schedule} schedule uses the "
        "rate as its peak"]
    return LRFinding(lrs=lrs, losses=losses, smoothed=smoothed,
                     suggestion=None if index is None else lrs[index],
                     suggestion_index=index, stopped_because=why, message=message,
                     notes=notes)
