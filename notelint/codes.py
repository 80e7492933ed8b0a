"""ICD-10-CM code facts for M62.4- and the categories its rules name.

The source of truth is the official tabular shipped by ``simple-icd-10-cm``.
Importing it parses the whole XML (about 3 s), so the facts notelint needs are
kept in ``patterns/icd10cm.json``, built by ``python -m notelint.codes`` and
proved equal to the package by a test. Codes outside that table (a cause code
given with ``--code``) are checked against the package itself, imported only
then.
"""

from __future__ import annotations

import json
import re
import sys
from functools import cache
from typing import Any

from notelint.lexicon import patterns_dir

TABLE_FILE = "icd10cm.json"
# subtrees and categories the rules talk about (RULES.md "Background")
ROOTS = ("M62.4", "M62", "M24.5", "M67.0", "M43.6", "Q68.0", "G24.3", "T79.6", "M20.4", "Q74.3",
         "M72.0", "G25.82", "M79.1", "G72.1", "G72.0", "R25.2", "M62.83", "Q66.89", "Z96.6")
# the tabular's wording of M62.4- sites -> notelint's site names (OUTPUT.md)
SITE_WORDS = {"shoulder": "shoulder", "upper arm": "upper_arm", "forearm": "forearm",
              "hand": "hand", "thigh": "thigh", "lower leg": "lower_leg",
              "ankle and foot": "ankle_foot", "other site": "other",
              "multiple sites": "multiple", "unspecified site": "unspecified"}
_M624 = re.compile(r"Contracture of muscle, (.+)$")
_CODE = re.compile(r"^([A-Z][0-9][0-9A-Z])\.?([0-9A-Z]{0,4})$")
# The shape of a claimed code, wherever one is taken (JSON Lines, the API, the service):
# a letter, a digit, a letter or digit, then up to four letters or digits after an optional
# dot; either case ("M62.451", "m62451", "G35").
SHAPE = r"^[A-Za-z][0-9][0-9A-Za-z](\.?[0-9A-Za-z]{1,4})?$"
_SHAPE = re.compile(SHAPE)


def normalize(code: str) -> str:
    """Upper-case a code and put its dot in: ``m62451`` -> ``M62.451``."""
    raw = code.strip().upper()
    match = _CODE.match(raw)
    if not match:
        return raw
    head, tail = match.groups()
    return f"{head}.{tail}" if tail else head


def is_shaped(code: object) -> bool:
    """Whether ``code`` is a string with the shape of an ICD-10-CM code (:data:`SHAPE`);
    whether the tabular has it is :func:`is_valid`'s question."""
    return isinstance(code, str) and _SHAPE.fullmatch(code) is not None


def build_table() -> dict[str, Any]:
    """Read the facts from ``simple-icd-10-cm`` (slow: parses the tabular)."""
    import simple_icd_10_cm as cm

    codes: dict[str, Any] = {}
    for root in ROOTS:
        for code in (root, *cm.get_descendants(root)):
            codes[code] = {
                "description": cm.get_description(code),
                "billable": cm.is_leaf(code),
                "excludes1": cm.get_excludes1(code),
                "inclusion_terms": cm.get_inclusion_term(code),
            }
    return {"source": "simple-icd-10-cm (official ICD-10-CM tabular)",
            "codes": dict(sorted(codes.items()))}


@cache
def table() -> dict[str, dict[str, Any]]:
    """The compact table of code facts."""
    data = json.loads((patterns_dir() / TABLE_FILE).read_text(encoding="utf-8"))
    return data["codes"]


def is_valid(code: str) -> bool:
    """Whether ``code`` is a code of the ICD-10-CM tabular (any level)."""
    code = normalize(code)
    if code in table():
        return True
    if not _CODE.match(code):
        return False
    import simple_icd_10_cm as cm

    return bool(cm.is_valid_item(code))


def is_m624(code: str) -> bool:
    """Whether ``code`` is in subcategory M62.4-."""
    return normalize(code).startswith("M62.4")


def description(code: str) -> str:
    """The tabular description of a code of the table."""
    return table()[normalize(code)]["description"]


@cache
def site_side(code: str) -> tuple[str, str | None]:
    """``(site, side)`` of an M62.4- code, read from its description.

    ``M62.451`` -> ``("thigh", "right")``; ``M62.459`` -> ``("thigh", None)``;
    ``M62.48`` -> ``("other", None)``; ``M62.41`` (not billable) -> ``("shoulder", None)``.
    """
    match = _M624.match(description(code))
    if not match:
        return "unspecified", None  # M62.4 itself
    words = match.group(1)
    if words in SITE_WORDS:
        return SITE_WORDS[words], None
    side, _, words = words.partition(" ")
    return SITE_WORDS[words], (side if side in {"right", "left"} else None)


@cache
def code_for(site: str, side: str | None) -> str:
    """The billable M62.4- code of a site and side (``None``: the unspecified-side code)."""
    for code, facts in table().items():
        if not code.startswith("M62.4") or not facts["billable"]:
            continue
        code_site, code_side = site_side(code)
        if code_site != site:
            continue
        unspecified = "unspecified" in facts["description"]
        if code_side == side or (side is None and (unspecified or site in {"other", "multiple"})):
            return code
    raise KeyError(f"no M62.4- code for site {site!r}, side {side!r}")


# a code as the tabular and the patterns write it in running text: "M24.5-", "Z74.0-", "N32.0"
_CODE_IN_TEXT = r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{0,4})?-?"
_IN_PARENS = re.compile(rf"\(({_CODE_IN_TEXT})\)")


@cache
def excludes1(code: str) -> tuple[str, ...]:
    """The Excludes1 codes of ``code`` and of every category above it in the table, as
    prefixes ("M24.5" for "(M24.5-)"); empty for a code outside the table."""
    code = normalize(code)
    found: list[str] = []
    for end in range(len(code), 2, -1):
        facts = table().get(code[:end].rstrip("."))
        if facts:
            for note in facts["excludes1"]:
                found += [m.rstrip("-") for m in _IN_PARENS.findall(note)]
    return tuple(dict.fromkeys(found))


def excludes(a: str, b: str) -> bool:
    """Whether the tabular's Excludes1 notes keep ``a`` and ``b`` apart (either way round)."""
    return any(b.startswith(p) for p in excludes1(a)) or any(a.startswith(p) for p in excludes1(b))


def joint_words(code: str) -> str | None:
    """The joint an M24.5- code names ("Contracture, left knee" -> "knee"), or None."""
    if not normalize(code).startswith("M24.5") or normalize(code) not in table():
        return None
    words = description(code).partition(", ")[2]
    for side in ("right ", "left ", "unspecified "):
        words = words.removeprefix(side)
    return words or None


def _names(word: str, code: str) -> bool:
    return re.search(rf"\b{re.escape(word)}\b", description(code), re.IGNORECASE) is not None


_FIRST_CODE = re.compile(_CODE_IN_TEXT)


def first_code(text: str) -> str | None:
    """The first code written in a category text ("N32.0 / N99.1-" -> "N32.0")."""
    match = _FIRST_CODE.search(text)
    return match.group() if match else None


def route(category: str, side: str | None = None, place: str | None = None) -> str:
    """The billable code of ``category`` whose tabular description names the documented side
    and place (a joint, a spasm's site), else the narrowest category they determine, written
    with a dash (``M24.56-``: a knee, side undocumented).

    ``route("M24.5", "left", "knee")`` -> ``M24.562``; ``route("M62.83", place="back")`` ->
    ``M62.830``. A place no description names takes the category's "other" code ("neck":
    M62.838); a side or place the category has no axis for is ignored (T79.6, M43.6). A
    category outside the table is returned as given.
    """
    root = normalize(category.rstrip("-").strip())
    found = [c for c, f in table().items() if c.startswith(root) and f["billable"]]
    if not found:
        return category
    if side:
        found = [c for c in found if _names(side, c)] or found
    if place:
        found = [c for c in found if _names(place, c)] or [c for c in found if _names("other", c)] \
            or found
    if len(found) == 1:
        return found[0]
    prefix = found[0]  # the longest prefix of them all that is a category of the table
    while len(prefix) > 3 and (prefix not in table() or not all(c.startswith(prefix) for c in found)):
        prefix = prefix[:-1].rstrip(".")
    return f"{prefix}-"


def routes(category: str, side: str | None = None, place: str | None = None) -> tuple[str, ...]:
    """:func:`route` for each documented side: a bilateral condition with no bilateral code is
    coded right and left (RULES.md)."""
    if side == "bilateral":
        both = route(category, side, place)
        if not both.endswith("-") and _names("bilateral", both):
            return (both,)  # Z96.653: a bilateral code of its own
    sides = ("right", "left") if side == "bilateral" else (side,)
    return tuple(dict.fromkeys(route(category, s, place) for s in sides))


def label(code: str, side: str | None = None) -> str:
    """``M24.562 (contracture, left knee)``; a category: ``M24.56- (contracture, knee; the side
    to be documented)``, naming the axes its billable codes still need (not a ``side`` known)."""
    key = normalize(code.rstrip("-"))
    if key not in table():
        return code
    text = description(key)
    text = text[:1].lower() + text[1:]
    if table()[key]["billable"]:
        return f"{code} ({text})"
    below = [c for c, f in table().items() if c.startswith(key) and f["billable"]]
    if any("X" in c[4:] for c in below):
        return f"{code} ({text}; the 7th character, by encounter, to be chosen)"
    places = {re.sub(r"\b(right|left|unspecified) ", "", description(c)) for c in below}
    axes = [axis for axis, open_ in (("site", len(places) > 1),
                                      ("side", not side and any(_names("right", c) for c in below)))
            if open_]
    return f"{code} ({text}; the {' and '.join(axes) or 'detail'} to be documented)"


def main() -> None:
    """Regenerate ``patterns/icd10cm.json`` from the package."""
    path = patterns_dir() / TABLE_FILE
    path.write_text(json.dumps(build_table(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    sys.stdout.write(f"wrote {path}\n")


if __name__ == "__main__":
    main()
