"""The pages of the main window, one per workflow step, and how the window finds them.

To add a page, write ``app/pages/<name>_page.py`` with a class ``<Name>Page`` (``name``
one of ``PAGE_NAMES``) and nothing else: the main window shows every page whose module
exists, in workflow order. A page class:

- is a ``QWidget`` built as ``Page(state: AppState, parent=None)`` and reads and updates
  the shared ``app.state.AppState`` (listen to its signals, change it with ``set_*``);
- has a class attribute ``title`` (the navigation label);
- may define ``plot_panels() -> list[PlotPanel]`` (File ▸ Export plot offers them),
  ``shutdown()`` (stop and join its workers; called before the window closes) and
  ``page_shown()`` (called each time the user opens the page) and
  ``shortcuts() -> list[tuple[str, str]]`` (listed in Help ▸ Keyboard shortcuts).
Long work goes through ``app.workers`` (``FunctionWorker`` for any core call): connect its
signals to methods of the page, never to lambdas. In tests, wait on signals emitted on the
main thread (the page's own or ``AppState``'s, e.g. ``TrainPage.run_event``,
``DataPage.load_finished``), not on a worker's: pytest-qt's waiter is not a QObject, so
under PySide 6.12 a worker signal reaches it on the worker thread and can be lost.
"""

from __future__ import annotations

import importlib
import importlib.util

from PySide6.QtWidgets import QWidget

PAGE_NAMES = ("data", "network", "train", "tune", "runs", "evaluate", "explain", "explore",
              "trees")


def page_names() -> list[str]:
    """Names of the pages whose module exists, in workflow order (nothing is imported, so
    the window can list them before the slower pages are built)."""
    return [name for name in PAGE_NAMES
            if importlib.util.find_spec(f"{__name__}.{name}_page") is not None]


def page_class(name: str) -> type[QWidget]:
    module = importlib.import_module(f"{__name__}.{name}_page")
    return getattr(module, f"{name.capitalize()}Page")


def available_pages() -> list[tuple[str, type[QWidget]]]:
    """(name, class) of every page whose module exists, in workflow order."""
    return [(name, page_class(name)) for name in page_names()]
