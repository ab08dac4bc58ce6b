"""Opening what a user named as data, without hanging, swelling or crashing on it.

A FIFO or a device called ``data.csv`` blocks ``open()`` (or never ends), a gzip member
can unpack to gigabytes, a file name may not be UTF-8. Loaders go through here: the kind
of file is checked before it is opened (``check_source``), and then again on the open
descriptor, since a FIFO opened without ``O_NONBLOCK`` waits for a writer forever;
whole-file reads are chunked, bounded and cancellable (``read_whole``); names are shown
printable (``display``).
"""

from __future__ import annotations

import gzip
import os
import stat
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from core.budget import available_memory, memory_budget
from core.errors import DataError, printable
from core.progress import StopFn, check_stop

# A table or an IDX array is read whole into memory; past this (after unpacking), or past
# a quarter of the memory budget or of the memory available (``whole_read_limit``), it is
# refused with a message instead of exhausting the machine's memory.
MAX_WHOLE_BYTES = 2 << 30
_MEMORY_SHARE = 4  # the bytes, their decoded text and the parsed table live at once
CHUNK = 4 << 20  # bytes read (or unpacked) between two checks of should_stop
GZIP_MAGIC = b"\x1f\x8b"

_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def display(path: str | Path) -> str:
    """``path`` as text that prints anywhere: bytes of a non-UTF-8 name as ``\\xe9``."""
    return printable(os.fsdecode(path))


def _kind(mode: int) -> str:
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


def _refuse_kind(mode: int, path: Path) -> DataError:
    return DataError(f"not a regular file but {_kind(mode)}; give a data file or a folder",
                     display(path.name or path))


def check_source(path: Path) -> None:
    """Refuse (``DataError``) anything that is neither a regular file nor a folder, before
    anything opens it: reading a FIFO or a device never ends."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise DataError("no such file or folder", display(path)) from None
    except OSError as err:
        raise DataError(f"cannot open it ({err.strerror})", display(path)) from None
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise _refuse_kind(mode, path)


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading in binary, refused unless it is a regular file.

    ``O_NONBLOCK`` makes opening a FIFO return at once (instead of waiting for a writer),
    so the descriptor's own kind can be checked; a regular file ignores the flag.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise DataError("no such file", display(path)) from None
    except OSError as err:
        raise DataError(f"cannot open it ({err.strerror})", display(path.name)) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise DataError("this is a folder; give a data file here", display(path))
        raise _refuse_kind(mode, path)
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def whole_read_limit() -> int:
    """Bytes a whole-file read may take: ``MAX_WHOLE_BYTES``, or a quarter of the memory
    budget (``core.budget``) or of the memory the system has available now, if less."""
    known = [f for f in (memory_budget(), available_memory()) if f is not None]
    return min([MAX_WHOLE_BYTES, *(f // _MEMORY_SHARE for f in known)])


def read_whole(path: Path, should_stop: StopFn | None = None,
               check_start: Callable[[bytes], None] | None = None,
               limit: int | None = None) -> bytes:
    """The bytes of ``path`` (gzip unpacked when it starts with the gzip magic), read
    ``CHUNK`` bytes at a time with ``should_stop`` checked between chunks.

    ``check_start(first_chunk)`` may refuse the content early (a gzip of zeros is binary
    after its first chunk; no need to unpack gigabytes to say so). More than ``limit``
    bytes (default ``whole_read_limit()``), on disk or unpacked, is refused.
    """
    name = display(path.name)
    limit = whole_read_limit() if limit is None else limit
    chunks: list[bytes] = []
    total = 0
    with open_regular(path) as raw:
        size = os.fstat(raw.fileno()).st_size
        packed = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        if not packed and size > limit:
            raise DataError(_too_big(size, limit), name)
        stream: BinaryIO = gzip.GzipFile(fileobj=raw) if packed else raw  # type: ignore[assignment]
        try:
            while chunk := stream.read(CHUNK):
                if not chunks and check_start is not None:
                    check_start(chunk)
                total += len(chunk)
                if total > limit:
                    raise DataError(_too_big(total, limit, packed=True), name)
                chunks.append(chunk)
                check_stop(should_stop)
        except (gzip.BadGzipFile, EOFError, zlib.error) as err:
            raise DataError(f"damaged gzip file ({err or 'it ends too early'})", name) from None
        except OSError as err:
            raise DataError(f"cannot read the file ({err.strerror or err})", name) from None
    return b"".join(chunks)


def _too_big(size: int, limit: int, packed: bool = False) -> str:
    what = "unpacks to more than" if packed else f"holds {_size(size)}, more than"
    return (f"the file {what} {_size(limit)}, the most this computer can read whole into"
            " memory now; give a smaller file (a subset of its rows)")


def _size(n: int) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"
