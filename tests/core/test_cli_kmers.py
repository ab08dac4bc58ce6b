"""``mendel kmers`` in-process: the counts, the files, JSON, and one-line errors that
write nothing (pictures are tested in tests/app/test_cli_plots.py: they need Qt)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from app.cli import main


@pytest.fixture
def reads(tmp_path):
    path = tmp_path / "reads.fa"
    path.write_text(">r1 first\nACGTNACGT\n>r2\nACGTTT\n>r3\nGGGG\n")
    return path


def test_summary_and_files(reads, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["kmers", str(reads), "--k", "2", "--jaccard", "--out", str(out),
                 "--no-plots"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("2-mer spectrum of reads: 19 letters in 3 sequences")
    assert "14 windows counted, 2 skipped" in text  # CN and NA hold the N
    assert "most frequent: AC 3, CG 3, GG 3, GT 3, TT 2" in text  # ties in k-mer order
    spectrum = pd.read_csv(out / "spectrum.csv")
    assert list(spectrum.columns) == ["kmer", "count", "frequency"] and len(spectrum) == 16
    counts = dict(zip(spectrum["kmer"], spectrum["count"], strict=True))
    assert counts["AC"] == 3 and counts["GG"] == 3 and counts["TT"] == 2 and counts["CA"] == 0
    assert spectrum["frequency"].sum() == pytest.approx(1.0)
    jaccard = pd.read_csv(out / "jaccard.csv")
    assert list(jaccard.columns) == ["name", "r1", "r2", "r3"]
    # r1 {AC, CG, GT}; r2 {AC, CG, GT, TT}: 3 / 4; r3 {GG} shares nothing
    assert jaccard.loc[0, "r2"] == pytest.approx(0.75) and jaccard.loc[2, "r1"] == 0
    assert sorted(p.name for p in out.iterdir()) == ["jaccard.csv", "spectrum.csv"]


def test_json_of_a_folder_compares_files(tmp_path, capsys):
    folder = tmp_path / "genomes"
    folder.mkdir()
    (folder / "a.fa").write_text(">x\nACGT\n>y\nGG\n")
    (folder / "b.fa").write_text(">z\nACGA\n")
    assert main(["kmers", str(folder), "--k", "2", "--jaccard", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["n_files"] == 2 and d["n_sequences"] == 3 and d["k"] == 2
    assert d["possible_kmers"] == 16 and d["windows"] == 7 and d["skipped_windows"] == 0
    assert d["jaccard"]["names"] == ["a.fa", "b.fa"]
    # {AC, CG, GT, GG} against {AC, CG, GA}: 2 / 5
    assert d["jaccard"]["matrix"][0][1] == pytest.approx(0.4)
    assert d["files"] == []


def test_jaccard_of_the_first_sequences_only(reads, capsys):
    assert main(["kmers", str(reads), "--k", "2", "--jaccard", "--max-sequences", "2",
                 "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["jaccard"]["names"] == ["r1", "r2"]
    assert d["notes"] == ["Jaccard between the first 2 of 3 sequences (--max-sequences)"]


@pytest.mark.parametrize("args, message", [
    (["--k", "0"], "k must be a whole number from 1 to 12"),
    (["--k", "13"], "k must be a whole number from 1 to 12"),
    (["--max-sequences", "1"], "--max-sequences must be at least 2"),
])
def test_bad_options(reads, tmp_path, capsys, args, message):
    out = tmp_path / "out"
    assert main(["kmers", str(reads), *args, "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and message in err
    assert not out.exists()


@pytest.mark.parametrize("content, message", [
    (None, "no such file or folder"),
    (">p\nMKLVWWQQEERR\n", "protein"),
    ("id,x,label\na,1,0\nb,2,1\n", "need DNA or RNA sequences"),
])
def test_bad_data_writes_nothing(tmp_path, capsys, content, message):
    data = tmp_path / ("data.csv" if content and "," in content else "data.fa")
    if content is not None:
        data.write_text(content)
    out = tmp_path / "out"
    assert main(["kmers", str(data), "--jaccard", "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and message in err
    assert not out.exists()


def test_out_must_be_a_folder(reads, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["kmers", str(reads), "--out", str(blocker)]) == 1
    assert "must be a folder" in capsys.readouterr().err
