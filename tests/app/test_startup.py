"""The window shows before the heavy libraries load (issue: it shows within about a
second; torch and scikit-learn are imported right after, on the main thread)."""

from __future__ import annotations

import os
import re
import subprocess
import sys


def test_opening_the_window_imports_neither_pandas_torch_nor_sklearn(tmp_path) -> None:
    code = ("import sys; import app.main_window, app.pages.data_page; "
            "print(sorted(m for m in ('pandas', 'torch', 'sklearn') if m in sys.modules))")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=120, check=True)
    assert out.stdout.strip() == "[]"


def test_the_main_window_paints_before_pandas_torch_or_sklearn_load(tmp_path) -> None:
    """The probe exits at the window's first paint (a window that never paints times out)
    and says what painted, after how long, and which heavy libraries were loaded then."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    out = subprocess.run([sys.executable, "-m", "tests.benchmarks.first_paint"],
                         capture_output=True, text=True, env=env, timeout=120, check=True)
    seconds, painted, heavy = out.stdout.split()
    assert re.fullmatch(r"\d+\.\d{3}", seconds) and float(seconds) > 0  # measured, not a stub
    assert painted == "MainWindow"
    assert heavy == "-"  # pandas, torch and scikit-learn load after the window shows
