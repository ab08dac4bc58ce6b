"""Run ``mendel`` and kill this very process with SIGKILL at the K-th file it moves into
place (``python -m tests.hostile.kill_driver K train ...``).

Every file of a run, every checkpoint and the final move of the run folder end in
``os.replace``, ``os.rename`` or the atomic exchange of ``core.export.folder``; counting
them lands a kill after each file in turn, as deterministically as a real crash cannot.
K = 0 never kills: the run's count of moves is printed on stderr at the end
("moves: N"), so a test knows how many moments there are. The counting is
``run_probe``'s, which ``runs_report`` also runs against older code.
"""

from __future__ import annotations

import sys

from tests.hostile.run_probe import kill_after

if __name__ == "__main__":
    sys.exit(kill_after(int(sys.argv[1]), sys.argv[2:]))
