"""Turning users' files into datasets a network can learn from."""
