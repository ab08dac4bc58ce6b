"""Error types whose messages are shown to users as they are.

Every message is one line that says what is wrong and, where possible, what to do.
The GUI shows it in a message bar; the CLI prints ``error: <message>`` and exits 1.
"""

from __future__ import annotations


def printable(text: str) -> str:
    """``text`` that can be printed and written as UTF-8: the bytes of a file name that
    is not UTF-8 (held by Python as surrogates) shown as ``\\xe9``."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogateescape" if _escaped_only(text) else "backslashreplace")
        return raw.decode("utf-8", "backslashreplace")


def _escaped_only(text: str) -> bool:
    """Every surrogate in ``text`` stands for one undecodable byte (U+DC80..U+DCFF)."""
    return all(not 0xD800 <= ord(c) <= 0xDFFF or 0xDC80 <= ord(c) <= 0xDCFF for c in text)


class MendelError(Exception):
    """Base class for every error a user may see. ``str(err)`` is the one-line message."""

    def __init__(self, message: str, path: str | None = None) -> None:
        self.path = path
        text = printable(" ".join(str(message).split()))  # one printable line, always
        where = printable(str(path)) if path else ""
        super().__init__(f"{where}: {text}" if where else text)


class DataError(MendelError):
    """A file, folder or option could not be turned into a dataset."""


class SpecError(MendelError):
    """A network specification does not fit the data or is malformed."""


class TrainError(MendelError):
    """A training configuration is invalid or a run cannot proceed."""


class ExportError(MendelError):
    """A run bundle could not be written or read."""


class ProjectError(MendelError):
    """A project folder or its project.json cannot be opened or written."""


class ExplainError(MendelError):
    """What the network learned cannot be shown for this run or input (e.g. motifs of a
    network whose first layer is not a Conv1D, mutagenesis of a table)."""
