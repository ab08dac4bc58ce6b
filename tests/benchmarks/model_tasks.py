"""Synthetic tasks on which Mendel's default network must beat the classic baselines.

Each is built the way such data look in the lab, small enough for a test and seeded:

- ``fixed_offset``: DNA 60-mers whose class is set by a motif at a fixed offset from a
  junction, flipped when a second motif sits at one particular position (anywhere else it
  is a decoy). Position is the signal: a linear model cannot express the flip and a global
  max pool throws the position away.
- ``motif_anywhere``: DNA 100-mers that hold a (sometimes mutated) binding site anywhere,
  or only shuffled decoys of it. Position is noise here.
- ``tabular``: Friedman's #1 regression table (10 numeric features, 5 of them irrelevant),
  a smooth non-linear response with interactions, as dose-response tables are.
- ``images``: 28x28 digit images (sklearn's bundled 8x8 digits upsampled, shifted by up to
  two pixels and noised): MNIST-like, offline.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from core.data.dataset import Dataset

_BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


def _mutate(motif: bytes, rng: np.random.Generator, p: float) -> np.ndarray:
    """The motif's bytes with one random substitution, with probability ``p``."""
    m = np.frombuffer(motif, dtype=np.uint8).copy()
    if rng.random() < p:
        m[rng.integers(len(m))] = _BASES[rng.integers(4)]
    return m


def _sample_site(consensus: bytes, keep: list[float], rng: np.random.Generator) -> np.ndarray:
    """A site drawn from a position weight matrix: position i shows the consensus base
    with probability ``keep[i]``, else one of the other three (real sites are degenerate;
    a donor's GT is nearly invariant, its other positions are not)."""
    site = np.frombuffer(consensus, dtype=np.uint8).copy()
    for i, p in enumerate(keep):
        if rng.random() >= p:
            others = _BASES[_BASES != site[i]]
            site[i] = others[rng.integers(3)]
    return site


def _sequences(codes: np.ndarray) -> list[str]:
    return [row.tobytes().decode() for row in codes]


def fixed_offset(n: int = 2000, seed: int = 0) -> Dataset:
    """Class = [donor site at offset 30] XOR [flip site at position 8], 2 % label noise;
    both sites are drawn from a position weight matrix and also occur as decoys."""
    length, donor, flip = 60, b"CAGGTAAGT", b"CTTTCC"
    donor_keep, flip_keep = [0.6, 0.7, 0.8, 1.0, 1.0, 0.7, 0.75, 0.8, 0.5], [0.8] * 6
    at_donor, at_flip = 30, 8
    rng = np.random.default_rng(seed)
    codes = _BASES[rng.integers(0, 4, size=(n, length))]
    labels = np.zeros(n, dtype=np.int64)
    for i in range(n):
        has_donor = rng.random() < 0.5
        if has_donor:
            codes[i, at_donor:at_donor + len(donor)] = _sample_site(donor, donor_keep, rng)
        elif rng.random() < 0.5:  # a decoy donor away from the junction
            p = int(rng.choice([2, 16, 45, 50]))
            codes[i, p:p + len(donor)] = _sample_site(donor, donor_keep, rng)
        state = rng.integers(3)  # none, at the flip position, or a decoy elsewhere
        if state == 1:
            codes[i, at_flip:at_flip + len(flip)] = _sample_site(flip, flip_keep, rng)
        elif state == 2:
            p = int(rng.choice([20, 40, 51]))
            codes[i, p:p + len(flip)] = _sample_site(flip, flip_keep, rng)
        labels[i] = int(has_donor) ^ int(state == 1)
    noisy = rng.random(n) < 0.02
    labels[noisy] = 1 - labels[noisy]
    return Dataset(name="fixed offset", modality="sequence", task="classification",
                   records=_sequences(codes), targets=labels,
                   ids=[f"seq{i + 1}" for i in range(n)], class_names=["no", "yes"],
                   alphabet="DNA")


def motif_anywhere(n: int = 2000, seed: int = 0) -> Dataset:
    """Positives hold TGACTCA (AP-1) anywhere, a third of them with one substitution;
    every sequence holds two shuffled decoys of the site, so composition tells nothing."""
    length, site = 100, b"TGACTCA"
    rng = np.random.default_rng(seed)
    codes = _BASES[rng.integers(0, 4, size=(n, length))]
    labels = rng.permutation(np.arange(n) % 2).astype(np.int64)
    for i in range(n):
        for _ in range(2):
            decoy = rng.permutation(np.frombuffer(site, dtype=np.uint8))
            p = rng.integers(0, length - len(site) + 1)
            codes[i, p:p + len(site)] = decoy
        if labels[i]:
            p = rng.integers(0, length - len(site) + 1)
            codes[i, p:p + len(site)] = _mutate(site, rng, 0.33)
    seqs = _sequences(codes)
    for i in np.flatnonzero(labels == 0):  # a negative that holds the site by chance
        while "TGACTCA" in seqs[i] or "TGAGTCA" in seqs[i]:
            seqs[i] = _BASES[rng.integers(0, 4, size=length)].tobytes().decode()
    return Dataset(name="motif anywhere", modality="sequence", task="classification",
                   records=seqs, targets=labels, ids=[f"seq{i + 1}" for i in range(n)],
                   class_names=["absent", "present"], alphabet="DNA")


def tabular(n: int = 2000, seed: int = 0) -> Dataset:
    """Friedman #1: y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + N(0, 1)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    X = rng.random((n, 10))
    y = (10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2
         + 10 * X[:, 3] + 5 * X[:, 4] + rng.normal(0, 1, n))
    frame = pd.DataFrame(X, columns=[f"x{j + 1}" for j in range(10)])
    return Dataset(name="friedman", modality="tabular", task="regression", records=frame,
                   targets=y.astype(np.float32), ids=[f"row{i + 1}" for i in range(n)])


def images(n: int = 2000, seed: int = 0) -> Dataset:
    from tests.benchmarks.bench_train import digits_like

    X, y = digits_like(n, seed)
    return Dataset(name="digits 28x28", modality="image", task="classification",
                   records=X.reshape(n, 1, 28, 28), targets=y,
                   ids=[f"img{i + 1}" for i in range(n)],
                   class_names=[str(d) for d in range(10)])


TASKS: dict[str, Callable[..., Dataset]] = {
    "fixed_offset": fixed_offset, "motif_anywhere": motif_anywhere, "tabular": tabular,
    "images": images,
}
