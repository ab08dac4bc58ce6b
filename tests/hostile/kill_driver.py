"""Run ``mendel`` and kill this very process with SIGKILL at the K-th file it moves into
place (``python -m tests.hostile.kill_driver K train ...``).

Every file of a run, every checkpoint and the final move of the run folder end in
``os.replace``, ``os.rename`` or the atomic exchange of ``core.export.folder``; counting
them lands a kill after each file in turn, as deterministically as a real crash cannot.
K = 0 never kills: the run's count of moves is printed on stderr at the end
("moves: N"), so a test knows how many moments there are.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from core.export import folder

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


def main() -> int:
    kill_at = int(sys.argv[1])
    os.replace = _after_move(os.replace, kill_at)  # type: ignore[assignment]
    os.rename = _after_move(os.rename, kill_at)  # type: ignore[assignment]
    folder._exchange = _after_move(folder._exchange, kill_at)  # type: ignore[attr-defined]
    from app.cli import main as mendel

    code = mendel(sys.argv[2:])
    print(f"moves: {_count}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
