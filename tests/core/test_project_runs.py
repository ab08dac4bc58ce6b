"""A project's runs: the table rows, incomplete folders, rename / note / star, trash, CSV,
history curves and the configuration diff."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from core.errors import ProjectError
from core.project import (
    config_diff,
    history,
    list_runs,
    new_run_folder,
    read_run,
    rename_run,
    row_dict,
    runs_table_csv,
    save_project,
    set_note,
    set_star,
    trash_run,
)
from core.project import runs as runs_module
from tests.benchmarks.bench_project import copy_runs, tiny_run


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return tiny_run(tmp_path_factory.mktemp("template") / "run")


@pytest.fixture
def project(tmp_path) -> Path:
    return save_project(tmp_path / "p", {"version": 1, "source": "demo:xor"})


def _add(project: Path, template: Path) -> Path:
    run = new_run_folder(project)
    run.rmdir()
    shutil.copytree(template, run)
    return run


def test_bundle_file_names_agree_with_the_bundle():
    from core.export import bundle

    assert runs_module.NETWORK_FILE == bundle.NETWORK_FILE
    assert runs_module.CONFIG_FILE == bundle.CONFIG_FILE
    assert runs_module.METRICS_FILE == bundle.METRICS_FILE
    assert runs_module.WEIGHTS_FILE == bundle.WEIGHTS_FILE
    assert runs_module.HISTORY_FILE == bundle.HISTORY_FILE


def test_a_real_run_is_a_full_row(project, template):
    run = _add(project, template)
    (row,) = list_runs(project)
    assert row.id == run.name == row.name and row.path == run
    assert row.status == "completed" and row.problem == ""
    assert row.data == "xor" and row.task == "classification"
    assert row.network == f"Multilayer perceptron \u00b7 {row.n_params:,} params"
    assert row.n_params == 42
    assert (row.epochs, row.batch_size, row.optimizer, row.lr, row.schedule) == (
        2, "auto", "adam", 0.01, "onecycle")
    assert row.epochs_run == 2 and row.best_epoch in (1, 2)
    curves = history(run)
    assert row.best_val_loss == pytest.approx(curves["val_loss"][row.best_epoch - 1])
    assert set(row.test) == {"accuracy", "f1_macro"} and 0 <= row.test["accuracy"] <= 1
    assert row.duration is not None and row.duration > 0 and row.device.startswith("CPU")
    assert row.created.startswith("20") and not row.starred and row.note == ""


def test_run_folders_are_numbered_and_unique(project):
    first, second = new_run_folder(project), new_run_folder(project)
    assert first.name.startswith("001-") and second.name.startswith("002-")
    assert len(first.name) == len("001-20260101-120000")
    trash_run(second)
    assert new_run_folder(project).name.startswith("003-")  # a trashed number is not reused


def test_incomplete_run_folders_are_rows_and_never_raise(project, template):
    good = _add(project, template)
    empty = new_run_folder(project)
    no_weights = _add(project, template)
    (no_weights / "model.safetensors").unlink()
    damaged = _add(project, template)
    (damaged / "metrics.json").write_text('{"train": ')
    odd = _add(project, template)
    (odd / "train_config.json").write_text(json.dumps({"epochs": "many"}))
    rows = {r.path: r for r in list_runs(project)}
    assert rows[good].status == "completed"
    assert rows[empty].status == "incomplete" and "missing network.json" in rows[empty].problem
    assert rows[no_weights].status == "incomplete"
    assert rows[no_weights].problem == "missing model.safetensors"
    assert rows[no_weights].network.startswith("Multilayer")  # what is there still shows
    assert rows[damaged].status == "incomplete" and "metrics.json is damaged" in \
        rows[damaged].problem
    assert rows[odd].status == "incomplete" and "unexpected value" in rows[odd].problem
    assert read_run(project / "runs" / "nope").status == "incomplete"


@pytest.mark.parametrize(("stopped", "status"), [
    ("completed", "completed"), ("stopped", "stopped"), ("early_stopping", "early stopping"),
    ("nan", "failed")])
def test_status_follows_why_training_stopped(project, template, stopped, status):
    run = _add(project, template)
    metrics = json.loads((run / "metrics.json").read_text())
    metrics["stopped_because"] = stopped
    (run / "metrics.json").write_text(json.dumps(metrics))
    assert read_run(run).status == status


def test_an_older_run_folder_gets_its_best_loss_from_the_history(project, template):
    run = _add(project, template)
    metrics = json.loads((run / "metrics.json").read_text())
    expected = metrics.pop("best_val_loss")
    (run / "metrics.json").write_text(json.dumps(metrics))
    assert read_run(run).best_val_loss == pytest.approx(expected)


def test_rename_note_star_round_trip(project, template):
    run = _add(project, template)
    rename_run(run, "  wide   lr  ")
    set_note(run, "best so far\nkeep it")
    set_star(run, True)
    row = read_run(run)
    assert (row.name, row.note, row.starred) == ("wide lr", "best so far\nkeep it", True)
    assert json.loads((run / "run.json").read_text()) == {
        "name": "wide lr", "note": "best so far\nkeep it", "starred": True}
    rename_run(run, "")
    set_star(run, False)
    row = read_run(run)
    assert (row.name, row.starred, row.note) == (run.name, False, "best so far\nkeep it")
    assert row.status == "completed"  # run.json is not a bundle file
    with pytest.raises(ProjectError, match="no such run folder"):
        rename_run(project / "runs" / "gone", "x")


def test_trash_moves_the_run_under_a_free_name(project, template):
    run = _add(project, template)
    files = sorted(p.name for p in run.iterdir())
    target = trash_run(run)
    assert not run.exists() and target == project / "trash" / run.name
    assert sorted(p.name for p in target.iterdir()) == files
    assert list_runs(project) == []
    again = project / "runs" / run.name
    shutil.copytree(target, again)
    assert trash_run(again) == project / "trash" / f"{run.name}-2"
    with pytest.raises(ProjectError, match="not a run of a project"):
        trash_run(target)


def test_runs_table_csv_has_one_row_per_run(project, template):
    copy_runs(template, project, 4)
    new_run_folder(project)  # incomplete
    rows = list_runs(project)
    table = list(csv.DictReader(io.StringIO(runs_table_csv(rows))))
    assert [r["id"] for r in table] == [r.id for r in rows]
    assert table[0]["name"] == "lr sweep 0" and table[0]["starred"] == "True"
    assert float(table[1]["test_accuracy"]) == pytest.approx(rows[1].test["accuracy"])
    assert table[-1]["status"] == "incomplete" and table[-1]["test_accuracy"] == ""
    assert json.loads(json.dumps(row_dict(rows[0])))["path"] == str(rows[0].path)


def test_history_reads_every_column(project, template):
    run = _add(project, template)
    curves = history(run)
    assert {"epoch", "train_loss", "val_loss", "lr", "train_accuracy"} <= set(curves)
    assert curves["epoch"] == [1, 2] and len(curves["val_loss"]) == 2
    assert history(project / "runs" / "gone") == {}


def test_config_diff_lists_only_what_differs(project, template):
    a, b, c = (_add(project, template) for _ in range(3))
    for run, lr, units in ((b, 0.003, 8), (c, 0.01, 16)):
        config = json.loads((run / "train_config.json").read_text())
        config["lr"] = lr
        (run / "train_config.json").write_text(json.dumps(config))
        net = json.loads((run / "network.json").read_text())
        net["layers"][0]["units"] = units
        (run / "network.json").write_text(json.dumps(net))
    prep = json.loads((c / "preprocessing.json").read_text())
    prep["encoding_options"]["standardize"] = False
    (c / "preprocessing.json").write_text(json.dumps(prep))
    diff = dict(config_diff([a, b, c]))
    assert diff == {
        "train.lr": [0.01, 0.003, 0.01],
        "network.layer 1": ["Dense(units=8, activation=relu)"] * 2
        + ["Dense(units=16, activation=relu)"],
        "encoding.standardize": [True, True, False],
    }
    assert config_diff([a]) == [] and config_diff([a, a]) == []
    empty = new_run_folder(project)
    assert dict(config_diff([a, empty]))["train.lr"] == [0.01, None]
