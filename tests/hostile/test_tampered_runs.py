"""Tampered run folders through ``mendel predict`` and ``mendel evaluate`` (issue 16).

Each case damages a copy of a real run the way a hostile or careless user might, then
rewrites the manifest to match (the harder case: the manifest no longer gives the game
away), and expects exit 1 with one line on stderr naming the run or its file, no
traceback, in well under a second of work and without a large allocation. The same
damage without the rewritten manifest must be refused as altered or incomplete.
"""

from __future__ import annotations

import json
import resource
import shutil
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from app.cli import main
from core.export.folder import MANIFEST_FILE, write_manifest

Damage = Callable[[Path], None]
NET, PREP = "network.json", "preprocessing.json"


def _json(name: str, change: Callable[[dict], object]) -> Damage:
    def damage(run: Path) -> None:
        obj = json.loads((run / name).read_text())
        result = change(obj)
        (run / name).write_text(json.dumps(obj if result is None else result))
    return damage


def _text(name: str, text: str) -> Damage:
    return lambda run: (run / name).write_text(text)


def _weights(change: Callable[[dict[str, np.ndarray]], None]) -> Damage:
    def damage(run: Path) -> None:
        tensors = load_file(str(run / "model.safetensors"))
        change(tensors)
        save_file(tensors, str(run / "model.safetensors"))
    return damage


def _nested_residuals(depth: int) -> Damage:
    """network.json with ``depth`` Residual blocks inside each other (written as text:
    Python's own json cannot write it either)."""
    def damage(run: Path) -> None:
        net = json.loads((run / NET).read_text())
        net.pop("layers")
        head = json.dumps(net)[:-1] + ', "layers": ['  # the same object, layers last
        inner = '{"kind": "Residual", "layers": [' * depth + '{"kind": "Dense", "units": 4}'
        (run / NET).write_text(head + inner + "]}" * depth + "]}")
    return damage


def _set(path: list, value: object) -> Callable[[dict], None]:
    def change(obj: dict) -> None:
        target = obj
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def _first_column(obj: dict) -> dict:
    return obj["preprocessing"]["columns"][0]


TABLE_CASES: dict[str, tuple[Damage, str]] = {
    "deep JSON": (_text(NET, "[" * 100_000 + "]" * 100_000),
                  "nested too deeply|not valid JSON"),
    "5,000 nested Residuals": (_nested_residuals(5000),
                               "nested too deeply|nested more than"),
    "10^6 layers": (_json(NET, _set(["layers"], [{"kind": "ReLU"}] * 1_000_000)),
                    "far more than a run's network.json"),
    "input_shape 10^10": (_json(NET, _set(["input_shape"], [10**10])), "input_shape|more than"),
    "three Dense layers of 65,536 units": (
        _json(NET, _set(["layers"], [{"kind": "Dense", "units": 65536}] * 3)),
        r"weights\) to load and predict needs about [\d.]+ GB, more than the memory budget"),
    "n_outputs 10^9": (_json(NET, _set(["n_outputs"], 10**9)), "n_outputs"),
    "layers not a list": (_json(NET, _set(["layers"], "Dense")), "layers"),
    "a layer without kind": (_json(NET, _set(["layers"], [{"units": 4}])), "kind"),
    "an unknown layer kind": (_json(NET, _set(["layers", 0, "kind"], "Teleport")),
                              "Teleport"),
    "units not a number": (_json(NET, _set(["layers", 0, "units"], "many")), "units|many"),
    "negative units": (_json(NET, _set(["layers", 0, "units"], -5)), "units|-5"),
    "a task of nonsense": (_json(NET, _set(["task"], "banana")), "task"),
    "one class name": (_json(NET, lambda o: o.update(class_names=["a"], n_outputs=1)),
                       "two classes|one class|1 outputs|at least"),
    "fewer class names than outputs": (_json(NET, _set(["class_names"], ["a"])),
                                       "names 1 classes"),
    "duplicate class names": (_json(NET, _set(["class_names"], ["a", "a", "b"])),
                              "same name"),
    "network wider than the preprocessing": (_json(NET, _set(["input_shape"], [7])),
                                             "does not fit|do not belong|shape"),
    "network.json a list": (_text(NET, "[1, 2]"), "JSON object"),
    "network.json empty": (_text(NET, ""), "not valid JSON"),
    "network.json binary": (lambda run: (run / NET).write_bytes(b"\xff\xfe\x00" * 50),
                            "cannot read|not valid"),
    "a non-numeric mean": (_json(PREP, lambda o: _first_column(o).update(mean="abc")), "mean"),
    "a standard deviation of 0": (_json(PREP, lambda o: _first_column(o).update(std=0)),
                                  "std"),
    "a NaN mean": (_json(PREP, lambda o: _first_column(o).update(mean=float("nan"))),
                   "NaN or infinite"),
    "an infinite fill": (_json(PREP, lambda o: _first_column(o).update(fill=float("inf"))),
                         "NaN or infinite"),
    "load_options a list": (_json(PREP, _set(["load_options"], [1, 2])), "load_options"),
    "features a number": (_json(PREP, _set(["load_options", "features"], 5)), "features"),
    "k of 99": (_json(PREP, _set(["encoding_options", "k"], 99)), "k"),
    "an unknown preprocessing kind": (_json(PREP, _set(["preprocessing", "kind"], "magic")),
                                      "preprocessing"),
    "no columns": (_json(PREP, _set(["preprocessing", "columns"], [])), "columns|preprocessing"),
    "a wrong format": (_json(PREP, _set(["format"], "mendel-preprocessing/99")),
                       "unsupported format"),
    "unknown playground features": (_json(PREP, _set(["playground_features"],
                                                     {"base_columns": ["x1", "x2"],
                                                      "keys": ["cube"]})),
                                    "Playground feature|playground"),
    "NaN weights": (_weights(lambda t: t[sorted(t)[0]].fill(np.nan)), "NaN or infinite"),
    "integer weights": (_weights(lambda t: t.update({k: v.astype(np.int32)
                                                     for k, v in t.items()})),
                        "not floating point"),
    "a missing weight": (_weights(lambda t: t.pop(sorted(t)[0])), "do not fit"),
    "a weight of the wrong shape": (_weights(lambda t: t.update(
        {sorted(t)[0]: np.zeros((1, 1), np.float32)})), "do not fit"),
    "truncated weights": (lambda run: (run / "model.safetensors").write_bytes(
        (run / "model.safetensors").read_bytes()[:40]), "damaged|safetensors"),
    "a weights header claiming 2^60 bytes": (lambda run: (run / "model.safetensors").write_bytes(
        struct.pack("<Q", 1 << 60) + b"{}"), "damaged|safetensors"),
    "pickled weights": (lambda run: (run / "model.safetensors").write_bytes(
        b"\x80\x04K\x01."), "pickle"),
    "metrics.json a list": (_text("metrics.json", "[]"), "JSON object"),
    "metrics.json missing": (lambda run: (run / "metrics.json").unlink(), "metrics.json"),
    "weights missing": (lambda run: (run / "model.safetensors").unlink(), "model.safetensors"),
}
SEQUENCE_CASES: dict[str, tuple[Damage, str]] = {
    "an unfitted sequence length": (_json(PREP, _set(["preprocessing", "length"], None)),
                                    "never fitted"),
    "a sequence length the network does not take": (
        _json(PREP, _set(["preprocessing", "length"], 61)), "do not belong"),
    "an alphabet of nonsense": (_json(PREP, _set(["preprocessing", "alphabet"], "Klingon")),
                                "preprocessing"),
}


def _train(tmp: Path, *argv: str) -> Path:
    out = tmp / "run"
    assert main(["train", *argv, "--epochs", "1", "--device", "cpu", "--no-baseline",
                 "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def table_run(tmp_path_factory) -> Path:
    return _train(tmp_path_factory.mktemp("table"), "demo:iris", "--model", "mlp",
                  "--hidden", "4")


@pytest.fixture(scope="module")
def sequence_run(tmp_path_factory) -> Path:
    return _train(tmp_path_factory.mktemp("sequence"), "demo:motif", "--size", "40")


def _refused(capsys, run: Path, data: str, match: str) -> None:
    import re

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for command in (["predict", str(run), data], ["evaluate", str(run), data]):
        code = main(command)
        out, err = capsys.readouterr()
        assert code == 1, (command, out[-300:], err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), err
        assert str(run) in lines[0] and "Traceback" not in err, err
        assert re.search(match, lines[0]), lines[0]
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 300, f"{grown_mb:.0f} MB to refuse it"


def _case(base: Path, tmp_path: Path, damage: Damage, sealed: bool) -> Path:
    run = tmp_path / "copy"
    shutil.copytree(base, run)
    damage(run)
    if sealed:
        write_manifest(run)  # as one who knows the format would
    return run


@pytest.mark.parametrize("name", list(TABLE_CASES))
def test_a_tampered_table_run_is_refused_in_one_line(name, table_run, tmp_path, capsys):
    damage, match = TABLE_CASES[name]
    _refused(capsys, _case(table_run, tmp_path, damage, sealed=True), "demo:iris", match)


@pytest.mark.parametrize("name", list(SEQUENCE_CASES))
def test_a_tampered_sequence_run_is_refused_in_one_line(name, sequence_run, tmp_path, capsys):
    damage, match = SEQUENCE_CASES[name]
    _refused(capsys, _case(sequence_run, tmp_path, damage, sealed=True), "demo:motif", match)


@pytest.mark.parametrize("name", list(TABLE_CASES)[::4])
def test_the_same_damage_without_a_new_manifest_is_called_altered(name, table_run, tmp_path,
                                                                  capsys):
    damage, _ = TABLE_CASES[name]
    run = _case(table_run, tmp_path, damage, sealed=False)
    _refused(capsys, run, "demo:iris", "was altered|is incomplete")


def test_a_run_without_its_manifest_is_incomplete(table_run, tmp_path, capsys):
    run = _case(table_run, tmp_path, lambda r: (r / MANIFEST_FILE).unlink(), sealed=False)
    _refused(capsys, run, "demo:iris", r"incomplete \(no manifest.json\)")


def test_the_untampered_runs_still_predict(table_run, sequence_run, capsys):
    assert main(["predict", str(table_run), "demo:iris"]) == 0
    assert main(["evaluate", str(sequence_run), "demo:motif"]) == 0
    capsys.readouterr()
