"""Mendel's front ends: the Qt desktop application and the ``mendel`` command line."""
