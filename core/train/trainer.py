"""The training loop: headless, fast, cooperative.

Speed comes from keeping the whole encoded dataset on the device and slicing batches with
a seeded permutation (no DataLoader, no per-sample Python). The loop never asks the device
for a number (``.item()``) except when an event is due: batch losses and outputs stay on
the device and are summed once per epoch.

Losses: ``auto`` is cross-entropy for classes and MSE for numbers. ``bce`` (two classes
only) is ``BCEWithLogits`` on ``logit[:, 1] - logit[:, 0]``: softmax over two logits is
the sigmoid of their difference, so the network keeps one output unit per class and
predicts exactly as with cross-entropy ("balanced" class weights then weight each sample's
term by its class's weight). Reported losses (train and validation) are the
data loss without the L1/L2 penalty, so the two curves are comparable; the training loss
of an epoch is the per-sample mean over its batches. Train metrics are computed from the
outputs seen while training the epoch (as Keras does), costing no extra forward pass.
With augmentation (``TrainConfig.augment``, ``core.train.augment``) each training batch is
transformed on the device before the forward pass, so the train loss and metrics are those
of the augmented batches; validation and test inputs are never augmented.

The best epoch, early stopping and the plateau schedule follow the validation loss, or the
training loss when there is no validation set. Batch events are throttled to
``batch_event_hz`` but the last batch of each epoch is always reported, and so is every
batch while the run is paused (single steps).

Checkpoints (``core.train.checkpoint``) are taken at epoch ends only, outside the batch
loop: CPU copies of the weights, the optimizer and schedule states, every random stream
(the global CPU one that dropout draws from, CUDA's, the batch order, augmentation), the
early-stopping bookkeeping and the history. Resuming one puts all of it back after the
probe and before the first batch, so on the CPU in deterministic mode 10 epochs and 10
more are bit-identical to 20 straight (``tests/core/test_checkpoint.py``).
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
import torch.optim
from torch import nn

from core.data.lazy import is_lazy
from core.data.tensors import TensorData
from core.errors import MendelError, TrainError
from core.nn.spec import NetworkSpec
from core.train.augment import augment_generator, make_augmenter
from core.train.augment_options import AugmentOptions
from core.train.checkpoint import (
    Checkpoint,
    RunRecord,
    capture_optimizer,
    capture_scheduler,
    cpu_copy,
    save_checkpoint,
)
from core.train.config import TrainConfig
from core.train.control import RunControl
from core.train.device import describe_device, resolve_device
from core.train.events import (
    BatchFinished,
    EpochFinished,
    Event,
    History,
    RunFailed,
    RunFinished,
    RunStarted,
)
from core.train.precision import backward_and_step, choose_precision
from core.train.stream import Feed, first_rows

log = logging.getLogger(__name__)

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

# Learning rates we suggest after a NaN: the optimizer's usual default, or lower.
_DEFAULT_LR = {"sgd": 0.01, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-3, "adagrad": 0.01,
               "adadelta": 1.0}


@dataclass
class RunResult:
    """What a finished (or failed) run leaves behind.

    ``model`` lives on the CPU in eval mode; with early stopping and ``restore_best`` it
    carries the best epoch's weights whatever ended the run.
    """

    history: History = field(default_factory=History)
    epochs_run: int = 0
    best_epoch: int = 0
    stopped_because: str = "completed"  # completed, early_stopping, stopped, nan, failed
    message: str = ""
    train_seconds: float = 0.0
    device: str = ""
    model: nn.Module | None = None
    failed: str | None = None
    n_params: int = 0
    # the state at the end of the last checkpointed epoch (``TrainConfig.checkpoint_every``;
    # None when off): ``save_bundle`` writes it into the run folder so the run can go on
    checkpoint: Checkpoint | None = None
    resumed_from: int = 0  # the checkpoint's epoch when the run continued one, else 0


class _Stop(Exception):
    """Internal: ends the loop with a reason (not an error)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def one_line(exc: BaseException) -> str:
    """A user-facing single line for any exception."""
    if isinstance(exc, MendelError):
        return str(exc)
    text = " ".join(str(exc).split()) or type(exc).__name__
    if "out of memory" in text.lower():
        return f"out of memory ({text[:120]}); lower the batch size or use --device cpu"
    return f"{type(exc).__name__}: {text[:300]}"


def make_loss(config: TrainConfig, data: TensorData, device: torch.device) -> LossFn:
    """The criterion for the task; raises TrainError for a loss that does not fit it."""
    name = config.loss
    classes = data.task == "classification"
    if name == "auto":
        name = "cross_entropy" if classes else "mse"
    if config.class_weights not in ("none", "balanced"):
        raise TrainError(f"unknown class weights {config.class_weights!r}; use none or balanced")
    if config.reconstruct_noise and data.task != "reconstruct":
        raise TrainError("reconstruct noise applies to reconstruct runs only; set it to 0")
    if data.task == "reconstruct" and name in ("cross_entropy", "bce"):
        raise TrainError(f"the {name} loss is for classes; a reconstruct run rebuilds its"
                         " input values: use mse, mae or huber")
    weight = None
    if config.class_weights == "balanced":
        if not classes:
            raise TrainError("class weights apply to classification only; set them to none")
        weight = torch.as_tensor(balanced_class_weights(data.y_train, data.n_outputs),
                                 dtype=torch.float32, device=device)
    if classes:
        if name == "cross_entropy":
            return nn.CrossEntropyLoss(weight=weight)
        if name == "bce":
            if data.n_outputs != 2:
                raise TrainError(f"binary cross-entropy needs exactly 2 classes, this data has"
                                 f" {data.n_outputs}; use cross_entropy")

            def bce(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
                w = None if weight is None else weight[y]
                return F.binary_cross_entropy_with_logits(out[:, 1] - out[:, 0], y.float(), w)

            return bce
        raise TrainError(f"the {name} loss is for numeric targets; use cross_entropy for classes")
    if name == "mse":
        return nn.MSELoss()
    if name == "mae":
        return nn.L1Loss()
    if name == "huber":
        return nn.HuberLoss(delta=config.huber_delta)
    raise TrainError(f"the {name} loss is for classes; use mse, mae or huber for numeric targets")


def balanced_class_weights(y: np.ndarray, n_classes: int) -> np.ndarray:
    """sklearn's "balanced" weights n / (k * count); a class absent from training gets 1."""
    from sklearn.utils.class_weight import compute_class_weight

    present = np.unique(y)
    w = np.ones(n_classes, dtype=np.float64)
    w[present] = compute_class_weight("balanced", classes=present, y=y)
    return w


def make_optimizer(
    params: list[nn.Parameter], c: TrainConfig, device: torch.device | None = None
) -> torch.optim.Optimizer:
    """torch's optimizers; the fused kernels where torch has them for the device (one
    kernel per parameter instead of about six: about a quarter faster on small networks)."""
    o, lr, wd = c.optimizer, c.lr, c.weight_decay
    kind = device.type if device is not None else "cpu"
    fused = {"fused": True} if kind in ("cpu", "cuda") else {}
    if o == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=c.momentum, nesterov=c.nesterov,
                               weight_decay=wd, **fused)
    if o == "adam":
        return torch.optim.Adam(params, lr=lr, betas=tuple(c.betas), weight_decay=wd, **fused)
    if o == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=tuple(c.betas), weight_decay=wd, **fused)
    if o == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, momentum=c.momentum, weight_decay=wd)
    if o == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, weight_decay=wd,
                                   **(fused if kind == "cpu" else {}))
    if o == "adadelta":
        return torch.optim.Adadelta(params, lr=lr, weight_decay=wd)
    raise TrainError(f"unknown optimizer {o!r}")


def make_scheduler(
    opt: torch.optim.Optimizer, c: TrainConfig, batches_per_epoch: int = 1
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """Stepped once per epoch (plateau: with the monitored loss); one-cycle once per batch.

    One-cycle warms the rate up from lr/25 to ``lr`` over the first quarter of the steps,
    then anneals it (cosine) to lr/25,000: the short warm-up lets Adam's moment estimates
    settle before the big steps, and the long decay settles into a minimum, so a higher
    rate reaches a good model in fewer epochs than a constant one.
    """
    sched = torch.optim.lr_scheduler
    if c.schedule == "none":
        return None
    if c.schedule == "onecycle":
        total = c.epochs * batches_per_epoch
        # torch divides by zero when the warm-up ends exactly on step 1 (4 steps in all,
        # e.g. one epoch of four batches): warm up a little longer then
        return sched.OneCycleLR(opt, max_lr=c.lr, total_steps=total,
                                pct_start=0.25 if total != 4 else 0.3, cycle_momentum=False)
    if c.schedule == "step":
        if c.step_size < 1 or not 0 < c.gamma <= 1:
            raise TrainError("the step schedule needs step size >= 1 and 0 < gamma <= 1")
        return sched.StepLR(opt, step_size=c.step_size, gamma=c.gamma)
    if c.schedule == "cosine":
        return sched.CosineAnnealingLR(opt, T_max=c.epochs)
    if c.schedule == "plateau":
        if not 0 < c.gamma < 1:
            raise TrainError("the plateau schedule needs 0 < gamma < 1")
        return sched.ReduceLROnPlateau(opt, mode="min", factor=c.gamma,
                                       patience=c.plateau_patience)
    raise TrainError(f"unknown schedule {c.schedule!r}")


def _batch_bounds(n: int, batch_size: int | None) -> list[tuple[int, int]]:
    """Contiguous [start, end) slices of a permutation.

    A last batch of a single sample is folded into the one before: BatchNorm cannot
    train on one sample and its gradient would be pure noise anyway.
    """
    bs = n if batch_size is None else max(1, min(batch_size, n))
    starts = list(range(0, n, bs))
    if len(starts) > 1 and n - starts[-1] == 1:
        starts.pop()
    return [(s, starts[i + 1] if i + 1 < len(starts) else n) for i, s in enumerate(starts)]


def _nan_message(epoch: int, batch: int, value: float, c: TrainConfig) -> str:
    what = "NaN" if math.isnan(value) else "infinite"
    suggest = min(c.lr / 10, _DEFAULT_LR.get(c.optimizer, 1e-3))
    return (f"loss became {what} at epoch {epoch}, batch {batch}: the learning rate {c.lr:g}"
            f" is probably too high; try {suggest:g}")


# A training loss this many times the first batch's means the run diverged (a learning
# rate of 1e6 with Adam ends at 1e20 without ever being NaN). Training lowers the loss from
# its first batch: a thousandfold rise is never progress, whatever the loss's scale.
DIVERGED_FACTOR = 1e3
_LOSS_FLOOR = 1e-3  # a first loss near 0 (a nearly solved resumed run) is not the scale


def _diverged_message(epoch: int, first: float, now: float, c: TrainConfig) -> str:
    suggest = min(c.lr / 10, _DEFAULT_LR.get(c.optimizer, 1e-3))
    return (f"the loss grew from {first:.3g} to {now:.3g} by epoch {epoch}, more than "
            f"{DIVERGED_FACTOR:,.0f} times: the run diverged; the learning rate {c.lr:g} is "
            f"probably too high; try {suggest:g}")


class Trainer:
    """Trains ``model`` on ``data`` with ``config``; ``run()`` never raises.

    Events go to ``on_event`` from the calling thread. A run ends with exactly one
    RunFinished or RunFailed event. ``control`` is checked before every batch.

    Checkpoints (``config.checkpoint_every`` > 0) are taken at the end of every N-th epoch
    and of the last one; the latest is ``RunResult.checkpoint`` and, with
    ``checkpoint_dir``, also written there (``core.train.checkpoint``), carrying ``record``.
    ``resume`` continues a checkpoint up to ``config.epochs`` (see ``_restore``).
    """

    def __init__(
        self,
        model: nn.Module,
        config: TrainConfig,
        data: TensorData,
        control: RunControl | None = None,
        on_event: Callable[[Event], None] | None = None,
        checkpoint_dir: Path | None = None,
        resume: Checkpoint | None = None,
        record: RunRecord | None = None,
    ) -> None:
        self.model = model
        self.config = config
        self.data = data
        self.control = control
        self.on_event = on_event
        self.checkpoint_dir = None if checkpoint_dir is None else Path(checkpoint_dir)
        self.resume = resume
        self.record = record

    def run(self) -> RunResult:
        result = RunResult(model=self.model)
        t0 = time.perf_counter()
        try:
            self._train(result)
        except Exception as exc:  # the contract: every failure becomes an event
            if not isinstance(exc, MendelError):
                log.exception("training failed")
            return failed_result(exc, self.on_event, result, time.perf_counter() - t0)
        return result

    def _emit(self, ev: Event) -> None:
        if self.on_event is not None:
            self.on_event(ev)

    # The loop is one long function on purpose: every attribute lookup and call in the
    # batch loop is paid per batch, so the hot path stays flat with local variables.
    def _train(self, result: RunResult) -> None:
        c, data, control, on_event = self.config, self.data, self.control, self.on_event
        c.validate()
        if len(data.X_train) == 0:
            raise TrainError("there are no training samples")
        dev = resolve_device(c.device)
        precision = choose_precision(dev, c.amp)
        result.device = describe_device(dev) + (
            f", {precision.label}" if precision.dtype is not None else "")
        model = self.model.to(dev)
        classes = data.task == "classification"

        def tensors(X: Any, y: np.ndarray, what: str) -> tuple[Any, torch.Tensor]:
            if is_lazy(X):  # read from disk batch by batch (core.train.stream)
                Xt = X
            else:
                X = np.ascontiguousarray(X, dtype=np.float32)
                row = _first_nonfinite_row(X)
                if row is not None:
                    raise TrainError(f"the encoded {what} inputs contain NaN or infinite "
                                     f"values (row {row + 1}); check the data's missing values")
                Xt = torch.from_numpy(X).to(dev)
            if classes:
                y = np.asarray(y, dtype=np.int64)
                if len(y) and (y.min() < 0 or y.max() >= data.n_outputs):
                    raise TrainError(f"{what} class labels must be 0..{data.n_outputs - 1},"
                                     f" found {y.min() if y.min() < 0 else y.max()}")
                yt = torch.from_numpy(y).to(dev)
            else:
                yt = np.asarray(y, dtype=np.float32).reshape(len(y), data.n_outputs)
                yt = torch.from_numpy(yt).to(dev)
            return Xt, yt

        X, y = tensors(data.X_train, data.y_train, "training")
        Xv, yv = tensors(data.X_val, data.y_val, "validation")
        n, n_val = len(X), len(Xv)
        loss_fn = make_loss(c, data, dev)
        params = [p for p in model.parameters() if p.requires_grad]
        if not params:
            raise TrainError("the network has no trainable parameters")
        opt = make_optimizer(params, c, dev)
        augment = make_augmenter(AugmentOptions.from_dict(c.augment), tuple(data.input_shape),
                                 data.layout)  # None when off; a misfit fails here, at start
        aug_gen = augment_generator(c.seed, dev)
        batch_size = c.batch_for(n, dev.type)
        bounds = _batch_bounds(n, batch_size)
        nb = len(bounds)
        scheduler = make_scheduler(opt, c, nb)
        per_batch = scheduler if c.schedule == "onecycle" else None
        penalized = [p for p in params if p.dim() > 1] if (c.l1 or c.l2) else []
        l1, l2, clip = c.l1, c.l2, c.grad_clip
        result.n_params = sum(p.numel() for p in model.parameters())

        feed = Feed({"train": X, "val": Xv}, dev) if is_lazy(X) else None
        model.eval()
        with torch.no_grad():
            probe = model(first_rows(X, 2, dev) if feed is not None else X[:2])
        if probe.dim() != 2 or probe.shape[1] != data.n_outputs:
            raise TrainError(f"the network outputs shape {tuple(probe.shape[1:])} per sample,"
                             f" but this task needs {data.n_outputs} value(s)")
        model.train()

        full_batch = nb == 1
        noise = c.reconstruct_noise  # make_loss allowed it for reconstruct runs only
        sizes = torch.tensor([e - s for s, e in bounds], dtype=torch.float32, device=dev)
        y_ss = None if classes else float(((y - y.mean(0)) ** 2).sum())
        yv_ss = None if classes or not n_val else float(((yv - yv.mean(0)) ** 2).sum())
        gen = torch.Generator().manual_seed(c.seed)
        timed = c.batch_event_hz > 0  # else only the last batch of each epoch is reported
        min_interval = 1.0 / c.batch_event_hz if timed else 0.0
        keep_best = c.early_stopping is not None and c.restore_best
        monitor_name = "validation loss" if n_val else "training loss"
        best_loss, best_epoch, since_best, best_state = math.inf, 0, 0, None
        # patience counts from the last gain of more than min_delta, so a loss that creeps
        # down by crumbs still stops; the best epoch (and its weights) is the lowest loss
        patience_loss, min_delta = math.inf, c.min_delta
        every, ckpt_dir, record = c.checkpoint_every, self.checkpoint_dir, self.record
        ckpt_trouble = ""  # why writing checkpoints stopped, said in the final message
        # disk writes: at most one a CHECKPOINT_MIN_SECONDS (plus the last), so runs of many
        # tiny epochs do not spend their time syncing files; memory always has the latest
        min_write, last_write, written = CHECKPOINT_MIN_SECONDS, -math.inf, 0
        start_epoch, start_step, prior = 0, 0, 0.0  # a fresh run; a resume moves them on
        notes: list[str] = []
        ck = self.resume
        if ck is not None:  # after the probe: from here on the random streams must match
            scheduler, notes = _restore(ck, c, model, opt, scheduler, nb, n, n_val, dev, gen,
                                        aug_gen)
            per_batch = scheduler if c.schedule == "onecycle" else None
            start_epoch, start_step, prior = ck.epoch, ck.global_step, ck.elapsed
            best_loss, best_epoch, since_best = ck.best_loss, ck.best_epoch, ck.since_best
            patience_loss = ck.best_loss if ck.patience_loss is None else ck.patience_loss
            if keep_best and ck.best_state is not None:
                best_state = {k: v.to(dev) for k, v in ck.best_state.items()}
            if c.early_stopping is not None and since_best >= c.early_stopping:
                since_best = 0  # it stopped early before: give the new epochs a full patience
                notes.append(f"early-stopping patience restarted at epoch {ck.epoch}")
            result.history.rows = [dict(row) for row in ck.history]
            result.epochs_run, result.best_epoch = ck.epoch, ck.best_epoch
            result.resumed_from, result.checkpoint = ck.epoch, ck

        self._emit(RunStarted(device=result.device, n_params=result.n_params, n_train=n,
                              n_val=n_val, epochs=c.epochs, batches_per_epoch=nb,
                              first_epoch=start_epoch + 1))
        start = time.perf_counter()
        last_event = -math.inf
        global_step = start_step
        first_loss: float | None = None  # the first batch's, before any step of this call
        try:
            for epoch in range(start_epoch + 1, c.epochs + 1):
                perm = None if full_batch else torch.randperm(n, generator=gen)
                streamed = None if feed is None else feed.train_batches(perm, n, bounds)
                if perm is not None:
                    perm = perm.to(dev)
                losses: list[torch.Tensor] = []
                outs: list[torch.Tensor] = []
                for b, (s, e) in enumerate(bounds):
                    if control is not None and not control.wait_before_batch():
                        raise _Stop("stopped", f"stopped by the user in epoch {epoch}"
                                               f" after {b} of {nb} batches")
                    if streamed is not None:  # decoded by the loader's workers
                        xb = next(streamed)
                        yb = y if perm is None else y[perm[s:e]]
                    elif perm is None:
                        xb, yb = X, y
                    else:
                        idx = perm[s:e]
                        xb, yb = X[idx], y[idx]
                    if augment is not None:  # training batches only (a new tensor)
                        xb = augment(xb, aug_gen)
                    if noise:  # denoising autoencoder: the target yb stays clean
                        xb = xb + noise * torch.randn(xb.shape, generator=gen).to(dev)
                    opt.zero_grad(set_to_none=True)
                    with precision.autocast(dev):
                        out = model(xb)
                        loss = loss_fn(out, yb)
                    total = loss
                    if penalized:
                        if l1:
                            total = total + l1 * sum(p.abs().sum() for p in penalized)
                        if l2:
                            total = total + l2 * sum(p.pow(2).sum() for p in penalized)
                    backward_and_step(precision, total, opt, params, clip)
                    if per_batch is not None:
                        per_batch.step()
                    global_step += 1
                    d = loss.detach()
                    losses.append(d)
                    # classes: only the predicted class (an epoch of 10,000-class outputs
                    # would hold rows x classes floats just to count the right ones)
                    outs.append(out.detach().argmax(1) if classes else out.detach())
                    if on_event is not None:
                        now = time.perf_counter()
                        last = b == nb - 1
                        if (last or (timed and now - last_event >= min_interval)
                                or (control is not None and control.paused)):
                            last_event = now
                            value = d.item()
                            if not math.isfinite(value):
                                bad = _first_bad(losses)
                                raise _Stop("nan", _nan_message(epoch, bad + 1, value, c))
                            on_event(BatchFinished(epoch=epoch, batch=b + 1,
                                                   batches_per_epoch=nb, loss=value,
                                                   global_step=global_step))

                # -- end of epoch: one transfer of the batch losses, then validation
                batch_losses = torch.stack(losses)
                train_loss = float((batch_losses * sizes).sum() / n)
                if not math.isfinite(train_loss):
                    bad = _first_bad(losses)
                    raise _Stop("nan", _nan_message(epoch, bad + 1, losses[bad].item(), c))
                if first_loss is None:
                    first_loss = float(batch_losses[0])
                if train_loss > DIVERGED_FACTOR * max(first_loss, _LOSS_FLOOR):
                    raise _Stop("nan", _diverged_message(epoch, first_loss, train_loss, c))
                y_seen = y if perm is None else y[perm]
                train_metrics = _quick_metrics(torch.cat(outs), y_seen, classes, y_ss)
                val_loss, val_metrics = None, {}
                if n_val:
                    with precision.autocast(dev):
                        val_out = _forward_all(model, Xv, batch_size, feed).float()
                    val_loss = float(loss_fn(val_out, yv))
                    val_metrics = _quick_metrics(val_out, yv, classes, yv_ss)
                lr = float(opt.param_groups[0]["lr"])
                monitored = val_loss if val_loss is not None else train_loss
                is_best = monitored < best_loss
                if is_best:
                    best_loss, best_epoch = monitored, epoch
                    if keep_best:
                        best_state = {k: v.detach().clone()
                                      for k, v in model.state_dict().items()}
                if monitored < patience_loss - min_delta:
                    patience_loss, since_best = monitored, 0
                else:
                    since_best += 1
                if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                    scheduler.step(monitored)
                elif scheduler is not None and per_batch is None:
                    scheduler.step()
                elapsed = prior + time.perf_counter() - start
                ev = EpochFinished(epoch=epoch, train_loss=train_loss, val_loss=val_loss,
                                   train_metrics=train_metrics, val_metrics=val_metrics, lr=lr,
                                   elapsed=elapsed, eta=elapsed / epoch * (c.epochs - epoch),
                                   is_best=is_best)
                result.history.add(ev)
                result.epochs_run = epoch
                result.best_epoch = best_epoch
                self._emit(ev)
                if control is not None:
                    control.epoch_done()
                    if control.on_epoch_model is not None:
                        control.on_epoch_model(epoch, model)
                stop_early = c.early_stopping is not None and since_best >= c.early_stopping
                if every and (epoch % every == 0 or epoch == c.epochs or stop_early):
                    # after every hook of the epoch, so the random state is the next epoch's
                    result.checkpoint = _make_checkpoint(
                        epoch, c, model, opt, scheduler, gen, aug_gen, dev, best_loss,
                        best_epoch, since_best, best_state, result.history.rows,
                        global_step, elapsed, n, n_val, nb, record, patience_loss)
                    now = time.perf_counter()
                    if ckpt_dir is not None and not ckpt_trouble and (
                            now - last_write >= min_write or epoch == c.epochs or stop_early):
                        ckpt_trouble = _write_checkpoint(ckpt_dir, result.checkpoint)
                        last_write, written = now, epoch
                if stop_early:
                    kept = f"; kept the weights of epoch {best_epoch}" if keep_best else ""
                    by = f" by more than {min_delta:g}" if min_delta else ""
                    raise _Stop("early_stopping",
                                f"early stopping after epoch {epoch}: the {monitor_name} has"
                                f" not improved{by} for {since_best} epochs (best"
                                f" {best_loss:.4g} at epoch {best_epoch}){kept}")
            result.stopped_because = "completed"
            result.message = f"best {monitor_name} {best_loss:.4g} at epoch {best_epoch}"
        except _Stop as stop:
            result.stopped_because, result.message = stop.reason, stop.message
        finally:
            if feed is not None:
                feed.close()  # the decoding workers end with the run, not at collection
        last = result.checkpoint
        if ckpt_dir is not None and not ckpt_trouble and last is not None and (
                last.epoch > written):
            ckpt_trouble = _write_checkpoint(ckpt_dir, last)  # what the throttle held back
        result.message = "; ".join(filter(None, [result.message, *notes, precision.note,
                                                 ckpt_trouble]))
        result.train_seconds = prior + time.perf_counter() - start
        if best_state is not None:
            model.load_state_dict(best_state)
        result.model = model.cpu().eval()
        self._emit(RunFinished(epochs_run=result.epochs_run, best_epoch=result.best_epoch,
                               stopped_because=result.stopped_because, message=result.message,
                               train_seconds=result.train_seconds))


CHECKPOINT_MIN_SECONDS = 1.0


def _write_checkpoint(folder: Path, ck: Checkpoint) -> str:
    """Save ``ck``; "" or, when the disk refused, why (the run itself goes on)."""
    try:
        save_checkpoint(folder, ck)
    except OSError as exc:
        log.warning("writing a checkpoint failed: %s", exc)
        return f"checkpoints stopped at epoch {ck.epoch}: {exc.strerror or exc}"
    return ""


# Options that change what an epoch computes: a resumed run must use the checkpoint's.
# The others (epochs, checkpointing, events, device, mixed precision, early stopping) may
# differ.
_SAME_MATH = ("batch_size", "optimizer", "lr", "momentum", "nesterov", "weight_decay", "betas",
              "loss", "huber_delta", "reconstruct_noise", "class_weights", "schedule",
              "step_size", "gamma", "plateau_patience", "l1", "l2", "grad_clip", "seed",
              "augment")


def _restore(
    ck: Checkpoint, c: TrainConfig, model: nn.Module, opt: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None, nb: int, n: int, n_val: int,
    dev: torch.device, gen: torch.Generator, aug_gen: torch.Generator,
) -> tuple[torch.optim.lr_scheduler.LRScheduler | None, list[str]]:
    """Put the checkpoint's weights, optimizer, schedule and random states in place.

    The schedule: when ``c.epochs`` is the checkpoint's planned total, or the schedule
    does not depend on the total (none, step, plateau), it continues exactly, so the run
    matches one that never stopped. A one-cycle or cosine run asked to reach another total
    cannot follow "the same" schedule (it was shaped for the old total): its remaining
    epochs get a new cycle of their own, from the peak rate down again, and a note says so.
    Returns the schedule to use and the notes for the run's message.
    """
    if ck.epoch >= c.epochs:
        raise TrainError(f"the checkpoint is at epoch {ck.epoch}; ask for more than "
                         f"{ck.epoch} epochs to continue it")
    now = c.to_dict()
    changed = [k for k in _SAME_MATH if k in ck.config and ck.config[k] != now[k]
               and not (k == "betas" and list(ck.config[k]) == now[k])]
    if changed:
        raise TrainError(f"the checkpoint was trained with other settings "
                         f"({', '.join(changed)}); continue it with its own")
    if (ck.n_train, ck.n_val) != (n, n_val):
        raise TrainError(f"the checkpoint was trained on {ck.n_train} training and {ck.n_val}"
                         f" validation samples, this data has {n} and {n_val}")
    if ck.batches_per_epoch != nb:
        raise TrainError(f"the checkpoint ran {ck.batches_per_epoch} batches per epoch, this "
                         f"run would run {nb}; keep the batch size")
    own = model.state_dict()
    missing = sorted(set(own) - set(ck.model))
    extra = sorted(set(ck.model) - set(own))
    shapes = sorted(k for k in set(own) & set(ck.model) if own[k].shape != ck.model[k].shape)
    if missing or extra or shapes:
        what = (f"missing {', '.join(missing[:3])}" if missing else
                f"unknown {', '.join(extra[:3])}" if extra else
                f"other shapes for {', '.join(shapes[:3])}")
        raise TrainError(f"the checkpoint's weights do not fit this network ({what})")
    model.load_state_dict(ck.model)
    notes = []
    if c.schedule in ("onecycle", "cosine") and ck.planned_epochs != c.epochs:
        opt.load_state_dict(ck.optimizer)  # the moments and steps; the rates start afresh
        for group in opt.param_groups:
            group["lr"] = c.lr
            for key in ("initial_lr", "max_lr", "min_lr"):
                group.pop(key, None)
        added = c.epochs - ck.epoch
        scheduler = make_scheduler(opt, replace(c, epochs=added), nb)
        name = "one-cycle" if c.schedule == "onecycle" else "cosine"
        notes.append(f"the {name} schedule was planned for {ck.planned_epochs} epochs; "
                     f"epochs {ck.epoch + 1}-{c.epochs} follow a new {name} schedule of "
                     f"{added} epochs")
    else:
        if scheduler is not None and ck.scheduler is not None:
            scheduler.load_state_dict(ck.scheduler)
        opt.load_state_dict(ck.optimizer)  # after the schedule, whose start reset the rates
    gen.set_state(ck.rng["batches"])
    torch.set_rng_state(ck.rng["torch"])
    if ck.device_type == dev.type:
        if "augment" in ck.rng:
            aug_gen.set_state(ck.rng["augment"])
        if dev.type == "cuda" and "cuda" in ck.rng:
            torch.cuda.set_rng_state(ck.rng["cuda"], dev)
    else:
        notes.append(f"the checkpoint was made on {ck.device_type}: dropout and augmentation "
                     f"draw other random numbers on {dev.type} from here on")
    return scheduler, notes


def _make_checkpoint(
    epoch: int, c: TrainConfig, model: nn.Module, opt: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None, gen: torch.Generator,
    aug_gen: torch.Generator, dev: torch.device, best_loss: float, best_epoch: int,
    since_best: int, best_state: dict[str, torch.Tensor] | None,
    history: list[dict[str, Any]], global_step: int, elapsed: float, n: int, n_val: int,
    nb: int, record: RunRecord | None, patience_loss: float,
) -> Checkpoint:
    """CPU copies of everything the next epoch depends on."""
    rng = {"torch": torch.get_rng_state(), "batches": gen.get_state(),
           "augment": aug_gen.get_state().cpu()}
    if dev.type == "cuda":
        rng["cuda"] = torch.cuda.get_rng_state(dev)
    return Checkpoint(
        epoch=epoch, planned_epochs=c.epochs, global_step=global_step, elapsed=elapsed,
        config=c.to_dict(), model=cpu_copy(model.state_dict()),
        optimizer=capture_optimizer(opt), scheduler=capture_scheduler(scheduler), rng=rng,
        best_loss=best_loss, best_epoch=best_epoch, since_best=since_best,
        best_state=None if best_state is None else cpu_copy(best_state),
        history=[dict(row) for row in history], n_train=n, n_val=n_val,
        batches_per_epoch=nb, device_type=dev.type, record=record,
        patience_loss=patience_loss)


def _first_nonfinite_row(X: np.ndarray) -> int | None:
    """Index of the first row holding NaN or inf, or None.

    A float64 sum is the cheap screen (NaN and inf propagate, finite float32 values cannot
    overflow it); only a non-finite sum pays for the row-by-row scan.
    """
    if X.size == 0 or np.isfinite(X.sum(dtype=np.float64)):
        return None
    bad = ~np.isfinite(X.reshape(len(X), -1)).all(axis=1)
    return int(np.argmax(bad))


def _first_bad(losses: list[torch.Tensor]) -> int:
    """Index of the first non-finite batch loss (one transfer for the whole list)."""
    finite = torch.isfinite(torch.stack(losses)).cpu().tolist()
    return finite.index(False) if False in finite else len(finite) - 1


def _forward_all(model: nn.Module, X: torch.Tensor | None, chunk: int,
                 feed: Feed | None = None, split: str = "val") -> torch.Tensor:
    """Outputs for all rows in eval mode, in chunks the size of a training batch or more:
    slices of ``X`` on the device, or ``split``'s rows read by ``feed`` (streamed)."""
    chunk = max(chunk, 256)
    model.eval()
    try:
        with torch.no_grad():
            chunks = (feed.chunks(split, chunk) if feed is not None else
                      (X[i:i + chunk] for i in range(0, len(X), chunk)))  # type: ignore[arg-type]
            return torch.cat([model(x) for x in chunks])
    finally:
        model.train()


def _quick_metrics(
    out: torch.Tensor, y: torch.Tensor, classes: bool, y_ss: float | None
) -> dict[str, float]:
    """Accuracy or R² computed on the device, for the live curves (a reconstruct run:
    R² over all values, the share of the inputs' variance the reconstruction explains).
    For classes ``out`` may be the outputs or already the predicted classes."""
    if classes:
        predicted = out.argmax(1) if out.dim() == 2 else out
        return {"accuracy": float((predicted == y).float().mean())}
    if not y_ss:
        return {}
    return {"r2": 1.0 - float(((out - y) ** 2).sum()) / y_ss}


def failed_result(
    exc: BaseException,
    on_event: Callable[[Event], None] | None,
    result: RunResult | None = None,
    seconds: float = 0.0,
) -> RunResult:
    """Turn an exception into a RunFailed event and a failed RunResult."""
    result = result or RunResult()
    msg = one_line(exc)
    result.failed = result.message = msg
    result.stopped_because = "failed"
    result.train_seconds = seconds
    if on_event is not None:
        try:
            on_event(RunFailed(message=msg))
        except Exception:  # a broken listener must not hide the real error
            log.exception("the RunFailed listener raised")
    return result


@contextmanager
def seeded(seed: int, deterministic: bool) -> Iterator[None]:
    """Seed torch and, if asked, switch on deterministic algorithms for the block only
    (the switch is process-wide, so the previous setting comes back afterwards)."""
    prev = (torch.are_deterministic_algorithms_enabled(),
            torch.is_deterministic_algorithms_warn_only_enabled())
    prev_bench = torch.backends.cudnn.benchmark
    torch.manual_seed(seed)
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(prev[0], warn_only=prev[1])
        torch.backends.cudnn.benchmark = prev_bench


def check_memory(spec: NetworkSpec, config: TrainConfig, data: TensorData) -> int:
    """Price the network from its shapes before it is built (``core.nn.memory``): one too
    big for the memory budget is refused in one line (``SpecError``) instead of swapping
    the machine. On a GPU the batches live there; the computer holds the weights. Returns
    the estimate in bytes."""
    from core.nn.memory import check_network_memory

    dev = resolve_device(config.device)
    batch = config.batch_for(len(data.X_train), dev.type)
    return check_network_memory(spec, tuple(data.input_shape), data.n_outputs, batch,
                                config.optimizer, config.momentum,
                                training=dev.type == "cpu")


def train_network(
    spec: NetworkSpec,
    config: TrainConfig,
    data: TensorData,
    control: RunControl | None = None,
    on_event: Callable[[Event], None] | None = None,
    checkpoint_dir: Path | None = None,
    resume: Checkpoint | None = None,
    record: RunRecord | None = None,
) -> RunResult:
    """Build ``spec`` for ``data`` and train it; never raises (see ``Trainer.run``).

    Same seed, data and config on the CPU give the same loss history, run after run, and a
    run continued from its checkpoint (``resume``) gives what it would have without the
    pause (the checkpoint arguments: ``Trainer``).
    """
    t0 = time.perf_counter()
    try:
        config.validate()
        from core.nn.build import build_model

        check_memory(spec, config, data)
        with seeded(config.seed, config.deterministic):
            model = build_model(spec, tuple(data.input_shape), data.n_outputs)
            return Trainer(model, config, data, control, on_event, checkpoint_dir, resume,
                           record).run()
    except Exception as exc:  # building failed: report it like a run failure
        if not isinstance(exc, MendelError):
            log.exception("building the network failed")
        return failed_result(exc, on_event, seconds=time.perf_counter() - t0)
