"""Projects: save / open round trip, the version-1 file, one-line errors, moved and
changed data, relocating, autosave."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from core.data.dataset import sha256_of_path
from core.errors import MendelError, ProjectError
from core.project import (
    VERSION,
    autosave_path,
    discard_autosave,
    migrate,
    open_project,
    project_folder,
    read_autosave,
    relocate,
    save_project,
    write_autosave,
)

V1_FIXTURE = Path(__file__).parent / "data" / "project_v1.mendel"


def _session(source: str | None, **extra) -> dict:
    return {"version": 1, "source": source, "train_config": {"epochs": 3},
            "recent_sources": [], **extra}


def _csv(path: Path, text: str = "x,y\n1,a\n2,b\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_round_trip_keeps_the_session_and_writes_the_folders(tmp_path):
    data = _csv(tmp_path / "course" / "data.csv")
    folder = save_project(tmp_path / "work", _session(str(data), baselines=["knn"]))
    assert folder == tmp_path / "work.mendel"
    assert {p.name for p in folder.iterdir()} == {"project.json", "runs", "trash"}
    doc = json.loads((folder / "project.json").read_text())
    assert doc["format"] == "mendel-project" and doc["version"] == VERSION == 2
    assert doc["name"] == "work" and doc["saved_at"]
    assert doc["data"]["path"] == "../course/data.csv"  # under the project's parent
    assert doc["data"]["sha256"] == sha256_of_path(data) and doc["data"]["demo"] is False
    opened = open_project(folder)
    assert opened.data_status == "ok" and opened.version == 2 and opened.name == "work"
    assert opened.session == _session(str(data), baselines=["knn"])
    assert opened.session["source"] == str(data)


def test_an_existing_project_folder_is_used_as_it_is(tmp_path):
    folder = save_project(tmp_path / "a.mendel", _session(None))
    assert project_folder(folder) == folder and project_folder(tmp_path / "b").name == "b.mendel"
    assert open_project(folder).data_status == "none"


def test_data_outside_the_parent_folder_is_stored_absolute(tmp_path):
    data = _csv(tmp_path / "elsewhere" / "d.csv")
    folder = save_project(tmp_path / "deep" / "p", _session(str(data)))
    stored = json.loads((folder / "project.json").read_text())["data"]["path"]
    assert stored == str(data)
    assert open_project(folder).data_status == "ok"


def test_demo_data_needs_no_file(tmp_path):
    folder = save_project(tmp_path / "p", _session("demo:xor"))
    opened = open_project(folder)
    assert opened.data_status == "demo" and opened.session["source"] == "demo:xor"
    assert json.loads((folder / "project.json").read_text())["data"] == {
        "path": "demo:xor", "sha256": None, "demo": True}


def test_relative_data_path_resolves_after_moving_project_and_data_together(tmp_path):
    data = _csv(tmp_path / "course" / "data" / "d.csv")
    save_project(tmp_path / "course" / "p", _session(str(data)))
    moved = tmp_path / "usb" / "course"
    moved.parent.mkdir()
    shutil.move(str(tmp_path / "course"), str(moved))
    opened = open_project(moved / "p.mendel")
    assert opened.data_status == "ok", opened.data_message
    assert opened.session["source"] == str(moved / "data" / "d.csv")


def test_project_moved_alone_still_finds_its_data_by_the_absolute_path(tmp_path):
    data = _csv(tmp_path / "data" / "d.csv")
    save_project(tmp_path / "p", _session(str(data)))
    (tmp_path / "other").mkdir()
    shutil.move(str(tmp_path / "p.mendel"), str(tmp_path / "other" / "p.mendel"))
    opened = open_project(tmp_path / "other" / "p.mendel")
    assert opened.data_status == "ok" and opened.session["source"] == str(data)


def test_missing_data_says_where_and_relocate_finds_it(tmp_path):
    data = _csv(tmp_path / "data" / "d.csv")
    folder = save_project(tmp_path / "p", _session(str(data)))
    moved = tmp_path / "renamed.csv"
    data.rename(moved)
    opened = open_project(folder)
    assert opened.data_status == "missing"
    assert opened.data_message == f"data file {data} is gone; locate it"
    fixed = relocate(opened, moved)
    assert fixed.data_status == "ok" and fixed.session["source"] == str(moved)
    assert fixed.session["train_config"] == opened.session["train_config"]
    save_project(folder, fixed.session)  # saving records the new place
    assert open_project(folder).session["source"] == str(moved)


def test_changed_data_is_a_warning_not_silence(tmp_path):
    data = _csv(tmp_path / "d.csv")
    folder = save_project(tmp_path / "p", _session(str(data)))
    _csv(data, "x,y\n1,a\n2,b\n3,c\n")
    opened = open_project(folder)
    assert opened.data_status == "changed"
    assert opened.data_message == (f"data file {data} changed since the project was saved "
                                   "(sha256 differs)")
    assert opened.session["source"] == str(data)  # still usable, with the warning
    assert open_project(folder, verify=False).data_status == "ok"
    other = _csv(tmp_path / "other.csv", "z\n1\n")
    assert relocate(opened, other).data_status == "changed"


def test_a_data_folder_is_hashed_with_its_file_names(tmp_path):
    images = tmp_path / "imgs"
    _csv(images / "a" / "1.txt", "one")
    folder = save_project(tmp_path / "p", _session(str(images)))
    assert open_project(folder).data_status == "ok"
    (images / "a" / "1.txt").rename(images / "a" / "2.txt")
    opened = open_project(folder)
    assert opened.data_status == "changed" and "data folder" in opened.data_message


def test_the_given_hash_is_trusted(tmp_path):
    data = _csv(tmp_path / "d.csv")
    folder = save_project(tmp_path / "p", _session(str(data)), sha256="0" * 64)
    assert open_project(folder).data_status == "changed"


def test_version_1_file_still_opens(tmp_path):
    folder = tmp_path / "old.mendel"
    shutil.copytree(V1_FIXTURE, folder)
    original = json.loads((folder / "project.json").read_text())
    assert "format" not in original and original["version"] == 1  # a bare session doc
    opened = open_project(folder)
    assert opened.version == 1 and opened.name == "old"
    assert opened.session == original
    assert opened.data_status == "missing"  # the student's file is not on this machine
    assert "promoters.fa is gone; locate it" in opened.data_message
    data = _csv(tmp_path / "promoters.fa", ">a|x\nACGT\n")
    assert relocate(opened, data).data_status == "ok"  # no hash recorded: never "changed"
    # saving writes version 2; it opens as version 2 with the same session
    save_project(folder, relocate(opened, data).session)
    again = open_project(folder)
    assert again.version == 2 and again.session["train_config"]["epochs"] == 12


def test_migrate_wraps_version_1_and_refuses_newer_ones():
    doc, version = migrate({"version": 1, "source": "demo:xor"}, "p")
    assert version == 1 and doc["version"] == 2 and doc["session"]["source"] == "demo:xor"
    assert doc["data"]["demo"] is True
    for newer in ({"format": "mendel-project", "version": 3}, {"version": 7}):
        with pytest.raises(ProjectError, match="made by a newer Mendel"):
            migrate(newer)


def _damaged(tmp_path: Path, text: str) -> str:
    folder = save_project(tmp_path / "p", _session("demo:xor"))
    (folder / "project.json").write_text(text)
    with pytest.raises(ProjectError) as info:
        open_project(folder)
    message = str(info.value)
    assert isinstance(info.value, MendelError) and "\n" not in message
    assert message.startswith(str(folder / "project.json"))
    return message


def _doc(**changes) -> str:
    doc = {"format": "mendel-project", "version": 2, "name": "p",
           "session": {"version": 1, "source": None}, "data": None, "saved_at": None}
    doc.update(changes)
    for key in [k for k, v in changes.items() if v is _DROP]:
        del doc[key]
    return json.dumps(doc, indent=2)


_DROP = object()


@pytest.mark.parametrize(("text", "expected"), [
    ('{\n  "format": "mendel-project",\n  "version": 2,,\n}', "not valid JSON (Expecting "
     "property name enclosed in double quotes at line 3, column 16)"),
    ("", "not valid JSON (Expecting value at line 1, column 1)"),
    ("[1, 2]", "expected a JSON object, found a list"),
    (_doc(format="something-else"), "not a Mendel project: 'format' is 'something-else'"),
    (_doc(version=9), "made by a newer Mendel (project version 9; this Mendel reads up to 2)"),
    (_doc(version="2"), "'version' should be a whole number, not text"),
    (_doc(session=_DROP), "missing key 'session'"),
    (_doc(name=_DROP), "missing key 'name'"),
    (_doc(session=[1]), "'session' should be an object, not a list"),
    (_doc(name=3), "'name' should be text, not a number"),
    (_doc(data={"path": "d.csv", "sha256": None}), "missing key 'data.demo'"),
    (_doc(data={"path": 4, "sha256": None, "demo": False}),
     "'data.path' should be text, not a number"),
    (_doc(data={"path": "d.csv", "sha256": None, "demo": "no"}),
     "'data.demo' should be true or false, not text"),
    (_doc(session={"source": 5}), "'session.source' should be text or null, not a number"),
    ('{"source": "x.csv"}', "not a Mendel project: no 'format' key"),
])
def test_a_damaged_project_json_is_one_clear_line(tmp_path, text, expected):
    assert expected in _damaged(tmp_path, text)


def test_not_a_project_folder(tmp_path):
    with pytest.raises(ProjectError, match="no project.json here"):
        open_project(tmp_path)
    with pytest.raises(ProjectError, match="no such project folder"):
        open_project(tmp_path / "nope")
    (tmp_path / "file.mendel").write_text("x")
    with pytest.raises(ProjectError, match="not a folder"):
        save_project(tmp_path / "file.mendel", _session(None))


def test_a_session_that_is_not_json_is_refused_without_touching_the_file(tmp_path):
    folder = save_project(tmp_path / "p", _session(None))
    before = (folder / "project.json").read_text()
    with pytest.raises(ProjectError, match="cannot be saved as JSON"):
        save_project(folder, _session(None, bad=object()))
    assert (folder / "project.json").read_text() == before


def test_leftovers_of_a_killed_save_are_removed_by_the_next_save(tmp_path):
    folder = save_project(tmp_path / "p", _session(None))
    (folder / ".project.json.dead.part").write_text('{"half')
    save_project(folder, _session(None))
    assert sorted(p.name for p in folder.iterdir()) == ["project.json", "runs", "trash"]


def test_autosave_round_trip_and_paths(tmp_path):
    project = save_project(tmp_path / "p", _session("demo:xor"))
    side = autosave_path(project, tmp_path / "config")
    assert side == tmp_path / "p.mendel.autosave.json"
    assert autosave_path(None, tmp_path / "config") == tmp_path / "config" / \
        "session.autosave.json"
    assert read_autosave(side) is None
    write_autosave(side, _session("demo:moons"), project)
    restored = read_autosave(side)
    assert restored is not None and restored.session == _session("demo:moons")
    assert restored.project == project and restored.saved_at
    assert open_project(project).session["source"] == "demo:xor"  # the project is untouched
    discard_autosave(side)
    discard_autosave(side)  # twice is fine
    assert read_autosave(side) is None
    unsaved = write_autosave(autosave_path(None, tmp_path / "config"), _session(None))
    assert read_autosave(unsaved).project is None


@pytest.mark.parametrize("text", ["{broken", "[]", '{"format": "mendel-autosave", '
                                  '"version": 99, "session": {}}', '{"session": {}}'])
def test_an_unusable_autosave_reads_as_none(tmp_path, text):
    path = tmp_path / "x.autosave.json"
    path.write_text(text)
    assert read_autosave(path) is None
