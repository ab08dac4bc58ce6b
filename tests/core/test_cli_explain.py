"""``mendel explain``, ``mendel motifs`` and ``mendel importance`` through the real entry
point, on a saved run of the planted-motif CNN."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.cli import main
from core.export.bundle import save_bundle
from tests.core.explain_fixtures import motif_outcome

JASPAR = """>MA0108.1 TATA-like
A [ 0 20 0 20 20 0 ]
C [ 0 0 0 0 0 0 ]
G [ 0 0 0 0 0 0 ]
T [ 20 0 20 0 0 20 ]
>SP1-like
A [ 1 0 0 0 0 1 ]
C [ 0 0 20 20 0 18 ]
G [ 19 20 0 0 20 1 ]
T [ 0 0 0 0 0 0 ]
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("explain") / "run"
    save_bundle(folder, motif_outcome())
    return folder


def _run(capsys, *argv: str) -> tuple[int, str, str]:  # noqa: ANN001
    # no pictures: those load Qt (tests/app/test_cli_explain_pictures.py draws them)
    extra = ["--no-plots"] if argv and argv[0] in ("explain", "motifs") else []
    code = main([str(a) for a in argv] + extra)
    out, err = capsys.readouterr()
    return code, out, err


def test_explain_ism_for_chosen_ids(run: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    code, out, err = _run(capsys, "explain", run, "demo:motif", "--method", "ism", "--ids",
                          "seq1,seq2", "seq5", "--target", "present", "--device", "cpu",
                          "--out", tmp_path, "--json")
    assert code == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["n"] == 3 and summary["method"] == "ism"
    table = pd.read_csv(tmp_path / "ism.csv")
    assert list(table.columns) == ["id", "target", "position", "letter", "A", "C", "G", "T",
                                   "total"]
    assert len(table) == 3 * 60 and set(table["target"]) == {"present"}
    assert table["id"].tolist()[::60] == ["seq1", "seq2", "seq5"]
    saved = np.load(tmp_path / "ism.npz")
    assert saved["values"].shape == saved["inputs"].shape == (3, 60, 4)
    assert list(saved["ids"]) == ["seq1", "seq2", "seq5"]
    first = table.iloc[0]
    assert first[first["letter"]] == 0  # the letter present is no change


def test_explain_ig_with_the_per_class_means(run: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    ids = ",".join(f"seq{i}" for i in range(1, 61))
    code, out, err = _run(capsys, "explain", run, "demo:motif", "--ids", ids, "--method",
                          "ig", "--steps", "32", "--per-class", "--device", "cpu", "--out",
                          tmp_path, "--json")
    assert code == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert 50 <= sum(summary["per_class_counts"].values()) <= 60
    assert "completeness_gap_median" in summary
    per = np.load(tmp_path / "ig_per_class.npz")
    assert per["values"].shape == (2, 60, 4) and list(per["class_names"]) == ["absent",
                                                                              "present"]
    assert pd.read_csv(tmp_path / "ig_per_class.csv")["class"].iloc[0] == "absent"


def test_motifs_with_known_motifs(run: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    library = tmp_path / "known.jaspar"
    library.write_text(JASPAR)
    code, out, err = _run(capsys, "motifs", run, "--jaspar", library, "--device", "cpu",
                          "--out", tmp_path / "m", "--json")
    assert code == 0, err
    doc = json.loads(out.strip().splitlines()[-1])
    assert doc["influence_measure"] == "loss increase" and len(doc["filters"]) == 32
    best = doc["filters"][0]
    assert {"pwm", "information_content", "influence", "match", "consensus"} <= set(best)
    assert np.shape(best["pwm"]) == (9, 4)
    assert best["match"]["motif"] == "MA0108.1 TATA-like" and best["match"]["score"] > 0.8
    assert "the run's train rows of demo:motif" in out
    for name in ("motifs.json", "motifs.csv", "motifs.npz", "motifs.meme"):
        assert (tmp_path / "m" / name).is_file()


def test_bad_input_is_one_line(run: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    bad = tmp_path / "bad.meme"
    bad.write_text("MEME version 4\n\nMOTIF x\nletter-probability matrix: alength= 4 w= 2\n"
                   "0.25 0.25 0.25 0.25\n0.25 0.25 oops 0.25\n")
    code, _, err = _run(capsys, "motifs", run, "--meme", bad, "--out", tmp_path)
    assert code == 1 and err == f"error: {bad}: line 6: 'oops' is not a number\n"
    table = tmp_path / "iris"
    assert main(["train", "demo:iris", "--model", "mlp", "--hidden", "4", "--epochs", "2",
                 "--device", "cpu", "--no-baseline", "--out", str(table)]) == 0
    capsys.readouterr()
    code, _, err = _run(capsys, "motifs", table, "--out", tmp_path)
    assert code == 1 and err.startswith("error: motifs need a network whose first layer is "
                                        "a Conv1D") and err.count("\n") == 1
    code, _, err = _run(capsys, "explain", table, "demo:iris", "--method", "ism", "--out",
                        tmp_path)
    assert code == 1 and "needs one-hot encoded sequences; this run has a table" in err
    assert err.count("\n") == 1
    code, _, err = _run(capsys, "explain", run, "demo:motif", "--ids", "nope", "--out",
                        tmp_path)
    assert code == 1 and err == "error: no sample has the id 'nope' (ids look like 'seq1')\n"


def test_importance_on_the_test_split(run: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    code, out, err = _run(capsys, "importance", run, "--repeats", "2", "--device", "cpu",
                          "--out", tmp_path, "--json")
    assert code == 0, err
    doc = json.loads(out.strip().splitlines()[-1])
    assert set(doc["scores"]) == {"network", "logistic_regression", "majority"}
    assert doc["metric"] == "accuracy" and doc["n_rows"] == 300
    assert len(pd.read_csv(tmp_path / "importance.csv")) == 60
