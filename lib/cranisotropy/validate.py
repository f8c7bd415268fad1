"""Argument validation shared by the physics modules.

Every public function checks its inputs with these helpers, so that a bad argument raises a
``ValueError`` (or ``TypeError``) that names the argument and the problem instead of returning
NaN or a silently wrong number.
"""

from __future__ import annotations

import numbers

import numpy as np


def finite(name: str, value, *, allow_array: bool = True) -> np.ndarray | float:
    """Return ``value`` as float (or float array) after checking that it is finite and real."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a real number, got {value!r}")
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be real-valued, got dtype {arr.dtype}")
    if arr.ndim and not allow_array:
        raise TypeError(f"{name} must be a scalar, got an array of shape {arr.shape}")
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(arr) if arr.ndim == 0 else arr


def positive(name: str, value, *, allow_array: bool = True):
    """Finite and strictly positive."""
    v = finite(name, value, allow_array=allow_array)
    if np.any(np.asarray(v) <= 0):
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return v


def nonnegative(name: str, value, *, allow_array: bool = True):
    """Finite and >= 0."""
    v = finite(name, value, allow_array=allow_array)
    if np.any(np.asarray(v) < 0):
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return v


def integer(name: str, value, *, minimum: int | None = None, allow_array: bool = True):
    """Integer-valued (ints, or floats with integral values) and >= ``minimum``.

    Returns an ``int`` for scalars and an ``int64`` array otherwise.
    """
    if isinstance(value, bool) or isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if isinstance(value, numbers.Integral):
        arr = np.asarray(int(value))
    else:
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{name} must be an integer, got {value!r}")
        if arr.dtype.kind == "f":
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{name} must be finite, got {value!r}")
            if not np.all(arr == np.round(arr)):
                raise ValueError(f"{name} must be integer-valued, got {value!r}")
    if arr.ndim and not allow_array:
        raise TypeError(f"{name} must be a scalar integer, got an array of shape {arr.shape}")
    out = arr.astype(np.int64)
    if minimum is not None and np.any(out < minimum):
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(out) if out.ndim == 0 else out


def generator(name: str, value) -> np.random.Generator:
    """``value`` itself when it is a numpy Generator (randomness is always passed in), else TypeError.

    >>> generator("rng", 3)
    Traceback (most recent call last):
    ...
    TypeError: rng must be a numpy.random.Generator, got int
    """
    if not isinstance(value, np.random.Generator):
        raise TypeError(f"{name} must be a numpy.random.Generator, got {type(value).__name__}")
    return value


def vector3(name: str, value) -> np.ndarray:
    """A finite real 3-vector."""
    v = finite(name, value)
    v = np.asarray(v, dtype=float)
    if v.shape != (3,):
        raise ValueError(f"{name} must be a 3-vector, got shape {v.shape}")
    return v
