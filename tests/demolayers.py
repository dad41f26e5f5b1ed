"""The demo district's layers, built once per test process: `build_demo_layers` takes seconds, and many tests only
need a few of its parks or parcels. Callers get copies, so what one test changes stays its own."""

from __future__ import annotations

import functools

import pandas as pd

from layers.demo import build_demo_layers


@functools.lru_cache(maxsize=4)
def _built(seed: int) -> dict[str, pd.DataFrame]:
    return build_demo_layers(seed)


def demo_layers(seed: int = 3) -> dict[str, pd.DataFrame]:
    """`build_demo_layers(seed)`, each layer a fresh copy of the one built first in this process."""
    return {kind: frame.copy() for kind, frame in _built(seed).items()}
