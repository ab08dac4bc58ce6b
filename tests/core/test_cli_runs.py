"""``mendel train --project`` and ``mendel runs`` through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from core.export.bundle import load_bundle
from core.project import list_runs, new_run_folder, open_project, save_project
from core.project.session import SESSION_KEYS

TINY = ("--size", "100", "--model", "mlp", "--hidden", "4", "--epochs", "2", "--device",
        "cpu", "--no-baseline")


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> Path:
    """A project made by two `mendel train --project` runs (the second with another lr)."""
    root = tmp_path_factory.mktemp("cli")
    for lr in ("0.01", "0.003"):
        assert main(["train", "demo:xor", *TINY, "--lr", lr, "--project",
                     str(root / "course")]) == 0
    return root / "course.mendel"


def test_train_project_creates_the_project_and_adds_runs(two_runs, capsys):
    opened = open_project(two_runs)
    assert opened.data_status == "demo" and opened.name == "course"
    session = opened.session
    assert tuple(session) == SESSION_KEYS
    assert session["source"] == "demo:xor" and session["load_options"]["demo_size"] == 100
    assert session["preset"] == {"name": "mlp", "options": {"hidden": 4}}
    assert session["network_spec"] is None and session["baselines"] == []
    assert session["train_config"]["epochs"] == 2
    assert session["train_config"]["lr"] == 0.01  # the first run's options, kept
    rows = list_runs(two_runs)
    assert [r.status for r in rows] == ["completed", "completed"]
    assert [r.lr for r in rows] == [0.01, 0.003]
    assert rows[0].id.startswith("001-") and rows[1].id.startswith("002-")
    assert load_bundle(rows[1].path).n_outputs == 2  # a full run folder


def test_train_project_prints_the_run_folder_and_json_out(tmp_path, capsys):
    code, out, err = _run(capsys, "train", "demo:xor", *TINY, "--project",
                          str(tmp_path / "p.mendel"), "--json")
    assert code == 0, err
    (row,) = list_runs(tmp_path / "p.mendel")
    assert f"saved run to {row.path}" in out
    assert json.loads(out.strip().splitlines()[-1])["out"] == str(row.path)


def test_train_project_stores_a_file_relative_to_the_project(tmp_path, capsys):
    rng = np.random.default_rng(0)
    data = tmp_path / "course" / "points.csv"
    data.parent.mkdir()
    x = rng.normal(size=(80, 2))
    rows = [f"{a:.4f},{b:.4f},{'pos' if a + b > 0 else 'neg'}" for a, b in x]
    data.write_text("x1,x2,label\n" + "\n".join(rows) + "\n")
    code, out, err = _run(capsys, "train", str(data), "--target", "label", "--model", "mlp",
                          "--hidden", "4", "--epochs", "2", "--device", "cpu",
                          "--no-baseline", "--project", str(tmp_path / "course" / "p"))
    assert code == 0, err
    doc = json.loads((tmp_path / "course" / "p.mendel" / "project.json").read_text())
    assert doc["data"]["path"] == "../points.csv" and len(doc["data"]["sha256"]) == 64
    assert doc["session"]["load_options"]["target"] == "label"
    opened = open_project(tmp_path / "course" / "p.mendel")
    assert opened.data_status == "ok" and opened.session["source"] == str(data)


def test_runs_prints_the_table(two_runs, capsys):
    new_run_folder(two_runs)  # a run being written: incomplete
    try:
        code, out, err = _run(capsys, "runs", str(two_runs))
        assert code == 0, err
        lines = out.splitlines()
        assert lines[0] == "project course: 3 runs"
        assert lines[1].split()[:3] == ["run", "status", "created"]
        assert "completed" in lines[2] and "Multilayer perceptron" in lines[2]
        assert "0.003" in lines[3] and "accuracy" in lines[3]
        assert "incomplete" in lines[4] and "missing network.json" in lines[4]
        code, out, err = _run(capsys, "runs", str(two_runs), "--json")
        table = json.loads(out)
        assert [r["status"] for r in table] == ["completed", "completed", "incomplete"]
        assert table[1]["lr"] == 0.003 and "test_accuracy" in table[0]
        code, out, err = _run(capsys, "runs", str(two_runs), "--csv")
        assert out.splitlines()[0].startswith("id,name,created,status")
        assert len(out.splitlines()) == 4
    finally:
        for row in list_runs(two_runs):
            if row.status == "incomplete":
                row.path.rmdir()


def test_runs_of_an_empty_project(tmp_path, capsys):
    folder = save_project(tmp_path / "empty", {"version": 1, "source": None})
    code, out, err = _run(capsys, "runs", str(folder))
    assert (code, out) == (0, "project empty: 0 runs\n")


def test_bad_input_is_one_line_and_non_zero(tmp_path, capsys):
    code, out, err = _run(capsys, "runs", str(tmp_path / "nothing"))
    assert code == 1 and err.count("\n") == 1 and "no such project folder" in err
    code, out, err = _run(capsys, "runs", str(tmp_path))
    assert code == 1 and "no project.json here" in err
    damaged = save_project(tmp_path / "bad", {"version": 1, "source": None})
    (damaged / "project.json").write_text("{oops")
    code, out, err = _run(capsys, "runs", str(damaged))
    assert code == 1 and err.count("\n") == 1 and "not valid JSON" in err and "line 1" in err
    # a damaged project fails before training, not after it
    code, out, err = _run(capsys, "train", "demo:xor", *TINY, "--project", str(damaged))
    assert code == 1 and err.count("\n") == 1 and "not valid JSON" in err
    assert "epoch" not in out
    code, out, err = _run(capsys, "train", "demo:xor", *TINY, "--project", str(damaged),
                          "--out", str(tmp_path / "o"))
    assert code == 1 and err.strip() == "error: give --out or --project, not both"
    (tmp_path / "file.mendel").write_text("x")
    code, out, err = _run(capsys, "train", "demo:xor", *TINY, "--project",
                          str(tmp_path / "file.mendel"))
    assert code == 1 and "not a folder" in err


def test_a_failed_save_leaves_no_half_run_in_the_project(tmp_path, capsys, monkeypatch):
    from core.errors import ExportError
    from core.export import bundle

    def broken(out, outcome, overwrite=False):
        (Path(out) / "metrics.json").write_text("{")
        raise ExportError("disk full")

    monkeypatch.setattr(bundle, "save_bundle", broken)
    code, out, err = _run(capsys, "train", "demo:xor", *TINY, "--project",
                          str(tmp_path / "p"))
    assert code == 1 and err.strip() == "error: disk full"
    assert list((tmp_path / "p.mendel" / "runs").iterdir()) == []
