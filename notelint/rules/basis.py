"""NL3xx: is the restriction a contracture of muscle, and not joint, spasm, nerve or excluded."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from notelint import codes
from notelint.evidence.suggest import sides_agree
from notelint.lexicon import load_lexicon
from notelint.nlp.phrases import expand
from notelint.rules.registry import Hit, NoteFacts, rule

_TAB = "ICD-10-CM tabular M62.4- and M24.5- (Excludes1)"


@rule("NL301", "myogenic-basis-missing", "warning",
      summary="Nothing shows the restriction is myogenic.",
      why="M62.4- is a contracture of muscle; without a muscle-length test, a muscular "
          "end-feel, a deficit attributed to the muscle or imaging of muscle fibrosis, the "
          "same limitation may be a joint contracture (M24.5-) and the claim is unsupported.",
      example="Right hamstring contracture, limited knee extension. Assessment: M62.451.",
      quiet="Right hamstring contracture, popliteal angle 60 degrees. Assessment: M62.451.",
      fix="Document the test that shows muscle shortening: popliteal angle 60 degrees, "
          "positive Thomas test, firm muscular end-feel, palpable shortening.",
      reference=f"{_TAB}; Kendall, Muscles: Testing and Function (muscle-length tests)")
def myogenic_basis_missing(facts: NoteFacts) -> Iterator[Hit]:
    if facts.affirmed("myogenic"):
        return
    start, end = facts.anchor()
    yield Hit(start, end, "No myogenic evidence is documented (muscle-length test such as "
                          "popliteal angle or Thomas test, muscular end-feel, palpable "
                          "shortening or fibrosis).")


@cache
def _shortening_phrases() -> frozenset[str]:
    """The phrases of the myogenic cues that name the shortening itself (``shortening: true``)."""
    return frozenset(" ".join(p.split()) for r in load_lexicon().of("MYOGENIC")
                     if r.metadata.get("shortening") for p in (expand(r.pattern) or [r.literal.lower()]))


def m624_sites(facts: NoteFacts) -> set[tuple[str, str | None]]:
    """The M62.4 sites (and sides) documented or claimed."""
    sites = {(s.site, s.side) for s in facts.sites}
    for code in facts.claimed_m624:
        site, side = codes.site_side(code)
        if site not in {"unspecified", "multiple"}:
            sites.add((site, side))
    return sites


def same_site(item: dict, sites: set[tuple[str, str | None]]) -> bool:
    """Whether joint evidence concerns the M62.4 contracture: its joint is crossed by the
    muscles of a documented or claimed site, on the same side (RULES.md "the same site"),
    or nothing places either of them."""
    joint_sites = item.get("joint_sites")
    if not sites or not joint_sites:
        return True
    return any(site in joint_sites and sides_agree(item.get("laterality"), side)
               for site, side in sites)


@rule("NL302", "joint-contracture-evidence", "error",
      summary="The documentation points to an arthrogenic (joint) restriction.",
      why="M24.5- (contracture of joint) excludes contracture of muscle without joint "
          "contracture, and M62.4- excludes contracture of joint: a capsular pattern, hard "
          "end-feel, effusion or ankylosis points to M24.5-.",
      example="Elbow flexion contracture with hard end-feel and effusion. Assessment: M62.421.",
      quiet="Right hamstring contracture, muscular end-feel, no effusion. Assessment: M62.451.",
      fix="Code M24.5- when the joint is the restriction, or document why the muscle is.",
      reference=_TAB)
def joint_contracture_evidence(facts: NoteFacts) -> Iterator[Hit]:
    joint = [c for c in facts.affirmed("contractures") if c["kind"] == "joint"]
    sites = m624_sites(facts)
    items = sorted((i for i in [*joint, *facts.affirmed("arthrogenic")] if same_site(i, sites)),
                   key=lambda i: i["start"])
    if not items:
        return
    seen: dict[str, str] = {}
    for item in items:  # each distinct piece of evidence once, in text order
        seen.setdefault(item["text"].lower(), f"'{item['text']}'")
    named = ", ".join(seen.values())
    first = items[0]
    suggestions = _joint_codes(items)
    yield Hit(first["start"], first["end"],
              f"{named} point{'s' if len(seen) == 1 else ''} to a joint (arthrogenic) restriction; "
              f"consider {' and '.join(suggestions)}, which M62.4- excludes.",
              suggestions[0].partition(" ")[0],
              tuple(s.partition(" ")[0] for s in suggestions))


def _joint_codes(items: list[dict]) -> list[str]:
    """The M24.5- code of each joint and side the evidence names (the items that name no joint
    count only when none does), labelled for the message."""
    places = dict.fromkeys((i.get("joint"), i.get("laterality")) for i in items)
    named = [p for p in places if p[0]] or list(places)[:1]
    sides = {joint: {side for j, side in named if j == joint} for joint, _ in named}
    found: dict[str, str] = {}
    for joint, side in named:
        if side is None and sides[joint] - {None}:
            continue  # the same joint's side is documented by another item
        for code in codes.routes("M24.5", side, joint):
            found.setdefault(code, codes.label(code, side))
    return list(found.values())


@rule("NL303", "spasm-not-contracture", "error",
      summary="Spasm, cramp, guarding or tightness is documented without a fixed shortening.",
      why="Cramp and spasm (R25.2) and muscle spasm (M62.83-) are excluded from M62; "
          "tightness that relaxes is not a contracture.",
      example="Paraspinal spasm and tightness. Assessment: M62.48.",
      quiet="Right hamstring contracture with palpable shortening, no spasm. Assessment: M62.451.",
      fix="Code R25.2 / M62.83- for spasm, or document a persistent fixed shortening.",
      reference="ICD-10-CM Excludes1 at M62 (cramp and spasm R25.2); M62.83-")
def spasm_not_contracture(facts: NoteFacts) -> Iterator[Hit]:
    spasm = facts.affirmed("spasm")
    # an exam that denies the shortening ("no fixed shortening", "no fixed muscle shortening
    # on exam") outweighs a bare mention of the word ("contracted" as the patient puts it, a
    # referral's "calf muscle contracture"); a denial of the shortening itself (the lexicon's
    # ``shortening`` cues) also outweighs a length test that came back to normal ("popliteal
    # angle 40, then 24 after contract-relax, equal to the left")
    denied = any(i.get("status") == "negated" for i in facts.evidence["myogenic"])
    shortening_denied = any(i.get("status") == "negated" and i["text"].lower() in _shortening_phrases()
                            for i in facts.evidence["myogenic"])
    if not spasm or (facts.affirmed("myogenic") and not shortening_denied):
        return
    if not denied and any(c["kind"] in {"muscle", "unknown"} for c in facts.affirmed("contractures")):
        return
    item = spasm[0]
    code = codes.route(item.get("category_code", "M62.83"), place=item.get("spasm_site"))
    yield Hit(item["start"], item["end"],
              f"'{item['text']}' without a fixed shortening is spasm or tightness, not a "
              f"contracture of muscle; consider {codes.label(code)}.", code, (code,))


@rule("NL304", "neural-tension", "warning",
      summary="The restriction is attributed to neural tension and no myogenic evidence is "
              "documented.",
      why="A positive straight-leg raise, slump or upper-limb tension test shows nerve "
          "mechanosensitivity, not a shortened muscle; it does not support M62.4-.",
      example="Right hamstring contracture, positive straight leg raise at 40 degrees.",
      quiet="Right hamstring contracture, popliteal angle 60 degrees, negative slump.",
      fix="Document a muscle-length test that separates the two (popliteal angle with the "
          "neck neutral, negative slump), or code the neural condition.",
      reference="Magee, Orthopedic Physical Assessment (neurodynamic tests)")
def neural_tension(facts: NoteFacts) -> Iterator[Hit]:
    neural = facts.affirmed("neural")
    if not neural or facts.affirmed("myogenic"):
        return
    item = neural[0]
    yield Hit(item["start"], item["end"],
              f"'{item['text']}' attributes the restriction to neural tension and no myogenic "
              "evidence is documented.")


@rule("NL305", "contracture-not-affirmed", "error",
      summary="An M62.4- code is claimed but every contracture mention is negated, "
              "hypothetical, historical, uncertain or about a family member.",
      why="A code needs a condition the note affirms; 'no contractures', 'risk of "
          "contracture' and 'r/o contracture' document none.",
      example="Stretching program to prevent contracture. Assessment: M62.461.",
      quiet="Right gastrocnemius contracture. Assessment: M62.461.",
      fix="Remove the code, or document the contracture found on examination.",
      reference="ICD-10-CM Official Guidelines IV.H (uncertain diagnosis, outpatient)",
      needs_claim=True)
def contracture_not_affirmed(facts: NoteFacts) -> Iterator[Hit]:
    if not facts.claimed_m624:
        return
    if any(c["status"] == "affirmed" for c in facts.evidence["contractures"]):
        return  # a contracture is affirmed (one classified elsewhere is NL306/NL307's)
    mentions = [c for c in facts.evidence["contractures"] if c["kind"] != "excluded"]
    if not mentions:
        # no contracture at all: the linter drops this where another routing rule accounts
        # for the code (RULES.md: that exception belongs to the no-mention case only)
        start, end = facts.anchor()
        yield Hit(start, end, f"{', '.join(facts.claimed_m624)} is claimed but the note documents "
                              "no contracture.")
        return
    first = mentions[0]
    yield Hit(first["start"], first["end"],
              f"{', '.join(facts.claimed_m624)} is claimed but the contracture is "
              f"{first['status']} here; no contracture is affirmed in the note.")


def _excluded(facts: NoteFacts, relation: str) -> Iterator[Hit]:
    items = [c for c in facts.affirmed("contractures") if c["kind"] == "excluded"]
    items += facts.affirmed("excluded")
    seen: set[str] = set()
    for item in sorted(items, key=lambda i: i["start"]):
        if item.get("relation") != relation or item["category_code"] in seen:
            continue
        seen.add(item["category_code"])
        condition = item["condition"][:1].upper() + item["condition"][1:]
        quoted = item["text"].lower() in condition.lower()
        what = condition if quoted else f"{condition} ('{item['text']}')"
        first = codes.first_code(item["category_code"]) or item["category_code"]
        found = codes.routes(first, item.get("laterality"))
        code = " and ".join(codes.label(c, item.get("laterality")) for c in found)
        if first != item["category_code"]:  # "N32.0 / N99.1-": the alternatives as written
            code = item["category_code"].replace(first, code, 1)
        if relation == "excludes1":
            message = f"{what} is excluded from M62.4-; code {code}."
        else:
            message = f"{what} has a category of its own; code {code}, not M62.4-."
        yield Hit(item["start"], item["end"], message, found[0], found)


@rule("NL306", "excluded-condition", "error",
      summary="The documented condition is one M62.4- excludes by name.",
      why="Excludes1 notes mean the two codes are never reported together for the same "
          "condition: Dupuytren's contracture (M72.0), stiff-man syndrome (G25.82), myalgia "
          "(M79.1-), alcoholic or drug-induced myopathy (G72.1, G72.0).",
      example="Dupuytren's contracture of the right ring finger. Assessment: M62.441.",
      quiet="Right flexor digitorum superficialis contracture. Assessment: M62.441.",
      fix="Code the named category instead of M62.4-.",
      reference="ICD-10-CM Excludes1 at M62 and M24.5")
def excluded_condition(facts: NoteFacts) -> Iterator[Hit]:
    yield from _excluded(facts, "excludes1")


@rule("NL307", "classified-elsewhere", "error",
      summary="The documented condition has a category of its own.",
      why="Heel cord / Achilles contracture (M67.0-), torticollis (M43.6, Q68.0, G24.3), "
          "Volkmann's ischemic contracture (T79.6), hammer toe (M20.4-) and arthrogryposis "
          "(Q74.3) are indexed to their own codes, not to M62.4-.",
      example="Tight heel cords, ankle DF to neutral. Assessment: M62.471.",
      quiet="Right gastrocnemius contracture, Silfverskiold test positive. Assessment: M62.461.",
      fix="Code the condition's own category (here M67.0-, by side).",
      reference="ICD-10-CM Index to Diseases: Contraction/Short, tendon; Torticollis; "
                "Volkmann's; Hammer toe")
def classified_elsewhere(facts: NoteFacts) -> Iterator[Hit]:
    yield from _excluded(facts, "elsewhere")
