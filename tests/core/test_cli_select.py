"""``mendel cv``, ``mendel search`` and ``mendel lr-find`` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from core.project import list_runs

FAST = ["--model", "mlp", "--hidden", "8", "--epochs", "3", "--device", "cpu"]


def _run(capsys, *argv: str) -> tuple[int, str, str]:  # noqa: ANN001
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def test_cv_json_has_folds_mean_std_and_each_baseline(capsys) -> None:  # noqa: ANN001
    code, out, err = _run(capsys, "cv", "demo:xor", "--size", "120", *FAST, "--folds", "3",
                          "--baselines", "knn,majority", "--json")
    assert code == 0, err
    d = _last_json(out)
    assert len(d["folds"]) == 3 and all("accuracy" in f for f in d["folds"])
    assert {"accuracy", "f1_macro"} <= set(d["mean"]) and set(d["std"]) == set(d["mean"])
    assert set(d["baselines"]) == {"knn", "majority"}
    assert {"folds", "mean", "std"} <= set(d["baselines"]["knn"])
    assert len(d["curves"]) == 3 and d["runs"] == []
    assert d["n_test_untouched"] == 18
    assert "fold 3/3: complete" in out and "mean \u00b1 std" in out


def test_search_json_and_project_runs(capsys, tmp_path: Path) -> None:  # noqa: ANN001
    project = tmp_path / "study"
    code, out, err = _run(capsys, "search", "demo:xor", "--size", "120", *FAST,
                          "--trials", "4", "--no-baseline", "--project", str(project),
                          "--json")
    assert code == 0, err
    d = _last_json(out)
    assert {"best_params", "best_value", "trials", "test"} <= set(d)
    assert len(d["trials"]) == 4
    first = d["trials"][0]
    assert {"number", "params", "value", "state", "duration", "val_loss_curve"} <= set(first)
    assert first["number"] == 1 and d["test"]["n"] == 18
    runs = list_runs(project.with_suffix(".mendel"))
    assert [r.name for r in runs] == [f"search trial {d['best_trial']} (best of 4)"]
    assert d["runs"] == [str(runs[0].path)]
    code, out, err = _run(capsys, "cv", "demo:xor", "--size", "120", *FAST, "--folds", "2",
                          "--no-baseline", "--project", str(project))
    assert code == 0, err
    names = [r.name for r in list_runs(project.with_suffix(".mendel"))]
    assert names[1:] == ["cv fold 1/2", "cv fold 2/2"]


def test_search_takes_a_space_file_and_a_sampler(capsys, tmp_path: Path) -> None:  # noqa: ANN001
    space = tmp_path / "space.json"
    space.write_text(json.dumps({"lr": [0.001, 0.01], "batch_size": 16}))
    code, out, err = _run(capsys, "search", "demo:xor", "--size", "100", *FAST,
                          "--space", str(space), "--sampler", "grid", "--no-baseline",
                          "--json")
    assert code == 0, err
    d = _last_json(out)
    assert sorted(t["params"]["lr"] for t in d["trials"]) == [0.001, 0.01]
    assert d["space"] == {"lr": {"choices": [0.001, 0.01]}, "batch_size": 16}


def test_lr_find_json(capsys) -> None:  # noqa: ANN001
    code, out, err = _run(capsys, "lr-find", "demo:iris", "--model", "mlp", "--device",
                          "cpu", "--steps", "40", "--json")
    assert code == 0, err
    d = _last_json(out)
    assert {"lrs", "losses", "smoothed", "suggestion", "stopped_because"} <= set(d)
    assert len(d["lrs"]) == len(d["losses"]) <= 40 and d["lrs"][0] == pytest.approx(1e-7)
    assert "suggested learning rate" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["cv", "demo:iris", "--folds", "1"], "at least 2 folds"),
    (["cv", "demo:iris", "--folds", "500"], "--folds 500 is more than the"),
    (["search", "demo:iris", "--trials", "0"], "--trials must be at least 1"),
    (["search", "demo:iris", "--val-fraction", "0"], "raise the validation fraction"),
    (["lr-find", "demo:iris", "--steps", "1"], "at least 5 steps"),
])
def test_bad_input_is_one_line_and_exit_1(capsys, argv: list[str], message: str) -> None:  # noqa: ANN001
    code, out, err = _run(capsys, *argv, "--epochs", "1", "--device", "cpu")
    assert code == 1 and message in err and err.count("\n") == 1, err


def test_a_bad_space_file_is_one_line(capsys, tmp_path: Path) -> None:  # noqa: ANN001
    space = tmp_path / "space.json"
    space.write_text('{"lr": {"low": 1, "high": 0.1}}')
    code, out, err = _run(capsys, "search", "demo:iris", "--space", str(space))
    assert code == 1 and err.count("\n") == 1
    assert err.startswith(f"error: {space}: lr: low (1) must be below high (0.1)")
