"""NL205 and NL308: the claimed codes against each other and against the documentation."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from notelint import codes
from notelint.lexicon import load_lexicon
from notelint.rules.basis import same_site
from notelint.rules.registry import Hit, NoteFacts, rule

_TAB = "ICD-10-CM tabular Excludes1 at M62, M62.4 and M24.5; Official Guidelines I.A.12.a"
# RULES.md: muscle spasm is M62.83-, a category of its own beside M62.4- (not an Excludes1 note)
_SPASM = "M62.83"
_ELSEWHERE = ("M24.5", "R25.2", _SPASM)


@cache
def _joint_sites() -> dict[str, tuple[str, ...]]:
    """Joint and region words -> the M62.4 sites of the muscles crossing them."""
    lexicon = load_lexicon()
    sites = {w: (r.metadata["site"],) for r in lexicon.of("REGION") for w in r.metadata["words"]}
    sites.update({w: tuple(r.metadata["sites"]) for r in lexicon.of("JOINT") for w in r.metadata["words"]})
    return sites


def _m245_sites(code: str) -> tuple[str, ...]:
    """The M62.4 sites at "the same site" as an M24.5- joint code (RULES.md)."""
    words = codes.joint_words(code)
    return _joint_sites().get(words, ()) if words else ()


def _conflict(a: str, b: str) -> str | None:
    """Why two claimed codes cannot stand together, or None."""
    m624 = [c for c in (a, b) if c.startswith("M62.4")]
    if len(m624) == 2:
        sites = [codes.site_side(c) for c in m624]
        (site_a, side_a), (site_b, side_b) = sites
        if "unspecified" in (site_a, site_b):
            return "an unspecified-site code beside a specified one"
        if "multiple" in (site_a, site_b):
            return "M62.49 (multiple sites) beside a single-site code"
        if site_a != site_b:
            return "two single-site codes where M62.49 (multiple sites) applies"
        if None in (side_a, side_b) and site_a != "other":
            return "an unspecified-side code beside a sided code of the same site"
        return None
    if len(m624) == 1:
        other = b if a in m624 else a
        if other.startswith("M24.5"):
            site = codes.site_side(m624[0])[0]
            if site in _m245_sites(other):
                return (f"{other} (contracture of joint) and {m624[0]} at the same site: M24.5- "
                        "excludes contracture of muscle without contracture of joint")
            return None
        if other.startswith(_SPASM):
            return "muscle spasm (M62.83-) is not a contracture of muscle"
    if codes.excludes(a, b):
        return "an Excludes1 pair of the tabular"
    return None


@rule("NL205", "claimed-codes-conflict", "error",
      summary="Two claimed codes cannot stand together.",
      why="Excludes1 means the two conditions are never coded together (M62.4- with R25.2, "
          "M79.1-, G25.82, G72.0/G72.1; M24.5- with M62.4- at the same site; M72.0 with M24.5-); "
          "two single-site M62.4- codes are M62.49, and an unspecified code beside a specified "
          "one of its family is a duplicate.",
      example="Claimed: M62.461 and R25.2.",
      quiet="Right gastrocnemius contracture after a stroke. Claimed: M62.461, I69.351.",
      fix="Keep the code the documentation supports and drop the other.",
      reference=_TAB)
def claimed_codes_conflict(facts: NoteFacts) -> Iterator[Hit]:
    claimed = [c for c in facts.claimed if codes.is_m624(c) or c.startswith(_ELSEWHERE)
               or codes.excludes1(c) or any(c.startswith(p) for m in facts.claimed_m624
                                            for p in codes.excludes1(m))]
    for i, a in enumerate(claimed):
        for b in claimed[i + 1:]:
            why = _conflict(a, b)
            if why is None:
                continue
            start, end = facts.claimed_spans.get(b, facts.claimed_spans.get(a, facts.anchor()))
            yield Hit(start, end, f"{a} and {b} are both claimed: {why}.")
            return  # one finding names the conflict; the coder settles the claim once


@rule("NL308", "muscle-contracture-coded-elsewhere", "warning",
      summary="M24.5-, R25.2 or M62.83- is claimed, but the note documents a myogenic "
              "contracture of a named muscle.",
      why="A contracture of a muscle named as the contracted tissue, with myogenic evidence and no "
          "joint contracture at its site, is M62.4-; coding it as a joint contracture or a spasm "
          "misstates the condition.",
      example="Left hamstring contracture, popliteal angle 60 degrees, joint capsule normal. "
              "Claimed: M24.562.",
      quiet="Left knee flexion contracture with effusion and a capsular pattern. Claimed: M24.562.",
      fix="Claim the M62.4- code of the muscle's site and side.",
      reference=_TAB)
def muscle_contracture_coded_elsewhere(facts: NoteFacts) -> Iterator[Hit]:
    elsewhere = [c for c in facts.claimed if c.startswith(_ELSEWHERE)]
    if not elsewhere or facts.claimed_m624 or not facts.suggested:
        return
    named = [s for s in facts.sites if s.named]
    if not named or not facts.affirmed("myogenic"):
        return
    sites = {(s.site, s.side) for s in named}
    joint = [c for c in facts.affirmed("contractures") if c["kind"] == "joint"]
    if any(same_site(j, sites) for j in [*joint, *facts.affirmed("arthrogenic")]):
        return  # a joint contracture at the muscle's site: NL302's, not this one
    code = elsewhere[0]
    start, end = facts.claimed_spans.get(code, (named[0].muscle["start"], named[0].muscle["end"]))
    supported = " and ".join(facts.suggested)
    yield Hit(start, end, f"{code} is claimed but the note documents a contracture of "
                          f"{named[0].muscle['text']} with myogenic evidence; consider {supported} "
                          "(contracture of muscle).", facts.suggested[0], tuple(facts.suggested))
