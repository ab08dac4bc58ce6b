"""One module per group of ``mendel`` sub-commands; each defines ``register(subparsers)``."""
