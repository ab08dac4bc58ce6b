"""The run-folder half of issue 16's table: the tampered runs of ``test_tampered_runs`` and
the SIGKILL moments of ``test_kill_train``, judged by what the code under test does with
them, in the same categories as ``tests.hostile.report``.

    python -m tests.hostile.runs_report                    # the current tree
    python -m tests.hostile.runs_report --code OLD_TREE    # another version (same venv)

The base runs and the damage are made with the current tree; each probe then runs
``tests/hostile/run_probe.py`` inside ``--code`` (its own ``app.cli``), one process per
case, under a 3 GiB address-space cap and a time limit. A tampered run is ``clean`` when
both ``predict`` and ``evaluate`` exit 1 with one line naming the run, ``wrong`` when one
of them writes results (exit 0) or its message names no file. A killed ``train --out`` is
``clean`` when the path is absent or refused, ``accepted`` when it holds a whole run (the
files a finished run has, and what ``predict`` reads all from one run: the old one or the
new one), ``wrong`` when ``predict`` uses a half or mixed folder.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from tests.hostile.report import table
from tests.hostile.runner import Result

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("run_probe.py")
TIMEOUT_S = 60
READ = ("network.json", "preprocessing.json", "model.safetensors")  # what predict uses
TRAIN = ["train", "demo:xor", "--size", "80", "--epochs", "3", "--device", "cpu",
         "--no-baseline", "--model", "mlp", "--hidden", "4", "--checkpoint-every", "1"]


def _probe(code: Path, *args: str) -> tuple[int | None, str, str]:
    """(exit code or None for a hang, stdout, stderr) of run_probe.py inside ``code``."""
    env = dict(os.environ, PYTHONPATH=str(code), OMP_NUM_THREADS="1",
               PYTHONDONTWRITEBYTECODE="1")
    try:
        done = subprocess.run([sys.executable, str(PROBE), *args], cwd=code, env=env,
                              capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, "", ""
    return done.returncode, done.stdout, done.stderr


def judge_commands(name: str, code: Path, run: Path, data: str) -> Result:
    start = time.monotonic()
    status, out, err = _probe(code, "commands", str(run), data)
    seconds = round(time.monotonic() - start, 2)
    if status is None:
        return Result(name, "hang", f"still running after {TIMEOUT_S} s", seconds)
    docs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    if len(docs) < 2:
        category = "over budget" if "MemoryError" in err or status < 0 else "traceback"
        return Result(name, category, f"the probe died ({status}): {err[-300:]}", seconds)
    for doc in docs:
        lines = [ln for ln in doc["stderr"].splitlines() if ln.strip()]
        if doc["escaped"] == "MemoryError" or "can't allocate memory" in doc["escaped"]:
            return Result(name, "over budget", f"{doc['command']}: out of memory under the "
                          "3 GiB cap", seconds)
        if doc["escaped"] or "Traceback" in doc["stderr"]:
            tail = (doc["escaped"] or doc["stderr"]).strip().splitlines()[-1:]
            return Result(name, "traceback", f"{doc['command']}: {tail}", seconds)
        if doc["code"] == 0:
            return Result(name, "wrong", f"{doc['command']} used it (exit 0)", seconds)
        if len(lines) != 1 or str(run) not in lines[0]:
            return Result(name, "wrong", f"{doc['command']}: {' / '.join(lines)[:300]}",
                          seconds)
    return Result(name, "clean", lines[0][:300], seconds)


def tampered(code: Path, work: Path) -> list[Result]:
    from app.cli import main
    from core.export.folder import write_manifest
    from tests.hostile.test_tampered_runs import SEQUENCE_CASES, TABLE_CASES

    bases = {}
    for kind, argv, data in (("table", ["demo:iris", "--model", "mlp", "--hidden", "4"],
                              "demo:iris"), ("sequence", ["demo:motif", "--size", "40"],
                                             "demo:motif")):
        out = work / f"base-{kind}"
        assert main(["train", *argv, "--epochs", "1", "--device", "cpu", "--no-baseline",
                     "--out", str(out)]) == 0
        bases[kind] = (out, data)
    results = []
    for kind, cases in (("table", TABLE_CASES), ("sequence", SEQUENCE_CASES)):
        base, data = bases[kind]
        for name, (damage, _match) in cases.items():
            run = work / f"t{len(results)}"
            shutil.copytree(base, run)
            damage(run)
            write_manifest(run)  # as one who knows the format would
            results.append(judge_commands(f"tampered/{name}", code, run, data))
            shutil.rmtree(run, ignore_errors=True)
    return results


def _hashes(folder: Path) -> tuple[str, ...]:
    return tuple(hashlib.sha256((folder / n).read_bytes()).hexdigest()
                 if (folder / n).is_file() else "" for n in READ)


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
            and "checkpoint" not in p.parts}


def killed(code: Path, work: Path) -> list[Result]:
    """SIGKILL after each move, into a fresh path and over a finished run."""
    overwrite = "--overwrite" in (code / "app" / "commands" / "train.py").read_text()
    old, new = work / "old", work / "new"
    status, _, err = _probe(code, "kill", "0", *TRAIN, "--out", str(old))
    assert status == 0, err[-500:]
    moves = int(err.rsplit("moves: ", 1)[1].split()[0])
    status, _, err = _probe(code, "kill", "0", *TRAIN, "--seed", "7", "--out", str(new))
    assert status == 0, err[-500:]
    complete, versions = _files(old), {_hashes(old), _hashes(new)}
    results = []
    for scenario in ("fresh", "over a run"):
        for k in range(1, moves + 1):
            out = work / f"k-{scenario[0]}{k}" / "run"
            out.parent.mkdir()
            argv = [*TRAIN, "--seed", "7", "--out", str(out)]
            if scenario != "fresh":
                shutil.copytree(old, out)
                argv += ["--overwrite"] if overwrite else []
            _probe(code, "kill", str(k), *argv)
            results.append(_judge_kill(f"killed/{scenario} after move {k}", code, out,
                                       complete, versions))
            shutil.rmtree(out.parent, ignore_errors=True)
    return results


def _judge_kill(name: str, code: Path, out: Path, complete: set[str],
                versions: set[tuple[str, ...]]) -> Result:
    if not out.exists():
        return Result(name, "clean", "absent")
    status, stdout, _ = _probe(code, "commands", str(out), "demo:xor")
    docs = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    used = bool(docs) and docs[0]["code"] == 0
    whole = complete <= _files(out) and _hashes(out) in versions
    if status is None:
        return Result(name, "hang", "predict did not end")
    if used:
        if whole:
            return Result(name, "accepted", "a whole run")
        missing = sorted(complete - _files(out))
        return Result(name, "wrong", "predict used a half folder (missing "
                      f"{', '.join(missing[:4]) or 'nothing; files from two runs'})")
    line = (docs[0]["stderr"].strip().splitlines() or [""])[-1] if docs else ""
    return Result(name, "clean", line[:200])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.hostile.runs_report")
    parser.add_argument("--code", type=Path, default=ROOT, help="the tree to probe")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="mendel-runs-report-"))
    try:
        results = tampered(args.code.resolve(), work) + killed(args.code.resolve(), work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps({"counts": dict(Counter(r.category for r in results)),
                          "cases": [r.__dict__ for r in results]}))
        return 0
    print(table(results))
    for r in results:
        if r.category not in ("clean", "accepted"):
            print(f"{r.category:>11}  {r.name}: {r.detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
