"""The root of every error Landpark raises, defined here because every package may import `spatial`.

A front door (CLI, app) catches `LandparkError` and shows its message; anything else is a bug.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LandparkError"]


class LandparkError(Exception):
    """Root of Landpark's errors; `problems` holds the listed problems (if any) that caused it."""

    def __init__(self, message: str, problems: list[Any] | None = None):
        super().__init__(message)
        self.problems: list[Any] = list(problems or [])
