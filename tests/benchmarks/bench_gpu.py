"""Training throughput on a CUDA GPU: Mendel's Trainer (float32 and mixed precision)
against a hand-written loop over tensors already on the GPU, in the same run.

Workloads: the MLP 784-128-10 on 20,000 digit-like images (``bench_train.digits_like``)
and the default 1-D CNN on 20,000 one-hot DNA 200-mers, batch 256, Adam. Samples per
second are the best of ``repeats`` (after a warm-up epoch; every contender synchronizes
the GPU before its clock stops). Without CUDA it reports ``{"skipped": ...}``.
"""

from __future__ import annotations

import copy
import time
from typing import Any

import numpy as np
import torch
from torch import nn

from core.data.tensors import TensorData
from core.nn.build import build_model
from core.nn.presets import make_preset
from core.nn.spec import LayerSpec, NetworkSpec
from core.train.config import TrainConfig
from core.train.trainer import Trainer
from tests.benchmarks.bench_train import digits_like

BATCH = 256
LR = 1e-3


def _mendel(model: nn.Module, X: np.ndarray, y: np.ndarray, epochs: int, amp: bool) -> None:
    data = TensorData.from_arrays(X, y, class_names=[str(i) for i in range(int(y.max()) + 1)])
    config = TrainConfig(epochs=epochs, batch_size=BATCH, lr=LR, device="cuda", amp=amp,
                         deterministic=False, checkpoint_every=0, schedule="none")
    result = Trainer(model, config, data, on_event=lambda ev: None).run()
    if result.failed:
        raise RuntimeError(result.failed)
    torch.cuda.synchronize()


def _tight(model: nn.Module, X: np.ndarray, y: np.ndarray, epochs: int) -> None:
    dev = torch.device("cuda")
    model.to(dev).train()
    Xt, yt = torch.from_numpy(X).to(dev), torch.from_numpy(y).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    crit = nn.CrossEntropyLoss()
    for _ in range(epochs):
        perm = torch.randperm(len(Xt), device=dev)
        for i in range(0, len(Xt), BATCH):
            idx = perm[i:i + BATCH]
            opt.zero_grad(set_to_none=True)
            crit(model(Xt[idx]), yt[idx]).backward()
            opt.step()
    torch.cuda.synchronize()


def _rates(model: nn.Module, X: np.ndarray, y: np.ndarray, epochs: int,
           repeats: int) -> dict[str, Any]:
    loops = {"mendel": lambda m: _mendel(m, X, y, epochs, False),
             "mendel_amp": lambda m: _mendel(m, X, y, epochs, True),
             "tight": lambda m: _tight(m, X, y, epochs)}
    for loop in loops.values():
        loop(copy.deepcopy(model))  # warm-up: kernels, cuBLAS handles
    best = {name: float("inf") for name in loops}
    for _ in range(repeats):
        for name, loop in loops.items():
            m = copy.deepcopy(model)
            t0 = time.perf_counter()
            loop(m)
            best[name] = min(best[name], time.perf_counter() - t0)
    rate = {k: len(X) * epochs / s for k, s in best.items()}
    return {"samples": len(X), "epochs": epochs, "batch_size": BATCH,
            "samples_per_s": {k: round(v) for k, v in rate.items()},
            "mendel_vs_tight": round(rate["mendel"] / rate["tight"], 3),
            "amp_vs_float32": round(rate["mendel_amp"] / rate["mendel"], 3)}


def run(quick: bool = False) -> dict[str, Any]:
    if not torch.cuda.is_available():
        return {"skipped": "no CUDA GPU on this machine"}
    n, epochs, repeats = (2_000, 1, 1) if quick else (20_000, 3, 3)
    torch.manual_seed(0)
    X, y = digits_like(n)
    mlp = build_model(NetworkSpec([LayerSpec("Dense", {"units": 128, "activation": "relu"})]),
                      (784,), 10)
    codes = np.random.default_rng(0).integers(0, 4, (n, 200))
    seqs = np.eye(4, dtype=np.float32)[codes]
    labels = (codes[:, 90:110] == 2).sum(1) > 5  # a learnable rule: G-rich centre
    cnn = build_model(make_preset("cnn1d", (200, 4), 2), (200, 4), 2)
    return {"device": torch.cuda.get_device_name(0), "bf16": torch.cuda.is_bf16_supported(),
            "mlp": _rates(mlp, X, y, epochs, repeats),
            "cnn1d": _rates(cnn, seqs, labels.astype(np.int64), epochs, repeats)}
