"""The memory budget: how much memory Mendel may spend, checked before it is spent.

A small hostile file can ask for far more than the machine holds (a network of three
65,536-unit layers, an image header claiming 16 million by 8 pixels, labels of 2e9).
Every large allocation is estimated first and refused with one line when the estimate is
over ``memory_budget()``: the network before it is built, an image before it is decoded,
a dataset's tensors before they are made, a training run before it starts.

The budget is, in order: what ``set_memory_budget`` set (``mendel --memory-budget``, the
app's Preferences), else ``MENDEL_MEMORY_BUDGET`` ("4G", "512M", "2.5GB", bytes), else
half of this computer's memory (or of the container's limit). It never exceeds what the
process may still address (``RLIMIT_AS``) when such a limit is set.
"""

from __future__ import annotations

import functools
import math
import os
import re

from core.errors import MendelError

ENV = "MENDEL_MEMORY_BUDGET"
DEFAULT_SHARE = 0.5  # of the machine's memory: the rest is the system's and other programs'
MIN_BUDGET = 1 << 20  # "4" is a typo for "4G", not a budget of four bytes
_FALLBACK_RAM = 8 << 30  # a platform that says nothing about its memory
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)(i?b)?\s*$", re.IGNORECASE)

_override: tuple[int, str] | None = None  # (bytes, where it was set)


def parse_size(text: str | int) -> int:
    """Bytes of "4G", "512M", "2.5GB", "1.5 TiB" or "1000000" (units of 1024, as
    ``human_bytes`` prints them); ``ValueError`` with the reason otherwise."""
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        match = _SIZE.match(str(text))
        if not match:
            raise ValueError(f"{str(text)[:40]!r} is not a size; write e.g. 4G, 512M or 2.5GB")
        number, unit = float(match.group(1)), match.group(2).lower()
        value = int(number * _UNITS[unit])
    if value < MIN_BUDGET:
        raise ValueError(f"{text!r} is less than 1 MB; write the unit, e.g. 4G or 512M")
    return value


def human_bytes(n: int | float) -> str:
    """``n`` bytes as "512 B", "8.3 MB", "17.2 GB" (units of 1024)."""
    n = max(float(n), 0.0)
    if n < 1024:
        return f"{int(n)} B"
    exponent = min(int(math.log(n, 1024)), 4)
    return f"{n / 1024 ** exponent:.1f} {('KB', 'MB', 'GB', 'TB')[exponent - 1]}"


def set_memory_budget(size: int | str | None, where: str = "by --memory-budget") -> None:
    """Set the budget for this process (``None``: back to the variable or the default).
    ``where`` ("by --memory-budget", "in Preferences") is said in refusals, so a user
    knows what to change."""
    global _override
    if size is None:
        _override = None
        return
    try:
        _override = (parse_size(size), where)
    except ValueError as err:
        raise MendelError(f"{where.split(' ', 1)[-1]}: {err}") from None


def memory_budget() -> int:
    """Bytes Mendel may spend now (see the module's docstring for where it comes from)."""
    return _budget()[0]


def budget_reason() -> str:
    """Where the budget comes from, as a refusal says it."""
    return _budget()[1]


def check_budget(needed: int | float, what: str, path: str | None = None,
                 error: type[MendelError] = MendelError) -> None:
    """Raise ``error`` (one line, naming ``path``) when ``needed`` bytes exceed the budget:
    "<what> needs about 17.2 GB, more than the memory budget of 3.9 GB (...)"."""
    budget, reason = _budget()
    if needed > budget:
        how = "" if reason.startswith("set ") else f"; set {ENV} or --memory-budget to change it"
        raise error(f"{what} needs about {human_bytes(needed)}, more than the memory budget of"
                    f" {human_bytes(budget)} ({reason}{how})", path)


def _budget() -> tuple[int, str]:
    if _override is not None:
        budget, reason = _override[0], f"set {_override[1]}"
    elif (text := os.environ.get(ENV, "").strip()):
        try:
            budget, reason = parse_size(text), f"set by {ENV}={text}"
        except ValueError as err:
            raise MendelError(f"the environment variable {ENV}: {err}") from None
    else:
        ram = physical_memory()
        budget = int(DEFAULT_SHARE * ram)
        reason = f"{DEFAULT_SHARE:.0%} of this computer's memory"
    left = address_space_left()
    if left is not None and left < budget:
        budget, reason = left, "what this process may still address (its memory limit)"
    return budget, reason


@functools.cache  # the machine's memory does not change while Mendel runs
def physical_memory() -> int:
    """The machine's memory in bytes, or the container's limit when that is lower."""
    ram = _sysconf_memory() or _meminfo_total() or _FALLBACK_RAM
    limit = _cgroup_limit()
    return min(ram, limit) if limit else ram


def _sysconf_memory() -> int | None:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")) or None
    except (AttributeError, ValueError, OSError):
        return None


def _meminfo_total() -> int | None:
    return _meminfo(b"MemTotal:")


def _meminfo(key: bytes) -> int | None:
    """One line of ``/proc/meminfo`` in bytes (Linux only; None elsewhere)."""
    try:
        with open("/proc/meminfo", "rb") as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup_limit() -> int | None:
    """A container's memory limit (cgroup v2, then v1); None when unlimited or unknown."""
    for name in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(name, "rb") as fh:
                text = fh.read().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 1 << 60:  # v1 says "unlimited" with a huge number
            return int(text)
    return None


def address_space_left() -> int | None:
    """Bytes of address space left under ``RLIMIT_AS``; None when there is no such limit."""
    try:
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY:
            return None
        with open("/proc/self/statm", "rb") as fh:
            used = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        return max(soft - used, 0)
    except (ImportError, OSError, ValueError, IndexError):
        return None


def available_memory() -> int | None:
    """Memory the system could give now (``MemAvailable``); None where not told."""
    return _meminfo(b"MemAvailable:")
