"""The one tree of errors Landpark raises, rooted here because every package may import `spatial`.

    LandparkError
    ├── InputError   data, files or settings that cannot be used as given (CLI exit 1)
    └── UsageError   an argument that is unknown or out of range (CLI exit 2)

The front doors (CLI, app) catch `LandparkError` and show its message; anything else is a bug.
Both leaves are also `ValueError`s, so code written against the standard library still works.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LandparkError", "InputError", "UsageError"]


class LandparkError(Exception):
    """Root of Landpark's errors; `problems` holds the listed problems (if any) that caused it."""

    def __init__(self, message: str, problems: list[Any] | None = None):
        super().__init__(message)
        self.problems: list[Any] = list(problems or [])


class InputError(LandparkError, ValueError):
    """Input that cannot be used as given: a file, a layer, a feature or a setting (CLI exit code 1)."""


class UsageError(LandparkError, ValueError):
    """An argument that is unknown or out of range: the caller must ask differently (CLI exit code 2)."""
