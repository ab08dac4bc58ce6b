"""Classic methods next to the networks: PCA, k-means, decision trees, baselines."""
