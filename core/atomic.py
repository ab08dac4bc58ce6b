"""Write files so that an interrupted export never leaves a half-written file behind.

The bundle, a saved network spec (``core.nn.spec``) and the GUI's picture exports all
write through it, so it sits at the bottom of ``core`` rather than in ``core.export``.

The temporary file is created the way ``open(path, "w")`` creates a file (mode 0666 less
the umask), not with ``tempfile.mkstemp``'s private 0600: every file of a run folder then
has the same, normal permissions. A writer that replaces the temporary file with its own
(safetensors' ``save_file`` writes elsewhere and renames) gets those permissions back.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

_ATTEMPTS = 100  # random names tried before giving up (a clash is already improbable)


def _create_temporary(path: Path) -> Path:
    """A new, empty file beside ``path`` with the permissions a plain ``open`` gives."""
    for _ in range(_ATTEMPTS):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(f"no free temporary name beside {path}")


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp_path)`` on a temporary name beside ``path``, then rename it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = _create_temporary(path)
    mode = tmp_path.stat().st_mode & 0o7777
    try:
        write(tmp_path)
        if tmp_path.stat().st_mode & 0o7777 != mode:
            os.chmod(tmp_path, mode)
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text_atomic(path: Path, text: str) -> None:
    write_atomic(path, lambda p: p.write_text(text, encoding="utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    write_atomic(path, lambda p: p.write_bytes(data))
