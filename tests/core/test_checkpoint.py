"""Checkpoints and resume: the format (JSON + safetensors, no pickle), atomic pairs, exact
continuation (10 + 10 epochs == 20 straight, on the CPU in deterministic mode), extending
a finished schedule, the bad cases, and ``mendel train --resume`` end to end."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors.torch import load_file
from torch import nn

from app.cli import main
from core.data.tensors import TensorData
from core.export.bundle import load_bundle, save_bundle
from core.export.safeload import pickle_kind
from core.train import checkpoint as ckmod
from core.train.checkpoint import JSON_FILE, load_checkpoint, save_checkpoint
from core.train.config import TrainConfig
from core.train.control import RunControl
from core.train.events import EpochFinished, RunStarted
from core.train.run import run_training
from core.train.trainer import RunResult, Trainer


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny networks train faster on one thread, and the test machine is shared."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def blobs(n: int = 160, seed: int = 0) -> TensorData:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 2)) + 1.5 * y[:, None]
    cut = int(n * 0.75)
    return TensorData.from_arrays(X[:cut], y[:cut], X[cut:], y[cut:], X[cut:], y[cut:])


def tiny_images(n: int = 96, seed: int = 0) -> TensorData:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.random((n, 1, 4, 4)).astype(np.float32)
    X[:, :, :, :2] += y[:, None, None, None] * 0.5  # the class brightens the left half
    cut = int(n * 0.75)
    return TensorData.from_arrays(X[:cut], y[:cut], X[cut:], y[cut:], layout="image")


def mlp(seed: int = 0) -> nn.Module:
    """Dropout included: without the global RNG state a resume would differ."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 2))


def image_net(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.ReLU(), nn.Dropout(0.2),
                         nn.Linear(8, 2))


def config(**kw) -> TrainConfig:
    return TrainConfig(**{"epochs": 20, "batch_size": 16, "device": "cpu", "seed": 3,
                          "deterministic": True, **kw})


def history(result: RunResult) -> list[dict]:
    """The rows without their wall-clock seconds (the only thing that may differ)."""
    return [{k: v for k, v in row.items() if k != "elapsed"} for row in result.history.rows]


def same_weights(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def stop_after(epoch: int) -> tuple[RunControl, object]:
    control = RunControl()

    def on_event(ev) -> None:
        if isinstance(ev, EpochFinished) and ev.epoch == epoch:
            control.stop()  # checked before the next batch: the run ends in epoch + 1

    return control, on_event


def test_files_are_json_and_safetensors_with_flat_names(tmp_path: Path) -> None:
    result = Trainer(mlp(), config(epochs=3, optimizer="sgd", momentum=0.9), blobs(),
                     checkpoint_dir=tmp_path).run()
    assert result.stopped_because == "completed"
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2 and JSON_FILE in names  # older epochs' tensors were removed
    tensors_file = tmp_path / next(n for n in names if n != JSON_FILE)
    assert tensors_file.name.startswith("checkpoint-e00003-")
    for path in (tmp_path / JSON_FILE, tensors_file):
        assert pickle_kind(path) is None
    doc = json.loads((tmp_path / JSON_FILE).read_text())  # plain json, strict
    assert doc["epoch"] == 3 and doc["tensors"] == tensors_file.name
    tensors = load_file(str(tensors_file))  # safetensors alone reads every tensor
    assert {"model.0.weight", "model.3.bias", "rng.torch", "rng.batches",
            "optim.state.0.momentum_buffer"} <= set(tensors)
    assert tensors["rng.torch"].dtype == torch.uint8
    groups = doc["optimizer"]["param_groups"]
    assert groups[0]["momentum"] == 0.9 and isinstance(groups[0]["lr"], float)
    assert doc["scheduler"]["total_steps"] == 3 * result.checkpoint.batches_per_epoch


@pytest.mark.parametrize("schedule", ["onecycle", "plateau"])
def test_save_load_round_trip_is_exact(tmp_path: Path, schedule: str) -> None:
    result = Trainer(mlp(), config(epochs=2, schedule=schedule, early_stopping=5), blobs()).run()
    ck = result.checkpoint
    assert ck is not None and ck.best_state is not None
    save_checkpoint(tmp_path, ck)
    back = load_checkpoint(tmp_path)
    for group in ("model", "rng", "best_state"):
        a, b = getattr(ck, group), getattr(back, group)
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    sa, sb = ck.optimizer["state"], back.optimizer["state"]
    assert sa.keys() == sb.keys()  # int keys come back as ints
    assert all(torch.equal(sa[i][k], sb[i][k]) for i in sa for k in sa[i])
    assert back.optimizer["param_groups"] == ck.optimizer["param_groups"]
    assert back.optimizer["param_groups"][0]["betas"] == (0.9, 0.999)  # still a tuple
    assert back.scheduler == ck.scheduler  # plateau: "best" and "mode_worse" hold inf
    assert back.history == ck.history and back.config == ck.config
    assert (back.epoch, back.best_loss, back.best_epoch, back.global_step) == (
        ck.epoch, ck.best_loss, ck.best_epoch, ck.global_step)


def test_a_failed_save_leaves_the_previous_checkpoint(tmp_path: Path, monkeypatch) -> None:
    result = Trainer(mlp(), config(epochs=2, checkpoint_every=1), blobs()).run()
    ck = result.checkpoint
    ck.epoch = 1
    save_checkpoint(tmp_path, ck)

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    # between the two files: the new tensors are written, the JSON is not replaced
    monkeypatch.setattr(ckmod, "write_text_atomic", boom)
    ck.epoch = 2
    with pytest.raises(OSError):
        save_checkpoint(tmp_path, ck)
    assert load_checkpoint(tmp_path).epoch == 1
    monkeypatch.undo()
    # before the first file: nothing of the new checkpoint exists
    monkeypatch.setattr(ckmod, "write_atomic", boom)
    with pytest.raises(OSError):
        save_checkpoint(tmp_path, ck)
    assert load_checkpoint(tmp_path).epoch == 1
    monkeypatch.undo()
    save_checkpoint(tmp_path, ck)  # the next good save clears the orphaned tensors
    assert load_checkpoint(tmp_path).epoch == 2
    assert len(list(tmp_path.iterdir())) == 2


def test_damaged_pairs_are_refused_in_one_line(tmp_path: Path) -> None:
    result = Trainer(mlp(), config(epochs=1), blobs()).run()
    save_checkpoint(tmp_path / "a", result.checkpoint)
    save_checkpoint(tmp_path / "b", result.checkpoint)
    doc_b = json.loads((tmp_path / "b" / JSON_FILE).read_text())
    (tmp_path / "a" / doc_b["tensors"]).write_bytes(
        (tmp_path / "b" / doc_b["tensors"]).read_bytes())
    doc_a = json.loads((tmp_path / "a" / JSON_FILE).read_text())
    doc_a["tensors"] = doc_b["tensors"]  # names the other checkpoint's tensors
    (tmp_path / "a" / JSON_FILE).write_text(json.dumps(doc_a))
    with pytest.raises(Exception, match="does not belong"):
        load_checkpoint(tmp_path / "a")
    doc_a["tensors"] = "../b/" + doc_b["tensors"]
    (tmp_path / "a" / JSON_FILE).write_text(json.dumps(doc_a))
    with pytest.raises(Exception, match="names no tensors file"):
        load_checkpoint(tmp_path / "a")
    with pytest.raises(Exception, match="no checkpoint"):
        load_checkpoint(tmp_path / "nothing")


def test_schedule_none_ten_then_ten_more_equals_twenty_straight(tmp_path: Path) -> None:
    data = blobs()
    straight = Trainer(mlp(), config(schedule="none"), data).run()
    first = Trainer(mlp(), config(schedule="none", epochs=10), data,
                    checkpoint_dir=tmp_path).run()
    assert first.stopped_because == "completed" and first.epochs_run == 10
    ck = load_checkpoint(tmp_path)
    assert (ck.epoch, ck.planned_epochs) == (10, 10)
    events: list = []
    second = Trainer(mlp(seed=99), config(schedule="none"), data, resume=ck,
                     on_event=events.append).run()
    assert second.stopped_because == "completed" and second.epochs_run == 20
    assert second.resumed_from == 10
    assert isinstance(events[0], RunStarted) and events[0].first_epoch == 11
    assert [e.epoch for e in events if isinstance(e, EpochFinished)] == list(range(11, 21))
    assert history(second) == history(straight)
    assert same_weights(second.model, straight.model)
    # the random state matters: dropout draws from the global generator
    ck.rng["torch"] = torch.manual_seed(12345).get_state()
    other = Trainer(mlp(), config(schedule="none"), data, resume=ck).run()
    assert not same_weights(other.model, straight.model)


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_onecycle_stopped_by_the_user_resumes_exactly(tmp_path: Path, optimizer: str) -> None:
    data = blobs()
    extra = {"momentum": 0.9} if optimizer == "sgd" else {}
    straight = Trainer(mlp(), config(optimizer=optimizer, **extra), data).run()
    control, on_event = stop_after(10)
    first = Trainer(mlp(), config(optimizer=optimizer, **extra), data, control=control,
                    on_event=on_event, checkpoint_dir=tmp_path).run()
    assert first.stopped_because == "stopped" and first.epochs_run == 10
    ck = load_checkpoint(tmp_path)
    assert (ck.epoch, ck.planned_epochs) == (10, 20)
    second = Trainer(mlp(seed=7), config(optimizer=optimizer, **extra), data,
                     resume=ck).run()
    assert history(second) == history(straight)
    assert same_weights(second.model, straight.model)
    assert "new" not in second.message  # the planned schedule simply went on


def test_augmentation_and_early_stopping_bookkeeping_resume_exactly(tmp_path: Path) -> None:
    data = tiny_images()
    kw = {"augment": {"hflip": True, "noise": 0.05}, "early_stopping": 50, "epochs": 12}
    straight = Trainer(image_net(), config(**kw), data).run()
    control, on_event = stop_after(5)
    Trainer(image_net(), config(**kw), data, control=control, on_event=on_event,
            checkpoint_dir=tmp_path).run()
    ck = load_checkpoint(tmp_path)
    assert ck.epoch == 5 and "augment" in ck.rng and ck.best_state is not None
    second = Trainer(image_net(), config(**kw), data, resume=ck).run()
    assert history(second) == history(straight)
    assert same_weights(second.model, straight.model)  # the best epoch's weights, kept
    assert second.best_epoch == straight.best_epoch


def test_checkpoint_every_n_epochs_and_always_the_last(tmp_path: Path, monkeypatch) -> None:
    import core.train.trainer as trainer_mod

    seen: list[int] = []
    real = trainer_mod.save_checkpoint

    def spy(folder, ck):
        seen.append(ck.epoch)
        return real(folder, ck)

    monkeypatch.setattr(trainer_mod, "save_checkpoint", spy)
    monkeypatch.setattr(trainer_mod, "CHECKPOINT_MIN_SECONDS", 0.0)
    Trainer(mlp(), config(epochs=7, checkpoint_every=3), blobs(),
            checkpoint_dir=tmp_path).run()
    assert seen == [3, 6, 7]
    off = Trainer(mlp(), config(epochs=2, checkpoint_every=0), blobs(),
                  checkpoint_dir=tmp_path / "off").run()
    assert off.checkpoint is None and not (tmp_path / "off").exists()
    # disk writes are throttled in time, but a run that ends writes its latest epoch
    seen.clear()
    monkeypatch.setattr(trainer_mod, "CHECKPOINT_MIN_SECONDS", 1e9)
    control, on_event = stop_after(4)
    Trainer(mlp(), config(epochs=10), blobs(), control=control, on_event=on_event,
            checkpoint_dir=tmp_path / "slow").run()
    assert seen == [1, 4] and load_checkpoint(tmp_path / "slow").epoch == 4


def test_extending_a_finished_onecycle_run_starts_a_new_cycle(tmp_path: Path) -> None:
    data = blobs()
    first = Trainer(mlp(), config(epochs=6), data).run()
    ck = first.checkpoint
    assert ck.epoch == 6 and ck.planned_epochs == 6
    second = Trainer(mlp(), config(epochs=10), data, resume=ck).run()
    assert second.stopped_because == "completed" and second.epochs_run == 10
    assert "new one-cycle schedule of 4 epochs" in second.message
    lrs = [row["lr"] for row in second.history.rows]
    assert lrs[:6] == [row["lr"] for row in first.history.rows]
    assert lrs[6] > lrs[5] and lrs[-1] < lrs[7]  # warmed up again, then annealed
    cosine = Trainer(mlp(), config(epochs=4, schedule="cosine"), data).run()
    longer = Trainer(mlp(), config(epochs=8, schedule="cosine"), data,
                     resume=cosine.checkpoint).run()
    assert longer.epochs_run == 8 and "new cosine schedule" in longer.message


def test_an_early_stopped_run_continues_with_a_fresh_patience() -> None:
    data = blobs()
    first = Trainer(mlp(), config(epochs=200, early_stopping=2, lr=0.05), data).run()
    assert first.stopped_because == "early_stopping"
    ck = first.checkpoint
    assert ck.epoch == first.epochs_run and ck.since_best >= 2
    second = Trainer(mlp(), config(epochs=ck.epoch + 3, early_stopping=2, lr=0.05), data,
                     resume=ck).run()
    assert second.epochs_run > ck.epoch and "patience restarted" in second.message


def test_resume_refuses_what_does_not_fit() -> None:
    data = blobs()
    ck = Trainer(mlp(), config(epochs=3), data).run().checkpoint
    cases = [
        (mlp(), config(epochs=3), data, "ask for more than 3 epochs"),
        (mlp(), config(epochs=5, lr=0.5), data, "other settings \\(lr\\)"),
        (nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2)), config(epochs=5), data,
         "do not fit this network"),
        (mlp(), config(epochs=5), blobs(n=200), "trained on 120 training"),
        (mlp(), config(epochs=5, batch_size=32), data, "other settings \\(batch_size\\)"),
    ]
    for model, cfg, d, message in cases:
        result = Trainer(model, cfg, d, resume=ck).run()
        assert result.stopped_because == "failed"
        assert re.search(message, result.message), result.message


def test_save_bundle_keeps_the_checkpoint_and_load_bundle_finds_it(tmp_path: Path) -> None:
    outcome = run_training("demo:xor", network="mlp", preset_options={"hidden": (8,)},
                           config=TrainConfig(epochs=2, device="cpu"), baselines=False)
    report = save_bundle(tmp_path / "run", outcome)
    assert any(f.startswith("checkpoint/checkpoint-e00002-") for f in report.files)
    assert "checkpoint/checkpoint.json" in report.files
    loaded = load_bundle(tmp_path / "run")
    assert loaded.checkpoint_dir == tmp_path / "run" / "checkpoint"
    ck = load_checkpoint(loaded.checkpoint_dir)
    assert ck.epoch == 2 and ck.record is not None
    assert ck.record.info["source"] == "demo:xor"
    indices = np.concatenate(list(ck.record.split.values()))
    assert sorted(indices.tolist()) == list(range(len(outcome.dataset)))
    outcome.result.checkpoint = None  # a later run without checkpoints into the same folder
    save_bundle(tmp_path / "run", outcome, overwrite=True)
    assert load_bundle(tmp_path / "run").checkpoint_dir is None


# -- the command line -------------------------------------------------------------------

def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


XOR = ("demo:xor", "--size", "100", "--model", "mlp", "--hidden", "8", "--dropout", "0.2",
       "--device", "cpu", "--no-baseline", "--schedule", "none")


def _tensors(run: Path) -> dict[str, torch.Tensor]:
    return load_file(str(run / "model.safetensors"))


def test_cli_resume_matches_a_straight_run(tmp_path: Path, capsys) -> None:
    code, _, err = _run(capsys, "train", *XOR, "--epochs", "3", "--out", str(tmp_path / "a"))
    assert code == 0, err
    code, out, err = _run(capsys, "train", "--resume", str(tmp_path / "a"), "--epochs", "6",
                          "--no-baseline", "--json")
    assert code == 0, err
    assert "resumed at epoch 3 of 6" in out and "epochs 4-6" in out
    result = json.loads(out.strip().splitlines()[-1])
    assert result["resumed_from"] == 3 and result["epochs_run"] == 6
    resumed = Path(result["out"])
    assert resumed == (tmp_path / "a-resumed").resolve()
    code, _, err = _run(capsys, "train", *XOR, "--epochs", "6", "--out", str(tmp_path / "b"))
    assert code == 0, err
    a, b = _tensors(resumed), _tensors(tmp_path / "b")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    ha = pd.read_csv(resumed / "history.csv").drop(columns="elapsed")
    hb = pd.read_csv(tmp_path / "b" / "history.csv").drop(columns="elapsed")
    pd.testing.assert_frame_equal(ha, hb)
    assert load_checkpoint(resumed / "checkpoint").epoch == 6
    # a second resume of the same run goes to a new folder, never over the first
    code, out, err = _run(capsys, "train", "--resume", str(tmp_path / "a"), "--epochs", "4",
                          "--no-baseline")
    assert code == 0, err
    assert (tmp_path / "a-resumed-2").is_dir()


def _csv(path: Path, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 80)
    frame = pd.DataFrame({"a": rng.normal(size=80) + y, "b": rng.normal(size=80), "y": y})
    frame.to_csv(path, index=False)
    return path


def test_cli_resume_bad_cases_are_one_line_errors(tmp_path: Path, capsys) -> None:
    data = _csv(tmp_path / "t.csv", 0)
    run = tmp_path / "run"
    base = ("train", str(data), "--target", "y", "--model", "mlp", "--hidden", "4",
            "--device", "cpu", "--no-baseline", "--epochs", "2")
    assert _run(capsys, *base, "--out", str(run))[0] == 0
    assert _run(capsys, *base, "--out", str(tmp_path / "off"), "--checkpoint-every", "0")[0] == 0

    def error(*argv: str) -> str:
        code, _, err = _run(capsys, "train", *argv)
        assert code == 1 and err.startswith("error: ") and err.count("\n") == 1, err
        return err

    assert "no checkpoint in" in error("--resume", str(tmp_path / "off"), "--epochs", "4")
    assert "2 epochs done" in error("--resume", str(run), "--epochs", "2")
    assert "needs --epochs" in error("--resume", str(run))
    assert "not both" in error(str(data), "--resume", str(run), "--epochs", "4")
    assert "give the DATA" in error("--epochs", "4")
    _csv(data, 1)  # the file changed since the run
    assert "data changed" in error("--resume", str(run), "--epochs", "4")
    code, out, err = _run(capsys, "train", "--resume", str(run), "--epochs", "3", "--force",
                          "--no-baseline", "--out", str(tmp_path / "forced"))
    assert code == 0, err
    assert "note: the data changed" in out
    net = json.loads((run / "network.json").read_text())
    net["layers"][0]["units"] = 5  # the run folder's network no longer fits the weights
    (run / "network.json").write_text(json.dumps(net))
    assert "not the network" in error("--resume", str(run), "--epochs", "4", "--force")
    data.unlink()
    assert "not there any more" in error("--resume", str(tmp_path / "forced"), "--epochs", "5")


def test_cli_resume_into_a_project_adds_a_run(tmp_path: Path, capsys) -> None:
    from core.project.runs import list_runs

    study = tmp_path / "study"
    code, _, err = _run(capsys, "train", *XOR, "--epochs", "2", "--project", str(study))
    assert code == 0, err
    project = tmp_path / "study.mendel"
    first = list_runs(project)[0]
    code, out, err = _run(capsys, "train", "--resume", str(first.path), "--epochs", "4",
                          "--no-baseline", "--project", str(study))
    assert code == 0, err
    runs = list_runs(project)
    assert len(runs) == 2 and runs[1].epochs_run == 4 and not runs[1].problem
    code, _, err = _run(capsys, "train", "--resume", str(first.path), "--epochs", "4",
                        "--project", str(tmp_path / "nowhere"))
    assert code == 1 and "no project there" in err and err.count("\n") == 1
