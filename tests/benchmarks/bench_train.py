"""Training throughput: Mendel's Trainer against the loops people write by hand.

Each contender trains the same model (same initial weights), on the same data, with the
same batch size, optimizer and number of epochs, on the same number of threads:

- ``mendel``: ``core.train.trainer.Trainer`` with events on (a no-op listener);
- ``dataloader``: the course-notebook loop, ``TensorDataset`` + ``DataLoader(shuffle=True)``
  + zero_grad / backward / step, ``loss.item()`` summed per batch;
- ``tight``: a hand-tuned loop over preloaded tensors with ``randperm`` indexing.

Workloads: (a) an MLP 784-128-10 on 5,000 digit images (sklearn's 8x8 digits upsampled
to 28x28, shifted and noised: offline, MNIST-like), (b) a Conv1D(32, k9) + global max
pool network on 3,000 one-hot DNA 60-mers (the "motif" demo). Then (c) the time to reach
scikit-learn MLPClassifier's final test accuracy (same hidden layer, Adam, learning rate,
batch size, data and threads); see ``race_sklearn``.

Mendel's optimizers use torch's fused kernels (``fused=True``); the hand-written loops use
torch's defaults, as people write them.

Throughput is the best of ``repeats`` runs (the machine may be shared). Nothing here is
an assertion: ``make bench`` prints the JSON for a person to read.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from core.data.demos import load_demo
from core.data.options import EncodingOptions, LoadOptions
from core.data.preprocessing import make_preprocessing
from core.data.splits import make_split
from core.data.tensors import TensorData, prepare_tensors
from core.nn.build import build_model
from core.nn.spec import LayerSpec, NetworkSpec
from core.train.config import TrainConfig
from core.train.control import RunControl
from core.train.events import EpochFinished
from core.train.trainer import Trainer

BATCH = 64
LR = 1e-3


def digits_like(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n MNIST-like 28x28 images (flattened) made from sklearn's bundled 8x8 digits."""
    from scipy.ndimage import zoom
    from sklearn.datasets import load_digits

    d = load_digits()
    big = zoom(d.images / 16.0, (1, 3.5, 3.5), order=1).clip(0, 1)  # (1797, 28, 28)
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(big), n)
    X = big[pick]
    for i, (dy, dx) in enumerate(rng.integers(-2, 3, (n, 2))):
        X[i] = np.roll(X[i], (dy, dx), axis=(0, 1))
    X = (X + rng.normal(0, 0.15, X.shape)).clip(0, 1)
    return X.reshape(n, 784).astype(np.float32), d.target[pick].astype(np.int64)


def motif_sequences(n: int) -> TensorData:
    ds = load_demo("motif", LoadOptions(demo_size=n))
    split = make_split(ds, 0.0, 0.0, seed=0)
    return prepare_tensors(ds, split, make_preprocessing(ds, EncodingOptions()))


# -- the three training loops ------------------------------------------------------------

def loop_mendel(model: nn.Module, X: np.ndarray, y: np.ndarray, epochs: int) -> None:
    data = TensorData.from_arrays(X, y, class_names=[str(i) for i in range(int(y.max()) + 1)])
    config = TrainConfig(epochs=epochs, batch_size=BATCH, optimizer="adam", lr=LR,
                         device="cpu", deterministic=False)
    result = Trainer(model, config, data, on_event=lambda ev: None).run()
    if result.failed:
        raise RuntimeError(result.failed)


def loop_dataloader(model: nn.Module, X: np.ndarray, y: np.ndarray, epochs: int) -> None:
    from torch.utils.data import DataLoader, TensorDataset

    loader = DataLoader(TensorDataset(torch.from_numpy(X), torch.from_numpy(y)),
                        batch_size=BATCH, shuffle=True)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    crit = nn.CrossEntropyLoss()
    model.train()
    for _ in range(epochs):
        running = 0.0
        for xb, yb in loader:
            opt.zero_grad()
            loss = crit(model(xb), yb)
            loss.backward()
            opt.step()
            running += loss.item()


def loop_tight(model: nn.Module, X: np.ndarray, y: np.ndarray, epochs: int) -> None:
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    crit = nn.CrossEntropyLoss()
    model.train()
    n = len(Xt)
    for _ in range(epochs):
        perm = torch.randperm(n)
        total = torch.zeros(())
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
            opt.zero_grad(set_to_none=True)
            loss = crit(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += loss.detach()
        float(total)


LOOPS: dict[str, Callable[[nn.Module, np.ndarray, np.ndarray, int], None]] = {
    "mendel": loop_mendel, "dataloader": loop_dataloader, "tight": loop_tight,
}


def throughput(model: nn.Module, X: np.ndarray, y: np.ndarray, epochs: int,
               repeats: int) -> dict[str, Any]:
    """samples/s of each loop (best of ``repeats``, loops interleaved) and the ratios.

    Wall-clock rates are the headline; rates per CPU-second of the process are given too,
    because on a shared machine they are much less disturbed by other processes.
    """
    for loop in LOOPS.values():  # warm-up: first-call costs are nobody's throughput
        loop(copy.deepcopy(model), X[: 2 * BATCH], y[: 2 * BATCH], 1)
    wall = {name: float("inf") for name in LOOPS}
    cpu = dict(wall)
    for _ in range(repeats):
        for name, loop in LOOPS.items():
            torch.manual_seed(0)
            m = copy.deepcopy(model)
            w0, c0 = time.perf_counter(), time.process_time()
            loop(m, X, y, epochs)
            wall[name] = min(wall[name], time.perf_counter() - w0)
            cpu[name] = min(cpu[name], time.process_time() - c0)
    rate = {name: len(X) * epochs / s for name, s in wall.items()}
    cpu_rate = {name: len(X) * epochs / s for name, s in cpu.items()}
    return {
        "samples": len(X), "epochs": epochs, "batch_size": BATCH,
        "samples_per_s": {k: round(v) for k, v in rate.items()},
        "mendel_vs_dataloader": round(rate["mendel"] / rate["dataloader"], 3),
        "mendel_vs_tight": round(rate["mendel"] / rate["tight"], 3),
        "samples_per_cpu_s": {k: round(v) for k, v in cpu_rate.items()},
        "cpu_mendel_vs_dataloader": round(cpu_rate["mendel"] / cpu_rate["dataloader"], 3),
        "cpu_mendel_vs_tight": round(cpu_rate["mendel"] / cpu_rate["tight"], 3),
    }


# -- time to accuracy against scikit-learn ----------------------------------------------

def _sklearn_curve(X_tr: np.ndarray, y_tr: np.ndarray, X_te: np.ndarray, y_te: np.ndarray,
                   epochs: int, threads: int) -> list[tuple[float, float, float]]:
    """(wall s, CPU s, test accuracy) after each of sklearn's epochs (scoring unclocked)."""
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits

    clf = MLPClassifier(hidden_layer_sizes=(128,), solver="adam", learning_rate_init=LR,
                        batch_size=BATCH, random_state=0)
    wall, cpu, curve = 0.0, 0.0, []
    with threadpool_limits(threads):
        for _ in range(epochs):
            w0, c0 = time.perf_counter(), time.process_time()
            clf.partial_fit(X_tr, y_tr, classes=np.unique(y_tr))
            wall += time.perf_counter() - w0
            cpu += time.process_time() - c0
            curve.append((wall, cpu, float((clf.predict(X_te) == y_te).mean())))
    return curve


def _mendel_curve(X_tr: np.ndarray, y_tr: np.ndarray, X_te: np.ndarray, y_te: np.ndarray,
                  config: TrainConfig, target: float,
                  threads: int) -> list[tuple[float, float, float]]:
    """Mendel's curve, the test set as its validation set (that pass stays in its clock),
    stopped through its RunControl as soon as it reaches ``target``."""
    from threadpoolctl import threadpool_limits

    torch.manual_seed(config.seed)
    model = build_model(NetworkSpec([LayerSpec("Dense", {"units": 128,
                                                         "activation": "relu"})]), (784,), 10)
    data = TensorData.from_arrays(X_tr, y_tr, X_te, y_te)
    curve: list[tuple[float, float, float]] = []
    control = RunControl()
    w0, c0 = time.perf_counter(), time.process_time()

    def on_event(ev: Any) -> None:
        if isinstance(ev, EpochFinished):
            acc = ev.val_metrics["accuracy"]
            curve.append((time.perf_counter() - w0, time.process_time() - c0, acc))
            if acc >= target:
                control.stop()

    with threadpool_limits(threads):
        Trainer(model, config, data, control, on_event).run()
    return curve


def _race_figures(sk_curve: list[tuple[float, float, float]],
                  curve: list[tuple[float, float, float]]) -> dict[str, Any]:
    target = sk_curve[-1][2]
    sk_reach = next((w, c) for w, c, acc in sk_curve if acc >= target)
    sk_wall = sk_curve[-1][0]
    reached = next(((w, c) for w, c, acc in curve if acc >= target), None)
    return {
        "target_accuracy": round(target, 4),
        "sklearn_epochs": len(sk_curve),
        "sklearn_seconds_to_target": round(sk_reach[0], 3),
        "sklearn_cpu_seconds_to_target": round(sk_reach[1], 3),
        "sklearn_seconds_per_epoch": round(sk_wall / len(sk_curve), 4),
        "mendel_epochs_run": len(curve),
        "mendel_best_accuracy": round(max(acc for _, _, acc in curve), 4),
        "mendel_seconds_to_target": None if reached is None else round(reached[0], 3),
        "mendel_cpu_seconds_to_target": None if reached is None else round(reached[1], 3),
        "mendel_seconds_per_epoch": round(curve[-1][0] / len(curve), 4),
        "speedup": None if reached is None else round(sk_reach[0] / reached[0], 2),
        "cpu_speedup": None if reached is None else round(sk_reach[1] / reached[1], 2),
        "speedup_per_epoch": round(sk_wall / len(sk_curve) / (curve[-1][0] / len(curve)), 2),
    }


def race_sklearn(X: np.ndarray, y: np.ndarray, epochs: int, threads: int) -> dict[str, Any]:
    """Seconds until the test accuracy first reaches MLPClassifier's final accuracy.

    sklearn trains ``epochs`` epochs (``partial_fit``, scoring left out of its clock); its
    last test accuracy is the target. Mendel trains up to twice as many epochs, twice:

    - ``same_settings``: sklearn's batch size, learning rate and a constant rate: the two
      engines compared (seconds per epoch say the same without the accuracy's noise);
    - ``defaults``: Mendel's own default training settings (``TrainConfig()``: one-cycle
      schedule, its batch size and rate), what a user who changes nothing waits for.
    """
    cut = int(len(X) * 0.8)
    parts = X[:cut], y[:cut], X[cut:], y[cut:]
    warm = X[:256], y[:256], X[256:512], y[256:512]  # first-call costs are nobody's speed
    _sklearn_curve(*warm, 1, threads)
    _mendel_curve(*warm, TrainConfig(epochs=1, device="cpu"), 1.1, threads)
    sk_curve = _sklearn_curve(*parts, epochs, threads)
    target = sk_curve[-1][2]
    same = TrainConfig(epochs=2 * epochs, batch_size=BATCH, optimizer="adam", lr=LR,
                       schedule="none", device="cpu", deterministic=False)
    defaults = TrainConfig(device="cpu")
    return {
        "same_settings": _race_figures(sk_curve, _mendel_curve(*parts, same, target, threads)),
        "defaults": _race_figures(sk_curve, _mendel_curve(*parts, defaults, target, threads)),
        "defaults_config": {k: getattr(defaults, k)
                            for k in ("epochs", "batch_size", "lr", "schedule", "optimizer")},
    }


def run(quick: bool = False, threads: int | None = None) -> dict[str, Any]:
    """``threads``: torch and BLAS threads on every side (default: torch's own choice)."""
    threads = threads or torch.get_num_threads()
    torch.set_num_threads(threads)
    torch.optim.Adam([nn.Parameter(torch.zeros(1))])  # pay torch's one-off import up front
    n_img, n_seq = (1000, 600) if quick else (5000, 3000)
    epochs, repeats = (1, 1) if quick else (3, 3)
    X, y = digits_like(n_img)
    torch.manual_seed(0)
    mlp = build_model(NetworkSpec([LayerSpec("Dense", {"units": 128, "activation": "relu"})]),
                      (784,), 10)
    seq = motif_sequences(n_seq)
    torch.manual_seed(0)
    cnn = build_model(NetworkSpec([LayerSpec("Conv1D", {"filters": 32, "kernel": 9,
                                                        "activation": "relu"}),
                                   LayerSpec("GlobalMaxPool")]), seq.input_shape, 2)
    return {
        "benchmark": "train",
        "threads": threads,
        "device": "cpu",
        "mlp_784_128_10": throughput(mlp, X, y, epochs, repeats),
        "conv1d_onehot_60": throughput(cnn, seq.X_train, seq.y_train, epochs, repeats),
        "vs_sklearn_mlp": race_sklearn(X, y, 4 if quick else 20, threads),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
