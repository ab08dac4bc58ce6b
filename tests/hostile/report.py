"""Print the hostile catalogue's table: per family of inputs, how many cases were tried and
how each ended (clean / accepted / traceback / hang / wrong / over budget).

    python -m tests.hostile.report            # every case (about a minute)
    python -m tests.hostile.report --fast     # the part ``make test`` runs
    python -m tests.hostile.report --json     # one JSON object, for comparing runs

Cases that did not end clean or accepted are listed under the table with the reason.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter

from tests.hostile.catalogue import CASES, fast_names
from tests.hostile.runner import CATEGORIES, Result, run

GOOD = ("clean", "accepted")


def table(results: list[Result]) -> str:
    families: dict[str, Counter[str]] = {}
    for r in results:
        families.setdefault(r.name.split("/")[0], Counter())[r.category] += 1
    families["total"] = sum(families.values(), Counter())
    header = ["family", "tried", *CATEGORIES]
    rows = [[name, str(sum(c.values())), *(str(c[k]) for k in CATEGORIES)]
            for name, c in families.items()]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.rjust(w) if i else cell.ljust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
             for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.insert(len(lines) - 1, lines[1])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.hostile.report")
    parser.add_argument("--fast", action="store_true", help="only the cases make test runs")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("names", nargs="*", help="case names or name prefixes (default all)")
    args = parser.parse_args(argv)
    names = fast_names() if args.fast else list(CASES)
    if args.names:
        names = [n for n in names if any(n == p or n.startswith(p) for p in args.names)]
    start = time.monotonic()
    results = run(names)
    seconds = time.monotonic() - start
    if args.json:
        print(json.dumps({"seconds": round(seconds, 1), "counts": dict(
            Counter(r.category for r in results)), "cases": [r.__dict__ for r in results]}))
    else:
        print(table(results))
        bad = [r for r in results if r.category not in GOOD]
        for r in bad:
            print(f"{r.category:>11}  {r.name}: {r.detail}")
        slowest = max(results, key=lambda r: r.seconds, default=None)
        heaviest = max(results, key=lambda r: r.peak_mb, default=None)
        if slowest and heaviest:
            print(f"{len(results)} cases in {seconds:.1f} s; slowest {slowest.name}"
                  f" {slowest.seconds:.2f} s; most memory {heaviest.name}"
                  f" {heaviest.peak_mb:.0f} MB")
    return 0 if all(r.category in GOOD for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
