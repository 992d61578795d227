"""Weights on disk: the official checkpoint's key names and strict loading, verified downloads,
what a ``--model`` path is, and ONNX export. Plumbing around the paper, not the paper."""
