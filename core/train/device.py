"""Which device a run trains on, and how to say so in one line."""

from __future__ import annotations

import torch

from core.errors import TrainError


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` picks CUDA, then Apple MPS, then the CPU.

    A device named explicitly but missing is an error rather than a silent CPU fallback:
    a user who asked for the GPU would otherwise wait hours without knowing why.
    """
    name = (name or "auto").strip().lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    kind = name.split(":")[0]
    if kind == "cpu":
        return torch.device("cpu")
    if kind == "cuda":
        if not torch.cuda.is_available():
            raise TrainError("CUDA was requested but no GPU is available; use --device cpu")
        dev = torch.device(name)
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise TrainError(
                f"{name} was requested but only {torch.cuda.device_count()} GPU(s) exist;"
                " use --device cuda:0"
            )
        return dev
    if kind == "mps":
        if not _mps_available():
            raise TrainError("MPS was requested but this Mac has no usable GPU; use --device cpu")
        return torch.device("mps")
    raise TrainError(f"unknown device {name!r}; use auto, cpu, cuda or mps")


def describe_device(dev: torch.device) -> str:
    """'CPU, 2 threads', 'cuda:0 (NVIDIA H100 80GB HBM3)' or 'Apple GPU (MPS)'."""
    if dev.type == "cuda":
        index = dev.index if dev.index is not None else torch.cuda.current_device()
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    if dev.type == "mps":
        return "Apple GPU (MPS)"
    n = torch.get_num_threads()
    return f"CPU, {n} thread{'s' if n != 1 else ''}"
