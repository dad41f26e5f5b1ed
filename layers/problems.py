"""Problem records shared by readers, normalisers and validation.

Every reader and check appends `Problem`s instead of raising early, so a user sees
every issue of a file at once (the osmnx `_validate` pattern). `severity="error"`
blocks an import; `"warning"` is kept in the project's `data_issues` table.

`message` is English (the CLI's --json and --lang en); `message_zh` says the same in Chinese, built
where the message is built, with the same values (file, field, value, numbers). `text(lang)` picks one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

from spatial.errors import InputError, LandparkError, UsageError, text

__all__ = ["InputError", "LandparkError", "UsageError", "Problem", "ProblemList", "Severity", "error_text"]

error_text = text  # the message of an error in a language (spatial.errors.text)

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Problem:
    """One finding about a source: where it is (file, layer, feature/row, field) and what."""

    severity: Severity
    code: str  # stable machine key, e.g. "invalid_geometry", "duplicate_id"
    message: str  # human sentence in English, naming the value (`message_zh`: the same in Chinese)
    source: str = ""  # file path as given by the user
    layer: str = ""  # layer / sheet name inside the source
    feature: str = ""  # feature id (preferred) or "row N" (1-based, as a spreadsheet shows it)
    field: str = ""  # column name, canonical when known
    value: Any = None  # the offending value, JSON-safe
    message_zh: str = ""  # the message in Chinese ("" only where no Chinese text exists: `text` falls back)

    def to_dict(self) -> dict[str, Any]:
        """The fields in order, `value` as text unless JSON-native (a shallow copy: dataclasses.asdict deep-copies
        and is ~20× slower, which counts with ten thousand warnings)."""
        d = {name: getattr(self, name) for name in _PROBLEM_FIELDS}
        if d["value"] is not None and not isinstance(d["value"], (str, int, float, bool)):
            d["value"] = str(d["value"])
        return d

    def text(self, lang: str = "zh") -> str:
        """The message in `lang`: Chinese for zh when there is one, else the English message."""
        return self.message_zh if lang == "zh" and self.message_zh else self.message

    def __str__(self) -> str:
        where = " / ".join(p for p in (self.source, self.layer, self.feature, self.field) if p)
        return f"[{self.severity}] {where}: {self.message}" if where else f"[{self.severity}] {self.message}"


_PROBLEM_FIELDS = tuple(f.name for f in fields(Problem))


@dataclass
class ProblemList:
    """An ordered collection of problems with helpers to add and count."""

    items: list[Problem] = field(default_factory=list)

    def add(self, severity: Severity, code: str, message: str, *, zh: str = "", **where: Any) -> Problem:
        """Append a problem; `zh` is its message in Chinese."""
        p = Problem(severity, code, message, message_zh=zh, **where)
        self.items.append(p)
        return p

    def extend(self, problems) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)
