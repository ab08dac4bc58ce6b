"""Fault injection (issue 16, section 2): ``mendel train --out`` killed with SIGKILL after
each file it writes, and during training. Whatever moment the kill lands on, the folder at
--out is the previous run, whole (its manifest unchanged and verified), or the new run,
whole; never a mix, never a half folder that ``predict`` would use. What is left beside it
is refused by ``predict`` as incomplete.

The default suite kills at a few moments (the last files, the move into place); ``make
test-hostile`` at every one.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import ExportError
from core.export.bundle import READ_FILES, load_bundle
from core.export.folder import MANIFEST_FILE, verify_run

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ["train", "demo:xor", "--size", "80", "--epochs", "3", "--device", "cpu",
         "--no-baseline", "--model", "mlp", "--hidden", "4", "--checkpoint-every", "1"]


def _mendel(kill_at: int, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "tests.hostile.kill_driver", str(kill_at),
                           *argv], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def previous(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A finished run to overwrite, and how many moves a whole second run makes."""
    base = tmp_path_factory.mktemp("kill")
    out = base / "run"
    done = _mendel(0, *TRAIN, "--out", str(out))
    assert done.returncode == 0, done.stderr
    moves = int(re.search(r"moves: (\d+)", done.stderr).group(1))  # the same for any seed
    return out, moves


def _check_after_kill(out: Path, manifest_before: str, kill_at: int) -> None:
    verify_run(out, READ_FILES)  # whole: the old run or the new one
    load_bundle(out)
    if (out / MANIFEST_FILE).read_text() != manifest_before:
        assert (out / "train_config.json").read_text().count('"seed": 7') == 1, kill_at
    for left in out.parent.iterdir():
        if left != out:
            _whole_or_refused(left)


def _whole_or_refused(left: Path) -> None:
    """What a kill leaves beside --out: run.incomplete (a checkpoint only) is refused as
    incomplete; a hidden .run.saving- folder killed after its manifest is a whole run (the
    next save there removes it)."""
    try:
        verify_run(left, READ_FILES)
    except ExportError as exc:
        assert "incomplete" in str(exc), exc


def _kill_and_check(previous: tuple[Path, int], tmp_path: Path, kill_at: int) -> None:
    source, _moves = previous
    out = tmp_path / "run"
    subprocess.run(["cp", "-a", str(source), str(out)], check=True)
    before = (out / MANIFEST_FILE).read_text()
    result = _mendel(kill_at, *TRAIN, "--seed", "7", "--out", str(out), "--overwrite")
    assert result.returncode == -signal.SIGKILL, (kill_at, result.stderr[-500:])
    _check_after_kill(out, before, kill_at)


@pytest.mark.parametrize("from_end", [0, 1])  # the move into place, the manifest
def test_a_kill_at_the_last_moves_leaves_a_whole_run(previous, tmp_path, from_end):
    _kill_and_check(previous, tmp_path, previous[1] - from_end)


@pytest.mark.hostile
def test_a_kill_after_every_file_leaves_a_whole_run(previous, tmp_path):
    for k in range(1, previous[1] + 1):
        folder = tmp_path / f"k{k}"
        folder.mkdir()
        _kill_and_check(previous, folder, k)


@pytest.mark.hostile
def test_a_fresh_run_killed_at_any_moment_is_absent_or_refused(previous, tmp_path):
    for k in range(1, previous[1] + 1):
        out = tmp_path / f"k{k}" / "run"
        result = _mendel(k, *TRAIN, "--out", str(out))
        assert result.returncode == -signal.SIGKILL, (k, result.stderr[-500:])
        if out.exists():
            verify_run(out, READ_FILES)
        for left in out.parent.iterdir():
            if left != out:
                _whole_or_refused(left)
