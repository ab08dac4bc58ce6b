"""A save killed with SIGKILL at any moment leaves the previous or the new project.

A child process saves the project in a loop, each save larger than the last, and reports
each save that returned. The parent kills it after a random short delay, 25 times, and
each time checks that project.json opens, holds a whole session (the one last reported,
or the one being saved when the kill came) and that the runs beside it are untouched.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.project import open_project, save_project

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 25
CHILD = """
import sys
from core.project import open_project, save_project

folder = sys.argv[1]
counter = open_project(folder, verify=False).session["counter"]
print("ready", flush=True)
while True:
    counter += 1
    doc = {"version": 1, "source": "demo:xor", "counter": counter,
           "recent_sources": [f"/data/file-{counter}-{i:06d}.csv" for i in range(40 * counter)]}
    save_project(folder, doc)
    print(counter, flush=True)
"""

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def _check_whole(session: dict) -> None:
    counter = session["counter"]
    assert len(session["recent_sources"]) == 40 * counter
    if counter:
        assert session["recent_sources"][-1] == f"/data/file-{counter}-{40 * counter - 1:06d}.csv"


def test_killed_saves_never_lose_the_project(tmp_path):
    folder = save_project(tmp_path / "p", {"version": 1, "source": "demo:xor", "counter": 0,
                                           "recent_sources": []})
    run = folder / "runs" / "001-20260101-000000"
    run.mkdir()
    (run / "metrics.json").write_text('{"keep": true}')
    rng = random.Random(13)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    previous, mid_write, seen = 0, 0, set()
    for _ in range(ROUNDS):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(folder)], cwd=ROOT, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
        time.sleep(rng.uniform(0.0, 0.08))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=30)
        assert child.returncode == -signal.SIGKILL
        left = set(folder.glob(".project.json.*.part")) - seen  # killed while writing
        mid_write, seen = mid_write + bool(left), seen | left
        done = [int(line) for line in out.split()]
        last_reported = done[-1] if done else previous
        opened = open_project(folder)  # never a ProjectError
        counter = opened.session["counter"]
        assert counter in (last_reported, last_reported + 1), (previous, done, counter)
        _check_whole(opened.session)
        previous = counter
        assert (run / "metrics.json").read_text() == '{"keep": true}'
        assert sorted(p.name for p in (folder / "runs").iterdir()) == [run.name]
    assert previous > 0  # the children did save
    print(f"{ROUNDS} kills, {mid_write} while a temporary file was being written, "
          f"{previous} saves in all")
    # the next save cleans the temporary files the kills left behind
    save_project(folder, opened.session)
    assert not list(folder.glob(".*.part"))
    assert open_project(folder).session["counter"] == previous
