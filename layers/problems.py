"""Problem records shared by readers, normalisers and validation.

Every reader and check appends `Problem`s instead of raising early, so a user sees
every issue of a file at once (the osmnx `_validate` pattern). `severity="error"`
blocks an import; `"warning"` is kept in the project's `data_issues` table.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from spatial.errors import InputError, LandparkError, UsageError

__all__ = ["InputError", "LandparkError", "UsageError", "Problem", "ProblemList", "Severity"]

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Problem:
    """One finding about a source: where it is (file, layer, feature/row, field) and what."""

    severity: Severity
    code: str  # stable machine key, e.g. "invalid_geometry", "duplicate_id"
    message: str  # human sentence, Chinese or English, naming the value
    source: str = ""  # file path as given by the user
    layer: str = ""  # layer / sheet name inside the source
    feature: str = ""  # feature id (preferred) or "row N" (1-based, as a spreadsheet shows it)
    field: str = ""  # column name, canonical when known
    value: Any = None  # the offending value, JSON-safe

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if d["value"] is not None and not isinstance(d["value"], (str, int, float, bool)):
            d["value"] = str(d["value"])
        return d

    def __str__(self) -> str:
        where = " / ".join(p for p in (self.source, self.layer, self.feature, self.field) if p)
        return f"[{self.severity}] {where}: {self.message}" if where else f"[{self.severity}] {self.message}"


@dataclass
class ProblemList:
    """An ordered collection of problems with helpers to add and count."""

    items: list[Problem] = field(default_factory=list)

    def add(self, severity: Severity, code: str, message: str, **where: Any) -> Problem:
        p = Problem(severity, code, message, **where)
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
