"""Mendel's engine: data loading, networks, training, classic methods and export.

Pure Python (numpy, torch, scikit-learn, Biopython, pandas, Pillow). Never imports Qt or
the ``app`` package; the import-linter contract in pyproject.toml enforces it.
"""

__version__ = "0.1.0"
