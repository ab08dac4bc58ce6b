"""Numbers as the pages print them: the same count of significant digits everywhere.

A table that shows "0.93", "0.9302" and "3012.35" side by side makes the reader wonder
which digits mean something. Every measured figure on the Evaluate, Explore and Trees
pages (tables, result lines, legends) goes through ``significant``: four significant
digits, trailing zeros kept ("1.000", "0.9302", "152.1", "3012"), no exponent unless the
value is tiny. Counts stay integers. No Qt here: the command line may use it too.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

DIGITS = 4


def significant(value: float, digits: int = DIGITS) -> str:
    """``value`` with ``digits`` significant digits ("0.9302", "1.000", "152.1").

    Values of ``10 ** digits`` or more print as whole numbers (a figure is never shown
    with fewer digits than it has before the point); below 1e-4 in exponent form.
    """
    v = float(value)
    if not math.isfinite(v):
        return str(v)
    if v == 0:
        return "0"
    # the magnitude after rounding: 0.99996 rounds to 1.000, not 1.0000
    magnitude = math.floor(math.log10(abs(float(f"{v:.{digits - 1}e}"))))
    if magnitude >= digits:
        return f"{v:.0f}"
    if magnitude < -4:
        return f"{v:.{digits - 1}e}"
    return f"{v:.{max(digits - 1 - magnitude, 0)}f}"


def cell_text(value: Any, digits: int = DIGITS) -> str | None:
    """A table cell's text when it is a measured figure (a float), else None (the model's
    own text: integers, names, blanks)."""
    if isinstance(value, (float, np.floating)) and not isinstance(value, bool):
        return "" if np.isnan(value) else significant(float(value), digits)
    return None
