"""NL6xx: the underlying cause of the contracture."""

from __future__ import annotations

from collections.abc import Iterator

from notelint import codes
from notelint.rules.registry import Hit, NoteFacts, rule

_GUIDE = "ICD-10-CM Official Guidelines I.B.10 (sequela) and 'code also' conventions"


def _causes(facts: NoteFacts) -> list[dict]:
    return [c for c in facts.evidence["causes"] if c["status"] in {"affirmed", "historical"}]


@rule("NL601", "cause-not-coded", "warning",
      summary="An underlying cause is documented but no code for it is claimed.",
      why="A contracture after stroke, cerebral palsy, spinal cord or brain injury, multiple "
          "sclerosis, burn, surgery, immobilisation or compartment syndrome is coded with "
          "its cause; leaving it off under-reports severity and risk.",
      example="Left biceps contracture, sequela of stroke. Claimed: M62.422.",
      quiet="Left biceps contracture, sequela of stroke. Claimed: M62.422, I69.322.",
      fix="Also claim the cause's category (here I69.-).",
      reference=_GUIDE, needs_claim=True)
def cause_not_coded(facts: NoteFacts) -> Iterator[Hit]:
    if not facts.claimed:
        return
    seen: set[str] = set()
    for cause in _causes(facts):
        prefixes = cause["code_prefixes"]
        if cause["cause"] in seen or any(c.startswith(p) for c in facts.claimed for p in prefixes):
            continue
        seen.add(cause["cause"])
        category = cause["category_code"]
        first = codes.first_code(category)
        found = codes.routes(first, cause.get("laterality")) if first else ()
        if found and found != (first,):  # the implant's joint and side: Z96.652
            category = category.replace(first, " and ".join(found), 1)
            name = " and ".join(codes.description(c) for c in found if c in codes.table())
        else:
            name = cause["category_name"]
        yield Hit(cause["start"], cause["end"],
                  f"{cause['cause'].capitalize()} is documented as a cause; also code "
                  f"{category} ({name[:1].lower() + name[1:]}).", found[0] if found else None, found)


@rule("NL602", "cause-not-documented", "info",
      summary="No underlying cause is documented.",
      why="The cause (neurological, burn, surgical, immobilisation) decides the plan and the "
          "additional codes; a contracture with no stated cause invites queries.",
      example="Right hamstring contracture, popliteal angle 60 degrees.",
      quiet="Right hamstring contracture after a stroke.",
      fix="State the cause: 'secondary to spastic diplegic cerebral palsy'.",
      reference=_GUIDE)
def cause_not_documented(facts: NoteFacts) -> Iterator[Hit]:
    if _causes(facts):
        return
    start, end = facts.anchor()
    yield Hit(start, end, "No underlying cause (stroke, cerebral palsy, spinal cord or brain "
                          "injury, MS, burn, surgery, immobilisation) is documented.")
