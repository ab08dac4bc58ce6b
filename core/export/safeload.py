"""Refuse Python pickles before anything reads them.

Unpickling runs code chosen by whoever wrote the file, so a model or bundle file that a
user hands to Mendel is checked by its bytes alone: the pickle protocol marker (0x80 and
a protocol number) or a zip archive holding ``*.pkl`` members (PyTorch's ``torch.save``
format, TorchScript archives). Nothing is unpickled, imported or executed here.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from core.errors import ExportError

_ZIP_MAGIC = b"PK\x03\x04"
_HIGHEST_PICKLE_PROTOCOL = 5


def pickle_kind(path: Path) -> str | None:
    """'pickle' or 'torch archive' when ``path`` holds pickled data, else None."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise ExportError(f"cannot read file: {exc.strerror or exc}", str(path)) from None
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= _HIGHEST_PICKLE_PROTOCOL:
        return "pickle"
    if head == _ZIP_MAGIC:
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()  # reads the central directory only
        except (zipfile.BadZipFile, OSError):
            return None
        if any(name.endswith(".pkl") for name in names):
            return "torch archive"
    return None


def refuse_pickle(path: str | Path) -> None:
    """Raise ``ExportError`` when ``path`` is a pickle or a pickle-holding archive."""
    path = Path(path)
    kind = pickle_kind(path)
    if kind is None:
        return
    what = "a Python pickle" if kind == "pickle" else "a PyTorch archive of Python pickles"
    raise ExportError(f"the file is {what}; Mendel never loads pickles because they can "
                      "run code. Export the model as safetensors or ONNX", str(path))
