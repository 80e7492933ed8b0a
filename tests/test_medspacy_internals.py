"""medspaCy's internals are used in one module only, for the one version they were read from.

notelint/nlp/medspacy_internals.py reaches names medspaCy keeps private (drafted as upstream
issues in docs/upstream-medspacy.md). These tests pin the version those names were read
from, check that each name is there on real medspaCy objects, that importing notelint's
pipeline leaves QuickUMLS neither loaded nor stood in for, and that no other module of the
package touches those names or ``sys.modules``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from notelint.nlp import medspacy_internals as internals

PACKAGE = Path(__file__).resolve().parents[1] / "notelint"
PRIVATE = re.compile(r"_MedspacyMatcher__|_TargetMatcher__|_ConText__|\._rule_id\b|\._patterns\b"
                     r"|\._rule_map\b|\._prune\b|medspacy\._|sys\.modules")


def test_the_installed_medspacy_is_the_pinned_one() -> None:
    assert metadata.version("medspacy") == internals.MEDSPACY_VERSION == internals.installed_version()
    internals.check_version()


def test_another_medspacy_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(internals, "MEDSPACY_VERSION", "0.0.1")
    with pytest.raises(internals.MedspacyVersionError, match=r"medspacy==0\.0\.1"):
        internals.check_version()


def test_every_private_name_is_there(nlp) -> None:
    nlp("warm up")
    context = internals.matcher_of_context(nlp.get_pipe("notelint_context")._context)
    targets = internals.matcher_of_target_matcher(nlp.get_pipe("notelint_concepts")._matcher)
    for matcher in (context, targets):
        assert len(internals.token_matcher(matcher)) == 0
        assert len(internals.phrase_matcher(matcher)) > 0
        assert internals.holds_regexes(matcher) is False
        assert internals.prunes(matcher) is True
        rules = internals.rule_map(matcher)
        assert rules and all(internals.rule_id(rule) == key for key, rule in rules.items())


def test_no_other_module_uses_medspacy_internals_or_sys_modules() -> None:
    found = [f"{path.relative_to(PACKAGE.parent)}:{number}" for path in sorted(PACKAGE.rglob("*.py"))
             if path.name != "medspacy_internals.py"
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if PRIVATE.search(line)]
    assert not found, found


def test_linting_loads_no_quickumls_and_leaves_none_in_place() -> None:
    """QuickUMLS (nltk, scipy: two seconds) is neither imported nor left stood in for: a host
    that imports it after linting gets the real module."""
    code = ("import sys, notelint\n"
            "notelint.lint('Right hamstring contracture, popliteal angle 60 degrees.')\n"
            "print('quickumls' in sys.modules, 'nltk' in sys.modules, 'scipy' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False"]


def test_medspacy_as_a_whole_still_loads_after_notelint() -> None:
    """A host asking for medspaCy's own attributes gets the whole package, QuickUMLS's
    component registered."""
    code = ("import notelint, spacy\n"
            "notelint.lint('Right hamstring contracture.')\n"
            "import medspacy\n"
            "print(medspacy.__version__, 'medspacy_quickumls' in spacy.registry.factories)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [internals.MEDSPACY_VERSION, "True"]
