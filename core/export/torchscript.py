"""TorchScript export (``torch.jit.trace``) for users who deploy with libtorch.

Tracing records the operations run on a sample; the traced module is then run on the
sample again and compared with the model, so a module whose behaviour depended on Python
control flow is caught here rather than in the user's deployment. Mendel itself never
loads TorchScript files (they hold pickles): predictions come from safetensors weights.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

from core.atomic import write_atomic
from core.errors import ExportError
from core.export.onnx_export import TOLERANCE, max_abs_diff, one_line


def export_torchscript(model: torch.nn.Module, sample: torch.Tensor, path: Path) -> float:
    """Write a traced ``model`` to ``path``; return the max abs difference to the model.

    ``model`` must be on the CPU and in eval mode. Raises ``ExportError`` when tracing
    fails or the traced module disagrees beyond ``TOLERANCE`` (nothing is written then).
    """
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # jit deprecation and tracer notices
            traced = torch.jit.trace(model, sample, check_trace=False)
            # a different batch size than the trace, to catch a baked-in batch dimension
            check = torch.cat([sample, sample[:1]])
            diff = max_abs_diff(traced(check).numpy(), model(check).numpy())
    except Exception as exc:  # tracing raises many types for unsupported code
        raise ExportError(f"TorchScript export failed: {one_line(exc)}") from None
    if not diff <= TOLERANCE:
        raise ExportError(
            f"TorchScript model disagrees with PyTorch (max difference {diff:.3g} > "
            f"{TOLERANCE:g}); the TorchScript file was not written"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_atomic(path, lambda tmp: torch.jit.save(traced, str(tmp)))
    return diff
