"""The most specific M62.4- code(s) the documentation supports (RULES.md, "Coding conventions")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from notelint import codes

Evidence = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class Site:
    """A documented contracture site: the M62.4 site of a muscle (or of a body region or the
    code's own words, ``named`` false) and its side; ``muscle`` is the item that documents it."""

    site: str
    side: str | None
    muscle: dict[str, Any]
    named: bool = True


def sides_agree(a: str | None, b: str | None) -> bool:
    """Whether two documented sides can be the same contracture's: equal, one of them
    unknown, or one bilateral."""
    return not a or not b or a == b or "bilateral" in (a, b)


def affirmed_muscle_contractures(evidence: Evidence) -> list[dict[str, Any]]:
    """Contracture mentions that are affirmed and about a muscle or tendon."""
    return [c for c in evidence["contractures"]
            if c["status"] == "affirmed" and c["kind"] == "muscle"]


def documented_sites(evidence: Evidence) -> list[Site]:
    """The sites of affirmed muscle contractures: their muscles' sites and sides, or, for a
    contracture that names no muscle, the site and side of its body region or code words."""
    by_start = {m["start"]: m for m in evidence["muscles"]}
    sites: dict[tuple[str, str | None, int], Site] = {}
    for contracture in affirmed_muscle_contractures(evidence):
        own = [by_start[s] for s in contracture["muscles"]
               if not by_start[s].get("classified_elsewhere")]  # the heel cord: NL307
        for muscle in own:
            # the contracture's own side where it is broader ("right thigh ... and left thigh
            # - hamstrings") or the muscle has none
            own_side = contracture.get("laterality") if contracture.get("site") == muscle["site"] else None
            side = own_side if own_side == "bilateral" else muscle["laterality"] or own_side
            sites.setdefault((muscle["site"], side, muscle["start"]), Site(muscle["site"], side, muscle))
        if not own and contracture.get("site"):
            key = (contracture["site"], contracture["laterality"], contracture["start"])
            sites.setdefault(key, Site(contracture["site"], contracture["laterality"], contracture,
                                       named=False))
    if sites:  # a muscle documented as shortened is a contracture site of the note too
        for muscle in evidence["muscles"]:
            if muscle.get("shortened") and not muscle.get("classified_elsewhere"):
                sites.setdefault((muscle["site"], muscle["laterality"], muscle["start"]),
                                 Site(muscle["site"], muscle["laterality"], muscle))
    found = list(sites.values())
    # the weakest reading gives way: a code's own words (often the claim's description, copied
    # beside it) where a muscle documents a site, and "other site" where any other site is
    named = [s for s in found if s.named]
    if named:
        found = [s for s in found if s.named or s.muscle.get("site_from") != "code_text"]
    if any(s.site != "other" for s in found):
        found = [s for s in found if s.named or s.site != "other"]
    return found


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
