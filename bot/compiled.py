"""Compiling a numeric loop with numba: the one place that says how (GIL released, machine code cached)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba


def compiled(function: Callable[..., Any]) -> Any:
    """`function` compiled by numba, releasing the GIL, its machine code cached beside its module (or in
    the user's cache folder).  Where no cache can be written (a read-only install, no home folder), numba
    refuses to cache: then it compiles at each start rather than fail to import."""
    try:
        return numba.njit(cache=True, nogil=True)(function)
    except RuntimeError:
        return numba.njit(nogil=True)(function)
