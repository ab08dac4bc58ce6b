"""``mendel train``, ``predict`` and ``evaluate`` driven through the real CLI entry point."""

from __future__ import annotations

import argparse
import io
import json
from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from app.cli import main
from app.commands.train import (
    ProgressPrinter,
    add_config_arguments,
    config_from_args,
    split_options_from_args,
)
from core.data.dataset import Split
from core.data.load import load_dataset
from core.data.splits import make_split
from core.export.bundle import load_bundle
from core.train.config import TrainConfig, config_help
from core.train.events import EpochFinished, RunFinished, RunStarted

RESULT_KEYS = {"train", "val", "test", "baseline", "epochs_run", "best_epoch",
               "stopped_because", "train_seconds", "device", "out", "n_params"}


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def _fasta(path: Path, n: int, labelled: bool, seed: int) -> Path:
    """DNA 30-mers; the 'motif' class carries TATAAT somewhere."""
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(n):
        seq = "".join(rng.choice(list("ACGT"), 30))
        label = "motif" if i % 2 else "plain"
        if label == "motif":
            at = int(rng.integers(0, 24))
            seq = seq[:at] + "TATAAT" + seq[at + 6:]
        lines += [f">s{i}|{label}" if labelled else f">s{i}", seq]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_train_json_on_xor_has_every_key(capsys):
    code, out, err = _run(capsys, "train", "demo:xor", "--size", "100", "--model", "mlp",
                          "--hidden", "8", "--epochs", "2", "--device", "cpu", "--json")
    assert code == 0, err
    result = _last_json(out)
    assert RESULT_KEYS <= set(result)
    assert result["out"] is None and result["epochs_run"] == 2
    assert {"accuracy", "f1_macro", "roc_auc", "n"} <= set(result["test"])
    assert list(result["baseline"]) == ["logistic_regression", "decision_tree", "naive_bayes",
                                        "random_forest", "knn", "majority"]
    assert "accuracy" in result["baseline"]["decision_tree"]
    assert result["coefficients"] is None  # an MLP has no equation to read
    assert out.startswith("data: xor: 100 tabular samples")
    assert "Total params" in out and "epoch 2" in out  # summary and one line per epoch
    assert "k-nearest neighbours (test)" in out  # the results table names them


def test_train_baselines_flag_chooses_them(capsys):
    code, out, err = _run(capsys, "train", "demo:xor", "--size", "100", "--model", "mlp",
                          "--hidden", "4", "--epochs", "1", "--device", "cpu", "--json",
                          "--baselines", "naive_bayes,KNN")
    assert code == 0, err
    assert list(_last_json(out)["baseline"]) == ["naive_bayes", "knn"]
    code, out, err = _run(capsys, "train", "demo:xor", "--epochs", "1", "--baselines", "svm")
    assert code == 1 and err.strip().startswith("error: unknown baseline 'svm'; choose from ")
    assert "epoch" not in out  # refused before training
    code, out, err = _run(capsys, "train", "demo:xor", "--epochs", "1", "--baselines", "knn",
                          "--no-baseline")
    assert code == 1 and "not both" in err


def test_fasta_cnn1d_train_predict_evaluate_round_trip(tmp_path, capsys):
    train = _fasta(tmp_path / "train.fa", 80, labelled=True, seed=0)
    run = tmp_path / "run"
    code, out, err = _run(capsys, "train", str(train), "--model", "cnn1d", "--epochs", "3",
                          "--batch-size", "16", "--device", "cpu", "--out", str(run),
                          "--json")
    assert code == 0, err
    result = _last_json(out)
    assert result["out"] == str(run) and result["onnx_max_abs_diff"] <= 1e-4
    assert (run / "model.safetensors").exists() and (run / "MODEL_CARD.md").exists()

    new = _fasta(tmp_path / "new.fa", 10, labelled=False, seed=1)
    csv = tmp_path / "pred.csv"
    code, out, err = _run(capsys, "predict", str(run), str(new), "--out", str(csv))
    assert code == 0, err
    table = pd.read_csv(csv)
    assert list(table.columns) == ["id", "prediction", "p_motif", "p_plain"]
    assert table["id"].tolist() == [f"s{i}" for i in range(10)]
    bundle = load_bundle(run)
    expected = bundle.predictions_table(bundle.load_data(str(new)))
    np.testing.assert_allclose(table[["p_motif", "p_plain"]].to_numpy(),
                               expected[["p_motif", "p_plain"]].to_numpy(), atol=1e-6)
    assert table["prediction"].tolist() == expected["prediction"].tolist()

    test = _fasta(tmp_path / "test.fa", 20, labelled=True, seed=2)
    code, out, err = _run(capsys, "evaluate", str(run), str(test), "--json")
    assert code == 0, err
    report = _last_json(out)
    assert report["metrics"]["n"] == 20 and 0 <= report["metrics"]["accuracy"] <= 1
    assert report["training_test"]["n"] == result["test"]["n"]


def test_csv_model_predicts_a_table_without_the_target_column(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(60)], "a": x[:, 0], "b": x[:, 1],
                          "c": x[:, 2], "label": np.where(x[:, 0] > 0, "high", "low")})
    frame.to_csv(tmp_path / "train.csv", index=False)
    run = tmp_path / "run"
    code, out, err = _run(capsys, "train", str(tmp_path / "train.csv"), "--target", "label",
                          "--model", "mlp", "--epochs", "2", "--device", "cpu",
                          "--out", str(run))
    assert code == 0, err
    frame.drop(columns=["label"]).head(5).to_csv(tmp_path / "new.csv", index=False)
    code, out, err = _run(capsys, "predict", str(run), str(tmp_path / "new.csv"))
    assert code == 0, err
    table = pd.read_csv(pd.io.common.StringIO(out))
    assert table["id"].tolist() == ["r0", "r1", "r2", "r3", "r4"]
    assert set(table["prediction"]) <= {"high", "low"}
    np.testing.assert_allclose(table["p_high"] + table["p_low"], 1, atol=1e-5)

    code, out, err = _run(capsys, "evaluate", str(run), str(tmp_path / "new.csv"))
    assert code == 1 and err.startswith("error: ") and "label" in err

    low = frame[frame["label"] == "low"]  # one class only: mapped onto the model's order
    low.to_csv(tmp_path / "low.csv", index=False)
    code, out, err = _run(capsys, "evaluate", str(run), str(tmp_path / "low.csv"), "--json")
    assert code == 0, err
    code, pred_out, err = _run(capsys, "predict", str(run), str(tmp_path / "low.csv"))
    predicted = pd.read_csv(pd.io.common.StringIO(pred_out))["prediction"]
    assert _last_json(out)["metrics"]["accuracy"] == pytest.approx((predicted == "low").mean())

    low.assign(label="medium").to_csv(tmp_path / "medium.csv", index=False)
    code, out, err = _run(capsys, "evaluate", str(run), str(tmp_path / "medium.csv"))
    assert code == 1 and "class 'medium' was not among the model's classes" in err


def test_image_folder_model_predicts_a_flat_folder(tmp_path, capsys):
    rng = np.random.default_rng(0)
    for cls, level in (("dark", 40), ("light", 210)):
        (tmp_path / "train" / cls).mkdir(parents=True)
        for i in range(8):
            pixels = np.clip(rng.normal(level, 20, (10, 10)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(tmp_path / "train" / cls / f"{i}.png")
    (tmp_path / "new").mkdir()
    Image.fromarray(np.full((20, 20), 230, np.uint8)).save(tmp_path / "new" / "big.png")
    run = tmp_path / "run"
    code, out, err = _run(capsys, "train", str(tmp_path / "train"), "--model", "cnn2d",
                          "--epochs", "2", "--device", "cpu", "--out", str(run))
    assert code == 0, err
    code, out, err = _run(capsys, "predict", str(run), str(tmp_path / "new"))
    assert code == 0, err
    table = pd.read_csv(pd.io.common.StringIO(out))
    assert table["id"].tolist() == ["big.png"]  # resized to the training size, 10x10
    assert list(table.columns) == ["id", "prediction", "p_dark", "p_light"]


def test_a_spec_that_does_not_fit_is_one_line_on_stderr(tmp_path, capsys):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"layers": [
        {"kind": "Dense", "units": 8}, {"kind": "Dense", "units": 8},
        {"kind": "Conv1D", "filters": 4, "kernel": 3}]}))
    code, out, err = _run(capsys, "train", "demo:iris", "--model", str(spec), "--epochs", "1")
    assert code == 1
    assert err.startswith("error: layer 3 Conv1D: ")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_diverging_run_exits_1_with_the_reason(capsys):
    code, out, err = _run(capsys, "train", "demo:line", "--size", "40", "--model", "linear",
                          "--optimizer", "sgd", "--lr", "1e12", "--epochs", "3",
                          "--device", "cpu", "--no-baseline")
    assert code == 1
    assert err.startswith("error: ") and err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--model", "nope"], "unknown preset 'nope'"),
        (["--model", "linear", "--dropout", "0.5"], "preset 'linear' has no option 'dropout'"),
        (["--nesterov"], "Nesterov needs the SGD optimizer"),
    ],
)
def test_bad_options_are_user_errors(capsys, argv, message):
    code, out, err = _run(capsys, "train", "demo:iris", "--epochs", "1", *argv)
    assert code == 1 and message in err and err.count("\n") == 1


def test_predict_refuses_a_pickle(tmp_path, capsys):
    (tmp_path / "model.pt").write_bytes(b"\x80\x04\x95" + b"\x00" * 16)
    code, out, err = _run(capsys, "predict", str(tmp_path / "model.pt"), "demo:iris")
    assert code == 1 and "Mendel never loads pickles" in err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_one_updating_line_on_a_terminal_and_one_line_per_epoch_otherwise():
    events = [RunStarted("cpu", 10, 8, 2, 3, 1)] + [
        EpochFinished(e, 1.0 / e, 1.2 / e, {}, {"accuracy": 0.5}, 0.01, e * 0.1, 0.0)
        for e in (1, 2, 3)
    ] + [RunFinished(3, 3, "completed", "", 0.3)]
    for stream, epoch_lines in ((io.StringIO(), 3), (_Terminal(), 1)):
        printer = ProgressPrinter(stream, "classification")
        for ev in events:
            printer(ev)
        printer.close()
        lines = stream.getvalue().split("\n")
        assert sum("epoch 1 " in line for line in lines) == 1
        assert sum("epoch" in line and "loss" in line for line in lines) == epoch_lines
        assert "val_accuracy 0.5" in stream.getvalue()
        assert lines[-2].startswith("finished: completed after 3 epochs")
    assert stream.getvalue().count("\r") == 3


def _train_flags_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_config_arguments(parser.add_argument_group("training"))
    return parser


def test_every_config_field_has_a_flag_with_its_help() -> None:
    options = _train_flags_parser()._option_string_actions
    for f in fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        if f.name == "extra":
            assert flag not in options
            continue
        assert flag in options, flag
        assert options[flag].dest == f.name
        assert config_help(f.name) and options[flag].help.startswith(config_help(f.name))
    assert "--no-restore-best" in options and "--no-deterministic" in options


def test_each_flag_parses_into_the_train_config() -> None:
    argv = ["--epochs", "7", "--batch-size", "16", "--optimizer", "sgd", "--lr", "0.05",
            "--momentum", "0.9", "--nesterov", "--weight-decay", "0.01", "--betas", "0.8",
            "0.95", "--loss", "huber", "--huber-delta", "2.5", "--class-weights", "balanced",
            "--reconstruct-noise", "0.2",
            "--schedule", "plateau", "--step-size", "3", "--gamma", "0.25",
            "--plateau-patience", "2", "--l1", "0.001", "--l2", "0.002", "--grad-clip", "1.5",
            "--early-stopping", "4", "--min-delta", "0.01", "--no-restore-best", "--seed", "11",
            "--no-deterministic",
            "--device", "cpu", "--amp", "--batch-event-hz", "5", "--checkpoint-every", "3",
            "--augment", "hflip,noise=0.1"]
    config = config_from_args(_train_flags_parser().parse_args(argv))
    expected = TrainConfig(
        epochs=7, batch_size=16, optimizer="sgd", lr=0.05, momentum=0.9, nesterov=True,
        weight_decay=0.01, betas=(0.8, 0.95), loss="huber", huber_delta=2.5,
        reconstruct_noise=0.2, class_weights="balanced", schedule="plateau", step_size=3,
        gamma=0.25,
        plateau_patience=2, l1=0.001, l2=0.002, grad_clip=1.5, early_stopping=4,
        min_delta=0.01, restore_best=False, seed=11, deterministic=False, device="cpu",
        amp=True, batch_event_hz=5.0,
        checkpoint_every=3, augment={"hflip": True, "noise": 0.1})
    assert config == expected
    changed = {f.name for f in fields(TrainConfig) if getattr(config, f.name)
               != getattr(TrainConfig(), f.name)}
    assert changed == {f.name for f in fields(TrainConfig)} - {"extra"}  # each one reached
    config.validate()


def test_no_flags_give_the_default_config_and_off_words_give_none() -> None:
    parser = _train_flags_parser()
    assert config_from_args(parser.parse_args([])) == TrainConfig()
    for words in (["full", "off", "none"], ["none", "OFF", "off"]):
        args = parser.parse_args(["--batch-size", words[0], "--grad-clip", words[1],
                                  "--early-stopping", words[2]])
        config = config_from_args(args)
        assert (config.batch_size, config.grad_clip, config.early_stopping) == (None, None, None)


def test_the_flags_the_readme_shows_still_parse(capsys) -> None:
    code = main(["train", "demo:iris", "--optimizer", "sgd", "--lr", "0.1", "--momentum", "0.9",
                 "--nesterov", "--weight-decay", "0.01", "--loss", "cross_entropy",
                 "--class-weights", "balanced", "--schedule", "cosine", "--l1", "0", "--l2",
                 "0.001", "--grad-clip", "1", "--early-stopping", "5", "--batch-size", "full",
                 "--epochs", "1", "--seed", "1", "--device", "cpu", "--val-fraction", "0.2",
                 "--test-fraction", "0.2", "--no-baseline"])
    assert code == 0, capsys.readouterr().err


def _split_of(*flags: str) -> Split:
    from app.cli import build_parser

    options = split_options_from_args(build_parser().parse_args(["train", "demo:iris", *flags]))
    return make_split(load_dataset("demo:iris"), options.val_fraction, options.test_fraction,
                      options.seed)


def test_split_seed_sets_the_split_alone_and_seed_sets_both_by_default() -> None:
    split = _split_of("--seed", "1", "--split-seed", "7")
    assert split.seed == 7
    for same in (_split_of("--seed", "1", "--split-seed", "7"),  # reproducible
                 _split_of("--seed", "2", "--split-seed", "7"),  # the training seed is apart
                 _split_of("--seed", "7")):  # without --split-seed, --seed splits too
        for side in ("train", "val", "test"):
            np.testing.assert_array_equal(getattr(same, side), getattr(split, side))
    assert not np.array_equal(_split_of("--seed", "1").test, split.test)


def test_metrics_and_card_record_the_split_seed_and_the_training_seed(tmp_path, capsys):
    run = tmp_path / "run"
    code, out, err = _run(capsys, "train", "demo:iris", "--model", "linear", "--epochs", "1",
                          "--device", "cpu", "--seed", "1", "--split-seed", "7",
                          "--out", str(run), "--json")
    assert code == 0, err
    metrics = json.loads((run / "metrics.json").read_text())
    assert (metrics["split_seed"], metrics["training_seed"]) == (7, 1)
    assert (_last_json(out)["split_seed"], _last_json(out)["training_seed"]) == (7, 1)
    assert json.loads((run / "train_config.json").read_text())["seed"] == 1
    card = (run / "MODEL_CARD.md").read_text()
    assert "- Seed: 1 (initial weights, batch order, dropout and the baselines)" in card
    assert "- Split seed: 7 (which samples are training, validation and test)" in card
    assert "Split (seed 7)" in card and "split, initialization and batch order" not in card
    sizes = metrics["split_sizes"]
    expected = _split_of("--seed", "1", "--split-seed", "7")
    assert (sizes["train"], sizes["val"], sizes["test"]) == (
        len(expected.train), len(expected.val), len(expected.test))


@pytest.mark.parametrize("where", ["file", "under-a-file", "proc"])
def test_an_out_that_cannot_be_written_fails_before_training(tmp_path, capsys,
                                                             where: str) -> None:  # noqa: ANN001
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    out = {"file": a_file, "under-a-file": a_file / "run", "proc": Path("/proc/mendel-run")}[where]
    if where == "proc" and not Path("/proc").is_dir():
        pytest.skip("no /proc here")
    code = main(["train", "demo:xor", "--size", "60", "--epochs", "2", "--model", "mlp",
                 "--no-baseline", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 1 and captured.err.startswith("error: ") and captured.err.count("\n") == 1
    assert "epoch 1" not in captured.out  # refused before any training
    assert a_file.read_text() == "mine"
