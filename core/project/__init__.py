"""Projects: a folder ``NAME.mendel/`` with the session (project.json), its runs and trash.

Light to import (no torch, no pandas): the window opens a project and lists its runs
before the engine is loaded.

- ``project``: ``save_project``, ``open_project`` -> ``OpenedProject``, ``relocate``
- ``schema``: project.json's versions and ``migrate``
- ``datafile``: the data's stored path and content hash
- ``autosave``: the side file a crash restores from
- ``runs``: ``new_run_folder``, ``list_runs`` -> ``RunRow``, ``history``, rename / note /
  star / trash, ``runs_table_csv``
- ``diff``: ``config_diff`` of several runs
- ``session``: ``session_document`` for the command line
"""

from core.project.autosave import (
    Autosave,
    autosave_path,
    discard_autosave,
    read_autosave,
    write_autosave,
)
from core.project.diff import config_diff
from core.project.project import (
    OpenedProject,
    open_project,
    project_folder,
    relocate,
    save_project,
)
from core.project.runs import (
    RunRow,
    history,
    list_runs,
    new_run_folder,
    read_run,
    rename_run,
    row_dict,
    runs_table_csv,
    set_note,
    set_star,
    trash_run,
)
from core.project.schema import VERSION, migrate
from core.project.session import session_document

__all__ = [
    "Autosave", "OpenedProject", "RunRow", "VERSION", "autosave_path", "config_diff",
    "discard_autosave", "history", "list_runs", "migrate", "new_run_folder", "open_project",
    "project_folder", "read_autosave", "read_run", "relocate", "rename_run", "row_dict",
    "runs_table_csv", "save_project", "session_document", "set_note", "set_star",
    "trash_run", "write_autosave",
]
