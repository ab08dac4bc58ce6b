"""Error types whose messages are shown to users as they are.

Every message is one line that says what is wrong and, where possible, what to do.
The GUI shows it in a message bar; the CLI prints ``error: <message>`` and exits 1.
"""

from __future__ import annotations


class MendelError(Exception):
    """Base class for every error a user may see. ``str(err)`` is the one-line message."""

    def __init__(self, message: str, path: str | None = None) -> None:
        self.path = path
        text = " ".join(str(message).split())  # one line, always
        super().__init__(f"{path}: {text}" if path else text)


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
