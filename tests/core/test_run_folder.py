"""A run folder is whole or refused (issue 16, section 2): staging, manifest, overwrite."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.cli import main
from core.errors import ExportError
from core.export import bundle, folder
from core.export.bundle import load_bundle, save_bundle
from core.export.folder import MANIFEST_FILE, read_manifest, verify_run
from core.train.config import TrainConfig
from core.train.run import run_training


@pytest.fixture(scope="module")
def outcome():
    return run_training("demo:xor", network="mlp", preset_options={"hidden": (4,)},
                        config=TrainConfig(epochs=2, device="cpu", checkpoint_every=1),
                        baselines=False)


@pytest.fixture()
def saved(outcome, tmp_path: Path) -> Path:
    out = tmp_path / "run"
    save_bundle(out, outcome)
    return out


def _siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


def test_a_saved_run_has_a_manifest_of_every_file_and_nothing_beside_it(saved: Path):
    files = read_manifest(saved)
    assert files is not None
    on_disk = {p.relative_to(saved).as_posix() for p in saved.rglob("*") if p.is_file()}
    listed = set(files) | {MANIFEST_FILE}
    assert listed == {n for n in on_disk if not n.startswith("checkpoint/")}
    assert all(entry["size"] == (saved / name).stat().st_size for name, entry in files.items())
    verify_run(saved, bundle.READ_FILES)
    assert _siblings(saved) == []  # the hidden staging folder was moved, not copied


def test_an_existing_run_is_replaced_only_with_overwrite(outcome, saved: Path):
    before = (saved / MANIFEST_FILE).read_text()
    with pytest.raises(ExportError, match="already holds a run.*--overwrite"):
        save_bundle(saved, outcome)
    assert (saved / MANIFEST_FILE).read_text() == before
    save_bundle(saved, outcome, overwrite=True)
    load_bundle(saved)
    assert _siblings(saved) == []


def test_the_swap_works_without_an_atomic_exchange(outcome, saved: Path, monkeypatch):
    monkeypatch.setattr(folder, "_exchange", lambda a, b: False)
    save_bundle(saved, outcome, overwrite=True)
    load_bundle(saved)
    assert _siblings(saved) == []


def test_a_folder_with_other_files_is_never_replaced(outcome, saved: Path, tmp_path: Path):
    (saved / "my notes.txt").write_text("keep me")
    with pytest.raises(ExportError, match=r"files Mendel did not write \(my notes.txt\)"):
        save_bundle(saved, outcome, overwrite=True)
    assert (saved / "my notes.txt").read_text() == "keep me"
    load_bundle(saved)  # a user's extra file does not make the run unusable
    mine = tmp_path / "mine"
    (mine / "sub").mkdir(parents=True)
    with pytest.raises(ExportError, match=r"did not write \(sub\)"):
        save_bundle(mine, outcome, overwrite=True)
    empty = tmp_path / "empty"
    empty.mkdir()
    save_bundle(empty, outcome)
    load_bundle(empty)


def test_a_failed_save_leaves_the_previous_run_as_it_was(outcome, saved: Path, monkeypatch):
    before = {p.name: p.read_bytes() for p in saved.iterdir() if p.is_file()}

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bundle, "export_torchscript", broken)
    with pytest.raises(ExportError, match=r"\(No space left on device\); nothing was changed"):
        save_bundle(saved, outcome, overwrite=True)
    assert {p.name: p.read_bytes() for p in saved.iterdir() if p.is_file()} == before
    assert _siblings(saved) == []


def test_stale_staging_folders_of_a_killed_save_are_removed_by_the_next(outcome, tmp_path):
    stale = tmp_path / ".run.saving-deadbeef"
    stale.mkdir()
    (stale / "model.onnx").write_bytes(b"half")
    (tmp_path / "other.saving-1").mkdir()  # not ours: another name
    save_bundle(tmp_path / "run", outcome)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.saving-1", "run"]


def test_incomplete_and_altered_folders_are_refused_in_one_line(saved: Path, tmp_path: Path):
    cases = {}
    no_manifest = tmp_path / "killed"
    shutil.copytree(saved, no_manifest)
    (no_manifest / MANIFEST_FILE).unlink()
    cases[no_manifest] = r"incomplete \(no manifest.json\).*--resume .*killed --epochs N"
    bare = tmp_path / "bare"
    shutil.copytree(saved, bare)
    (bare / MANIFEST_FILE).unlink()
    shutil.rmtree(bare / "checkpoint")
    cases[bare] = r"incomplete \(no manifest.json\): its training or export was interrupted, or"
    onnx = tmp_path / "onnx"
    shutil.copytree(saved, onnx)
    (onnx / "model.onnx").unlink()
    cases[onnx] = "incomplete: model.onnx is missing"
    resized = tmp_path / "resized"
    shutil.copytree(saved, resized)
    with open(resized / "history.csv", "a") as fh:
        fh.write("99,0.1\n")
    cases[resized] = "altered: history.csv is not the file that was saved .its size differs"
    flipped = tmp_path / "flipped"
    shutil.copytree(saved, flipped)
    data = bytearray((flipped / "model.safetensors").read_bytes())
    data[-1] ^= 0x01  # same size, another weight
    (flipped / "model.safetensors").write_bytes(bytes(data))
    cases[flipped] = "altered: model.safetensors .* sha256 differs"
    damaged = tmp_path / "damaged"
    shutil.copytree(saved, damaged)
    (damaged / MANIFEST_FILE).write_text("[" * 100_000)
    cases[damaged] = "manifest.json is damaged"
    escaping = tmp_path / "escaping"
    shutil.copytree(saved, escaping)
    manifest = json.loads((escaping / MANIFEST_FILE).read_text())
    manifest["files"]["../../etc/passwd"] = {"size": 1, "sha256": "0"}
    (escaping / MANIFEST_FILE).write_text(json.dumps(manifest))
    cases[escaping] = "names a file outside the run"
    for run, message in cases.items():
        with pytest.raises(ExportError, match=message) as err:
            load_bundle(run)
        assert "\n" not in str(err.value) and str(run) in str(err.value)


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


TINY = ("--epochs", "2", "--device", "cpu", "--no-baseline", "--model", "mlp", "--hidden", "4",
        "--size", "80")


def test_train_out_refuses_an_existing_run_unless_overwrite(tmp_path: Path, capsys):
    out = tmp_path / "run"
    assert _cli(capsys, "train", "demo:xor", *TINY, "--out", str(out))[0] == 0
    first = (out / MANIFEST_FILE).read_text()
    code, stdout, err = _cli(capsys, "train", "demo:xor", *TINY, "--out", str(out))
    assert code == 1 and "already holds a run" in err and "--overwrite" in err
    assert stdout == "" and (out / MANIFEST_FILE).read_text() == first  # refused before training
    assert _cli(capsys, "train", "demo:xor", *TINY, "--out", str(out), "--overwrite")[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no run.incomplete left
    (out / "predictions.csv").write_text("id,prediction\n")
    code, _, err = _cli(capsys, "train", "demo:xor", *TINY, "--out", str(out), "--overwrite")
    assert code == 1 and "did not write (predictions.csv)" in err
    assert (out / "predictions.csv").exists()


def test_checkpoints_go_beside_the_run_while_it_trains(tmp_path: Path, capsys, monkeypatch):
    from core.train import run as run_module

    seen: list[Path | None] = []
    real = run_module.train_prepared

    def spy(*args, **kwargs):
        seen.append(kwargs.get("checkpoint_dir"))
        return real(*args, **kwargs)

    monkeypatch.setattr(run_module, "train_prepared", spy)
    out = tmp_path / "run"
    assert _cli(capsys, "train", "demo:xor", *TINY, "--out", str(out))[0] == 0
    assert seen == [tmp_path / "run.incomplete" / "checkpoint"]
    assert not (tmp_path / "run.incomplete").exists()
    assert (out / "checkpoint" / "checkpoint.json").exists()
