"""The most specific M62.4- code(s) the documentation supports (RULES.md, "Coding conventions")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from notelint import codes

Evidence = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class Site:
    """A documented contracture site: the M62.4 site of a muscle and its side."""

    site: str
    side: str | None
    muscle: dict[str, Any]


def affirmed_muscle_contractures(evidence: Evidence) -> list[dict[str, Any]]:
    """Contracture mentions that are affirmed and about a muscle or tendon."""
    return [c for c in evidence["contractures"]
            if c["status"] == "affirmed" and c["kind"] == "muscle"]


def documented_sites(evidence: Evidence) -> list[Site]:
    """The muscles linked to affirmed muscle contractures, with their site and side."""
    by_start = {m["start"]: m for m in evidence["muscles"]}
    sites: dict[tuple[str, str | None, int], Site] = {}
    for contracture in affirmed_muscle_contractures(evidence):
        for start in contracture["muscles"]:
            muscle = by_start[start]
            if muscle.get("classified_elsewhere"):
                continue  # the Achilles / heel cord: NL307, not an M62.4 site
            key = (muscle["site"], muscle["laterality"], start)
            sites.setdefault(key, Site(muscle["site"], muscle["laterality"], muscle))
    return list(sites.values())


def named_structures(evidence: Evidence) -> bool:
    """Whether any affirmed contracture names its muscle or tendon (even one classified elsewhere)."""
    return any(c["muscles"] for c in evidence["contractures"] if c["status"] == "affirmed")


def suggest(evidence: Evidence, bilateral: str = "right-left") -> list[str]:
    """Suggested codes: site + side -> the 6-character code; no side -> -9; 2+ sites -> M62.49."""
    if not affirmed_muscle_contractures(evidence):
        return []
    sites = documented_sites(evidence)
    if not sites:
        return [codes.code_for("unspecified", None)]
    names = {s.site for s in sites}
    if len(names) > 1:
        return [codes.code_for("multiple", None)]
    (site,) = names
    if site == "other":
        return [codes.code_for("other", None)]
    sides = {s.side for s in sites if s.side}
    if "bilateral" in sides or {"right", "left"} <= sides:
        if bilateral == "multiple-sites":
            return [codes.code_for("multiple", None)]
        return [codes.code_for(site, "right"), codes.code_for(site, "left")]
    return [codes.code_for(site, sides.pop() if sides else None)]
