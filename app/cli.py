"""The ``mendel`` command: sub-commands for headless work; no sub-command opens the GUI.

Each sub-command lives in ``app/commands/<name>.py`` with ``register(subparsers)``; this
module only dispatches and turns every ``MendelError`` into ``error: <message>`` + exit 1.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from core.errors import MendelError

# module name under app.commands -> registers one or more sub-commands
COMMAND_MODULES = ("inspect", "train", "predict", "classic", "kmers", "runs", "select",
                   "lrfind", "explain", "export_script")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mendel",
        description="Mendel: build, train, explain and export neural networks on your data. "
        "Run without a sub-command to open the desktop application.",
    )
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument("--memory-budget", metavar="SIZE",
                        help="the most memory Mendel may use, e.g. 4G or 512M (default: "
                        "MENDEL_MEMORY_BUDGET, else half of this computer's memory); "
                        "anything estimated to need more is refused before it starts")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"app.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"app.commands.{name}":
                continue  # not built yet
            raise
        module.register(sub)
    return parser


def _version() -> str:
    from core import __version__

    return f"mendel {__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("--demo", "gui") or not argv[0].startswith("-") and _is_path(argv):
        return _open_gui(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.memory_budget is not None:
            from core.budget import set_memory_budget

            set_memory_budget(args.memory_budget, "by --memory-budget")
        if args.command is None:
            return _open_gui([])
        return int(args.func(args) or 0)
    except MendelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


def _is_path(argv: list[str]) -> bool:
    """``mendel path/to/data`` opens the GUI with that data (not a sub-command)."""
    known = set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    return argv[0] not in known and len(argv) == 1


def _open_gui(argv: list[str]) -> int:
    try:
        from app.main_window import run_gui
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("app."):
            print("error: the desktop application is not available in this build; "
                  "try 'mendel inspect demo:spiral'", file=sys.stderr)
            return 1
        raise
    return run_gui(argv)


if __name__ == "__main__":
    sys.exit(main())
