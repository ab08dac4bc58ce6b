"""What explaining a network costs (``core.explain``).

(a) ``ism``: in-silico mutagenesis of 1,000 random DNA sequences of 200 nt (600,000
    variants) with the default 1-D CNN (``make_preset("cnn1d", (200, 4), 2)``, seeded
    random weights: the cost does not depend on what the weights learned), on the CPU.
    Beside it, measured in the same run: a loop that runs one variant at a time (copy
    the sequence, change one row, one forward pass), on 300 variants (30 after each tenth
    of the batched run, so both see the same load) and extrapolated to all 600,000 by
    its rate. Goal: batched >= 20 x the loop.
(b) ``live_motifs``: ``live_motifs`` on a fixed sample of 500 training sequences from a
    state dict, against the time of one training epoch of the default CNN on
    demo:motif (2,000 sequences of 60 nt, 1,400 of them training), both in this process.
    The epoch time is the median of epochs 2..N (the first imports torch._dynamo); the
    live time is the median of 20 calls. Goal: <= 3 % of an epoch per call.

CPU timings on a shared machine vary; each figure is a median or the best of repeats.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

import numpy as np
import torch

from core.explain.ism import mutagenesis
from core.explain.motifs import live_motifs
from core.nn.build import build_model
from core.nn.presets import make_preset
from core.train.config import TrainConfig
from core.train.run import prepare_run, train_prepared


def _sequences(n: int, length: int, seed: int = 0) -> np.ndarray:
    codes = np.random.default_rng(seed).integers(0, 4, size=(n, length))
    return np.eye(4, dtype=np.float32)[codes]


def _loop(model: torch.nn.Module, x: torch.Tensor, n_variants: int) -> float:
    """Seconds per variant of the one-at-a-time loop (first ``n_variants`` of ``x``)."""
    done = 0
    t0 = time.perf_counter()
    with torch.no_grad():
        ref = model(x[None])[0, 1]
        for i in range(x.shape[0]):
            for b in range(4):
                if x[i, b] == 1:
                    continue
                variant = x[None].clone()
                variant[0, i] = 0
                variant[0, i, b] = 1
                _ = model(variant)[0, 1] - ref
                done += 1
                if done == n_variants:
                    return (time.perf_counter() - t0) / done
    return (time.perf_counter() - t0) / max(done, 1)


def ism(n_sequences: int, length: int, loop_variants: int, slices: int = 10) -> dict[str, Any]:
    """The batched run and the loop alternate, a slice of each at a time, so that both
    meet the same load on a shared machine."""
    torch.manual_seed(0)
    model = build_model(make_preset("cnn1d", (length, 4), 2), (length, 4), 2).eval()
    X = _sequences(n_sequences, length)
    n_variants = n_sequences * length * 3
    mutagenesis(model, X[:2], target=1)  # warm-up
    batched = looped = 0.0
    per_slice = -(-n_sequences // slices)
    for k in range(0, n_sequences, per_slice):
        t0 = time.perf_counter()
        mutagenesis(model, X[k:k + per_slice], target=1)
        batched += time.perf_counter() - t0
        looped += _loop(model, torch.from_numpy(X[k]), loop_variants // slices)
    per_variant = looped / slices
    rate = n_variants / batched
    return {
        "sequences": n_sequences, "length": length, "variants": n_variants,
        "threads": torch.get_num_threads(), "batched_s": batched,
        "variants_per_s": rate,
        "loop_variants_per_s": 1 / per_variant,
        "loop_s_extrapolated": per_variant * n_variants,
        "loop_measured_on": f"{loop_variants} variants ({loop_variants // slices} of one "
                            f"sequence after each of {slices} batched slices)",
        "speedup": rate * per_variant, "goal": ">= 20",
    }


def live_cost(epochs: int, sample: int, calls: int) -> dict[str, Any]:
    prepared = prepare_run("demo:motif", network="cnn1d", seed=0)
    config = TrainConfig(epochs=epochs, device="cpu", seed=0, checkpoint_every=0)
    outcome = train_prepared(prepared, config, baselines=False)
    elapsed = [row["elapsed"] for row in outcome.result.history.rows]
    epoch = statistics.median(np.diff(elapsed)) if len(elapsed) > 2 else elapsed[-1]
    model = outcome.result.model
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    X = prepared.data.X_train[:sample]
    live_motifs(state, prepared.spec, X, "ACGT")  # warm-up
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        live_motifs(state, prepared.spec, X, "ACGT")
        times.append(time.perf_counter() - t0)
    live = statistics.median(times)
    return {"data": "demo:motif", "train_rows": len(prepared.data.X_train),
            "sample": len(X), "epoch_s": epoch, "live_motifs_s": live,
            "share_of_epoch": live / epoch, "goal": "<= 0.03"}


def run(quick: bool = False) -> dict[str, Any]:
    if quick:
        return {"ism": ism(20, 200, 60, 2), "live_motifs": live_cost(3, 200, 5)}
    return {"ism": ism(1000, 200, 300), "live_motifs": live_cost(6, 500, 20)}


if __name__ == "__main__":
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
