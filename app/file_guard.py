"""Paths the window hands to a reader, checked first: never a FIFO, a device or a socket.

Opening a named pipe waits for a writer forever and ``/dev/zero`` never ends, so a file the
user picks (a network, a motif file, a project, a run folder, a predictions file) is
checked here before anything opens it: on the main thread when the reading happens there
(a network file: it is small, and read here whole up to a limit), or before the worker
starts, whose join at close would otherwise wait for a read that never returns. The data
loaders check their own inputs (``core.data.files``); this is the same rule for the
window's other readers. Each refusal is one ``MendelError`` line naming the file.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from core.data.files import display, open_regular
from core.errors import DataError

MAX_ENTRIES = 10_000  # a run folder holds a dozen files: walking it stops after this many

_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _kind(mode: int) -> str | None:
    """What a non-regular, non-folder file is; None for a regular file or a folder."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


def refuse_special(path: str | Path) -> None:
    """``DataError`` if ``path`` is there but is neither a regular file nor a folder (a
    missing path is left to the reader, which says so in its own words)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    kind = _kind(mode)
    if kind is not None:
        raise DataError(f"not a regular file but {kind}; choose a file or a folder",
                        display(path))


def refuse_not_file(path: str | Path, what: str) -> None:
    """``refuse_special``, and a folder refused too where ``what`` (a file) is wanted."""
    refuse_special(path)
    if Path(path).is_dir():
        raise DataError(f"this is a folder; choose {what}", display(path))


def refuse_special_inside(folder: str | Path) -> None:
    """``refuse_special`` for ``folder`` and everything under it (a run folder, read file
    by file by a worker that one FIFO among them would block for good)."""
    folder = Path(folder)
    refuse_special(folder)
    if not folder.is_dir():
        return
    seen = 0
    for root, dirs, files in os.walk(folder):
        for name in (*dirs, *files):
            refuse_special(Path(root) / name)
            seen += 1
            if seen >= MAX_ENTRIES:
                return


def read_small_text(path: str | Path, limit: int, what: str) -> str:
    """The UTF-8 text of a regular file of at most ``limit`` bytes (``what`` names the
    kind of file in the message), read without ever blocking on a special file."""
    path = Path(path)
    refuse_special(path)
    with open_regular(path) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise DataError(f"too large for {what} (more than {limit >> 20} MiB); is it the "
                        "right file?", display(path))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"not {what}: byte {exc.start + 1} is not UTF-8 text",
                        display(path)) from None



def write_problem(path: str | Path, error: OSError) -> str:
    """Why writing ``path`` failed, in words, with what to do: "cannot write there
    (/tmp/a.txt is a file, not a folder); choose another folder". ``OSError``'s own text
    can mislead ("File exists" when a folder on the way is a file)."""
    path = Path(os.path.abspath(path))
    blocker = next((p for p in path.parents if os.path.lexists(p)), None)
    if blocker is not None and not blocker.is_dir():
        reason = f"{display(blocker)} is a file, not a folder"
    elif error.errno in (errno.EACCES, errno.EPERM):
        reason = "no permission to write in that folder"
    elif error.errno == errno.EROFS:
        reason = "that place is read-only"
    elif error.errno == errno.ENOSPC:
        reason = "the disk is full"
    elif path.is_dir():
        reason = "a folder has that name"
    elif error.errno == errno.ENOENT and blocker == path.parent:  # /proc, /sys
        reason = f"{display(blocker)} does not take new files"
    else:
        reason = " ".join(str(error.strerror or error).split())
    return f"cannot write there ({reason}); choose another folder"
