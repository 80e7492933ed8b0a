"""The rule table: every rule is a declarative record plus one check function.

A check receives the :class:`NoteFacts` of a note and yields :class:`Hit`s;
the linter turns them into findings with the rule's code, name and severity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from notelint.evidence.suggest import Evidence, Site

SEVERITY_ORDER = {"error": 3, "warning": 2, "info": 1}


@dataclass(frozen=True)
class Hit:
    """One place a rule fires: a character span and its message."""

    start: int
    end: int
    message: str
    suggestion: str | None = None
    suggestions: tuple[str, ...] = ()  # every code it proposes (bilateral: right and left)


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


class RuleDoc(BaseModel):
    """A rule's record: stable code, name, default severity and its documentation, as
    ``notelint rule``, the docs and the service's ``/v1/rules`` show it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    name: str
    severity: Literal["error", "warning", "info"]
    summary: str
    why: str
    example: str  # a note on which it fires
    quiet: str  # a note on which it must not fire (tests/test_rule_table.py)
    fix: str
    reference: str
    needs_claim: bool


class Rule(RuleDoc):
    """A rule's record and its check function (never serialised)."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    check: Check = Field(exclude=True)


RULES: dict[str, Rule] = {}

# RULES.md, "Reading conventions": one root cause, one finding. When a routing rule fires,
# the documented condition is not an M62.4- contracture: the rules that presume one stay silent
# (and no M62.4- code is suggested); NL306/NL307 name the condition itself, so the joint angles
# or spasm it produces are not NL302/NL303 findings.
ROUTING = ("NL302", "NL303", "NL304", "NL305", "NL306", "NL307")
PRESUME_M624 = ("NL101", "NL102", "NL201", "NL202", "NL203", "NL204", "NL301", "NL401", "NL402",
                "NL403", "NL601", "NL602")
# ... and among the code rules the most specific finding speaks
SILENCES: dict[str, tuple[str, ...]] = {
    **{code: PRESUME_M624 for code in ROUTING},
    "NL306": (*PRESUME_M624, "NL302", "NL303"),
    "NL307": (*PRESUME_M624, "NL302", "NL303"),
    "NL201": ("NL203", "NL204"),
    "NL202": ("NL203",),
}


# RULES.md "Verdict": the first that applies
QUERY = ("NL101", "NL102", "NL301", "NL401", "NL403", "NL501")
RECODE = ("NL201", "NL202", "NL203", "NL205", "NL308", "NL601")
VERDICTS = ("supported", "recode", "query", "not-m62.4", "not-applicable")


def verdict(applicable: bool, findings: list[dict[str, Any]], claimed_m624: list[str],
            suggested: list[str]) -> str:
    """The verdict of a result from its findings (with their configured severities)."""
    if not applicable:
        return "not-applicable"
    fired = {f["rule"] for f in findings}
    if fired & set(ROUTING):
        return "not-m62.4"
    if any(f["rule"] in QUERY and f["severity"] in {"error", "warning"} for f in findings):
        return "query"
    if fired & set(RECODE) or (suggested and not claimed_m624):
        return "recode"
    return "supported"


def silenced(fired: set[str], mentions: bool = True) -> set[str]:
    """The rules that stay silent because others fired (:data:`SILENCES`); in a note with no
    contracture mention, NL305 gives way to any other routing rule that accounts for the code."""
    quiet = {q for code in fired for q in SILENCES.get(code, ())}
    if not mentions and fired & (set(ROUTING) - {"NL305"}):
        quiet.add("NL305")
    return quiet


def rule(code: str, name: str, severity: str, *, summary: str, why: str, example: str, quiet: str,
         fix: str, reference: str, needs_claim: bool = False) -> Callable[[Check], Check]:
    """Register a check function under its record."""
    if severity not in SEVERITY_ORDER:
        raise ValueError(f"{code}: bad severity {severity!r}")

    def register(check: Check) -> Check:
        if code in RULES:
            raise ValueError(f"rule {code} registered twice")
        RULES[code] = Rule(code=code, name=name, severity=severity, summary=summary, why=why,
                           example=example, quiet=quiet, fix=fix, reference=reference,
                           needs_claim=needs_claim, check=check)
        return check

    return register
