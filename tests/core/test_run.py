"""The headless training pipeline shared by the Train page and ``mendel train``."""

from __future__ import annotations

import pytest

from core.data.options import LoadOptions
from core.errors import DataError, SpecError, TrainError
from core.nn.spec import LayerSpec, NetworkSpec
from core.train.config import TrainConfig
from core.train.events import EpochFinished, RunFinished, RunStarted
from core.train.run import prepare_run, run_training, train_prepared

XOR = LoadOptions(demo_size=120)


def test_run_training_measures_every_split_and_the_baselines():
    events = []
    config = TrainConfig(epochs=2, device="cpu")
    outcome = run_training("demo:xor", XOR, network="mlp", preset_options={"hidden": (8,)},
                           config=config, on_event=events.append)
    assert outcome.succeeded and outcome.network_source == "mlp"
    assert [type(e) for e in events if not isinstance(e, EpochFinished)][0] is RunStarted
    assert [e.epoch for e in events if isinstance(e, EpochFinished)] == [1, 2]
    assert isinstance(events[-1], RunFinished)
    sizes = outcome.data.sizes()
    for split in ("train", "val", "test"):
        assert outcome.metrics[split]["n"] == sizes[split]
        assert 0 <= outcome.metrics[split]["accuracy"] <= 1
    assert set(outcome.baseline) == {"logistic_regression", "decision_tree", "naive_bayes",
                                     "random_forest", "knn", "majority"}
    assert outcome.baseline["decision_tree"]["test"]["n"] == sizes["test"]
    assert outcome.config == config and outcome.config is not config
    assert outcome.result.epochs_run == 2
    assert sum(sizes.values()) == 120


def test_prepare_run_fits_on_train_and_suggests_a_preset():
    prepared = prepare_run("demo:motif", LoadOptions(demo_size=60), network="auto", seed=3)
    assert prepared.network_source == "cnn1d"
    assert prepared.data.input_shape == (60, 4)
    assert prepared.split.seed == 3
    assert prepared.summary.total_params > 0
    assert not set(prepared.split.train) & set(prepared.split.test)


def test_a_custom_spec_that_does_not_fit_names_the_layer():
    spec = NetworkSpec([LayerSpec("Dense", {"units": 4}),
                        LayerSpec("Conv1D", {"filters": 4, "kernel": 3})])
    with pytest.raises(SpecError, match=r"^layer 2 Conv1D: needs a sequence input"):
        prepare_run("demo:iris", network=spec)


def test_preset_options_with_a_custom_spec_are_rejected():
    spec = NetworkSpec([LayerSpec("Dense", {"units": 4})])
    with pytest.raises(SpecError, match="apply to presets"):
        prepare_run("demo:iris", network=spec, preset_options={"hidden": (8,)})


def test_unknown_preset_and_bad_split_are_user_errors():
    with pytest.raises(SpecError, match="unknown preset 'cnn3d'"):
        prepare_run("demo:iris", network="cnn3d")
    with pytest.raises(DataError, match="fractions"):
        prepare_run("demo:iris", val_fraction=0.5, test_fraction=0.5)


def test_invalid_config_is_refused_before_training():
    prepared = prepare_run("demo:iris", network="linear")
    with pytest.raises(TrainError, match="epochs must be at least 1"):
        train_prepared(prepared, TrainConfig(epochs=0))


def test_a_diverging_run_is_reported_without_metrics():
    config = TrainConfig(epochs=3, optimizer="sgd", lr=1e12, device="cpu")
    outcome = run_training("demo:line", LoadOptions(demo_size=40), network="linear",
                           config=config)
    assert not outcome.succeeded
    assert outcome.result.stopped_because == "nan"
    assert outcome.result.message
    assert outcome.metrics == {} and outcome.baseline == {}


def test_train_prepared_takes_the_baselines_by_name():
    prepared = prepare_run("demo:iris", network="linear")
    outcome = train_prepared(prepared, TrainConfig(epochs=1), baselines=["knn", "mean"])
    assert list(outcome.baseline) == ["knn", "majority"]  # mean's twin for classes
    assert train_prepared(prepared, TrainConfig(epochs=1), baselines=False).baseline == {}
    bayes = train_prepared(prepared, TrainConfig(epochs=1), baselines=["naive_bayes"])
    assert bayes.notes == ["naive Bayes: GaussianNB: some training features are negative, "
                           "so each is modelled as a normal distribution per class"]
    with pytest.raises(TrainError, match="unknown baseline 'forest'"):
        train_prepared(prepared, TrainConfig(epochs=1), baselines=["forest"])
