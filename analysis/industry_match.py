"""Match a requested industry (Chinese text) against a unit's leading industries (主导产业).

Names are split on the separators bureaus use (；、，/ and spaces), stripped of generic
suffixes (产业, 制造业, 行业 …) and compared three ways: equal, one contains the other (at
least `min_contain_chars` characters), or both fall in one synonym group of the toml
(`[siting.industry] synonyms`). A match is yes/no, and says which terms matched and how.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["DEFAULT_SUFFIXES", "IndustryMatch", "IndustryMatcher", "split_industries"]

# Generic endings that do not change which industry a name denotes; longest first.
DEFAULT_SUFFIXES = ("产业集群", "制造业", "产业", "行业", "制造", "工业", "企业")
_SEPARATORS = re.compile(r"[;；,，、/|｜\s]+")


def split_industries(text: Any) -> list[str]:
    """The industry names in one leading-industries cell ("汽车零部件;智能装备" → two names)."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return []
    return [part for part in (p.strip() for p in _SEPARATORS.split(str(text))) if part]


@dataclass(frozen=True)
class IndustryMatch:
    """Whether a request matches a unit's industries, and the evidence: terms and how."""

    matched: bool
    request_term: str = ""
    unit_term: str = ""
    how: str = ""  # "equal", "contains", "synonym: <group head>"

    def describe(self) -> str:
        return f"{self.request_term} ~ {self.unit_term} ({self.how})" if self.matched else "no match"


class IndustryMatcher:
    """Compares industry names using suffix stripping, containment and synonym groups."""

    def __init__(self, synonyms: Iterable[Iterable[str]] = (), *, suffixes: Iterable[str] = DEFAULT_SUFFIXES,
                 min_contain_chars: int = 2):
        self.suffixes = tuple(sorted(suffixes, key=len, reverse=True))
        self.min_contain_chars = int(min_contain_chars)
        self.groups: list[tuple[str, frozenset[str]]] = []
        for group in synonyms:
            words = [self.normalise(w) for w in group if str(w).strip()]
            words = [w for w in words if w]
            if words:
                self.groups.append((words[0], frozenset(words)))

    def normalise(self, term: str) -> str:
        """Lower-case, full-width spaces removed, one generic suffix stripped (never to nothing)."""
        term = str(term).strip().lower().replace("\u3000", "")
        for suffix in self.suffixes:
            if term.endswith(suffix) and len(term) > len(suffix) + 1:
                return term[: -len(suffix)]
        return term

    def _groups_of(self, term: str) -> set[str]:
        """Heads of the synonym groups a normalised term belongs to (equal to, or containing, a member)."""
        heads = set()
        for head, words in self.groups:
            if term in words or any(len(w) >= self.min_contain_chars and w in term for w in words):
                heads.add(head)
        return heads

    def match_terms(self, request: str, unit_term: str) -> IndustryMatch:
        """Compare one requested name with one unit industry name."""
        a, b = self.normalise(request), self.normalise(unit_term)
        if not a or not b:
            return IndustryMatch(False)
        if a == b:
            return IndustryMatch(True, request, unit_term, "equal")
        shorter = min(len(a), len(b))
        if shorter >= self.min_contain_chars and (a in b or b in a):
            return IndustryMatch(True, request, unit_term, "contains")
        common = self._groups_of(a) & self._groups_of(b)
        if common:
            return IndustryMatch(True, request, unit_term, f"synonym: {sorted(common)[0]}")
        return IndustryMatch(False)

    def match(self, request: str, leading_industries: Any) -> IndustryMatch:
        """First match between any requested name and any of the unit's leading industries."""
        for req in split_industries(request):
            for term in split_industries(leading_industries):
                found = self.match_terms(req, term)
                if found.matched:
                    return found
        return IndustryMatch(False)

    def match_many(self, request: str, cells: Iterable[Any]) -> list[IndustryMatch]:
        """`match` for each cell (one per unit); cells repeat, so each distinct text is compared once."""
        cache: dict[str, IndustryMatch] = {}
        out = []
        for cell in cells:
            key = "" if cell is None or (isinstance(cell, float) and np.isnan(cell)) else str(cell)
            if key not in cache:
                cache[key] = self.match(request, key)
            out.append(cache[key])
        return out
