"""Contracture problems and muscle items: the side, site and muscle of each contracture
mention, then the passes over the whole note that settle what one mention leaves open
(a side or a site said elsewhere, the assessment's last word, a code written in the note)."""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import Any

from spacy.tokens import Span

from notelint.evidence.cues import cue_stands
from notelint.evidence.mentions import (
    Item,
    Mentions,
    base_item,
    called_normal,
    combined_side,
    muscle_chain,
    nearest,
    section_at,
    section_of,
    side_after,
    side_before,
    span_metadata,
    status,
)
from notelint.evidence.suggest import sides_agree

# a clause that says its condition resolved, with a pronoun for the condition
_PRONOUN_RESOLVED = re.compile(r"[\s;.,]*(?:it|this|these|they|both)\s+(?:has\s+|have\s+|had\s+)?"
                               r"(?:since\s+|completely\s+|fully\s+|later\s+|eventually\s+)?"
                               r"resolved\b", re.IGNORECASE)
# a side word in a header title (any case), or in capitals in the note's title line
# sections that say what is to be done or looked for, not what was found
PLANNED = frozenset({"plan", "goals"})


# an M62.4- code written beside a mention (before it, or on its line just after it)
_M624_CODE = re.compile(r"[^\n]{0,40}?(?<![A-Za-z0-9])M62\.?4[0-9]{0,2}(?![0-9A-Za-z])")
# an M24.5- (contracture of joint) code written on the mention's line, just after it
_JOINT_CODE_AFTER = re.compile(r"[^\n]{0,40}?(?<![A-Za-z0-9])M24\.?5[0-9A-Z]{0,2}(?![0-9A-Za-z])")


def _owned_by_region(side: Span, muscle: Span, mentions: Mentions) -> bool:
    """Whether a side word belongs to a body region or joint right after it, of another site
    than the muscle's, that the muscle does not follow ("right elbow ... hamstrings")."""
    site = span_metadata(muscle)["site"]
    for label in ("REGION", "JOINT"):
        for region in mentions.in_sentence(label, side):
            if side.end <= region.start <= side.end + 1:
                meta = span_metadata(region)
                sites = [meta["site"]] if label == "REGION" else meta["sites"]
                # the muscle lies in that region ("MRI of the R thigh ... semimembranosus")
                return site not in sites and not (region.end <= muscle.start <= region.end + 1)
    return False


def _laterality(muscle: Span, mentions: Mentions) -> str | None:
    """The side of a muscle: the side words before it in its sentence (not one that belongs to
    a region named between), else just after it."""
    sides = mentions.in_sentence("SIDE", muscle)
    # a semicolon ends the reach of a side word: "Right TA 3+/5; quadriceps 4+/5 bilaterally"
    clause = mentions.last_semicolon(muscle)
    before = [s for s in sides if clause < s.start and s.end <= muscle.start
              and not _owned_by_region(s, muscle, mentions)]
    if before and before[-1].start < mentions.last_break(muscle):
        # the side before stands in an earlier clause: a side closing the muscle's own clause
        # is nearer ("..., the hamstrings are taut and shortened on the right")
        after = _side_closing_clause(muscle, sides, mentions)
        if after is not None:
            return after
    if before:
        chosen = {span_metadata(before[-1])["side"]}
        # "right and left hamstrings", "R/L": sides joined just before the muscle
        for previous, current in zip(reversed(before[:-1]), reversed(before[1:]), strict=False):
            gap = mentions.doc[previous.end : current.start]
            if len(gap) > 2 or any(t.lower_ not in {"and", "&", "/", ",", "or"} for t in gap):
                break
            chosen.add(span_metadata(previous)["side"])
        if {"right", "left"} <= chosen or "bilateral" in chosen:
            return "bilateral"
        return chosen.pop()
    muscles_after = [m for m in mentions.muscles_in_sentence(muscle) if m.start >= muscle.end]
    for side in sides:
        if side.start >= muscle.end and side.start - muscle.end <= 6:
            if any(m.start < side.start + 4 and m.start > side.end - 1 for m in muscles_after):
                break  # the side word belongs to the next muscle
            return span_metadata(side)["side"]
    return mentions.title_side(muscle.start_char)


def _side_closing_clause(muscle: Span, sides: list[Span], mentions: Mentions,
                         reach: int = 8) -> str | None:
    """The side word after a muscle within ``reach`` tokens, in its clause (no comma or
    semicolon between) and before any other muscle: "quadriceps 5/5 bilaterally"."""
    others = [m.start for m in mentions.muscles_in_sentence(muscle) if m.start >= muscle.end]
    for side in sides:
        if muscle.end <= side.start <= muscle.end + reach:
            if any(start < side.start for start in others) or \
                    mentions.breaks_between(muscle.end, side.start):
                return None
            return span_metadata(side)["side"]
    return None


def muscle_item(muscle: Span, mentions: Mentions) -> Item:
    meta = span_metadata(muscle)
    item = base_item(muscle, mentions.text)
    item.update(site=meta["site"], laterality=_laterality(muscle, mentions),
                muscle=meta.get("literal"), shortened=False)
    if meta.get("classified_elsewhere"):
        item["classified_elsewhere"] = meta["classified_elsewhere"]
    return item


def _joint_measured_before(span: Span, mentions: Mentions, reach: int = 10) -> list[Span]:
    """A joint whose measurement the mention annotates, in its clause before it, with no
    muscle between: "R knee ROM 15-85 deg (flexion contracture of 15 deg)"."""
    muscles = [m.start for m in mentions.muscles_in_sentence(span) if m.start < span.start]
    found = [j for j in mentions.in_sentence("JOINT", span)
             if span.start - reach <= j.end <= span.start
             and not mentions.breaks_between(j.end, span.start)
             and not any(j.end <= start for start in muscles)
             and any(t.like_num for t in mentions.doc[j.end : span.start])]
    return found[-1:]


def _of_normal_muscles(cue: Span, mentions: Mentions) -> bool:
    """Whether a myogenic cue stands in a sentence whose muscles the note all calls normal
    ("Hamstring length normal, popliteal angle 25 deg bilaterally"): the test was normal."""
    muscles = mentions.muscles_in_sentence(cue)
    return bool(muscles) and all(called_normal(m) for m in muscles)


def contracture_item(span: Span, mentions: Mentions, muscle_items: dict[int, Item]) -> Item:
    """A contracture mention with its kind, muscles, site and side (RULES.md, "Kind" and
    "The note is read as a whole"): the anatomy next to the mention decides first (a muscle:
    the contracted tissue; a joint: a joint contracture unless myogenic evidence in its
    sentence attributes it to a muscle), then the muscles of its sentence or the next, then a
    body region or the code's own words ("contracture of muscle, left lower leg")."""
    meta = span_metadata(span)
    kind = meta.get("kind", "auto")
    sentence_muscles = mentions.muscles_in_sentence(span)
    adjacent = muscle_chain(nearest(sentence_muscles, span, 6, 6), sentence_muscles, span)
    joints = nearest(mentions.in_sentence("JOINT", span), span, 4, 5) or \
        _joint_measured_before(span, mentions)
    regions = nearest(mentions.in_sentence("REGION", span), span, 8, 10)
    item = base_item(span, mentions.text)
    item["status"] = status(span)
    if item["status"] == "affirmed" and _resolved_after(span, mentions):
        item["status"] = "historical"
    myogenic = any(status(c) == "affirmed" and cue_stands(c, mentions)
                   and not _of_normal_muscles(c, mentions)
                   for c in mentions.in_sentence_or_next("MYOGENIC", span))
    linked = adjacent or ([] if joints and not myogenic
                          else [m for m in mentions.muscles_near(span) if not called_normal(m)])
    own = [muscle_items[m.start_char] for m in linked
           if not muscle_items[m.start_char].get("classified_elsewhere")]
    if kind in {"auto", "motion"}:
        # a motion ("flexion contracture") names no tissue: with no muscle, it is a joint's
        if own:
            kind = "muscle"
        elif linked:
            first = muscle_items[linked[0].start_char]
            kind = "excluded"
            item["category_code"] = first["classified_elsewhere"]
            item["condition"] = f"contracture of {first['muscle']}"
            item["relation"] = "elsewhere"
        elif joints or kind == "motion":
            kind = "muscle" if myogenic else "joint"
        elif _JOINT_CODE_AFTER.match(mentions.text, span.end_char):
            kind = "joint"  # the words of the M24.5- code beside it: "Contracture, right hand | M24.541"
        elif regions:
            kind = "muscle"
        else:  # no tissue named: the myogenic evidence beside it attributes it (RULES.md "Kind")
            kind = "muscle" if myogenic else "unknown"
    item["kind"] = kind
    if meta.get("category_code"):
        item["category_code"] = meta["category_code"]
        item["condition"] = meta.get("condition", span.text)
        item["relation"] = meta.get("relation", "elsewhere")
    item["muscles"] = [m.start_char for m in linked]
    item.update(site=None, laterality=None, site_from=None)
    if own:
        # the mention's own side ("Right knee flexion contracture ... attributed to the right
        # hamstrings: popliteal angle 70 degrees on the right versus 30 on the left") outweighs
        # the sides of muscles read in another clause, where a comparison names the other side
        written = side_before(joints[0] if joints else span, mentions, 3) if not adjacent else None
        item.update(site=own[0]["site"], site_from="muscle",
                    laterality=written or combined_side([m["laterality"] for m in own])
                    or side_before(joints[0] if joints else span, mentions, 6))
    elif regions and kind in {"muscle", "unknown"}:
        region = regions[0]
        code_words = meta.get("code_text") and region.start >= span.end
        item.update(site=span_metadata(region)["site"], site_from="code_text" if code_words else "region",
                    laterality=side_before(region, mentions) or side_before(span, mentions, 6)
                    or side_after(region, mentions))
    if meta.get("code_text"):
        # the code's words may name each side: "right thigh (M62.451) and left thigh (M62.452)"
        named = [r for r in regions if r.start >= span.end and span_metadata(r)["site"] == item["site"]]
        sides = [side_before(r, mentions) for r in named]
        if len(named) > 1 and all(sides):
            item["laterality"] = combined_side([item["laterality"], *sides])
    item["joint"] = span_metadata(joints[0]).get("code_word") if joints else None
    if kind == "excluded" and not item["laterality"]:
        item["laterality"] = combined_side([muscle_items[m.start_char]["laterality"]
                                             for m in linked]) or side_before(span, mentions, 6)
    if joints:
        item["joint_sites"] = sorted({s for j in joints for s in span_metadata(j)["sites"]})
        if item["laterality"] is None and kind == "joint":
            item["laterality"] = side_before(joints[0], mentions) or side_before(span, mentions, 6)
    return item


def _resolved_after(span: Span, mentions: Mentions) -> bool:
    """Whether the clause after the mention's own says it resolved, with a pronoun for its
    subject ("a contracture of the left hamstrings that limited knee extension for a year;
    it resolved completely", "... Strayer recession; these have resolved")."""
    sentence = mentions.sentence(span)
    text = mentions.text
    semicolon = text.find(";", span.end_char, sentence.end_char)
    boundary = semicolon + 1 if semicolon >= 0 else sentence.end_char
    return _PRONOUN_RESOLVED.match(text, boundary, boundary + 80) is not None


def whole_note(contractures: list[Item], muscles: list[Item], mentions: Mentions) -> None:
    """A contracture that names no muscle takes the muscles the note documents for its region
    and side elsewhere (the exam, two paragraphs up): muscles whose sentence holds a
    myogenic cue, a contracture mention or a ROM value; with no region, only when they are all
    of one site."""
    _joint_named_for_muscle(contractures, mentions)
    pending = [item for item in contractures if not item["muscles"]
               and item["status"] == "affirmed" and item["kind"] in {"muscle", "unknown"}]
    sideless = [item for item in contractures if item["muscles"] and not item["laterality"]
                and item["status"] == "affirmed" and item["kind"] == "muscle"]
    if not pending and not sideless:
        return
    evidenced = {mentions.sent_of[s.start] for label in ("MYOGENIC", "CONTRACTURE")
                 for s in mentions.of(label) if label != "MYOGENIC" or cue_stands(s, mentions)}
    evidenced |= {mentions.sent_of[t] for t in _tokens_of(mentions, mentions.doc._.notelint_rom)}
    by_start = {m.start_char: m for m in mentions.muscles}
    # the plan names what is to be done or looked for ("MRI ordered to evaluate rotator cuff
    # integrity and periarticular muscle fibrosis"), not a finding
    candidates = [m for m in muscles if not m.get("classified_elsewhere")
                  and mentions.sent_of[by_start[m["start"]].start] in evidenced
                  and section_at(mentions.doc, m["start"]) not in PLANNED
                  and not called_normal(by_start[m["start"]])]
    # a contracture whose muscles have no side here takes the one side the note gives those
    # muscles where it documents them elsewhere ("Assessment: rectus femoris contracture";
    # the exam, under LEFT LOWER EXTREMITY: "shortened rectus femoris")
    by_name: dict[str, set[str]] = {}
    for muscle in candidates:
        if muscle["laterality"]:
            by_name.setdefault(muscle["muscle"], set()).add(muscle["laterality"])
    named = {m["start"]: m["muscle"] for m in muscles}
    # else the one side the note gives the region of its site ("full-thickness burns of the
    # left anterior upper arm" for a sideless biceps contracture)
    # or, failing that, to the limb the site is in ("his left leg was pinned under a pallet")
    by_site: dict[str, set[str]] = {}
    by_limb: dict[str, set[str]] = {}
    for region in mentions.of("REGION"):
        if side := side_before(region, mentions):
            by_site.setdefault(span_metadata(region)["site"], set()).add(side)
    for limb in mentions.of("LIMB"):
        if side := side_before(limb, mentions):
            for site in span_metadata(limb)["sites"]:
                by_limb.setdefault(site, set()).add(side)

    def given_elsewhere(site: str | None) -> set[str]:  # a copy: the caller pops its side
        return set(by_site.get(site, ()) or by_limb.get(site, ()))

    for item in sideless:
        sides = set().union(*(by_name.get(named.get(start), set()) for start in item["muscles"]))
        if len(sides := sides or given_elsewhere(item["site"])) == 1:
            item["laterality"] = sides.pop()
    for item in pending:
        found = candidates
        if item["site"]:
            found = [m for m in found if m["site"] == item["site"]
                     and sides_agree(item["laterality"], m["laterality"])]
        elif len({m["site"] for m in found}) != 1:
            continue
        if not found:
            continue
        item["muscles"] = [m["start"] for m in found]
        item["kind"] = "muscle"
        if not item["site"]:
            item.update(site=found[0]["site"], site_from="muscle")
        if not item["laterality"]:
            item["laterality"] = combined_side([m["laterality"] for m in found])
    for item in pending:  # still sideless with a site (a region or the code's words)
        if item["site"] and not item["laterality"] and len(sides := given_elsewhere(item["site"])) == 1:
            item["laterality"] = sides.pop()
        elif item["site"] and not item["laterality"]:  # else the side its title or the note gives
            item["laterality"] = mentions.title_side(item["start"])


def assessment_speaks_last(contractures: list[Item], mentions: Mentions) -> None:
    """A contracture the history tells of takes the status the assessment gives the same
    contracture ("History: ... she then developed a left gastrocnemius contracture";
    "Assessment: left gastrocnemius contracture resolved"): when an assessment mention of its
    site, sides agreeing, is historical or negated and none there is affirmed. The history is
    a history section or text under no known heading ("Injury: ... a muscle contracture of the
    right hand was listed on the problem list in 12/2023")."""
    sections = getattr(mentions.doc._, "notelint_sections", None)
    if sections is None:
        return
    where = [sections.at(item["start"]) for item in contractures]
    verdicts: dict[tuple[str | None, str | None], set[str]] = {}
    for item, section in zip(contractures, where, strict=True):
        if section == "assessment" and item["site"]:
            verdicts.setdefault((item["site"], item["laterality"]), set()).add(item["status"])
    for item, section in zip(contractures, where, strict=True):
        told = section in {"history", "past_history", "preamble", "other", None}
        if not told or item["status"] != "affirmed":
            continue
        said = [statuses for (site, side), statuses in verdicts.items()
                if site == item["site"] and sides_agree(side, item["laterality"])]
        if said and not any("affirmed" in s for s in said):
            item["status"] = "historical" if any("historical" in s for s in said) else "negated"


def code_words_follow_the_note(contractures: list[Item], spans: list[Span], text: str) -> None:
    """A code's own words copied beside it ("Problem list (auto-imported): M62.461 Contracture
    of muscle, right lower leg") are the claim, not a finding: when every other mention of that
    site, sides agreeing, is historical or negated, they take that status."""
    for item, span in zip(contractures, spans, strict=True):
        if not span_metadata(span).get("code_text") or item["status"] != "affirmed":
            continue
        line_start = text.rfind("\n", 0, span.start_char) + 1
        before = text[max(line_start, span.start_char - 25):span.start_char]
        if not (_M624_CODE.search(before) or _M624_CODE.match(text, span.end_char, span.end_char + 40)):
            continue  # not beside a written code: the note's own words
        others = [c for c in contractures if c is not item and c["site"] == item["site"]
                  and sides_agree(c["laterality"], item["laterality"])]
        statuses = {c["status"] for c in others}
        if others and "affirmed" not in statuses and statuses <= {"historical", "negated"}:
            item["status"] = "historical" if "historical" in statuses else "negated"


def mark_shortened(muscle_items: dict[int, Item], mentions: Mentions) -> None:
    """A muscle the note documents as shortened ("biceps and brachialis palpably shortened",
    "muscle shortening of the right hamstrings and gastrocnemius", "(FDS/FDP shortening)"):
    an affirmed shortening cue next to it, or next to the muscles listed with it."""
    for cue in mentions.of("MYOGENIC"):
        if not span_metadata(cue).get("shortening") or status(cue) != "affirmed":
            continue
        if section_of(cue) in PLANNED:
            continue  # "MRI ordered to evaluate ... periarticular muscle fibrosis"
        sentence = mentions.muscles_in_sentence(cue)
        for muscle in muscle_chain(nearest(sentence, cue, 6, 6), sentence, cue):
            muscle_items[muscle.start_char]["shortened"] = True


def _joint_named_for_muscle(contractures: list[Item], mentions: Mentions) -> None:
    """A joint-named contracture ("Contracture, left shoulder", "knee flexion contracture") that
    the note attributes to a muscle elsewhere (a named muscle contracture at a site crossing that
    joint, myogenic evidence, and no arthrogenic finding at the joint) is that muscle's."""
    if not any(status(s) == "affirmed" and cue_stands(s, mentions) for s in mentions.of("MYOGENIC")):
        return
    arthrogenic = [s for s in mentions.of("ARTHROGENIC") if status(s) == "affirmed"]
    named = [c for c in contractures if c["status"] == "affirmed" and c["kind"] == "muscle"
             and c["muscles"]]
    for item in contractures:
        if item["kind"] != "joint" or item["status"] != "affirmed" or arthrogenic:
            continue
        sites = set(item.get("joint_sites", ()))
        match = [c for c in named if c["site"] in sites
                 and sides_agree(item["laterality"], c["laterality"])]
        if match:
            item.update(kind="muscle", muscles=match[0]["muscles"], site=match[0]["site"],
                        laterality=item["laterality"] or match[0]["laterality"], site_from="muscle")


def _tokens_of(mentions: Mentions, measures: list[Any] | None) -> list[int]:
    """The first token of each measure (character spans) of the note."""
    if not measures:
        return []
    starts = mentions.doc.to_array("IDX").tolist()
    return [max(0, bisect_left(starts, m.start + 1) - 1) for m in measures]
