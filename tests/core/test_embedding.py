"""The hidden-layer picture: a layer's activations and their 2-D projection, headless."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.data.load import load_dataset
from core.errors import DataError
from core.nn.embedding import (
    EMBEDDING_SAMPLES,
    EXACT_PCA_DIM,
    hidden_embedding,
    layer_activations,
    project_2d,
)
from core.train.run import prepare_run


def test_activations_of_a_layer_and_their_projection():
    ds = load_dataset("demo:iris")
    prepared = prepare_run(ds, network="mlp", preset_options={"hidden": (8, 5)})
    from core.nn.build import build_model

    model = build_model(prepared.spec, prepared.data.input_shape, 3)
    model.train()
    X = prepared.data.X_val
    acts = layer_activations(model, X, (1,))
    assert acts.shape == (len(X), 5)
    assert model.training  # mode restored
    with torch.no_grad():
        direct = model[1](model[0](torch.as_tensor(X))).numpy()
    np.testing.assert_allclose(acts, direct, atol=1e-6)
    emb = project_2d(acts)
    assert emb.coords.shape == (len(X), 2) and 0 < emb.explained.sum() <= 1 + 1e-9
    flipped = project_2d(acts, previous=-emb.coords)
    np.testing.assert_allclose(flipped.coords, -emb.coords, atol=1e-8)
    with pytest.raises(DataError, match="no layer 9"):
        hidden_embedding(model, X, (8,))


def test_constant_activations_project_to_the_origin():
    emb = project_2d(np.ones((5, 3)))
    assert np.all(emb.coords == 0) and np.all(emb.explained == 0)


def test_wide_activations_take_the_subspace_iteration_and_match_the_exact_projection():
    rng = np.random.default_rng(0)
    n, f = 300, EXACT_PCA_DIM + 44  # both sides above the exact limit
    axes = rng.normal(size=(2, f))
    acts = rng.normal(size=(n, 2)) * [5.0, 2.0] @ axes + 0.01 * rng.normal(size=(n, f))
    emb = project_2d(acts)
    centred = acts - acts.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    exact = u[:, :2] * s[:2]
    for axis in range(2):  # the same axes, up to sign
        sign = np.sign(emb.coords[:, axis] @ exact[:, axis])
        np.testing.assert_allclose(sign * emb.coords[:, axis], exact[:, axis], rtol=1e-3,
                                   atol=1e-2)
    assert emb.explained == pytest.approx(s[:2] ** 2 / (s ** 2).sum(), rel=1e-3)
    assert emb.n_features == f and EMBEDDING_SAMPLES >= n

