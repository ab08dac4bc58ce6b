"""ONNX export of a trained model, checked against PyTorch before it is kept.

The legacy TorchScript-based exporter (``dynamo=False``) is used because it handles every
layer Mendel builds (including LSTM/GRU) with a dynamic batch axis and no extra
dependencies. The exported file is run with onnxruntime on a sample of real inputs; a
difference above ``TOLERANCE`` means the file would not reproduce the model, so it is
not written at all.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch

from core.atomic import write_atomic
from core.errors import ExportError

OPSET = 17
TOLERANCE = 1e-4
INPUT_NAME = "input"
OUTPUT_NAME = "output"


def export_onnx(model: torch.nn.Module, sample: torch.Tensor, path: Path) -> float:
    """Write ``model`` as ONNX to ``path``; return the max abs difference to PyTorch.

    ``model`` must be on the CPU and in eval mode; ``sample`` is a CPU float32 batch.
    Raises ``ExportError`` when export fails or the outputs disagree beyond ``TOLERANCE``.
    """
    # checked on a batch size other than the traced one, so a baked-in batch is caught
    check = torch.cat([sample, sample[:1]])
    with torch.no_grad():
        expected = model(check).numpy()
    diff: list[float] = []

    def write(tmp: Path) -> None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # legacy-exporter deprecation notices
                torch.onnx.export(
                    model, (sample,), str(tmp), dynamo=False, opset_version=OPSET,
                    input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
                    dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
                )
        except Exception as exc:  # the exporter raises many types for unsupported ops
            raise ExportError(f"ONNX export failed: {one_line(exc)}") from None
        got = run_onnx(tmp, check.numpy())
        diff.append(max_abs_diff(got, expected))
        if not diff[0] <= TOLERANCE:
            raise ExportError(
                f"ONNX model disagrees with PyTorch (max difference {diff[0]:.3g} > "
                f"{TOLERANCE:g}); the ONNX file was not written"
            )

    write_atomic(path, write)
    return diff[0]


def run_onnx(path: Path, x: np.ndarray) -> np.ndarray:
    """Outputs of an ONNX file on ``x`` with onnxruntime's CPU provider."""
    import onnxruntime as ort

    try:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return session.run(None, {INPUT_NAME: x.astype(np.float32)})[0]
    except Exception as exc:  # onnxruntime raises its own exception classes
        raise ExportError(f"onnxruntime cannot run the ONNX model: {one_line(exc)}") from None


def max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        return float("inf")
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)), initial=0.0))


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
