"""Explanations as files: CSV for people and spreadsheets, NPZ for numpy, JSON for
scripts, and the filters as a MEME motif file (for Tomtom and other motif tools).

Every file is written through ``core.atomic`` (temporary name, then rename). Pictures
(logos, heatmaps) are not drawn here: the GUI's renderers draw them from these same
objects; a front end that wants them passes its own drawing step after these writers.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.atomic import write_atomic, write_text_atomic
from core.explain.attribution import Attribution
from core.explain.methods import ClassAttribution
from core.explain.motifs import FilterMotif, FilterMotifs
from core.explain.permutation import PermutationImportance
from core.export.bundle import jsonable


def _write_npz(path: Path, **arrays: np.ndarray) -> None:
    def write(tmp: Path) -> None:
        with tmp.open("wb") as f:  # a file object: np.savez would add ".npz" to a name
            np.savez_compressed(f, **arrays)

    write_atomic(path, write)


def _present(rows: np.ndarray, letters: str) -> list[str]:
    """Each one-hot row's letter: the letter, "N" for an ambiguous row, "" for padding."""
    out = []
    for row in rows:
        if not row.any():
            out.append("")
        elif np.isclose(row.max(), 1.0) and np.count_nonzero(row) == 1:
            out.append(letters[int(row.argmax())])
        else:
            out.append("N")
    return out


def attribution_frame(att: Attribution, X: np.ndarray | None, ids: Sequence[str],
                      layout: str, letters: str = "", feature_names: Sequence[str] = (),
                      class_names: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per position (sequences: the letter present when ``X`` is given, a column
    per letter and their total), per pixel (images: id, channel, row, col, value) or per
    sample (flat inputs: a column per feature). ``target`` names the output explained."""
    names = list(class_names or [])
    target = [names[t] if t < len(names) else str(t) for t in att.targets]
    values = att.values
    if letters and values.ndim == 3:
        n, length, _ = values.shape
        frame = pd.DataFrame({
            "id": np.repeat(list(ids), length), "target": np.repeat(target, length),
            "position": np.tile(np.arange(1, length + 1), n)})
        flat = values.reshape(n * length, -1)
        if X is not None:
            frame["letter"] = _present(X.reshape(n * length, -1), letters)
        for j, letter in enumerate(letters):
            frame[letter] = flat[:, j]
        with np.errstate(invalid="ignore"):
            frame["total"] = np.where(np.isnan(flat).all(axis=1), np.nan,
                                      np.nansum(flat, axis=1))
        return frame
    if layout == "image" and values.ndim == 4:
        n, c, h, w = values.shape
        grid = np.indices((n, c, h, w)).reshape(4, -1)
        return pd.DataFrame({"id": np.asarray(list(ids))[grid[0]],
                             "target": np.asarray(target)[grid[0]],
                             "channel": grid[1], "row": grid[2] + 1, "col": grid[3] + 1,
                             "value": values.ravel()})
    flat = values.reshape(len(values), -1)
    cols = list(feature_names) if len(feature_names) == flat.shape[1] else \
        [f"x{i + 1}" for i in range(flat.shape[1])]
    frame = pd.DataFrame(flat, columns=cols)
    frame.insert(0, "target", target)
    frame.insert(0, "id", list(ids))
    return frame


def write_attributions(out_dir: str | Path, att: Attribution, X: np.ndarray,
                       ids: Sequence[str], layout: str, letters: str = "",
                       feature_names: Sequence[str] = (),
                       class_names: Sequence[str] | None = None) -> list[Path]:
    """``<method>.csv`` (``attribution_frame``) and ``<method>.npz`` (values, inputs,
    ids, targets, outputs and, for IG, baseline outputs) in ``out_dir``."""
    out = Path(out_dir)
    csv_path, npz_path = out / f"{att.method}.csv", out / f"{att.method}.npz"
    frame = attribution_frame(att, X, ids, layout, letters, feature_names, class_names)
    write_text_atomic(csv_path, frame.to_csv(index=False))
    arrays: dict[str, Any] = {"values": att.values, "inputs": np.asarray(X),
                              "ids": np.asarray(list(ids), dtype=str),
                              "targets": att.targets, "outputs": att.outputs,
                              "letters": np.asarray(letters), "layout": np.asarray(layout)}
    if att.baseline_outputs is not None:
        arrays["baseline_outputs"] = att.baseline_outputs
        arrays["completeness_gap"] = att.completeness_gap()
    _write_npz(npz_path, **arrays)
    return [csv_path, npz_path]


def write_class_attribution(out_dir: str | Path, per: ClassAttribution, layout: str,
                            letters: str = "",
                            feature_names: Sequence[str] = ()) -> list[Path]:
    """``<method>_per_class.csv`` (as ``attribution_frame``, one "sample" per class with
    its count) and ``<method>_per_class.npz`` (values, counts, class names)."""
    out = Path(out_dir)
    csv_path = out / f"{per.method}_per_class.csv"
    npz_path = out / f"{per.method}_per_class.npz"
    classes = np.arange(len(per.class_names))
    as_att = Attribution(per.method, per.values, classes, np.zeros(len(classes)))
    frame = attribution_frame(as_att, None, per.class_names, layout, letters, feature_names,
                              per.class_names).rename(columns={"id": "class"})
    frame = frame.drop(columns="target")
    frame.insert(1, "n_samples", np.repeat(per.counts, len(frame) // max(1, len(classes))))
    write_text_atomic(csv_path, frame.to_csv(index=False))
    _write_npz(npz_path, values=per.values, counts=per.counts,
               class_names=np.asarray(per.class_names, dtype=str))
    return [csv_path, npz_path]


def motif_record(m: FilterMotif, rank: int, letters: str) -> dict[str, Any]:
    """One filter as plain JSON types."""
    match = m.match
    return {
        "rank": rank, "filter": m.index, "consensus": m.consensus(letters),
        "n_sites": m.n_sites, "max_activation": m.max_activation,
        "information_content": m.information_content, "influence": m.influence,
        "information": m.information, "probabilities": m.probabilities, "pwm": m.pwm,
        "counts": m.counts,
        "match": None if match is None else {
            "motif": match.motif, "score": match.score, "offset": match.offset,
            "strand": match.strand, "overlap": match.overlap},
    }


def motifs_document(motifs: FilterMotifs) -> dict[str, Any]:
    """The JSON ``mendel motifs --json`` prints and ``motifs.json`` holds."""
    return jsonable({
        "letters": motifs.letters, "threshold": motifs.threshold,
        "pseudocount": motifs.pseudocount, "n_sequences": motifs.n_sequences,
        "influence_measure": motifs.influence_measure, "notes": motifs.notes,
        "filters": [motif_record(m, r + 1, motifs.letters)
                    for r, m in enumerate(motifs.filters)],
    })


def meme_text(motifs: FilterMotifs) -> str:
    """The filters as a MEME minimal-format file, in rank order, named filter<N>."""
    letters = motifs.letters
    lines = ["MEME version 4", "", f"ALPHABET= {letters}", ""]
    if len(letters) == 4:
        lines += ["strands: + -", ""]
    lines += ["Background letter frequencies",
              " ".join(f"{c} {1 / len(letters):.3f}" for c in letters), ""]
    for m in motifs.filters:
        lines.append(f"MOTIF filter{m.index} {m.consensus(letters)}")
        lines.append(f"letter-probability matrix: alength= {len(letters)} "
                     f"w= {len(m.probabilities)} nsites= {m.n_sites} E= 0")
        lines += ["  ".join(f"{p:.6f}" for p in row) for row in m.probabilities]
        lines.append("")
    return "\n".join(lines)


def write_motifs(out_dir: str | Path, motifs: FilterMotifs) -> list[Path]:
    """``motifs.json`` (``motifs_document``), ``motifs.csv`` (one line per filter),
    ``motifs.npz`` (the matrices, filters in rank order) and ``motifs.meme``."""
    out = Path(out_dir)
    doc = motifs_document(motifs)
    paths = [out / "motifs.json", out / "motifs.csv", out / "motifs.npz", out / "motifs.meme"]
    write_text_atomic(paths[0], json.dumps(doc, indent=1))
    summary = pd.DataFrame([{
        "rank": f["rank"], "filter": f["filter"], "consensus": f["consensus"],
        "n_sites": f["n_sites"], "information_content": f["information_content"],
        "influence": f["influence"],
        "best_match": (f["match"] or {}).get("motif"), "score": (f["match"] or {}).get("score"),
        "strand": (f["match"] or {}).get("strand"), "offset": (f["match"] or {}).get("offset"),
    } for f in doc["filters"]])
    write_text_atomic(paths[1], summary.to_csv(index=False))
    fs = motifs.filters
    _write_npz(paths[2], filters=np.array([m.index for m in fs], dtype=np.int64),
               counts=_stack([m.counts for m in fs]),
               probabilities=_stack([m.probabilities for m in fs]),
               pwm=_stack([m.pwm for m in fs]), information=_stack([m.information for m in fs]),
               influence=np.array([np.nan if m.influence is None else m.influence for m in fs]),
               letters=np.asarray(motifs.letters))
    write_text_atomic(paths[3], meme_text(motifs))
    return paths


def _stack(arrays: list[np.ndarray]) -> np.ndarray:
    return np.stack(arrays) if arrays else np.zeros((0,))


def write_importance(out_dir: str | Path, result: PermutationImportance) -> list[Path]:
    """``importance.csv``: one row per feature, mean and std of the score drop per model."""
    path = Path(out_dir) / "importance.csv"
    buffer = io.StringIO()
    pd.DataFrame(result.table()).to_csv(buffer, index=False)
    write_text_atomic(path, buffer.getvalue())
    return [path]
