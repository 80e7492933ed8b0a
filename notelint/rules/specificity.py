"""NL1xx and NL2xx: is the muscle named, is the side given, does the claimed code fit."""

from __future__ import annotations

from collections.abc import Iterator

from notelint import codes
from notelint.evidence.suggest import named_structures
from notelint.rules.registry import Hit, NoteFacts, rule

_TAB = "ICD-10-CM tabular M62.4-"
_GUIDE = "ICD-10-CM Official Guidelines I.B.1-I.B.3 (specificity) and I.C.13.a (site and laterality)"


def label(code: str) -> str:
    """``M62.431 (right forearm)``: a code with the words of its description after the comma."""
    words = codes.description(code).split(", ", 1)[-1]
    return f"{code} ({words})"


def _labels(suggested: list[str]) -> str:
    return " and ".join(label(c) for c in suggested)


@rule("NL101", "muscle-not-named", "error",
      summary="No specific muscle or muscle group is documented for the contracture.",
      why="M62.4- is coded by the site of the contracted muscle; a note that says only "
          "'contracture noted' or 'muscle contracture, other site' supports no site, and an "
          "auditor cannot tell a muscle contracture from a joint one.",
      example="Assessment: muscle contracture, other site. (M62.48)",
      quiet="Right hamstring contracture. Assessment: M62.451.",
      fix="Name the muscle or muscle group and its side: 'right hamstring contracture'.",
      reference=f"{_TAB}; {_GUIDE}")
def muscle_not_named(facts: NoteFacts) -> Iterator[Hit]:
    if any(site.named for site in facts.sites) or named_structures(facts.evidence):
        return
    start, end = facts.anchor()
    yield Hit(start, end, "No muscle or muscle group is documented for the contracture; "
                          "name the contracted muscle and its side.")


@rule("NL102", "laterality-missing", "warning",
      summary="The documented site has right and left codes but no side is documented.",
      why="Every enumerated M62.4- site has a right, a left and an unspecified-side code; "
          "the unspecified one is a denial and audit risk when the side is knowable.",
      example="Hamstring contracture with popliteal angle 60 degrees.",
      quiet="Right hamstring contracture with popliteal angle 60 degrees.",
      fix="Document the side: 'right hamstring contracture', or 'bilateral'.",
      reference=f"{_TAB}; {_GUIDE}")
def laterality_missing(facts: NoteFacts) -> Iterator[Hit]:
    seen: set[str] = set()
    sided = {s.site for s in facts.sites if s.side}
    for site in facts.sites:
        if site.site == "other" or site.side or site.site in sided or site.site in seen:
            continue
        seen.add(site.site)
        muscle = site.muscle
        what = muscle["text"] if site.named else site.site.replace("_", " ")
        yield Hit(muscle["start"], muscle["end"],
                  f"No side is documented for the {what} contracture "
                  f"({site.site.replace('_', ' ')}); document right, left or bilateral.",
                  codes.code_for(site.site, None))


def _less_specific(claimed: str, suggested: list[str]) -> bool:
    if claimed in suggested or not suggested:
        return False
    if claimed == "M62.40":
        return suggested != ["M62.40"]
    specific = [c for c in suggested if c not in {"M62.40", "M62.48", "M62.49"}]
    if claimed == "M62.48":
        return bool(specific)
    if codes.table().get(claimed, {}).get("billable") and claimed.endswith("9"):
        site, _ = codes.site_side(claimed)
        return any(codes.site_side(c)[0] == site and codes.site_side(c)[1] for c in specific)
    return False


@rule("NL201", "more-specific-code", "error",
      summary="The claimed code is less specific than the documentation supports.",
      why="Coders must assign the most specific code the documentation supports; an "
          "unspecified site or side code where site and side are documented is a common "
          "audit finding and payer edit.",
      example="Right flexor carpi ulnaris contracture ... Assessment: M62.48.",
      quiet="Right flexor carpi ulnaris contracture. Assessment: M62.431.",
      fix="Claim the suggested code (here M62.431, right forearm).",
      reference=f"{_GUIDE}; {_TAB}", needs_claim=True)
def more_specific_code(facts: NoteFacts) -> Iterator[Hit]:
    for claimed in facts.claimed_m624:
        if not _less_specific(claimed, facts.suggested):
            continue
        start, end = facts.claimed_spans.get(claimed, facts.anchor())
        yield Hit(start, end, f"Documentation supports {_labels(facts.suggested)}; "
                              f"{claimed} is less specific.", facts.suggested[0],
                  tuple(facts.suggested))


@rule("NL202", "multiple-sites", "warning",
      summary="Two or more code sites are documented but a single-site code is claimed, "
              "or M62.49 is claimed with only one site documented.",
      why="M62.49 (multiple sites) is the code for contractures at two or more distinct "
          "sites; claiming one site under-reports, and M62.49 for one site over-reports.",
      example="Right hamstring and left biceps contractures ... Assessment: M62.451.",
      quiet="Right and left hamstring contractures. Assessment: M62.451, M62.452.",
      fix="Claim M62.49 when two or more sites are documented, or the site code when one is.",
      reference=_TAB, needs_claim=True)
def multiple_sites(facts: NoteFacts) -> Iterator[Hit]:
    claimed = facts.claimed_m624
    if not claimed:
        return
    sites = {s.site for s in facts.sites}
    start, end = facts.anchor()
    multiple = codes.code_for("multiple", None)
    claimed_sites = {codes.site_side(c)[0] for c in claimed} - {"multiple", "unspecified"}
    if len(claimed_sites) >= 2:
        return  # single-site codes of two sites claimed: NL205's (RULES.md)
    if len(sites) >= 2 and multiple not in claimed:
        names = ", ".join(sorted(s.replace("_", " ") for s in sites))
        yield Hit(start, end, f"Contractures are documented at {len(sites)} sites ({names}); "
                              f"claim {multiple} (multiple sites).", multiple)
    elif len(sites) == 1 and multiple in claimed:
        bilateral = {s.side for s in facts.sites} >= {"right", "left"} or any(
            s.side == "bilateral" for s in facts.sites)
        if bilateral and facts.bilateral == "multiple-sites":
            return
        yield Hit(start, end, f"{multiple} (multiple sites) is claimed but one site is documented; "
                              f"claim {_labels(facts.suggested)}.",
                  facts.suggested[0] if facts.suggested else None, tuple(facts.suggested))


@rule("NL203", "code-mismatch", "error",
      summary="The claimed code's site or side contradicts the documentation.",
      why="A claim whose site or side differs from the note is an incorrect claim, not a "
          "vague one: it fails medical-necessity edits and audits.",
      example="Left hamstring contracture ... Assessment: M62.451 (right thigh).",
      quiet="Left hamstring contracture. Assessment: M62.452.",
      fix="Correct the code to the documented site and side, or correct the note.",
      reference=f"{_GUIDE}; {_TAB}", needs_claim=True)
def code_mismatch(facts: NoteFacts) -> Iterator[Hit]:
    if not facts.sites:
        return
    documented = {(s.site, s.side) for s in facts.sites}
    for claimed in facts.claimed_m624:
        site, side = codes.site_side(claimed)
        if site in {"other", "multiple", "unspecified"}:
            continue
        same_site = [d for d in documented if d[0] == site]
        sides = {d[1] for d in same_site} - {None}  # an undocumented side is NL102's
        if not same_site:
            problem = f"no {site.replace('_', ' ')} muscle is documented"
        elif side and sides and side not in sides and "bilateral" not in sides:
            problem = f"the documented side is {' and '.join(sorted(sides))}"
        else:
            continue
        start, end = facts.claimed_spans.get(claimed, facts.anchor())
        yield Hit(start, end, f"{label(claimed)} is claimed but {problem}; documentation "
                              f"supports {_labels(facts.suggested)}.",
                  facts.suggested[0] if facts.suggested else None, tuple(facts.suggested))


@rule("NL204", "other-site-unjustified", "info",
      summary="M62.48 is claimed and the note neither names a muscle of an 'other' region "
              "nor says why no enumerated site applies.",
      why="M62.48 (other site) is meant for trunk, neck, paraspinal, pelvic floor, jaw and "
          "hip-girdle muscles; used for a limb it hides the specific site.",
      example="Muscle contracture. Assessment: M62.48.",
      quiet="Lumbar paraspinal contracture with palpable shortening. Assessment: M62.48.",
      fix="Name the trunk, neck or girdle muscle, or code the limb site.",
      reference=_TAB, needs_claim=True)
def other_site_unjustified(facts: NoteFacts) -> Iterator[Hit]:
    other = codes.code_for("other", None)
    if other not in facts.claimed_m624:
        return
    if any(m["site"] == "other" for m in facts.evidence["muscles"]):
        return
    start, end = facts.claimed_spans.get(other, facts.anchor())
    yield Hit(start, end, f"{other} (other site) is claimed but no trunk, neck, girdle or other "
                          "'other site' muscle is documented.")
