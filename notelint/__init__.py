"""notelint: a documentation-gap linter for ICD-10-CM M62.4- in clinical notes.

``notelint.lint(text, codes=None, config=None)``, ``notelint.lint_many(items, jobs=1)`` and
``notelint.query(text)`` (the provider queries of a note) are the Python API
(:mod:`notelint.interfaces.api`); they are imported on first use, so that ``import notelint`` stays light.
"""

from typing import Any

from notelint.version import __version__

__all__ = ["Finding", "Query", "Result", "__version__", "lint", "lint_many", "query"]


def __getattr__(name: str) -> Any:
    if name in {"lint", "lint_many", "query", "Result", "Finding", "Query"}:
        from notelint.interfaces import api

        return getattr(api, name)
    raise AttributeError(f"module 'notelint' has no attribute {name!r}")
