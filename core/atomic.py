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


def write_atomic(path: Path, write: Callable[[Path], None], durable: bool = False) -> None:
    """Call ``write(tmp_path)`` on a temporary name beside ``path``, then rename it.

    ``durable`` also flushes the file to the disk before the rename and the folder after
    it, so a power cut cannot leave the new name pointing at missing data (checkpoints,
    whose files must agree with each other, ask for it; an export need not pay for it).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = _create_temporary(path)
    mode = tmp_path.stat().st_mode & 0o7777
    try:
        write(tmp_path)
        if tmp_path.stat().st_mode & 0o7777 != mode:
            os.chmod(tmp_path, mode)
        if durable:
            fsync_path(tmp_path)
        os.replace(tmp_path, path)
        if durable:
            fsync_path(path.parent)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def fsync_path(path: Path) -> None:
    """Flush a file's or a folder's data to the disk (folders: where the OS allows it)."""
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() and hasattr(os, "O_DIRECTORY") else 0)
    try:
        fd = os.open(path, flags)
    except OSError:  # e.g. Windows cannot open a folder: its rename is durable enough
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder; the rename itself still happened
    finally:
        os.close(fd)


def write_text_atomic(path: Path, text: str, durable: bool = False) -> None:
    write_atomic(path, lambda p: p.write_text(text, encoding="utf-8"), durable)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    write_atomic(path, lambda p: p.write_bytes(data))
