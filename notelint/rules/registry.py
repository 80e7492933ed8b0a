"""The rule table: every rule is a declarative record plus one check function.

A check receives the :class:`NoteFacts` of a note and yields :class:`Hit`s;
the linter turns them into findings with the rule's code, name and severity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from notelint.suggest import Evidence, Site

SEVERITY_ORDER = {"error": 3, "warning": 2, "info": 1}


@dataclass(frozen=True)
class Hit:
    """One place a rule fires: a character span and its message."""

    start: int
    end: int
    message: str
    suggestion: str | None = None


@dataclass
class NoteFacts:
    """What the rules look at for one note."""

    text: str
    evidence: Evidence
    claimed: list[str]
    claimed_spans: dict[str, tuple[int, int]]
    suggested: list[str]
    sites: list[Site]
    bilateral: str = "right-left"

    @property
    def claimed_m624(self) -> list[str]:
        """Claimed codes in M62.4-."""
        return [c for c in self.claimed if c.startswith("M62.4")]

    def affirmed(self, name: str) -> list[dict[str, Any]]:
        """Affirmed items of an evidence list."""
        return [i for i in self.evidence[name] if i.get("status", "affirmed") == "affirmed"]

    def anchor(self) -> tuple[int, int]:
        """Where a finding about something missing points: the claimed code in the text,
        else the first affirmed contracture mention, else the first mention, else the start."""
        for code in self.claimed_m624:
            if code in self.claimed_spans:
                return self.claimed_spans[code]
        contractures = self.affirmed("contractures") or self.evidence["contractures"]
        if contractures:
            return contractures[0]["start"], contractures[0]["end"]
        return 0, 0


Check = Callable[[NoteFacts], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    """A rule's record: stable code, name, default severity and its documentation."""

    code: str
    name: str
    severity: str
    summary: str
    why: str
    example: str
    fix: str
    reference: str
    needs_claim: bool
    check: Check


RULES: dict[str, Rule] = {}


def rule(code: str, name: str, severity: str, *, summary: str, why: str, example: str,
         fix: str, reference: str, needs_claim: bool = False) -> Callable[[Check], Check]:
    """Register a check function under its record."""
    if severity not in SEVERITY_ORDER:
        raise ValueError(f"{code}: bad severity {severity!r}")

    def register(check: Check) -> Check:
        if code in RULES:
            raise ValueError(f"rule {code} registered twice")
        RULES[code] = Rule(code, name, severity, summary, why, example, fix, reference,
                           needs_claim, check)
        return check

    return register
