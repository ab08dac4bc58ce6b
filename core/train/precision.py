"""Mixed precision (``TrainConfig.amp``): the forward pass in 16-bit floats on a CUDA GPU.

bfloat16 where the GPU supports it (Ampere and later: the same range as float32, so no
loss scaling is needed); else float16, whose small range makes small gradients vanish,
with a ``GradScaler`` that multiplies the loss before the backward pass and skips a step
whose gradients overflowed. The weights and the optimizer stay float32 (torch's
``autocast``); the loss functions run in float32 under autocast.

On a CPU or an Apple GPU the option is refused softly: the run trains in float32 and its
message says so (CPU autocast is slower than float32 for the small networks Mendel
builds, and MPS autocast is incomplete in torch).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import torch


@dataclass
class Precision:
    """How a run computes: ``dtype`` None means float32 throughout."""

    dtype: torch.dtype | None = None
    scaler: torch.amp.GradScaler | None = None
    note: str = ""  # said in the run's message (amp asked for where it cannot run)

    @property
    def label(self) -> str:
        """'float32', 'bfloat16 mixed precision' or 'float16 mixed precision (loss
        scaling)': what the run records beside its device."""
        if self.dtype is None:
            return "float32"
        scaled = " (loss scaling)" if self.scaler is not None else ""
        return f"{str(self.dtype).removeprefix('torch.')} mixed precision{scaled}"

    @contextlib.contextmanager
    def autocast(self, device: torch.device) -> Iterator[None]:
        """The forward pass (and loss) of a batch: 16-bit where it is safe, else a no-op."""
        if self.dtype is None:
            yield
            return
        with torch.autocast(device_type=device.type, dtype=self.dtype):
            yield


def choose_precision(device: torch.device, amp: bool) -> Precision:
    """The precision a run on ``device`` uses when mixed precision is ``amp``."""
    if not amp:
        return Precision()
    if device.type != "cuda":
        return Precision(note="mixed precision runs on CUDA GPUs only; this run used float32")
    if torch.cuda.is_bf16_supported():
        return Precision(torch.bfloat16)
    return Precision(torch.float16, torch.amp.GradScaler("cuda"))


def backward_and_step(precision: Precision, loss: torch.Tensor, optimizer: torch.optim.Optimizer,
                      params: list[torch.nn.Parameter], clip: float | None) -> None:
    """``loss.backward()``, clipping, ``optimizer.step()``: through the gradient scaler
    when there is one (it unscales before clipping, so the norm is the true one)."""
    scaler = precision.scaler
    if scaler is None:
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(params, clip)
        optimizer.step()
        return
    scaler.scale(loss).backward()
    if clip:
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(params, clip)
    scaler.step(optimizer)
    scaler.update()
