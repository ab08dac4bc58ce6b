"""Model selection's own cost: what a search and a cross-validation add to plain training.

(a) ``search_overhead``: N trials through ``core.select.search`` (random sampler, no
    pruning, so every trial trains to the end) against the same N configurations (the
    trials' own settings, read back from the result) trained one after another with
    ``train_prepared``. The ratio is what Optuna, the per-trial network variation, the
    event forwarding and the final test scoring cost; goal <= 1.05. A trial scores
    training and validation rows only (the test rows are scored once, at the end), while
    each plain run also scores its test rows, so below 1 is possible.
(b) ``cv_time``: 5-fold ``cross_validate`` (network and every baseline on each fold,
    the encoding refitted per fold) against one plain run (``train_prepared`` with the
    baselines, as ``mendel train`` does) on the same data and configuration. Each fold
    trains on 4/5 of the training + validation rows, so the ideal is about 5 x 0.97;
    goal <= 5.3.

Both sides are timed in the same process after one warm-up run (the first optimizer
construction imports torch._dynamo). Each figure is the best of ``repeats`` runs.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any

from core.nn.shapes import check
from core.select.cv import cross_validate
from core.select.search import search
from core.select.space import SearchSpace, apply
from core.train.config import TrainConfig
from core.train.run import prepare_run, train_prepared

SPACE = {"lr": {"low": 1e-3, "high": 3e-2, "log": True}, "batch_size": [32, 64],
         "optimizer": ["adam", "adamw"], "weight_decay": [0.0, 1e-4],
         "width": [0.5, 1.0], "depth": {"low": 0, "high": 1}}


def _best(fn: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def search_overhead(demo: str, epochs: int, n_trials: int, repeats: int) -> dict[str, Any]:
    prepared = prepare_run(demo, network="mlp", seed=0)
    config = TrainConfig(epochs=epochs, device="cpu", checkpoint_every=0)
    space = SearchSpace.from_dict(SPACE)
    train_prepared(prepared, config, baselines=False)  # warm-up
    found: dict[str, Any] = {}

    def through_search() -> None:
        found["result"] = search(prepared, config, n_trials, space=space, sampler="random",
                                 prune=False, seed=0)

    searched = _best(through_search, repeats)
    configs = [apply(prepared.spec, config, {**space.fixed, **t.params})
               for t in found["result"].trials]

    def plainly() -> None:
        for spec, cfg in configs:
            run = replace(prepared, spec=spec,
                          summary=check(spec, prepared.data.input_shape,
                                        prepared.data.n_outputs))
            train_prepared(run, cfg, baselines=False)

    plain = _best(plainly, repeats)
    return {"data": demo, "epochs": epochs, "trials": n_trials, "search_s": searched,
            "plain_s": plain, "ratio": searched / plain, "goal": "<= 1.05"}


def cv_time(demo: str, epochs: int, repeats: int) -> dict[str, Any]:
    prepared = prepare_run(demo, network="mlp", seed=0)
    config = TrainConfig(epochs=epochs, device="cpu")
    train_prepared(prepared, config, baselines=False)  # warm-up
    plain = _best(lambda: train_prepared(prepared, config), repeats)
    cv = _best(lambda: cross_validate(prepared, config, 5), repeats)
    return {"data": demo, "epochs": epochs, "folds": 5, "cv_s": cv, "plain_run_s": plain,
            "ratio": cv / plain, "goal": "<= 5.3"}


def run(quick: bool = False) -> dict[str, Any]:
    if quick:
        return {"search_overhead": search_overhead("demo:wine", 3, 4, 1),
                "cv_time": cv_time("demo:iris", 3, 1)}
    return {"search_overhead": search_overhead("demo:digits", 8, 10, 2),
            "cv_time": cv_time("demo:digits", 10, 2)}


if __name__ == "__main__":
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
