"""Stable error types and messages: one place, so that every user-facing error reads alike.

No message here ever carries note text: notes are patient records.
"""

from __future__ import annotations

import re

# What must not reach a terminal or a log line raw: C0 and C1 controls (line breaks, ANSI
# escapes), DEL, the Unicode line and paragraph separators, and the bidi controls that
# reorder what a line shows.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def one_line(text: str) -> str:
    """``text`` with each control character written as its escape (``\\n``, ``\\x1b``,
    ``\\u202e``): a source or an id shown in a text report or a log line can neither
    start a forged line nor drive the terminal."""
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


class NotelintError(Exception):
    """Base class of every error notelint reports to its user."""


class PatternError(NotelintError):
    """A lexicon or rule file in ``patterns/`` is invalid; the message names file and line."""

    def __init__(self, path: str, line: int | None, problem: str) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line
        self.problem = problem


class ConfigError(NotelintError):
    """A configuration file or value is invalid; the message names the file and key."""


class UsageError(NotelintError):
    """A command-line argument is invalid (for example an unknown ICD-10-CM code)."""


class InputError(NotelintError):
    """An input could not be read as a note; ``kind`` is the stable machine-readable reason."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return (self.__class__, (self.kind, self.message))


# Input error kinds (the ``error.kind`` field of OUTPUT.md).
MISSING = "missing"
UNREADABLE = "unreadable"
EMPTY = "empty"
BINARY = "binary"
ENCODING = "encoding"
TOO_LARGE = "too-large"
BAD_JSON = "bad-json"
BAD_RECORD = "bad-record"
DUPLICATE_ID = "duplicate-id"
NO_NOTES = "no-notes"
NO_TEXT = "no-text"
INVALID_FHIR = "invalid-fhir"
INTERNAL = "internal"
TIMEOUT = "timeout"  # the note took over its time budget (--timeout)
