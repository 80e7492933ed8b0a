"""The data prefilters of the measurement patterns keep every match ``re.finditer`` finds.

A ``metadata.scan`` that excludes a position where its pattern matches would lose that
ROM value or grade silently; each pattern is compared with ``re.finditer`` on generated
texts (ASCII and not, with the characters ``re`` folds case to) and on every note at hand.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notelint.errors import PatternError
from notelint.lexicon import load_file, load_lexicon
from notelint.nlp.prefilter import NoteChars, Prefiltered

ROOT = Path(__file__).resolve().parents[1]
RULES = [r for r in load_lexicon().measures if r.category in ("ROM", "ROM_MM", "STRENGTH")]
IDS = [f"{Path(r.path).name}:{r.line}" for r in RULES]
PIECES = ["flexion", "Extension", "DF", "PF", "ROM", "AROM", "lacks", "to", "of", "is", " ", "  ", "\n",
          ",", ".", "/", "-", "\u2212", "+", "\xb0", "\xba", "degrees", "deg", "5", "4", "0", "90", "120",
          "-10", "minus ", "5/5", "4+/5", "over", "out of", "strength", "Motor", "neutral", "forty-five",
          "one hundred", "\u017ftrength", "\u212a", "\xe9", "_", "x", "F", "C", "3-4/5", "to 5",
          "dorsiflexion", "\t", "\x1c", "\u0131", "\u0130", "LACK", "Neutral", "at", "MOTOR", "5 to 4",
          "2011", "1.5", "m", "mm", "mouth opening", "MIO", "four", "plus", "five", "\u0663", "ab", "Su",
          "\u017fupination", "ulnar deviation"]
texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
ascii_texts = st.lists(st.sampled_from([p for p in PIECES if p.isascii()]), max_size=40).map("".join)


def _spans(rule, text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    regex = re.compile(rule.pattern)
    found = [m.span() for m in Prefiltered(regex, rule.metadata["scan"]).finditer(text, NoteChars(text))]
    return found, [m.span() for m in regex.finditer(text)]


@pytest.mark.parametrize("rule", RULES, ids=IDS)
@settings(max_examples=300, deadline=None)
@given(text=texts)
def test_prefilter_keeps_every_match(rule, text):
    found, expected = _spans(rule, text)
    assert found == expected


@pytest.mark.parametrize("rule", RULES, ids=IDS)
@settings(max_examples=300, deadline=None)
@given(text=ascii_texts)
def test_prefilter_keeps_every_match_in_ascii_text(rule, text):
    found, expected = _spans(rule, text)
    assert found == expected


def _notes() -> list[str]:
    out = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "samples").glob("*.txt"))]
    for folder in (ROOT / "evaluation" / "tuning", ROOT / "evaluation" / "blind"):
        for path in sorted(folder.rglob("*.jsonl")):
            out += [json.loads(line).get("text", "") for line in path.read_text(encoding="utf-8").splitlines()
                    if line.strip()]
    for corpus in sorted((ROOT.parent / "shared" / "corpus").glob("mtsamples-*.jsonl")):
        out += [json.loads(line)["text"] for line in corpus.read_text(encoding="utf-8").splitlines()]
    return out


def test_prefilter_keeps_every_match_in_every_note_at_hand():
    notes = _notes()
    assert len(notes) > 100
    lost = []
    for text in notes:
        chars = NoteChars(text)
        for rule, id_ in zip(RULES, IDS, strict=True):
            regex = re.compile(rule.pattern)
            found = [m.span() for m in Prefiltered(regex, rule.metadata["scan"]).finditer(text, chars)]
            if found != [m.span() for m in regex.finditer(text)]:
                lost.append(id_)
    assert not lost, sorted(set(lost))


@pytest.mark.parametrize(("scan", "text", "spans"), [
    ({"first": "[a]", "ignore_case": True, "word_start": True}, "ab xab Ab", [(0, 2), (7, 9)]),
    ({"first": "[s]", "ignore_case": True, "word_start": True, "begins": ["st"]},
     "\u017ftrength strength", [(0, 8), (9, 17)]),  # the long s folds to s: kept, not ASCII
    ({"first": "[\\d]", "not_after": "[\\d.]"}, "a12b3 1.5 \u0663", [(1, 3), (4, 5), (6, 7), (10, 11)]),
])
def test_prefilter_cases(scan, text, spans):
    pattern = {"[a]": r"(?i)\bab", "[s]": r"(?i)\bstrength", "[\\d]": r"(?<![\d.])\d+"}[scan["first"]]
    assert [m.span() for m in Prefiltered(re.compile(pattern), scan).finditer(text)] == spans


def test_a_wrong_prefilter_loses_matches_and_the_checks_see_it():
    """The comparison can fail: a prefilter that forgets "ex" loses "extension 10"."""
    rule = next(r for r in RULES if "begins" in r.metadata["scan"] and "ex" in r.metadata["scan"]["begins"])
    scan = {**rule.metadata["scan"], "begins": [b for b in rule.metadata["scan"]["begins"] if b != "ex"]}
    text = "Knee extension 10 / 135, flexion 120/135, ext 5/10"
    regex = re.compile(rule.pattern)
    expected = [m.span() for m in regex.finditer(text)]
    assert [m.span() for m in Prefiltered(regex, scan).finditer(text)] != expected


def test_a_note_without_a_required_string_is_not_searched():
    rule = next(r for r in RULES if r.literal == "degrees")
    chars = NoteChars("flexion 90, extension 10")
    prefiltered = Prefiltered(re.compile(rule.pattern), rule.metadata["scan"])
    assert prefiltered.positions(chars)  # the digits could start a match...
    assert list(prefiltered.finditer(chars.text, chars)) == []  # ...but no degree word: not searched


@pytest.mark.parametrize(("scan", "message"), [
    (None, "is missing"),
    ({"first": "[0-9]", "begin": ["ab"]}, "unknown key(s) ['begin']"),
    ({"first": "0-9"}, "needs 'first', a character class"),
    ({"first": "[0-9]", "begins": ["abc"]}, "two-character strings"),
    ({"first": "[0-9]", "requires": [[]]}, "non-empty lists"),
    ({"first": "[0-9]", "word_start": "yes"}, "true or false"),
])
def test_a_malformed_scan_is_a_load_error_naming_file_and_line(tmp_path, scan, message):
    entry = {"literal": "x", "category": "STRENGTH", "pattern": r"\d/5", "metadata": {}}
    if scan is not None:
        entry["metadata"]["scan"] = scan
    path = tmp_path / "strength.jsonl"
    path.write_text("\n" + json.dumps(entry) + "\n", encoding="utf-8")
    with pytest.raises(PatternError) as error:
        load_file(path, ("STRENGTH",))
    assert f"{path}:2" in str(error.value) and message in str(error.value)
