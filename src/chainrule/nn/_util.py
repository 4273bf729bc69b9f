"""Small helpers shared by the layers."""

from __future__ import annotations

import numpy as np


def layer_name(layer):
    """``Linear(in_features=3, out_features=2)``: the layer and its static sizes."""
    return getattr(layer, "_describe", lambda: type(layer).__name__)()


def as_input(x):
    """A layer's input as an array: a list or a Python number (as NumPy accepts them)
    becomes a NumPy array, so that the shape check below can read its shape."""
    return x if hasattr(x, "shape") else np.asarray(x)


def shape_error(layer, expected, got, extra=""):
    return ValueError(
        f"{layer_name(layer)} expects an input of shape {expected}, got shape {tuple(got)}. "
        "A layer maps one example; to run a batch, map it with "
        "chainrule.vmap(layer)(batch)." + (f" {extra}" if extra else ""))


def float_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind not in "fc":
        raise TypeError(f"parameters need a floating-point dtype, got {dtype}")
    return dtype
