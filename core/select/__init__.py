"""Choosing a model honestly: cross-validation, hyperparameter search, the learning-rate
finder. Every choice here looks at training and validation rows only; the test rows are
scored once, by the chosen model (``search``), or not at all (``cross_validate``).

- ``cv``: ``cross_validate(prepared, config, folds)`` -> ``CVResult`` (folds from
  ``folds.cv_splits``: stratified, grouped when the data has groups)
- ``search``: ``search(prepared, config, n_trials)`` -> ``SearchResult`` (Optuna; the
  space in ``space``, the network rules in ``design``, one trial in ``trial``)
- ``lrfind``: ``find_lr(prepared, config)`` -> ``LRFinding`` (fastai's valley rule)
- ``events``: what they report while running (``StepStarted``, ``StepEpoch``,
  ``StepFinished``, ``LRStep``); ``step``: the control that stops or pauses a step

Each takes ``on_event``, ``progress`` and ``should_stop`` (and a ``RunControl``), so a
GUI worker runs it off the main thread and can stop it at any batch. Light to import:
Optuna and torch load when a function runs.
"""
