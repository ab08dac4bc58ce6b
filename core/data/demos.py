"""Built-in demo datasets, so a newcomer can train something before owning any data.

Three families:
  - the TensorFlow Playground pictures (circle, xor, gauss, spiral, reg-plane, reg-gauss),
    generated as its ``src/dataset.ts`` does (same draws in the same order from one seeded
    uniform generator, Marsaglia polar normals, labels taken at the noisy point, a
    Fisher-Yates shuffle), so the clouds look like the ones the lectures showed;
  - the course notebooks' synthetic data ("line", "motif-regression") and a planted-motif
    DNA classification ("motif");
  - scikit-learn's bundled tables and digits (shipped with the library, nothing downloaded).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.data.dataset import Dataset, Modality, Provenance, Task
from core.data.options import LoadOptions
from core.errors import DataError


@dataclass(frozen=True)
class DemoInfo:
    """What the demo picker shows."""

    name: str
    title: str
    description: str
    modality: Modality
    task: Task


_DEMOS: list[DemoInfo] = [
    DemoInfo("circle", "Playground: circle", "Blue disc inside an orange ring (2-D).",
             "tabular", "classification"),
    DemoInfo("xor", "Playground: exclusive or", "Four quadrants, opposite corners alike (2-D).",
             "tabular", "classification"),
    DemoInfo("gauss", "Playground: two Gaussians", "Two clouds; noise makes them overlap (2-D).",
             "tabular", "classification"),
    DemoInfo("spiral", "Playground: spiral", "Two interleaved spiral arms (2-D).",
             "tabular", "classification"),
    DemoInfo("reg-plane", "Playground: plane", "Target rises linearly along x1 + x2 (2-D).",
             "tabular", "regression"),
    DemoInfo("reg-gauss", "Playground: multi-Gaussian", "Six bumps of opposite sign (2-D).",
             "tabular", "regression"),
    DemoInfo("line", "Linear regression", "100 points on y = 1 + 2x with noise (notebook).",
             "tabular", "regression"),
    DemoInfo("motif", "DNA motif present?", "2,000 DNA 60-mers; half carry a planted TATAAT.",
             "sequence", "classification"),
    DemoInfo("motif-regression", "DNA 8-mer scores",
             "All 65,536 8-mers; score from base values, +10 for TAT, -10 for GCG (notebook).",
             "sequence", "regression"),
    DemoInfo("iris", "Iris flowers", "150 flowers, 4 measurements, 3 species.",
             "tabular", "classification"),
    DemoInfo("wine", "Wine cultivars", "178 wines, 13 chemical measurements, 3 cultivars.",
             "tabular", "classification"),
    DemoInfo("breast-cancer", "Breast cancer (Wisconsin)",
             "569 tumours, 30 cell-nucleus features, malignant or benign.",
             "tabular", "classification"),
    DemoInfo("diabetes", "Diabetes progression",
             "442 patients, 10 baseline variables, disease progression after one year.",
             "tabular", "regression"),
    DemoInfo("digits", "Handwritten digits", "1,797 grayscale 8x8 images of digits 0-9.",
             "image", "classification"),
]  # fmt: skip

_MOTIF = "TATAAT"
_PLAYGROUND_SIZES = {"classification": 500, "regression": 1200}


def list_demos() -> list[DemoInfo]:
    """Every demo, in the order the picker shows them."""
    return list(_DEMOS)


def load_demo(name: str, options: LoadOptions | None = None) -> Dataset:
    """Build demo ``name``; ``options.demo_size``, ``demo_noise`` and ``demo_seed`` apply."""
    options = options or LoadOptions()
    info = next((d for d in _DEMOS if d.name == name), None)
    if info is None:
        names = ", ".join(d.name for d in _DEMOS)
        raise DataError(f"unknown demo {name!r}; choose one of: {names}")
    if options.demo_noise is not None and not 0 <= options.demo_noise <= 50:
        raise DataError(f"demo noise must be between 0 and 50, got {options.demo_noise:g}")
    if options.demo_size is not None and not 2 <= options.demo_size <= 1_000_000:
        raise DataError(f"demo size must be between 2 and 1000000, got {options.demo_size}")
    ds = _BUILDERS[name](info, options)
    ds.provenance = Provenance(
        source=f"demo:{name}", sha256="", loader="demo", options=options.to_dict()
    )
    return ds


# --- TensorFlow Playground -------------------------------------------------------------


class _PlaygroundRandom:
    """Playground's ``Math.random`` stand-in: one seeded stream of uniforms in [0, 1)."""

    def __init__(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)

    def uniform(self, a: float, b: float, shape: tuple[int, ...]) -> np.ndarray:
        """``randUniform(a, b)`` drawn ``shape`` times, row-major (the loops' draw order)."""
        return self._rng.random(shape) * (b - a) + a

    def normal(self, mean: float, variance: float) -> float:
        """Marsaglia polar method; ``variance`` is a variance, as in dataset.ts."""
        while True:
            v1 = 2 * self._rng.random() - 1
            v2 = 2 * self._rng.random() - 1
            s = v1 * v1 + v2 * v2
            if s <= 1:
                break
        # dataset.ts accepts s == 0 too (log(0) / 0); that draw has probability 2**-106.
        return mean + math.sqrt(variance) * math.sqrt(-2 * math.log(s) / s) * v1

    def shuffle(self, n: int) -> np.ndarray:
        """Playground's Fisher-Yates shuffle as a permutation of ``range(n)``."""
        order = np.arange(n)
        for counter in range(n, 0, -1):
            index = int(self._rng.random() * counter)
            order[counter - 1], order[index] = order[index], order[counter - 1]
        return order


def _circle(rand: _PlaygroundRandom, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    radius = 5.0
    parts = []
    for r_lo, r_hi in ((0.0, radius * 0.5), (radius * 0.7, radius)):
        u = rand.uniform(0, 1, (math.ceil(n / 2), 4))  # r, angle, noise x, noise y per point
        r = r_lo + u[:, 0] * (r_hi - r_lo)
        angle = u[:, 1] * 2 * math.pi
        x, y = r * np.sin(angle), r * np.cos(angle)
        nx = (u[:, 2] * 2 * radius - radius) * noise
        ny = (u[:, 3] * 2 * radius - radius) * noise
        label = np.where(np.hypot(x + nx, y + ny) < radius * 0.5, 1.0, -1.0)
        parts.append((x, y, label))
    return _stack(parts)


def _xor(rand: _PlaygroundRandom, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    u = rand.uniform(-5, 5, (n, 4))  # x, y, noise x, noise y per point
    x = u[:, 0] + np.where(u[:, 0] > 0, 0.3, -0.3)
    y = u[:, 1] + np.where(u[:, 1] > 0, 0.3, -0.3)
    label = np.where((x + u[:, 2] * noise) * (y + u[:, 3] * noise) >= 0, 1.0, -1.0)
    return np.column_stack([x, y]), label


def _gauss(rand: _PlaygroundRandom, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    variance = 0.5 + 7 * noise  # d3 linear scale [0, 0.5] -> [0.5, 4]
    parts = []
    for centre, label in ((2.0, 1.0), (-2.0, -1.0)):
        half = math.ceil(n / 2)
        pts = [(rand.normal(centre, variance), rand.normal(centre, variance)) for _ in range(half)]
        xy = np.array(pts)
        parts.append((xy[:, 0], xy[:, 1], np.full(half, label)))
    return _stack(parts)


def _spiral(rand: _PlaygroundRandom, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    half = n / 2  # a float in dataset.ts: odd sizes give ceil(n / 2) points per arm
    i = np.arange(math.ceil(half))
    parts = []
    for delta, label in ((0.0, 1.0), (math.pi, -1.0)):
        r = i / half * 5
        t = 1.75 * i / half * 2 * math.pi + delta
        u = rand.uniform(-1, 1, (len(i), 2))
        parts.append((r * np.sin(t) + u[:, 0] * noise, r * np.cos(t) + u[:, 1] * noise,
                      np.full(len(i), label)))
    return _stack(parts)


def _reg_plane(rand: _PlaygroundRandom, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    u = rand.uniform(-6, 6, (n, 4))
    target = (u[:, 0] + u[:, 2] * noise + u[:, 1] + u[:, 3] * noise) / 10
    return u[:, :2].copy(), target


_REG_GAUSS_CENTRES = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]]
)


def _reg_gauss(rand: _PlaygroundRandom, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    u = rand.uniform(-6, 6, (n, 4))
    px, py = u[:, 0] + u[:, 2] * noise, u[:, 1] + u[:, 3] * noise
    target = np.zeros(n)
    for cx, cy, sign in _REG_GAUSS_CENTRES:  # keep the value of largest magnitude, first wins
        value = sign * np.clip(1 - np.hypot(px - cx, py - cy) / 2, 0, 1)
        target = np.where(np.abs(value) > np.abs(target), value, target)
    return u[:, :2].copy(), target


def _stack(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    xy = np.column_stack([np.concatenate([p[0] for p in parts]),
                          np.concatenate([p[1] for p in parts])])
    return xy, np.concatenate([p[2] for p in parts])


_PLAYGROUND: dict[str, Callable[[_PlaygroundRandom, int, float],
                                tuple[np.ndarray, np.ndarray]]] = {
    "circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral,
    "reg-plane": _reg_plane, "reg-gauss": _reg_gauss,
}  # fmt: skip


def _playground(info: DemoInfo, options: LoadOptions) -> Dataset:
    import pandas as pd  # not at import: the window shows first

    n = options.demo_size or _PLAYGROUND_SIZES[info.task]
    noise = (options.demo_noise or 0.0) / 100
    rand = _PlaygroundRandom(options.demo_seed)
    xy, label = _PLAYGROUND[info.name](rand, n, noise)
    order = rand.shuffle(len(xy))
    xy, label = xy[order], label[order]
    if info.task == "classification":
        targets = (label > 0).astype(np.int64)  # -1 -> class 0, +1 -> class 1
        class_names: list[str] | None = ["-1", "+1"]
    else:
        targets, class_names = label.astype(np.float32), None
    return Dataset(
        name=info.name,
        modality="tabular",
        task=info.task,
        records=pd.DataFrame({"x1": xy[:, 0], "x2": xy[:, 1]}),
        targets=targets,
        ids=[f"point{i + 1}" for i in range(len(xy))],
        class_names=class_names,
        info={"playground": True, "noise": noise * 100},
    )


# --- course notebooks and synthetic DNA ------------------------------------------------


def _line(info: DemoInfo, options: LoadOptions) -> Dataset:
    """Workflow 1: the notebook's ``np.random.seed(42)`` stream (demo_seed is added)."""
    import pandas as pd  # not at import: the window shows first

    n = options.demo_size or 100
    rs = np.random.RandomState(42 + options.demo_seed)  # the legacy np.random.seed stream
    x = rs.rand(n, 1)
    y = 1 + 2 * x + 0.1 * rs.randn(n, 1)
    return Dataset(
        name=info.name,
        modality="tabular",
        task="regression",
        records=pd.DataFrame({"x": x[:, 0]}),
        targets=y[:, 0].astype(np.float32),
        ids=[f"point{i + 1}" for i in range(n)],
    )


def _motif(info: DemoInfo, options: LoadOptions) -> Dataset:
    """Random 60-mers; positives carry TATAAT at a random place, negatives never do."""
    n, length = options.demo_size or 2000, 60
    rng = np.random.default_rng(options.demo_seed)
    bases = np.frombuffer(b"ACGT", dtype=np.uint8)
    codes = bases[rng.integers(0, 4, size=(n, length))]
    labels = rng.permutation(np.arange(n) % 2).astype(np.int64)
    pos = np.flatnonzero(labels == 1)
    starts = rng.integers(0, length - len(_MOTIF) + 1, size=len(pos))
    motif = np.frombuffer(_MOTIF.encode(), dtype=np.uint8)
    codes[pos[:, None], starts[:, None] + np.arange(len(_MOTIF))] = motif
    seqs = [row.tobytes().decode() for row in codes]
    for i in np.flatnonzero(labels == 0):  # redraw the rare negatives that hold it by chance
        while _MOTIF in seqs[i]:
            seqs[i] = bases[rng.integers(0, 4, size=length)].tobytes().decode()
    return Dataset(
        name=info.name,
        modality="sequence",
        task="classification",
        records=seqs,
        targets=labels,
        ids=[f"seq{i + 1}" for i in range(n)],
        class_names=["absent", "present"],
        alphabet="DNA",
        info={"motif": _MOTIF},
    )


def _motif_regression(info: DemoInfo, options: LoadOptions) -> Dataset:
    """Workflow 2: every 8-mer (or a seeded subset of ``demo_size`` of them)."""
    value = {"A": 20.0, "C": 17.0, "G": 14.0, "T": 11.0}
    seqs = ["".join(p) for p in itertools.product("ACGT", repeat=8)]
    if options.demo_size is not None and options.demo_size < len(seqs):
        keep = np.sort(np.random.default_rng(options.demo_seed).choice(
            len(seqs), options.demo_size, replace=False))
        seqs = [seqs[i] for i in keep]
    scores = np.array(
        [sum(value[b] for b in s) / 8 + 10 * ("TAT" in s) - 10 * ("GCG" in s) for s in seqs],
        dtype=np.float32,
    )
    return Dataset(
        name=info.name,
        modality="sequence",
        task="regression",
        records=seqs,
        targets=scores,
        ids=list(seqs),
        alphabet="DNA",
    )


# --- scikit-learn's bundled data -------------------------------------------------------


def _sklearn_table(info: DemoInfo, options: LoadOptions) -> Dataset:
    import pandas as pd  # not at import: the window shows first
    from sklearn import datasets

    loaders = {"iris": datasets.load_iris, "wine": datasets.load_wine,
               "breast-cancer": datasets.load_breast_cancer}
    if info.name == "diabetes":
        bunch = datasets.load_diabetes(scaled=False)  # age in years, not centred units
    else:
        bunch = loaders[info.name]()
    frame = pd.DataFrame(bunch.data, columns=[str(c) for c in bunch.feature_names])
    classification = info.task == "classification"
    return Dataset(
        name=info.name,
        modality="tabular",
        task=info.task,
        records=frame,
        targets=bunch.target.astype(np.int64 if classification else np.float32),
        ids=[f"{info.name}{i + 1}" for i in range(len(frame))],
        class_names=[str(c) for c in bunch.target_names] if classification else None,
    )


def _digits(info: DemoInfo, options: LoadOptions) -> Dataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.images[:, None, :, :] / 16.0).astype(np.float32)
    return Dataset(
        name=info.name,
        modality="image",
        task="classification",
        records=images,
        targets=bunch.target.astype(np.int64),
        ids=[f"digit{i + 1}" for i in range(len(images))],
        class_names=[str(c) for c in range(10)],
        info={"image_size": [8, 8]},
    )


_BUILDERS: dict[str, Callable[[DemoInfo, LoadOptions], Dataset]] = {
    **{name: _playground for name in _PLAYGROUND},
    "line": _line,
    "motif": _motif,
    "motif-regression": _motif_regression,
    "iris": _sklearn_table,
    "wine": _sklearn_table,
    "breast-cancer": _sklearn_table,
    "diabetes": _sklearn_table,
    "digits": _digits,
}
