"""Per-process caches of plain values, and the one function that empties them all."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

_CACHED: list[Any] = []


def process_cache(*, maxsize: int) -> Callable[[Callable], Callable]:
    """Keep a function's results in this process, the least recently used first out.

    For values derived from rows that never change (a published version's
    parsed definition, its scoring rules): plain objects, never model
    instances, which would go stale. ``clear_process_caches`` empties every
    function decorated here.
    """

    def decorate(function: Callable) -> Callable:
        cached = functools.lru_cache(maxsize=maxsize)(function)
        _CACHED.append(cached)
        return cached

    return decorate


def clear_process_caches() -> None:
    """Forget every value kept by ``process_cache`` (tests reuse row ids)."""
    for cached in _CACHED:
        cached.cache_clear()
