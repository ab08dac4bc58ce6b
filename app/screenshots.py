"""``python -m app.screenshots OUTDIR``: drive the real window and save every page as PNG.

It opens a FASTA file (written from the motif demo) on the Data page, trains on it on the
Train page (one picture while the run goes, one when it is done), then shows every other
registered page with that run in the session. ``make screenshots`` runs it under Xvfb so
the pictures look as they do on a desktop; look at them before calling GUI work done.
Settings go to a temporary folder, never to the user's own.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QSettings, QTimer, SignalInstance
from PySide6.QtWidgets import QApplication

WINDOW_SIZE = (1440, 900)
SMALL_SCREEN = (1280, 800)
TIMEOUT_S = 300


def write_motif_fasta(path: Path, n: int = 800) -> Path:
    """The motif demo as a FASTA file whose headers carry the label ('>seq1|present')."""
    from core.data.load import load_dataset
    from core.data.options import LoadOptions

    ds = load_dataset("demo:motif", LoadOptions(demo_size=n))
    names = ds.class_names or []
    path.write_text("".join(f">{i}|{names[t]}\n{s}\n"
                            for i, s, t in zip(ds.ids, ds.records, ds.targets, strict=True)))
    return path


def wait_for(signal: SignalInstance, condition: Callable[..., bool] = lambda *a: True,
             timeout_s: float = TIMEOUT_S) -> None:
    """Run the event loop until ``signal`` fires with arguments meeting ``condition``."""
    loop = QEventLoop()
    done = []

    def check(*args: object) -> None:
        if condition(*args):
            done.append(True)
            loop.quit()

    signal.connect(check)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    signal.disconnect(check)
    if not done:
        raise TimeoutError(f"gave up after {timeout_s:.0f} s waiting for {signal}")


def settle(seconds: float = 0.5) -> None:
    """Let queued events, timers and layouts run so the picture is complete."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.02)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m app.screenshots OUTDIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="mendel-shots-"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp))
    app = QApplication.instance() or QApplication(["mendel-screenshots"])
    from app.main_thread_gc import MainThreadGC
    from app.main_window import RESOURCES, MainWindow

    MainThreadGC(app)  # as the app: cycles collected on this thread only
    from core.train.config import TrainConfig
    from core.train.events import EpochFinished

    style = RESOURCES / "style.qss"
    if style.exists():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    window = MainWindow()
    window.resize(*WINDOW_SIZE)
    window.show()
    settle(0.3)
    window.warm_up_engine()

    def grab(name: str) -> None:
        settle()
        path = out / f"{name}.png"
        window.grab().save(str(path))
        print(f"saved {path}")

    data = window.pages["data"]
    fasta = write_motif_fasta(tmp / "promoters.fa")
    window.open_source(str(fasta))
    wait_for(data.load_finished)
    if window.state.summary is None:
        wait_for(data.summary_ready)
    window.show_page("data")
    grab("data")

    train = window.show_page("train")
    epochs = 24
    train.state.set_train_config(TrainConfig(epochs=epochs, early_stopping=None))
    train.start()
    wait_for(train.run_event,
             lambda ev: isinstance(ev, EpochFinished) and ev.epoch >= epochs // 2)
    grab("train-running")
    wait_for(window.state.runFinished)
    grab("train-done")

    if "runs" in window.pages:
        runs_shot(window, grab, tmp)
    if "explain" in window.pages:
        explain_shots(window, grab, tmp)
    if "network" in window.pages:
        network_shots(window, grab)
        template_shots(window, grab)
    if "explore" in window.pages:
        kmer_shot(window, grab)
    computed = ("explore", "trees")  # these pages show results once they have computed
    for name in window.pages:
        if name not in ("data", "train", "network", *computed):
            window.show_page(name)
            settle(1.0)
            grab(name)
    _open_demo(window, "demo:breast-cancer")  # a table with structure for both pages
    if "trees" in window.pages:
        trees_shot(window, grab)
    if "explore" in window.pages:
        explore_shot(window, grab)
    if "tune" in window.pages:
        tune_shots(window, grab)
    playground_shot(window, grab)
    hardening_shots(window, grab, out, tmp)
    small = small_screen_shots(window, grab)
    window.project.ask_save_changes = lambda: "discard"  # no "save changes?" box to answer
    window.close()
    return 0 if small else 1


def hardening_shots(window: Any, grab: Callable[[str], None], out: Path, tmp: Path) -> None:
    """Issue 16 as a user meets it: a named pipe opened as data (one line, nothing lost),
    the memory budget in Preferences with a size that does not parse, and a run refused
    before it starts because it would need more than a small budget."""
    import os

    from app.widgets.preferences import PreferencesDialog
    from core.budget import set_memory_budget

    fifo = tmp / "reads.fastq"
    os.mkfifo(fifo)
    window.open_source(str(fifo))
    window.show_page("data")
    settle(2.0)
    grab("data-error-fifo")
    dialog = PreferencesDialog(0, window)
    dialog.memory.setText("lots")
    dialog.accept()  # refused: the dialog stays open with the reason under the field
    dialog.show()
    settle(0.5)
    dialog.grab().save(str(out / "preferences-budget.png"))
    print(f"saved {out / 'preferences-budget.png'}")
    dialog.reject()
    _open_demo(window, "demo:motif")
    set_memory_budget("40M", "in Preferences")
    train = window.show_page("train")
    train.start()
    settle(4.0)
    grab("train-over-budget")
    set_memory_budget(None)


def small_screen_shots(window: Any, grab: Callable[[str], None]) -> bool:
    """Every page again in a 1280x800 screen's window; False if one forced it wider."""
    width, height = SMALL_SCREEN
    window.resize(width, height - 32)  # less the title bar
    fits = True
    for name in window.pages:
        window.show_page(name)
        settle(0.5)
        grab(f"{name}-{width}x{height}")
        if window.width() > width or window.height() > height:
            print(f"{name}: the window grew to {window.width()}x{window.height()}",
                  file=sys.stderr)
            fits = False
    return fits


def network_shots(window: Any, grab: Callable[[str], None]) -> None:
    """The 1-D CNN for the loaded DNA, then the same network with a kernel too long."""
    from core.nn.presets import make_preset
    from core.nn.spec import LayerSpec

    page = window.show_page("network")
    shape, n_out = window.state.input_shape, window.state.n_outputs
    spec = make_preset("cnn1d", shape, n_out)
    page.editor.set_spec(spec)
    page.editor.select((0,))
    grab("network")
    bad = spec.copy()
    bad.layers[0] = LayerSpec("Conv1D", {"filters": 32, "kernel": shape[0] + 10,
                                         "activation": "relu"})
    page.editor.set_spec(bad)
    page.editor.select((0,))
    grab("network-error")
    window.state.set_network(None)  # the later shots train with the Train page's presets


def runs_shot(window: Any, grab: Callable[[str], None], tmp: Path) -> None:
    """The session saved as a project, three runs queued with three learning rates, then
    the Runs page with their curves overlaid and their options diffed."""
    from dataclasses import replace

    window.project.ask_save_path = lambda: str(tmp / "promoters-study")
    window.project.save_as()
    train = window.show_page("train")
    base = window.state.train_config
    done = []
    for lr in (0.003, 0.01, 0.03):
        window.state.set_train_config(replace(base, lr=lr, epochs=12))
        train.queue_run()
    while len(done) < 3:  # each queued run ends with its run folder written
        wait_for(window.export_job.succeeded)
        done.append(True)
    window.state.set_train_config(base)
    page = window.show_page("runs")
    page.refresh()
    page.select_runs([r.id for r in page.rows])
    grab("runs")


TATA_MEME = """MEME version 4

ALPHABET= ACGT

MOTIF TBP TATA-box
letter-probability matrix: alength= 4 w= 6
0.05 0.05 0.05 0.85
0.85 0.05 0.05 0.05
0.05 0.05 0.05 0.85
0.85 0.05 0.05 0.05
0.85 0.05 0.05 0.05
0.05 0.05 0.05 0.85

MOTIF SP1 GC-box
letter-probability matrix: alength= 4 w= 6
0.05 0.05 0.85 0.05
0.05 0.05 0.85 0.05
0.05 0.85 0.05 0.05
0.05 0.05 0.85 0.05
0.05 0.05 0.85 0.05
0.05 0.85 0.05 0.05
"""


def explain_shots(window: Any, grab: Callable[[str], None], tmp: Path) -> None:
    """Issue 15 on the promoters: the worst error's attribution logo and mutagenesis,
    then the filters as motifs compared with a two-motif MEME file."""
    page = window.show_page("explain")
    deadline = time.monotonic() + TIMEOUT_S
    while page.sequence.inputs is None and time.monotonic() < deadline:
        settle(0.2)  # the test sequences, encoded and ordered on a worker
    page.sequence.explain()
    wait_for(page.sequence.job.done)
    grab("explain-sequence")
    page.tabs.setCurrentIndex(1)
    deadline = time.monotonic() + TIMEOUT_S
    while page.motifs.motifs is None and time.monotonic() < deadline:
        settle(0.2)  # the motifs of the finished model, computed on a worker
    meme = tmp / "tata.meme"
    meme.write_text(TATA_MEME)
    page.load_motif_file(str(meme))
    wait_for(page.motif_job.done)
    grab("explain-motifs")
    page.tabs.setCurrentIndex(0)


def template_shots(window: Any, grab: Callable[[str], None]) -> None:
    """The literature templates as the "Start from" list builds them for the loaded DNA."""
    page = window.show_page("network")
    editor = page.editor
    for name in ("basset", "danq", "transformer"):
        editor.preset_combo.setCurrentIndex(editor.preset_combo.findData(name))
        editor.apply_preset()
        editor.select((0,))
        grab(f"network-{name}")
    window.state.set_network(None)


def kmer_shot(window: Any, grab: Callable[[str], None]) -> None:
    """The k-mer spectrum and Jaccard view of the loaded FASTA (the course notebook)."""
    explore = window.show_page("explore")
    explore.show_kmers()
    view = explore.kmer_view
    if view.jobs.running or view.result is None:
        wait_for(view.jobs.stopped)
    grab("explore-kmers")
    explore.tabs.setCurrentIndex(0)


def _open_demo(window: Any, source: str) -> None:
    window.open_source(source)
    wait_for(window.pages["data"].load_finished)


def explore_shot(window: Any, grab: Callable[[str], None]) -> None:
    """PCA of the session's data (the page runs it when shown), the elbow, k-means."""
    explore = window.show_page("explore")
    if explore.jobs.running or explore.pca is None:
        wait_for(explore.jobs.stopped)
    explore.run_elbow()
    wait_for(explore.jobs.stopped)
    explore.run_kmeans()
    wait_for(explore.jobs.stopped)
    grab("explore")


def trees_shot(window: Any, grab: Callable[[str], None]) -> None:
    """Workflow 3: the breast-cancer table, entropy, depth 4."""
    trees = window.show_page("trees")
    trees.set_settings(criterion="entropy", max_depth=4)
    trees.fit()
    wait_for(trees.jobs.stopped)
    grab("trees")


def tune_shots(window: Any, grab: Callable[[str], None]) -> None:
    """Issue 14 on the breast-cancer table: 5-fold cross-validation beside the baselines,
    a search caught mid-way (then stopped), the learning-rate finder."""
    from core.train.config import TrainConfig

    window.state.set_train_config(TrainConfig(epochs=15, early_stopping=None))
    train = window.show_page("train")
    tune = window.show_page("tune")
    train.tune("cv")
    wait_for(tune.job.done)
    grab("tune-cv")
    tune.tabs.setCurrentIndex(1)
    tune.trials.setValue(30)
    tune.start_search()
    deadline = time.monotonic() + TIMEOUT_S  # the worker's own signals are not waited on
    while time.monotonic() < deadline and sum(
            t.get("state") not in ("running", None)
            for t in tune.search_view.trials.values()) < 12:
        settle(0.2)
    grab("tune-search")
    tune.stop()
    wait_for(tune.job.done)
    tune.start_lr()
    wait_for(tune.job.done)
    grab("tune-lr")


def playground_shot(window: Any, grab: Callable[[str], None]) -> None:
    """Workflow 8: Playground's circle, a small tanh network, the surface after training."""
    from core.train.config import TrainConfig

    _open_demo(window, "demo:circle")
    train = window.show_page("train")
    train.network.set_preset("mlp")
    train.network.set_preset_options({"hidden": (4, 2), "activation": "tanh"})
    train.state.set_train_config(TrainConfig(epochs=40, lr=0.03, batch_size=10,
                                             early_stopping=None))
    train.start()
    wait_for(window.state.runFinished)
    train.live_views.setCurrentIndex(0)
    grab("playground")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
