"""Fictional but valid unified social credit codes (GB 32100-2015) for the demo firms."""

from __future__ import annotations

import numpy as np
import pandas as pd

from layers.uscc import USCC_CHARSET, uscc_check_char

_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])  # GB 11714-1997 organisation code
_GB11714_VALUE = np.array([int(c) if c.isdigit() else ord(c) - 55 for c in USCC_CHARSET])  # A=10 … Z=35
_COUNTIES = ("330212", "330206", "330211", "330203", "330205")  # Ningbo districts, the first most often
_COUNTY_SHARES = [0.8, 0.06, 0.05, 0.05, 0.04]


def random_usccs(rng: np.random.Generator, n: int, registered_before_2015: np.ndarray) -> np.ndarray:
    """Unique, valid unified social credit codes: 9 + 1 (enterprise) + county + organisation code + check.

    The 9-character organisation code carries its own GB 11714 check character; firms registered
    after the 2015 reform get "MA2…" bodies, older ones a numeric organisation code.
    """
    chars = np.array(list(USCC_CHARSET))
    counties = np.array([[USCC_CHARSET.index(c) for c in code] for code in _COUNTIES])
    county = counties[rng.choice(len(counties), n, p=_COUNTY_SHARES)]
    old_body = np.column_stack([rng.integers(1, 8, n), rng.integers(0, 10, (n, 7))])
    new_body = np.column_stack([np.full(n, USCC_CHARSET.index("M")), np.full(n, USCC_CHARSET.index("A")),
                                np.full(n, 2), rng.integers(0, len(USCC_CHARSET), (n, 5))])
    body = np.where(registered_before_2015[:, None], old_body, new_body)
    org_check = (11 - (_GB11714_VALUE[body] * _ORG_WEIGHTS).sum(1) % 11) % 11
    org_char = np.where(org_check == 10, USCC_CHARSET.index("X"), org_check)
    first17 = ["".join(row) for row in chars[np.column_stack([np.full(n, 9), np.full(n, 1), county, body, org_char])]]
    codes = np.array([code17 + uscc_check_char(code17) for code17 in first17], dtype=object)
    dup = pd.Series(codes).duplicated().to_numpy()
    if dup.any():  # practically never; redraw the duplicates
        codes[dup] = random_usccs(rng, int(dup.sum()), registered_before_2015[dup])
    return codes
