"""``make bench``: run every benchmark and print one JSON object.

Each ``bench_*.py`` module defines ``run(quick: bool = False) -> dict`` whose figures sit
beside their baselines measured in the same run. ``--quick`` is a smoke run on tiny data.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import time
import traceback

import tests.benchmarks as pkg


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke run)")
    parser.add_argument("--only", help="comma-separated benchmark names, e.g. data,train")
    args = parser.parse_args(argv)
    names = sorted(m.name for m in pkgutil.iter_modules(pkg.__path__)
                   if m.name.startswith("bench_"))
    if args.only:
        wanted = {f"bench_{n.strip()}" for n in args.only.split(",")}
        names = [n for n in names if n in wanted]
    results: dict[str, object] = {}
    failed = False
    for name in names:
        t0 = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(f"tests.benchmarks.{name}")
            results[name[6:]] = module.run(quick=args.quick)
        except Exception as exc:  # a broken benchmark must not hide the others
            traceback.print_exc()
            results[name[6:]] = {"error": f"{type(exc).__name__}: {exc}"}
            failed = True
        print(f"  {name} took {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    print(json.dumps(results, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
