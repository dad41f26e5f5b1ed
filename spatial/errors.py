"""The one tree of errors Landpark raises, rooted here because every package may import `spatial`.

    LandparkError
    ├── InputError   data, files or settings that cannot be used as given (CLI exit 1)
    └── UsageError   an argument that is unknown or out of range (CLI exit 2)

The front doors (CLI, app) catch `LandparkError` and show its message; anything else is a bug.
Both leaves are also `ValueError`s, so code written against the standard library still works.
An error may carry its message in Chinese too (`message_zh`, given as `zh=`), which the front doors
show when the language is zh (`text(exc, lang)`); `str(exc)` stays English.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LandparkError", "InputError", "UsageError", "text"]


class LandparkError(Exception):
    """Root of Landpark's errors; `problems` holds the listed problems (if any) that caused it,
    `message_zh` the message in Chinese ("" when only the English one exists)."""

    def __init__(self, message: str, problems: list[Any] | None = None, *, zh: str = ""):
        super().__init__(message)
        self.problems: list[Any] = list(problems or [])
        self.message_zh = zh


class InputError(LandparkError, ValueError):
    """Input that cannot be used as given: a file, a layer, a feature or a setting (CLI exit code 1)."""


class UsageError(LandparkError, ValueError):
    """An argument that is unknown or out of range: the caller must ask differently (CLI exit code 2)."""


def text(exc: BaseException, lang: str = "zh") -> str:
    """The message of `exc` in `lang`: its Chinese text for zh when it has one, else `str(exc)`."""
    zh = getattr(exc, "message_zh", "")
    return zh if lang == "zh" and zh else str(exc)
