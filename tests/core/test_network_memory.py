"""The network's memory estimate (``core.nn.memory``): hostile networks refused in well
under a second without allocating, and estimates within 2x of the peak memory measured
while training (a fresh child process per configuration: its resident memory before the
network is built, and its peak after a few real training steps)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from core.budget import set_memory_budget
from core.errors import SpecError
from core.nn.memory import (
    TRAINING_RUNTIME,
    check_network_memory,
    network_memory,
    summary_memory,
)
from core.nn.shapes import infer
from core.nn.spec import MAX_DEPTH, MAX_LAYERS, LayerSpec, NetworkSpec

ROOT = Path(__file__).resolve().parents[2]


def dense(units: int, activation: str = "relu") -> dict[str, Any]:
    return {"kind": "Dense", "units": units, "activation": activation}


@pytest.fixture(autouse=True)
def budget_of_4g() -> Any:
    set_memory_budget("4G")
    yield
    set_memory_budget(None)


def _refused_fast(spec: NetworkSpec, shape: tuple[int, ...], outputs: int) -> str:
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(SpecError) as err:
        check_network_memory(spec, shape, outputs, batch_size=32)
    assert time.perf_counter() - start < 0.5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KB
    message = str(err.value)
    assert "\n" not in message and "memory budget of 4.0 GB" in message
    return message


def test_three_dense_layers_of_65536_units_are_refused_before_building() -> None:
    spec = NetworkSpec.from_dict({"layers": [dense(65536)] * 3})
    message = _refused_fast(spec, (100,), 2)
    assert "8,596,815,874 weights" in message and "GB" in message


def test_an_input_of_ten_billion_values_is_refused() -> None:
    spec = NetworkSpec.from_dict({"layers": [dense(64)]})
    assert "TB" in _refused_fast(spec, (10**10,), 2)


def test_a_billion_outputs_are_refused() -> None:
    spec = NetworkSpec.from_dict({"layers": [dense(64)]})
    assert "65,000,006,464 weights" in _refused_fast(spec, (100,), 10**9)


def test_a_million_layers_are_refused_without_walking_them() -> None:
    layers = [{"kind": "ReLU"}] * 10**6
    start = time.perf_counter()
    with pytest.raises(SpecError, match=f"more than {MAX_LAYERS:,} layers"):
        NetworkSpec.from_dict({"layers": layers})
    summary = infer(NetworkSpec(layers=[LayerSpec("ReLU")] * 10**6), (10,), 2)
    assert summary.errors and "1,000 layers" in summary.errors[0]
    assert time.perf_counter() - start < 1.0


def test_deeply_nested_residual_blocks_are_refused_without_recursion() -> None:
    deep: dict[str, Any] = {"kind": "ReLU"}
    for _ in range(5000):
        deep = {"kind": "Residual", "layers": [deep]}
    with pytest.raises(SpecError, match=f"nested more than {MAX_DEPTH} deep"):
        NetworkSpec.from_dict({"layers": [deep]})
    text = '{"layers": [' + '{"kind": "Residual", "layers": [' * 100_000
    with pytest.raises(SpecError, match="nested too deeply"):
        NetworkSpec.from_json(text + "]}" * 100_000 + "]}")


def test_a_network_file_of_many_megabytes_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "net.json"
    path.write_text(json.dumps({"layers": [{"kind": "ReLU"}] * 500_000}))
    with pytest.raises(SpecError, match="far more than a network file holds"):
        NetworkSpec.load(path)


def test_fifty_nested_blocks_and_a_thousand_layers_still_work() -> None:
    inner: dict[str, Any] = dense(8)
    for _ in range(MAX_DEPTH):
        inner = {"kind": "Residual", "layers": [inner]}
    assert infer(NetworkSpec.from_dict({"layers": [inner]}), (8,), 2).ok
    with pytest.raises(SpecError, match="nested more than"):
        NetworkSpec.from_dict({"layers": [{"kind": "Residual", "layers": [inner]}]})
    assert infer(NetworkSpec.from_dict({"layers": [dense(4)] * MAX_LAYERS}), (4,), 2).ok


def test_the_estimate_counts_optimizer_buffers_and_batches() -> None:
    spec = NetworkSpec.from_dict({"layers": [dense(256)]})
    sgd = network_memory(spec, (100,), 3, 32, "sgd")
    adam = network_memory(spec, (100,), 3, 32, "adam")
    params = 100 * 256 + 256 + 256 * 3 + 3
    assert adam - sgd == 8 * params  # Adam's two moments, 4 bytes each
    assert network_memory(spec, (100,), 3, 64) > adam > TRAINING_RUNTIME
    summary = infer(spec, (100,), 3)
    assert summary.memory_per_batch(32) == summary_memory(summary, 32) == adam


def test_loading_a_network_is_priced_without_training_buffers() -> None:
    spec = NetworkSpec.from_dict({"layers": [dense(4096), dense(4096)]})
    load = network_memory(spec, (100,), 2, 256, training=False)
    assert load < network_memory(spec, (100,), 2, 256)
    weights = infer(spec, (100,), 2).total_params * 4
    assert 2 * weights < load < 3 * weights
    with pytest.raises(SpecError, match="to load and predict needs about"):
        check_network_memory(NetworkSpec.from_dict({"layers": [dense(65536)] * 2}), (100,), 2,
                             training=False, path="run/network.json")


# --- estimates against measured peak memory -----------------------------------------------

MLP = [dense(2048), dense(2048)]
CNN1D = [{"kind": "Conv1D", "filters": 64, "kernel": 9, "activation": "relu"},
         {"kind": "MaxPool1D", "pool": 3}, {"kind": "Dropout", "rate": 0.2},
         {"kind": "Conv1D", "filters": 64, "kernel": 5, "activation": "relu"},
         {"kind": "GlobalMaxPool"}, dense(64)]
CNN2D = [{"kind": "Conv2D", "filters": 32, "kernel": 3, "padding": "same",
          "activation": "relu"}, {"kind": "BatchNorm"}, {"kind": "MaxPool2D", "pool": 2},
         {"kind": "Conv2D", "filters": 64, "kernel": 3, "padding": "same",
          "activation": "relu"}, {"kind": "MaxPool2D", "pool": 2}, {"kind": "Flatten"},
         dense(128)]
CONFIGS = {  # a table, DNA one-hot, colour images; each at two batch sizes
    "mlp-table-b64": ([50], 3, MLP, 64), "mlp-table-b1024": ([50], 3, MLP, 1024),
    "cnn1d-dna-b64": ([1000, 4], 2, CNN1D, 64), "cnn1d-dna-b512": ([1000, 4], 2, CNN1D, 512),
    "cnn2d-images-b32": ([3, 64, 64], 10, CNN2D, 32),
    "cnn2d-images-b128": ([3, 64, 64], 10, CNN2D, 128),
    "lstm-dna-b64": ([200, 4], 2, [{"kind": "LSTM", "hidden": 128}], 64),
}


def measure(shape: list[int], classes: int, layers: list[dict[str, Any]], batch: int) -> int:
    """Peak resident bytes a fresh process adds to build ``layers`` and train two batches
    and a validation pass with the real trainer (its data made before measuring)."""
    config = json.dumps({"shape": shape, "classes": classes, "layers": layers, "batch": batch})
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, __file__, config], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return int(json.loads(done.stdout.strip().splitlines()[-1])["growth"])


@pytest.mark.hostile
@pytest.mark.parametrize("name", list(CONFIGS))
def test_estimates_are_within_2x_of_measured_peak_memory(name: str) -> None:
    shape, classes, layers, batch = CONFIGS[name]
    measured = measure(shape, classes, layers, batch)
    estimate = network_memory(NetworkSpec.from_dict({"layers": layers}), shape, classes, batch)
    print(f"{name}: estimate {estimate / 2**20:.0f} MiB, measured {measured / 2**20:.0f} MiB,"
          f" ratio {estimate / measured:.2f}")
    assert measured / 2 <= estimate <= 2 * measured


def _child(config: dict[str, Any]) -> None:
    import numpy as np
    import torch

    import core.nn.build  # noqa: F401 - imported before measuring, as a run has it
    from core.data.tensors import TensorData
    from core.train.config import TrainConfig
    from core.train.trainer import train_network

    torch.set_num_threads(1)
    batch, classes = config["batch"], config["classes"]
    rng = np.random.default_rng(0)
    X = rng.random((2 * batch, *config["shape"]), dtype=np.float32)
    data = TensorData.from_arrays(X, rng.integers(0, classes, 2 * batch), X[:batch].copy(),
                                  rng.integers(0, classes, batch),
                                  class_names=[str(i) for i in range(classes)])
    spec = NetworkSpec.from_dict({"layers": config["layers"]})
    with open("/proc/self/statm", "rb") as fh:
        before = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    result = train_network(spec, TrainConfig(epochs=1, batch_size=batch, device="cpu",
                                             checkpoint_every=0), data)
    assert not result.failed, result.message
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"growth": peak - before}))


if __name__ == "__main__":
    _child(json.loads(sys.argv[1]))
