"""Pattern files are validated at load time with file:line errors."""

from __future__ import annotations

import json
import shutil

import pytest

from notelint.errors import PatternError
from notelint.lexicon import load_lexicon, patterns_dir


def test_lexicon_packaged_patterns_load():
    lexicon = load_lexicon()
    muscles = lexicon.of("MUSCLE")
    assert len(muscles) >= 150
    assert {m.metadata["site"] for m in muscles} == {
        "shoulder", "upper_arm", "forearm", "hand", "thigh", "lower_leg", "ankle_foot", "other"}


@pytest.fixture
def copy_of_patterns(tmp_path):
    folder = tmp_path / "patterns"
    shutil.copytree(patterns_dir(), folder)
    return folder


def _append(path, entry):
    with path.open("a", encoding="utf-8") as handle:
        handle.write((entry if isinstance(entry, str) else json.dumps(entry)) + "\n")
    return sum(1 for _ in path.open(encoding="utf-8"))


@pytest.mark.parametrize(("entry", "problem"), [
    ({"literal": "calf thing", "category": "MUSCLE", "metadata": {"site": "leg", "synonyms": ["x"]}},
     "unknown site 'leg'"),
    ({"literal": "x", "category": "MUSCLE", "metadata": {"site": "thigh"}}, "synonyms"),
    ({"literal": "x", "category": "MUSCLE", "colour": "red"}, "unknown key"),
    ({"literal": "x", "category": "SIDE", "metadata": {"side": "right"}}, "category 'SIDE'"),
    ("{not json", "not valid JSON"),
    ({"literal": "hamstring", "category": "MUSCLE",
      "metadata": {"site": "thigh", "synonyms": ["hamstring"]}}, "is also at line"),
])
def test_lexicon_bad_entry_names_file_and_line(copy_of_patterns, entry, problem):
    path = copy_of_patterns / "muscles.jsonl"
    line = _append(path, entry)
    with pytest.raises(PatternError) as info:
        load_lexicon(copy_of_patterns)
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert problem in str(info.value)


@pytest.mark.parametrize(("file", "entry", "problem"), [
    ("rom.jsonl", {"literal": "x", "category": "ROM_FRAME",
                   "metadata": {"rol": "motion", "role": "motion", "window": 4, "words": ["flexion"]}},
     "unknown metadata key(s) ['rol'] for a ROM_FRAME"),
    ("causes.jsonl", {"literal": "x", "category": "CAUSE", "pattern": [{"LOWER": "xyz"}],
                      "metadata": {"cause": "x", "category_cod": "I69.-", "category_code": "I69.-",
                                   "code_prefixes": ["I69"]}},
     "unknown metadata key(s) ['category_cod'] for a CAUSE"),
    ("spasm.jsonl", {"literal": "x", "category": "SPASM", "metadata": {"not_after": ["Skin"]}},
     "'metadata.not_after' must be a list of lower-case words"),
])
def test_lexicon_misspelt_metadata_is_a_load_error(copy_of_patterns, file, entry, problem):
    """A misspelt metadata key fails at load, naming the file and line, instead of every note
    it touches coming back as an internal error."""
    path = copy_of_patterns / file
    line = _append(path, entry)
    with pytest.raises(PatternError) as info:
        load_lexicon(copy_of_patterns)
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert problem in str(info.value)


def test_lexicon_bad_regex_is_reported(copy_of_patterns):
    path = copy_of_patterns / "rom.jsonl"
    line = _append(path, {"literal": "bad", "category": "ROM", "pattern": "(?P<deg>\\d+"})
    with pytest.raises(PatternError, match=rf"rom.jsonl:{line}: invalid regular expression"):
        load_lexicon(copy_of_patterns)


def test_lexicon_bad_context_scope_stop_is_reported(copy_of_patterns):
    path = copy_of_patterns / "context_rules.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["context_rules"].append({"literal": "x", "category": "HISTORICAL", "direction": "BACKWARD",
                                  "metadata": {"scope_ends_at": ";"}})
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(PatternError, match="'scope_ends_at' must be a list"):
        load_lexicon(copy_of_patterns)


def test_context_scope_ends_at_a_stop_token(nlp_lint):
    # "to prevent" reaches its object only up to a comma; "resolved" reads back to a semicolon
    statuses = nlp_lint(
        "Using a slow stretch to avoid the catch, the right hamstring contracture is evident.")
    assert statuses == ["affirmed"]
    assert nlp_lint("Stretching to prevent hamstring contracture.") == ["hypothetical"]
    assert nlp_lint("Right hamstring contracture persists; the spasm resolved.") == ["affirmed"]
    assert nlp_lint("Left gastrocnemius contracture resolved; all goals met.") == ["historical"]


@pytest.fixture
def nlp_lint():
    import notelint

    def statuses(text):
        return [c["status"] for c in notelint.lint(text).evidence["contractures"]]
    return statuses
