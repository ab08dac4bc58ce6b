"""Which searched settings mattered: Optuna's fANOVA importance over finished trials.

The trials of a search (``core.select.trial.TrialRecord``) are given back to a fresh
in-memory study with the space's distributions, so the importance can be computed while
the search runs (from its records so far) or after it, by Optuna's own evaluator rather
than a hand-written one. The shares sum to 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from core.select.space import Param, SearchSpace

MIN_TRIALS = 4  # fewer finished trials say nothing about which setting mattered


def _distribution(p: Param) -> Any:
    import optuna.distributions as d

    if p.choices is not None:
        return d.CategoricalDistribution(list(p.choices))
    assert p.low is not None and p.high is not None
    if p.whole:
        return d.IntDistribution(int(p.low), int(p.high), log=p.log)
    return d.FloatDistribution(float(p.low), float(p.high), log=p.log)


def param_importance(trials: Sequence[Any], space: SearchSpace,
                     seed: int = 0) -> dict[str, float]:
    """Setting -> share of the validation loss's variance it explains; {} with fewer
    than ``MIN_TRIALS`` finished trials or nothing that varied."""
    import optuna

    done = [t for t in trials if t.state == "complete" and t.value is not None
            and math.isfinite(t.value)]
    if len(done) < MIN_TRIALS or not space.params:
        return {}
    dists = {name: _distribution(p) for name, p in space.params.items()}
    varied = [n for n in dists if len({repr(t.params.get(n)) for t in done}) > 1]
    if not varied:
        return {}
    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        study = optuna.create_study(direction="minimize")
        for t in done:
            params = {n: t.params[n] for n in varied if n in t.params}
            if len(params) != len(varied):
                continue
            study.add_trial(optuna.trial.create_trial(
                params=params, distributions={n: dists[n] for n in varied},
                value=float(t.value)))
        if len(study.trials) < MIN_TRIALS:
            return {}
        # 16 shallow trees, not Optuna's 64 deep ones: a few tenths of a second, so the
        # Tune page can refresh the bars while the search runs
        evaluator = optuna.importance.FanovaImportanceEvaluator(n_trees=16, max_depth=8,
                                                                seed=seed)
        shares = optuna.importance.get_param_importances(study, evaluator=evaluator)
    finally:
        optuna.logging.set_verbosity(before)
    return {name: float(v) for name, v in shares.items()}
