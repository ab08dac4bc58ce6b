"""The live Motifs view: filters of a sequence CNN drawn as logos from each epoch's
weights on a worker, within its time share; the finished model's ranked by influence;
a table model says why there are none."""

from __future__ import annotations

import time

import pytest
from pytestqt.qtbot import QtBot

from app.widgets.motif_view import MIN_INTERVAL_S, TIME_SHARE, MotifView
from core.data.options import LoadOptions
from core.train.config import TrainConfig
from core.train.run import prepare_run, train_prepared

TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def motif_run():  # noqa: ANN201
    prepared = prepare_run("demo:motif", LoadOptions(demo_size=600), network="cnn1d")
    return train_prepared(prepared, TrainConfig(epochs=4, device="cpu"), baselines=False)


def test_epoch_weights_become_logos_within_the_time_share(qtbot: QtBot, motif_run) -> None:  # noqa: ANN001
    view = MotifView()
    qtbot.addWidget(view)
    view.set_prepared(motif_run)
    assert view.available and view.letters == "ACGT"
    state = {k: v.detach().clone() for k, v in motif_run.result.model.state_dict().items()}
    with qtbot.waitSignal(view.job.succeeded, timeout=TIMEOUT_MS):
        view.update_model(state, 3)
        view._throttle.flush()
    assert view.epoch == 3 and view.motifs is not None
    shown = [p for p in view.panels if not p.isHidden()]
    assert len(shown) == 6 and "after epoch 3" in view.label.text()
    assert view.plots[0].getPlotItem().items  # letters drawn
    infos = [m.information_content for m in view.motifs.filters]
    assert infos == sorted(infos, reverse=True)  # live: the most informative first
    wait = view._next_at - time.monotonic()
    assert wait >= min(MIN_INTERVAL_S, view.cost_s / TIME_SHARE) - 0.5
    view.update_model(state, 4)  # too soon: it waits for its turn, nothing runs now
    view._throttle.flush()
    assert not view.job.running and view._waiting is not None
    view.shutdown()


def test_the_finished_model_is_ranked_by_influence(qtbot: QtBot, motif_run) -> None:  # noqa: ANN001
    view = MotifView()
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.job.succeeded, timeout=TIMEOUT_MS):
        view.set_outcome(motif_run)
    influences = [m.influence for m in view.motifs.filters]
    assert all(v is not None for v in influences)
    assert influences == sorted(influences, reverse=True)
    assert "ranked by influence" in view.label.text()
    view.shutdown()


def test_a_table_model_has_no_motifs_and_says_why(qtbot: QtBot) -> None:
    prepared = prepare_run("demo:iris", network="mlp")
    view = MotifView()
    qtbot.addWidget(view)
    view.set_prepared(prepared)
    assert not view.available and "Conv1D" in view.label.text()
    view.update_model({}, 1)
    assert not view.job.running
    view.shutdown()
