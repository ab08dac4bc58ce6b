"""``mendel explain`` and ``mendel motifs`` draw their logos and heat maps as PNG and SVG
through the app's renderers; ``--no-plots`` writes the data files only."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from core.export.bundle import save_bundle
from tests.core.explain_fixtures import motif_outcome


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("explain-pictures") / "run"
    save_bundle(folder, motif_outcome())
    return folder


def _data(tmp_path: Path) -> Path:
    outcome = motif_outcome()
    path = tmp_path / "seqs.fa"
    rows = outcome.split.test[:3]
    path.write_text("".join(f">{outcome.dataset.ids[i]}\n{outcome.dataset.records[i]}\n"
                            for i in rows))
    return path


def test_explain_writes_a_logo_and_a_heat_map_per_sequence(run: Path, tmp_path: Path) -> None:
    data = _data(tmp_path)
    for method, stem in (("saliency", "attribution_"), ("ism", "ism_")):
        out = tmp_path / method
        assert main(["explain", str(run), str(data), "--method", method, "--out",
                     str(out)]) == 0
        pictures = sorted(p.name for p in out.glob(f"{stem}*"))
        assert len([p for p in pictures if p.endswith(".png")]) == 3
        assert len([p for p in pictures if p.endswith(".svg")]) == 3
    out = tmp_path / "bare"
    assert main(["explain", str(run), str(data), "--out", str(out), "--no-plots"]) == 0
    assert not list(out.glob("*.png")) and list(out.glob("*.csv"))


def test_motifs_writes_the_top_filters_logos(run: Path, tmp_path: Path) -> None:
    out = tmp_path / "motifs"
    assert main(["motifs", str(run), "--out", str(out), "--no-influence"]) == 0
    logos = sorted(out.glob("motif_*.svg"))
    assert 1 <= len(logos) <= 12 and "<path" in logos[0].read_text()
    assert (out / "motif_01_filter{}.png".format(logos[0].stem.split("filter")[1])).is_file()
