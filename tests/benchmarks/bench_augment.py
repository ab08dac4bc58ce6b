"""What augmentation costs: seconds per training epoch with and without it, same run.

Workloads (the shapes the course uses):

- ``image``: the ``cnn2d`` preset on 3,000 MNIST-like 28x28 images (sklearn's 8x8 digits
  upsampled), augmented with ``rotate=10,shift=2,crop=0.8,brightness=0.2,noise=0.05``
  (one affine resampling, a brightness factor and noise per batch);
- ``sequence``: the ``cnn1d`` preset on 3,000 one-hot DNA 100-mers, augmented with
  ``rc,shift=3,mutate=0.02``.

Both train with batch 64 and Adam on the same initial weights; a workload's plain and
augmented runs alternate, and each figure is the fastest epoch of the fastest run (the
machine may be shared). ``ratio`` is augmented / plain seconds per epoch;
``augment_only_s`` times the augmenter alone over one epoch's batches. Nothing here is an
assertion: ``make bench`` prints the JSON for a person to read.

    python -m tests.benchmarks.bench_augment            # 3,000 samples each
    python -m tests.benchmarks.bench_augment --quick    # 300 samples, smoke run
"""

from __future__ import annotations

import copy
import json
import os
import sys
import time
from typing import Any

import numpy as np
import torch

from core.data.encoding import one_hot
from core.data.tensors import TensorData
from core.nn.build import build_model
from core.nn.presets import make_preset
from core.train.augment import augment_generator, make_augmenter
from core.train.augment_options import AugmentOptions, parse_augment
from core.train.config import TrainConfig
from core.train.device import resolve_device
from core.train.events import EpochFinished
from core.train.trainer import Trainer

BATCH = 64
IMAGE_AUGMENT = "rotate=10,shift=2,crop=0.8,brightness=0.2,noise=0.05"
SEQUENCE_AUGMENT = "rc,shift=3,mutate=0.02"


def image_data(n: int, seed: int = 0) -> TensorData:
    """n 28x28 digit images in [0, 1], 80% train, 20% validation."""
    from scipy.ndimage import zoom
    from sklearn.datasets import load_digits

    d = load_digits()
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(d.images), n)
    X = zoom(d.images[pick] / 16.0, (1, 3.5, 3.5), order=1).clip(0, 1)[:, None]
    y = d.target[pick].astype(np.int64)
    cut = int(n * 0.8)
    return TensorData.from_arrays(X[:cut], y[:cut], X[cut:], y[cut:], layout="image")


def sequence_data(n: int, length: int = 100, seed: int = 0) -> TensorData:
    """n random DNA 100-mers; the positives carry TATAAT somewhere (one-hot, 80/20)."""
    rng = np.random.default_rng(seed)
    seqs, y = [], rng.integers(0, 2, n)
    for label in y:
        s = "".join(rng.choice(list("ACGT"), length))
        if label:
            at = int(rng.integers(0, length - 6))
            s = s[:at] + "TATAAT" + s[at + 6:]
        seqs.append(s)
    X = one_hot(seqs, "DNA", length)
    cut = int(n * 0.8)
    return TensorData.from_arrays(X[:cut], y[:cut], X[cut:], y[cut:], layout="onehot:DNA")


def _epoch_seconds(model: torch.nn.Module, data: TensorData, augment: str, epochs: int,
                   device: str) -> float:
    """The fastest epoch (training and validation) of one run."""
    elapsed: list[float] = []

    def on_event(ev: Any) -> None:
        if isinstance(ev, EpochFinished):
            elapsed.append(ev.elapsed)

    config = TrainConfig(epochs=epochs, batch_size=BATCH, lr=1e-3, schedule="none",
                         device=device, augment=parse_augment(augment), batch_event_hz=0)
    result = Trainer(copy.deepcopy(model), config, data, on_event=on_event).run()
    if result.failed:
        raise RuntimeError(result.failed)
    steps = np.diff([0.0, *elapsed])
    return float(steps.min())


def _augment_only(data: TensorData, augment: str, device: str) -> float:
    """Seconds the augmenter alone takes over one epoch's batches (on the run's device)."""
    dev = resolve_device(device)
    fn = make_augmenter(AugmentOptions.from_dict(parse_augment(augment)),
                        data.input_shape, data.layout)
    assert fn is not None
    gen = augment_generator(0, dev)
    X = torch.from_numpy(data.X_train).to(dev)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for s in range(0, len(X), BATCH):
            out = fn(X[s:s + BATCH], gen)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
    del out
    return best


def workload(name: str, data: TensorData, preset: str, augment: str, epochs: int,
             repeats: int, device: str) -> dict[str, Any]:
    torch.manual_seed(0)
    spec = make_preset(preset, data.input_shape, data.n_outputs)
    model = build_model(spec, tuple(data.input_shape), data.n_outputs)
    plain, augmented = float("inf"), float("inf")
    for _ in range(repeats):  # alternate, so a busy moment hurts both alike
        plain = min(plain, _epoch_seconds(model, data, "off", epochs, device))
        augmented = min(augmented, _epoch_seconds(model, data, augment, epochs, device))
    return {
        "workload": name, "n_train": len(data.X_train), "n_val": len(data.X_val),
        "input_shape": list(data.input_shape), "preset": preset, "augment": augment,
        "plain_s_per_epoch": round(plain, 4), "augmented_s_per_epoch": round(augmented, 4),
        "ratio": round(augmented / plain, 3),
        "augment_only_s": round(_augment_only(data, augment, device), 4),
    }


def run(quick: bool = False) -> dict[str, Any]:
    n, epochs, repeats = (300, 2, 1) if quick else (3000, 3, 2)
    device = "auto"
    return {
        "device": str(resolve_device(device)),
        "threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "batch": BATCH,
        "image": workload("28x28 CNN", image_data(n), "cnn2d", IMAGE_AUGMENT, epochs,
                          repeats, device),
        "sequence": workload("one-hot 100-mer CNN", sequence_data(n), "cnn1d",
                             SEQUENCE_AUGMENT, epochs, repeats, device),
    }


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
