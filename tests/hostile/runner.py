"""Run hostile cases under a memory cap and a time limit, one forked process per case.

``run(names)`` starts one batch process (``python -m tests.hostile.runner``) that imports
Mendel's loaders once, then forks a child per case: the child caps its address space
(``RLIMIT_AS``), builds the case's files in a fresh folder, loads and summarizes them as
``mendel inspect`` does, and writes one JSON result; the batch process kills a child that
runs past the case's time limit (a hang) and reads the child's peak memory from
``wait4``. A crash or a kill stays in its child, so one bad case cannot hide the others.

Categories: ``clean`` (refused with a MendelError naming the file, as expected),
``accepted`` (read with the stated result), ``traceback`` (another exception escaped, or
the child crashed), ``hang`` (past its time limit), ``over budget`` (out of memory under
the cap), ``wrong`` (anything else: refused what should read, read what should be refused,
a result other than stated, or a message that names no file).
"""

from __future__ import annotations

import json
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CATEGORIES = ("clean", "accepted", "traceback", "hang", "wrong", "over budget")
ROOT = Path(__file__).resolve().parents[2]
_DETAIL = 400  # characters of a message kept in a result


@dataclass
class Result:
    name: str
    category: str
    detail: str = ""
    seconds: float = 0.0
    peak_mb: float = 0.0


# --- the parent: one batch process, results as they come ------------------------------------


def run(names: list[str], grace_s: float = 30.0) -> list[Result]:
    """Results of ``names`` in order (a batch that dies mid-way is restarted)."""
    results: dict[str, Result] = {}
    todo = list(names)
    while todo:
        results.update(_batch(todo, grace_s))
        done = [n for n in todo if n in results]
        if not done:  # the batch died before its first case: say so for that case
            results[todo[0]] = Result(todo[0], "traceback", "the runner process died")
        todo = [n for n in todo if n not in results]
    return [results[n] for n in names]


def _batch(names: list[str], grace_s: float) -> dict[str, Result]:
    from tests.hostile.catalogue import CASES

    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.Popen([sys.executable, "-m", "tests.hostile.runner", *names],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    out: dict[str, Result] = {}
    # the batch itself kills a slow case; this deadline only catches a stuck batch
    limit = sum(CASES[n].timeout_s + 5 for n in names) + grace_s
    deadline = time.monotonic() + limit
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 1.0)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            line = proc.stdout.readline()
            if not line:
                break
            doc = json.loads(line)
            out[doc["name"]] = Result(**doc)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    return out


# --- the batch process ----------------------------------------------------------------------


def _main(names: list[str]) -> None:
    # everything a case needs is imported before the first fork, once
    from PIL import Image

    import core.data.fasta  # noqa: F401
    import core.data.images  # noqa: F401
    import core.data.load  # noqa: F401
    import core.data.summary  # noqa: F401
    import core.data.tabular  # noqa: F401
    from tests.hostile.catalogue import CASES

    Image.init()  # every image plugin, not only the first few Pillow loads on demand

    for name in names:
        result = _fork(name, CASES[name].timeout_s, CASES[name].memory_mb)
        print(json.dumps(result.__dict__), flush=True)


def _fork(name: str, timeout_s: float, memory_mb: int) -> Result:
    read_end, write_end = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        code = 0
        try:
            result = _child(name, memory_mb)
            os.write(write_end, json.dumps(result.__dict__).encode()[:60000])
        except BaseException:  # noqa: B036 - the child must never unwind into the batch
            code = 3
        finally:
            os._exit(code)
    os.close(write_end)
    chunks: list[bytes] = []
    status, usage, killed = 0, None, False
    while True:
        ready, _, _ = select.select([read_end], [], [], 0.05)
        if ready:
            data = os.read(read_end, 65536)
            if data:
                chunks.append(data)
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - start > timeout_s:
            os.kill(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            killed = True
            break
    while data := _read_rest(read_end):
        chunks.append(data)
    os.close(read_end)
    seconds = time.monotonic() - start
    peak = usage.ru_maxrss / 1024 if usage else 0.0
    if killed:
        return Result(name, "hang", f"still running after {timeout_s:g} s", seconds, peak)
    if not chunks:
        why = (f"killed by signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
               else f"exit status {os.waitstatus_to_exitcode(status)}")
        category = "over budget" if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (
            signal.SIGKILL, signal.SIGSEGV) else "traceback"
        return Result(name, category, f"the case's process died ({why})", seconds, peak)
    result = Result(**json.loads(b"".join(chunks)))
    result.seconds, result.peak_mb = round(seconds, 3), round(peak, 1)
    return result


def _read_rest(fd: int) -> bytes:
    ready, _, _ = select.select([fd], [], [], 0)
    return os.read(fd, 65536) if ready else b""


# --- one case, in its own process --------------------------------------------------------------


def _child(name: str, memory_mb: int) -> Result:
    from tests.hostile.catalogue import CASES, Refuse

    case = CASES[name]
    cap = memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # a loader that prints must not garble the results on stdout
    folder = tempfile.mkdtemp(prefix="mendel-hostile-")
    try:
        source, options = case.build(Path(folder))
        try:
            ds, summary = inspect(source, options)
        except MemoryError:
            return Result(name, "over budget", "MemoryError")
        except Exception as err:  # noqa: BLE001 - sorting every exception is the point
            return _judge_error(name, case.expect, err, source)
        if isinstance(case.expect, Refuse):
            return Result(name, "wrong", f"accepted ({len(ds)} samples, warnings:"
                          f" {'; '.join(summary.get('warnings', []))[:_DETAIL]})")
        problem = case.expect.problems(ds, summary)
        return Result(name, "wrong" if problem else "accepted", problem or "")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def inspect(source: str, options: Any) -> tuple[Any, dict[str, Any]]:
    """What ``mendel inspect`` computes before its split: the dataset and its summary."""
    from core.data.load import load_dataset
    from core.data.summary import summarize

    ds = load_dataset(source, options)
    return ds, summarize(ds)


def _judge_error(name: str, expect: Any, err: Exception, source: str) -> Result:
    from core.errors import MendelError
    from tests.hostile.catalogue import Refuse

    message = str(err)
    if _caused_by_memory(err):
        return Result(name, "over budget", message[:_DETAIL])
    if not isinstance(err, MendelError):
        where = traceback.extract_tb(err.__traceback__)[-1]
        return Result(name, "traceback", f"{type(err).__name__}: {message[:_DETAIL]}"
                      f" ({Path(where.filename).name}:{where.lineno})")
    if not isinstance(expect, Refuse):
        return Result(name, "wrong", f"refused: {message[:_DETAIL]}")
    problem = message_problem(err, source, expect.says)
    return Result(name, "wrong" if problem else "clean", problem or message[:_DETAIL])


def message_problem(err: Exception, source: str, says: tuple[str, ...] = ()) -> str | None:
    """Why an error message breaks the contract (one printable line that names the file
    and holds ``says``), or None."""
    message = str(err)
    try:
        message.encode("utf-8")
    except UnicodeEncodeError:
        return f"the message cannot be printed: {message.encode('utf-8', 'replace')!r}"
    if "\n" in message or not message.strip():
        return f"not one line: {message!r}"
    named = getattr(err, "path", None) or _display(Path(source).name) in message
    if not named:
        return f"names no file: {message[:_DETAIL]}"
    missing = [s for s in says if s.lower() not in message.lower()]
    return f"does not say {missing}: {message[:_DETAIL]}" if missing else None


def _display(name: str) -> str:
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _caused_by_memory(err: BaseException | None) -> bool:
    seen = 0
    while err is not None and seen < 10:
        if isinstance(err, MemoryError):
            return True
        err = err.__cause__ or err.__context__
        seen += 1
    return False


if __name__ == "__main__":
    _main(sys.argv[1:])
