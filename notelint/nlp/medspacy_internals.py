"""Every use of medspaCy's internals, in this one module.

medspaCy 1.3.1 has no public way to do four things notelint needs (drafted as upstream issues
in ``docs/upstream-medspacy.md``): import ``medspacy.context`` and ``medspacy.target_matcher``
without QuickUMLS, nltk and scipy (two seconds); give ``TargetMatcher`` and ``ConText`` another
matcher; reach a ``MedspacyMatcher``'s token, phrase and regex matchers; and read a rule's id.
Each is done here, through names medspaCy keeps private, and nowhere else
(``tests/test_medspacy_internals.py`` checks both, and that the installed medspaCy is the one
these names were read from: :data:`MEDSPACY_VERSION`; any other version is refused).
"""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from typing import Any

MEDSPACY_VERSION = "1.3.1"  # the version whose private names this module uses


class MedspacyVersionError(RuntimeError):
    """The installed medspaCy is not the version this module was written against."""


def installed_version() -> str:
    """The installed medspaCy's version, from its own ``_version`` module (a package-metadata
    lookup costs 50 ms of start-up)."""
    try:
        from medspacy._version import __version__
    except ImportError:  # pragma: no cover - a medspaCy without the module: ask the metadata
        return metadata.version("medspacy")
    return __version__


def check_version() -> None:
    """Refuse a medspaCy whose internals were not read for this module."""
    installed = installed_version()
    if installed != MEDSPACY_VERSION:
        raise MedspacyVersionError(f"notelint needs medspacy=={MEDSPACY_VERSION} (its internals are "
                                   f"used in notelint/nlp/medspacy_internals.py); {installed} is installed")


class _DeferredPackage(types.ModuleType):
    """A package whose ``__init__`` runs the first time an attribute it lacks is asked for
    (not the dunder names that the import system and introspection probe)."""

    def __getattr__(self, name: str) -> Any:
        probe = name.startswith("__") and name not in ("__version__", "__all__")
        if probe or self.__dict__.get("_notelint_initialized"):
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        self._notelint_initialized = True
        # the whole of medspaCy was asked for: QuickUMLS for real, so that its component registers
        import quickumls.spacy_component  # noqa: F401

        self.__spec__.loader.exec_module(self)  # medspacy/__init__.py, into this module
        if "PyRuSH" in sys.modules:
            from loguru import logger

            logger.disable("PyRuSH")  # per-token DEBUG logging
        return getattr(self, name)


@contextmanager
def _quickumls_stand_in() -> Iterator[None]:
    """While medspaCy's modules import: a stand-in for ``quickumls.spacy_component``, which
    ``medspacy.util`` imports only to register a component notelint never loads (QuickUMLS
    pulls in nltk and scipy, two seconds). Taken out again after, so that whoever imports
    QuickUMLS later gets the real one."""
    if "quickumls" in sys.modules:
        yield
        return
    stub = types.ModuleType("quickumls")
    component = types.ModuleType("quickumls.spacy_component")
    stub.spacy_component = component  # type: ignore[attr-defined]
    sys.modules["quickumls"], sys.modules["quickumls.spacy_component"] = stub, component
    try:
        yield
    finally:
        for name, module in (("quickumls", stub), ("quickumls.spacy_component", component)):
            if sys.modules.get(name) is module:
                del sys.modules[name]


_imported = False


def import_medspacy() -> None:
    """Import medspaCy's TargetMatcher, ConText and matcher without the rest of medspaCy.

    ``medspacy/__init__.py`` imports every medspaCy component: PyRuSH (and loguru), the
    sectionizer, the pre- and postprocessors, and QuickUMLS (nltk, scipy). Unless
    ``medspacy`` is already imported, it is registered as a package whose ``__init__`` runs
    only when something asks for one of its own attributes (``medspacy.load``,
    ``medspacy.__version__``): then everything is as after ``import medspacy``. Until then
    only the submodules imported here load, and medspaCy's token, span and doc extensions
    are set as its ``__init__`` sets them.
    """
    global _imported
    if _imported:
        return
    with _quickumls_stand_in():
        if "medspacy" not in sys.modules:
            spec = importlib.util.find_spec("medspacy")
            if spec is not None and spec.submodule_search_locations is not None:
                package = importlib.util.module_from_spec(spec)
                package.__class__ = _DeferredPackage
                sys.modules["medspacy"] = package
                from medspacy._extensions import set_extensions

                set_extensions()
        check_version()
        import medspacy.common.medspacy_matcher
        import medspacy.context
        import medspacy.target_matcher  # noqa: F401
    _imported = True


# -- MedspacyMatcher ------------------------------------------------------------------------

def token_matcher(matcher: Any) -> Any:
    """The spaCy token ``Matcher`` of a ``MedspacyMatcher``."""
    return matcher._MedspacyMatcher__matcher


def phrase_matcher(matcher: Any) -> Any:
    """The spaCy ``PhraseMatcher`` of a ``MedspacyMatcher``."""
    return matcher._MedspacyMatcher__phrase_matcher


def set_phrase_matcher(matcher: Any, phrases: Any) -> None:
    matcher._MedspacyMatcher__phrase_matcher = phrases


def regex_matcher(matcher: Any) -> Any:
    """The regular-expression matcher of a ``MedspacyMatcher``."""
    return matcher._MedspacyMatcher__regex_matcher


def holds_regexes(matcher: Any) -> bool:
    """Whether a ``MedspacyMatcher``'s regular-expression matcher holds any pattern."""
    return bool(regex_matcher(matcher)._patterns)


def rule_map(matcher: Any) -> dict[str, Any]:
    """A ``MedspacyMatcher``'s rules by id."""
    return matcher._rule_map


def prunes(matcher: Any) -> bool:
    """Whether a ``MedspacyMatcher`` prunes overlapping matches."""
    return matcher._prune


def set_prunes(matcher: Any, prune: bool) -> None:
    matcher._prune = prune


def rule_id(rule: Any) -> str:
    """The id a medspaCy rule is added to spaCy's matchers under."""
    return rule._rule_id


# -- TargetMatcher and ConText ----------------------------------------------------------------

def matcher_of_target_matcher(target_matcher: Any) -> Any:
    return target_matcher._TargetMatcher__matcher


def set_matcher_of_target_matcher(target_matcher: Any, matcher: Any) -> None:
    target_matcher._TargetMatcher__matcher = matcher


def matcher_of_context(context: Any) -> Any:
    return context._ConText__matcher


def set_matcher_of_context(context: Any, matcher: Any) -> None:
    context._ConText__matcher = matcher
