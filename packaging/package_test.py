"""`make package-test`: run the built bundle, not the sources, as a user would.

    python packaging/package_test.py [dist/Mendel] [--no-network | --allow-network]

Each check runs dist/Mendel/Mendel in a fresh temporary HOME (no settings, no caches from
this machine) with PYTHONPATH and PYTHONHOME unset, from a folder outside the sources, so
the program can only find what the bundle carries:

1. ``--version`` prints the version;
2. ``inspect demo:spiral --json`` prints JSON that parses;
3. ``train demo:circle --epochs 1 --out DIR`` exits 0 and writes the run folder;
4. the window opens offscreen (QT_QPA_PLATFORM=offscreen), stays open MENDEL_QUIT_AFTER_MS
   and closes by itself; exit 0 and no traceback on stderr: once empty, once with
   ``--demo`` (the demo loads on a worker thread while the pages are built).

Where ``unshare -n`` works (root, or user namespaces), and always with ``--no-network``,
every check runs in a new network namespace that has only a downed loopback, so any
network call fails; where strace is installed it also records every ``socket``,
``connect`` and ``send`` call, and one for the internet (AF_INET, AF_INET6), even a failed
one, fails the check. Local sockets (AF_UNIX: X11, D-Bus) are allowed. ``--allow-network``
runs the checks as they are. Prints one line per check; exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WINDOW_MS = 4000  # how long the window stays open
TIMEOUT_S = 300  # per check: the first start of a cold bundle reads ~1 GB from disk


def executable(bundle: Path) -> Path:
    for name in ("Mendel", "Mendel.exe"):
        if (bundle / name).is_file():
            return bundle / name
    raise SystemExit(f"error: no Mendel executable in {bundle}; run `make package` first")


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "MENDEL_QUIT_AFTER_MS")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_CACHE_HOME=str(home / ".cache"), XDG_DATA_HOME=str(home / ".local/share"),
               XDG_RUNTIME_DIR=str(home / "run"), QT_QPA_PLATFORM="offscreen")
    (home / "run").mkdir(mode=0o700, exist_ok=True)
    return env


def _text(output: bytes | str | None) -> str:
    if isinstance(output, bytes):
        return output.decode(errors="replace")
    return output or ""


class Checker:
    def __init__(self, program: Path, work: Path, no_network: bool, timeout: float) -> None:
        self.program, self.work, self.no_network = program, work, no_network
        self.timeout = timeout
        self.strace = shutil.which("strace") if no_network else None
        self.failures = 0
        self.inet_calls: list[str] = []  # of the last run

    def run(self, args: list[str], env_extra: dict[str, str] | None = None,
            ) -> tuple[subprocess.CompletedProcess[str], float]:
        home = Path(tempfile.mkdtemp(prefix="home-", dir=self.work))
        env = environment(home) | (env_extra or {})
        command = [str(self.program), *args]
        trace = home / "strace.txt"
        if self.strace:
            command = [self.strace, "-f", "-qq", "--seccomp-bpf", "-e",
                       "trace=socket,connect,sendto,sendmsg", "-o", str(trace), *command]
        if self.no_network:
            command = ["unshare", "-n", "--", *command]
        start = time.monotonic()
        try:
            done = subprocess.run(command, cwd=self.work, env=env, capture_output=True,
                                  text=True, timeout=self.timeout)
        except subprocess.TimeoutExpired as exc:  # killed; what it printed is kept
            done = subprocess.CompletedProcess(command, -9, _text(exc.stdout),
                                               _text(exc.stderr) + f"\n(killed after "
                                               f"{self.timeout} s)")
        seconds = time.monotonic() - start
        lines = trace.read_text().splitlines() if trace.exists() else []
        self.inet_calls = [line for line in lines if "AF_INET" in line]
        return done, seconds

    def report(self, name: str, ok: bool, seconds: float, detail: str,
               done: subprocess.CompletedProcess[str]) -> None:
        if self.strace:
            ok = ok and not self.inet_calls
            detail += f"; internet sockets: {len(self.inet_calls)}"
        print(f"{'ok  ' if ok else 'FAIL'} {name:<34} {seconds:6.1f} s  {detail}")
        if not ok:
            self.failures += 1
            print(f"     exit {done.returncode}; the end of its output:")
            _indent(done.stdout.splitlines()[-10:] + done.stderr.splitlines()[-30:])
            for line in self.inet_calls[:10]:
                print(f"     network call: {line}")


def _indent(lines: list[str]) -> None:
    for line in lines:
        print(f"     | {line}")


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-n", "--", "true"], capture_output=True).returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", nargs="?", default="dist/Mendel", type=Path)
    network = parser.add_mutually_exclusive_group()
    network.add_argument("--no-network", action="store_true",
                         help="run each check with no network (unshare -n); the default "
                         "where unshare -n works")
    network.add_argument("--allow-network", action="store_true",
                         help="run the checks as they are, with this machine's network")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S,
                        help=f"seconds each check may take (default {TIMEOUT_S})")
    args = parser.parse_args(argv)
    program = executable(args.bundle.resolve())
    isolate = not args.allow_network and _unshare_works()
    if args.no_network and not isolate:
        raise SystemExit("error: --no-network needs `unshare -n` (util-linux, and root or "
                         "user namespaces)")
    work = Path(tempfile.mkdtemp(prefix="mendel-package-test-"))
    check = Checker(program, work, isolate, args.timeout)
    how = " with this machine's network (unshare -n is not available)"
    if args.allow_network:
        how = " with this machine's network"
    elif isolate:
        how = " with no network (unshare -n" + (
            ", strace: any internet socket fails a check" if check.strace else "") + ")"
    print(f"testing {program}{how}")
    try:
        done, s = check.run(["--version"])
        text = done.stdout.strip()
        check.report("--version", done.returncode == 0 and text.startswith("mendel "), s,
                     text, done)

        done, s = check.run(["inspect", "demo:spiral", "--json"])
        try:
            summary = json.loads(done.stdout)
            ok, detail = done.returncode == 0 and isinstance(summary, dict), \
                f"JSON with {len(summary)} keys"
        except json.JSONDecodeError as exc:
            ok, detail = False, f"not JSON: {exc}"
        check.report("inspect demo:spiral --json", ok, s, detail, done)

        out = work / "run-circle"
        done, s = check.run(["train", "demo:circle", "--epochs", "1", "--out", str(out)])
        files = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
        check.report("train demo:circle --epochs 1", done.returncode == 0 and bool(files), s,
                     f"{out.name}/ holds {len(files)} files", done)

        # A FASTA file streamed from disk: the decoding workers start from the bundle.
        reads = work / "reads.fa"
        reads.write_text("".join(f">r{i}|{'bound' if i % 2 else 'free'}\n"
                                 f"{'ACGT' * 5}{'TGACTCA' if i % 2 else 'TTTTTTT'}{'GCA' * 4}\n"
                                 for i in range(200)))
        out = work / "run-reads"
        done, s = check.run(["train", str(reads), "--epochs", "1", "--json", "--out", str(out)],
                            {"MENDEL_STREAM": "always"})
        streamed = '"streamed": true' in _text(done.stdout)
        check.report("train reads.fa streamed (MENDEL_STREAM=always)",
                     done.returncode == 0 and streamed, s,
                     "streamed through the decoding workers" if streamed else "not streamed",
                     done)

        # The empty window, then the window loading the demo while its pages are built.
        for name, args_ in (("window offscreen, closed", []),
                            ("window --demo offscreen, closed", ["--demo"])):
            done, s = check.run(args_, {"MENDEL_QUIT_AFTER_MS": str(WINDOW_MS)})
            clean = "Traceback" not in done.stderr and "Error" not in done.stderr
            stayed = s >= WINDOW_MS / 1000  # it opened and waited, not failed at once
            check.report(name, done.returncode == 0 and clean and stayed, s,
                         f"open {WINDOW_MS / 1000:.0f} s, exit {done.returncode}, "
                         f"{len(done.stderr.splitlines())} lines on stderr", done)
            if done.returncode == 0 and clean and done.stderr.strip():
                _indent(done.stderr.splitlines()[:10])  # Qt's warnings, if any
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("package test: " + ("passed" if check.failures == 0 else
                              f"{check.failures} check(s) failed"))
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main())
