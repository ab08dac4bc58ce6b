"""The exported training script: standalone, lint-clean, and it repeats the run.

One small run (demo:xor, an MLP with dropout, 6 epochs) is exported once; the script runs
once in one process and once under ``torchrun --nproc_per_node=2`` (gloo on the CPU).
Tolerances: one process must give the run's final validation loss within 1 % (on the
CPU it is bit-identical); two processes see other batches (a DistributedSampler), so
their final validation loss must be within 25 % of one process's (relative) and their
validation accuracy within 0.1.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest
import torch

from core.errors import ExportError
from core.export import script_model
from core.export.bundle import load_bundle, save_bundle
from core.export.folder import write_manifest
from core.export.script import export_script
from core.nn.build import build_model
from core.nn.spec import NetworkSpec
from core.train.config import TrainConfig
from core.train.run import run_training

VENV_BIN = Path(sys.executable).parent
SPEC = {"layers": [{"kind": "Dense", "units": 16}, {"kind": "Dropout", "rate": 0.2},
                   {"kind": "Dense", "units": 8, "activation": "tanh"}]}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A run folder, its exported script and the demo's data written beside it."""
    root = tmp_path_factory.mktemp("export_script")
    config = TrainConfig(epochs=6, device="cpu", seed=3, batch_size=32)
    outcome = run_training("demo:xor", network=NetworkSpec.from_dict(SPEC), config=config,
                           baselines=False)
    save_bundle(root / "run", outcome)
    report = export_script(root / "run", root / "train.py")
    assert report.data == root / "train_data.csv"
    return {"root": root, "run": root / "run", "script": report.script, "data": report.data}


def _history(folder: Path) -> list[dict[str, float]]:
    with open(folder / "history.csv", encoding="utf-8") as fh:
        return [{k: float(v) for k, v in row.items() if v} for row in csv.DictReader(fh)]


def _run(cmd: list[str], cwd: Path) -> str:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": ""}
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def one_process(exported: dict[str, Path]) -> Path:
    out = exported["root"] / "one"
    _run([sys.executable, str(exported["script"]), str(exported["data"]), "--out", str(out),
          "--device", "cpu"], exported["root"])
    return out


def test_script_passes_ruff(exported: dict[str, Path]) -> None:
    # the project's rule set, without its config (the script lives outside the project)
    done = subprocess.run(
        [str(VENV_BIN / "ruff"), "check", "--isolated", "--select", "E,F,W,I,UP,B",
         "--line-length", "100", "--target-version", "py310", str(exported["script"])],
        capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def test_script_imports_no_mendel(exported: dict[str, Path]) -> None:
    text = exported["script"].read_text(encoding="utf-8")
    assert "import core" not in text and "from core" not in text
    assert "from app" not in text and "import app" not in text


def test_one_process_reproduces_the_runs_validation_loss(exported: dict[str, Path],
                                                         one_process: Path) -> None:
    run, script = _history(exported["run"]), _history(one_process)
    assert len(script) == len(run) == 6
    final_run, final_script = run[-1]["val_loss"], script[-1]["val_loss"]
    assert abs(final_script - final_run) <= 0.01 * final_run
    for a, b in zip(run, script, strict=True):  # every epoch, not only the last
        assert b["train_loss"] == pytest.approx(a["train_loss"], rel=1e-4)


def test_the_weights_load_into_mendel_and_predict(exported: dict[str, Path],
                                                  one_process: Path, capsys) -> None:
    from app.cli import main

    bundle = load_bundle(one_process)  # the manifest, schemas and weights are checked
    ds = bundle.load_data("demo:xor")
    assert len(bundle.predictions_table(ds)) == len(ds)
    assert main(["predict", str(one_process), "demo:xor"]) == 0
    assert capsys.readouterr().out.startswith("id,prediction")
    metrics = json.loads((one_process / "metrics.json").read_text())
    assert metrics["epochs_run"] == 6 and metrics["val"]["n"] == bundle.metrics["val"]["n"]


def test_an_altered_output_folder_is_refused(one_process: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(one_process, copy)
    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1
    weights.write_bytes(bytes(data))
    with pytest.raises(ExportError, match="altered"):
        load_bundle(copy)


def _load_script(path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("exported_train", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_runs_weights_load_into_the_scripts_network(exported: dict[str, Path]) -> None:
    from safetensors.torch import load_file

    module = _load_script(exported["script"])
    net = module.build_network()
    net.load_state_dict(load_file(str(exported["run"] / "model.safetensors")), strict=True)
    mendel = load_bundle(exported["run"]).model
    x = torch.randn(5, 2)
    assert torch.equal(net.eval()(x), mendel(x))


EVERY_KIND = [
    ({"layers": [
        {"kind": "Conv1D", "filters": 5, "kernel": 4, "padding": "same"},
        {"kind": "MaxPool1D", "pool": 2}, {"kind": "BatchNorm"}, {"kind": "LayerNorm"},
        {"kind": "Residual", "layers": [{"kind": "Conv1D", "filters": 7, "kernel": 3,
                                         "padding": "same", "dilation": 2}]},
        {"kind": "AvgPool1D", "pool": 2}, {"kind": "Upsample1D", "mode": "linear"},
        {"kind": "ConvTranspose1D", "filters": 4},
        {"kind": "LSTM", "hidden": 6, "bidirectional": True},
        {"kind": "LeakyReLU", "slope": 0.2}, {"kind": "Dropout", "rate": 0.1},
        {"kind": "Dense", "units": 4, "activation": "softmax"}]}, (20, 4), 3),
    ({"layers": [{"kind": "GRU", "hidden": 6, "return": "sequence", "num_layers": 2},
                 {"kind": "GlobalMaxPool"}, {"kind": "ELU"}, {"kind": "SiLU"},
                 {"kind": "Sigmoid"}, {"kind": "Identity"}]}, (10, 4), 1),
    ({"layers": [{"kind": "Embedding", "vocab": 5, "dim": 8},
                 {"kind": "PositionalEncoding"},
                 {"kind": "PositionalEncoding", "mode": "learned"},
                 {"kind": "MultiHeadAttention", "heads": 2},
                 {"kind": "TransformerBlock", "heads": 2, "ff": 16},
                 {"kind": "GlobalAvgPool"}]}, (12,), 2),
    ({"layers": [
        {"kind": "Conv2D", "filters": 4, "kernel": 3, "padding": "same", "stride": 2},
        {"kind": "BatchNorm"}, {"kind": "LayerNorm"}, {"kind": "MaxPool2D", "pool": 1},
        {"kind": "AvgPool2D", "pool": 2}, {"kind": "Upsample2D", "mode": "linear"},
        {"kind": "ConvTranspose2D", "filters": 3}, {"kind": "Upsample2D"},
        {"kind": "Residual", "layers": [{"kind": "Conv2D", "filters": 6, "kernel": 1}]},
        {"kind": "Softmax"}, {"kind": "GELU"}, {"kind": "GlobalAvgPool"},
        {"kind": "Reshape", "shape": "-1,3"}, {"kind": "ReLU"}, {"kind": "Tanh"},
        {"kind": "Flatten"},
        {"kind": "Residual", "layers": [{"kind": "Dense", "units": 5}]}]}, (1, 9, 9), 4),
]


@pytest.mark.parametrize(("spec", "shape", "n_out"), EVERY_KIND)
def test_every_layer_kind_is_mendels_module(spec: dict, shape: tuple, n_out: int) -> None:
    """Same state_dict keys, same seeded initial weights, same outputs as core.nn.build."""
    from core.nn.layers import LAYER_KINDS

    net_spec = NetworkSpec.from_dict(spec)
    code = script_model.model_code(net_spec, shape, n_out)
    module = types.ModuleType("generated")
    exec(compile("from __future__ import annotations\nimport math\nimport torch\n"
                 "from torch import nn\n\n" + code.helpers + "\n\n" + code.function,
                 "generated", "exec"), module.__dict__)
    torch.manual_seed(7)
    mendel = build_model(net_spec, shape, n_out).eval()
    torch.manual_seed(7)
    ours = module.build_network().eval()
    a, b = mendel.state_dict(), ours.state_dict()
    assert list(a) == list(b)
    assert all(torch.equal(a[k], b[k]) for k in a)
    x = torch.rand(3, *shape) * (4 if shape == (12,) else 1)
    assert torch.equal(mendel(x), ours(x))
    assert set(LAYER_KINDS) - {"Residual"} <= set(script_model.EXPORTERS)


def test_a_layer_that_cannot_be_exported_is_named_in_one_line(monkeypatch) -> None:
    monkeypatch.delitem(script_model.EXPORTERS, "LSTM")
    spec = NetworkSpec.from_dict({"layers": [{"kind": "Dense", "units": 4},
                                             {"kind": "Reshape", "shape": "2,2"},
                                             {"kind": "LSTM", "hidden": 3}]})
    with pytest.raises(ExportError) as err:
        script_model.model_code(spec, (3,), 2)
    assert "\n" not in str(err.value) and "layer 3 (LSTM)" in str(err.value)


def test_a_run_the_script_cannot_repeat_is_refused(exported: dict[str, Path],
                                                   tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(exported["run"], run)
    config = json.loads((run / "train_config.json").read_text())
    config["augment"] = {"noise": 0.1}
    (run / "train_config.json").write_text(json.dumps(config))
    write_manifest(run)
    with pytest.raises(ExportError, match="augmentation") as err:
        export_script(run, tmp_path / "t.py")
    assert "\n" not in str(err.value) and not (tmp_path / "t.py").exists()


def test_a_folder_or_a_non_python_name_is_refused(exported: dict[str, Path],
                                                  tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="folder"):
        export_script(exported["run"], tmp_path)
    with pytest.raises(ExportError, match=r"\.py"):
        export_script(exported["run"], tmp_path / "train.txt")


def test_two_processes_under_torchrun_learn_close_to_one(exported: dict[str, Path],
                                                         one_process: Path) -> None:
    out = exported["root"] / "two"
    stdout = _run([str(VENV_BIN / "torchrun"), "--standalone", "--nproc_per_node=2",
                   str(exported["script"]), str(exported["data"]), "--out", str(out),
                   "--device", "cpu"], exported["root"])
    assert "x 2 process(es)" in stdout
    two, one = _history(out), _history(one_process)
    assert two[-1]["train_loss"] < two[0]["train_loss"]  # the loss falls
    assert two[-1]["val_loss"] == pytest.approx(one[-1]["val_loss"], rel=0.25)
    assert abs(two[-1]["val_accuracy"] - one[-1]["val_accuracy"]) <= 0.1
    assert load_bundle(out).model is not None  # process 0 wrote a whole run folder


def test_the_command_line_writes_the_script_or_says_why_not(exported: dict[str, Path],
                                                            tmp_path: Path, capsys) -> None:
    from app.cli import main

    out = tmp_path / "again.py"
    assert main(["export-script", str(exported["run"]), "--out", str(out)]) == 0
    assert "python again.py again_data.csv" in capsys.readouterr().out
    assert out.read_text(encoding="utf-8").count("def build_network()") == 1
    assert main(["export-script", str(tmp_path / "nowhere"), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_sequence_encodings_are_mendels(tmp_path: Path) -> None:
    """One-hot, integer codes and k-mer profiles (both strands, counts or frequencies) of
    messy sequences (lower case, U, N, R, Y, short ones), and the reverse complements added
    to the training rows, equal core.data.encoding's."""
    import numpy as np

    from core.data.alphabet import IUPAC_NUCLEOTIDES, NUCLEOTIDES, clean_sequences
    from core.data.encoding import SequencePreprocessing, integer_codes, kmer_profile, one_hot
    from core.export.script import script_text
    from core.export.script_source import RunSource

    net = {**SPEC, "format": "mendel-network/1", "input_shape": [17, 4], "n_outputs": 2,
           "task": "classification", "class_names": ["a", "b"], "modality": "sequence"}
    pre = {"kind": "sequence", "alphabet": "DNA", "encoding": "onehot", "k": 3,
           "normalize": True, "both_strands": False, "length": 17, "rc_augment": True}
    src = RunSource(run_dir=tmp_path, network=net, preprocessing={"preprocessing": pre},
                    config=TrainConfig().to_dict(), split={"train": [0], "val": [], "test": []},
                    n_samples=1, loader="sequence_table", source="seqs.csv",
                    constants={"TARGET_COLUMN": "label", "SEQUENCE_COLUMN": "sequence",
                               "LETTERS": NUCLEOTIDES, "SPREAD": dict(IUPAC_NUCLEOTIDES)})
    (tmp_path / "gen.py").write_text(script_text(src), encoding="utf-8")
    module = _load_script(tmp_path / "gen.py")
    rng = np.random.default_rng(0)
    raw = ["".join(rng.choice(list("ACGTUNRYacgtn"), size=int(rng.integers(1, 30))))
           for _ in range(100)]
    seqs, _ = clean_sequences(raw, [str(i) for i in range(len(raw))])
    options = module.PREPROCESSING["preprocessing"]
    y = np.arange(len(raw))

    def same_augmented(X: np.ndarray) -> bool:  # reverse complements added to training rows
        mendel = SequencePreprocessing("DNA", options["encoding"], options["k"],
                                       options["normalize"], options["both_strands"], 17,
                                       rc_augment=True).augment(X, y)
        ours = module.add_reverse_complements(X, y)
        return all(np.array_equal(a, b) for a, b in zip(mendel, ours, strict=True))

    for encoding, mendel in (("onehot", one_hot), ("integer", integer_codes)):
        options["encoding"] = encoding
        assert np.array_equal(module.encode_sequences(raw), mendel(seqs, "DNA", 17))
        assert same_augmented(mendel(seqs, "DNA", 17))
    for k, strands, normalize in ((1, False, True), (3, True, False), (4, False, True)):
        options.update(encoding="kmer", k=k, both_strands=strands, normalize=normalize)
        X = kmer_profile(seqs, k, "DNA", normalize, strands, sparse=False)
        assert np.array_equal(module.encode_sequences(raw), X)
        assert same_augmented(X)
