"""One probe of a run folder, run by ``tests.hostile.runs_report`` inside the code under
test (the current tree, or an older one for the "before" column): it imports nothing of
Mendel but ``app.cli.main``, so the same probe runs against any version.

    python run_probe.py commands RUN DATA   # predict and evaluate RUN on DATA
    python run_probe.py kill K ARGV...      # mendel ARGV, SIGKILLed after its K-th move

``commands`` prints one JSON line per command: its exit code, what it wrote on stderr, and
the traceback of anything that escaped. ``kill`` counts ``os.replace``/``os.rename`` (and
the atomic exchange of ``core.export.folder`` where that exists) as ``kill_driver`` does,
and prints "moves: N" when not killed.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import signal
import sys
import traceback
from typing import Any

MEMORY_CAP = 3 << 30  # a probe that needs more is over any sane budget


def _commands(run: str, data: str) -> None:
    from app.cli import main

    for command in ("predict", "evaluate"):
        err, out = io.StringIO(), io.StringIO()
        code, escaped = None, ""
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
                code = main([command, run, data])
        except MemoryError:
            escaped = "MemoryError"
        except BaseException:  # noqa: BLE001 - sorting what escapes is the point
            escaped = traceback.format_exc(limit=-3)
        print(json.dumps({"command": command, "code": code, "stderr": err.getvalue()[-2000:],
                          "escaped": escaped[-2000:]}), flush=True)


_count = 0


def _after_move(real: Any, kill_at: int) -> Any:
    def move(*args: Any, **kwargs: Any) -> Any:
        global _count
        result = real(*args, **kwargs)
        _count += 1
        if _count == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    return move


def kill_after(kill_at: int, argv: list[str]) -> int:
    """``mendel ARGV``, SIGKILLed after its ``kill_at``-th move (0: never)."""
    os.replace = _after_move(os.replace, kill_at)  # type: ignore[assignment]
    os.rename = _after_move(os.rename, kill_at)  # type: ignore[assignment]
    try:
        from core.export import folder  # type: ignore[attr-defined]
    except ImportError:  # before issue 16 there was no such module
        folder = None
    if folder is not None and hasattr(folder, "_exchange"):
        folder._exchange = _after_move(folder._exchange, kill_at)
    from app.cli import main

    code = main(argv)
    print(f"moves: {_count}", file=sys.stderr)
    return code


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    if sys.argv[1] == "commands":
        _commands(sys.argv[2], sys.argv[3])
    else:
        sys.exit(kill_after(int(sys.argv[2]), sys.argv[3:]))
