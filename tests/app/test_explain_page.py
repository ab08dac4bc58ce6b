"""The Explain page driven as a user clicks: a sequence's attribution logo and
mutagenesis, a typed sequence (and a bad one), class means, the filters as motifs
matched with a MEME file (and a broken one), an image's heat map, a table's permutation
importance, and the tabs a run cannot use."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.main_window import MainWindow
from app.pages.explain_page import EMPTY, TABS
from app.screenshots import TATA_MEME as MEME
from core.data.options import LoadOptions
from core.train.config import TrainConfig
from core.train.run import prepare_run, train_prepared

TIMEOUT_MS = 60_000


def _run(source: str, network: str, epochs: int, size: int | None = None):  # noqa: ANN202
    prepared = prepare_run(source, LoadOptions(demo_size=size), network=network)
    return train_prepared(prepared, TrainConfig(epochs=epochs, device="cpu"),
                          baselines=["logistic_regression"])


@pytest.fixture(scope="module")
def motif_run():  # noqa: ANN201
    return _run("demo:motif", "cnn1d", 6, 800)


def _explain_page(qtbot: QtBot, window: MainWindow, outcome):  # noqa: ANN001, ANN202
    page = window.show_page("explain")
    with qtbot.waitSignal(page.job.done, timeout=TIMEOUT_MS):
        window.state.set_run(outcome)
    return page


def test_without_a_run_the_page_says_what_to_do(window: MainWindow) -> None:
    page = window.show_page("explain")
    assert page.header.text() == EMPTY and not page.tabs.isEnabled()


def test_a_sequence_is_explained_by_logo_and_mutagenesis(qtbot: QtBot, window: MainWindow,
                                                         motif_run) -> None:  # noqa: ANN001
    page = _explain_page(qtbot, window, motif_run)
    enabled = {name: page.tabs.isTabEnabled(i) for i, name in enumerate(TABS)}
    assert enabled == {"sequence": True, "motifs": True, "image": False, "features": True}
    seq = page.sequence
    assert seq.pick.count() > 0 and "(true:" in seq.pick.itemText(0)
    with qtbot.waitSignal(seq.job.succeeded, timeout=TIMEOUT_MS):
        seq.explain_button.click()
    assert "true:" in seq.summary.text() and "predicted:" in seq.summary.text()
    assert len(seq.logo_plot.getPlotItem().items) > 10  # letters
    assert seq.ism_plot.getPlotItem().items  # the heat map
    seq.method.setCurrentIndex(1)  # integrated gradients
    with qtbot.waitSignal(seq.job.succeeded, timeout=TIMEOUT_MS):
        seq.explain()
    with qtbot.waitSignal(seq.job.succeeded, timeout=TIMEOUT_MS):
        seq.class_means()
    assert "Mean attribution of class" in seq.summary.text()


def test_a_typed_sequence_and_a_bad_one(qtbot: QtBot, window: MainWindow,
                                        motif_run) -> None:  # noqa: ANN001
    page = _explain_page(qtbot, window, motif_run)
    seq = page.sequence
    seq.source.setCurrentIndex(2)  # typed in
    seq.typed.setText("acgt" * 5 + "TATAAT" + "gcta" * 9)
    with qtbot.waitSignal(seq.job.succeeded, timeout=TIMEOUT_MS):
        seq.explain()
    assert "typed sequence" in seq.summary.text()
    seq.typed.setText("ACGTXZ")
    seq.explain()
    assert page.message_bar.level == "error" and "X, Z" in page.message_bar.text


def test_filters_become_motifs_matched_with_a_meme_file(qtbot: QtBot, window: MainWindow,
                                                        motif_run, tmp_path: Path) -> None:  # noqa: ANN001
    page = _explain_page(qtbot, window, motif_run)
    qtbot.waitUntil(lambda: page.motifs.motifs is not None, timeout=TIMEOUT_MS)
    motifs = page.motifs.motifs
    assert "ranked by influence" in page.motifs.label.text()
    influences = [m.influence for m in motifs.filters]
    assert influences == sorted(influences, reverse=True)
    meme = tmp_path / "tata.meme"
    meme.write_text(MEME)
    with qtbot.waitSignal(page.motif_job.succeeded, timeout=TIMEOUT_MS):
        page.load_motif_file(str(meme))
    titles = [p.title_label.text() for p in page.motifs.panels if not p.isHidden()]
    assert any("best match TBP" in t for t in titles)
    best = max((m for m in page.motifs.motifs.filters if m.match is not None),
               key=lambda m: m.match.score)
    assert best.match.score > 0.8 and "TATAAT" in best.consensus("ACGT").upper()
    broken = tmp_path / "broken.meme"
    broken.write_text("MEME version 4\n\nMOTIF x\nletter-probability matrix: alength= 4 w= 2"
                      "\n0.5 0.5 oops 0\n")
    with qtbot.waitSignal(page.motif_job.failed, timeout=TIMEOUT_MS):
        page.load_motif_file(str(broken))
    assert "broken.meme" in page.message_bar.text and page.message_bar.level == "error"


def test_a_table_run_measures_permutation_importance(qtbot: QtBot, window: MainWindow) -> None:
    outcome = _run("demo:iris", "mlp", 20)
    page = window.show_page("explain")
    window.state.set_run(outcome)
    enabled = [page.tabs.isTabEnabled(i) for i in range(len(TABS))]
    assert enabled == [False, False, False, True]
    assert page.tabs.currentIndex() == TABS.index("features")
    view = page.features
    with qtbot.waitSignal(view.job.succeeded, timeout=TIMEOUT_MS):
        view.button.click()
    assert view.table.rowCount() == 4
    headers = [view.table.horizontalHeaderItem(j).text() for j in range(view.table.columnCount())]
    assert headers[:2] == ["feature", "network"] and len(headers) >= 3
    assert "test rows" in view.summary.text()


def test_an_image_run_shows_where_the_model_looks(qtbot: QtBot, window: MainWindow) -> None:
    outcome = _run("demo:digits", "cnn2d", 2, 400)
    page = _explain_page(qtbot, window, outcome)
    assert page.tabs.isTabEnabled(TABS.index("image"))
    assert not page.tabs.isTabEnabled(TABS.index("sequence"))
    view = page.image
    assert view.pick.count() > 0
    with qtbot.waitSignal(view.job.succeeded, timeout=TIMEOUT_MS):
        view.button.click()
    items = view.plot.getPlotItem().items
    assert sum(type(i).__name__ == "ImageItem" for i in items) == 2  # image + heat map
    assert "explained for the predicted class" in view.summary.text()
