"""A note's metadata: who wrote it, where, for which encounter, through which scribe vendor.

JSON Lines records and FHIR DocumentReferences may carry ``provider``,
``specialty``, ``facility``, ``vendor`` and ``encounter_date``; every result carries
them in its ``meta`` object (null where the input gave none), so a team can sum its
results by provider or vendor (``notelint summary``) and put them in a work queue
(``--format csv``).

Metadata names people and places, never the note: a value is one short line (at most
:data:`MAX_CHARS` characters, no line break or control character), so a record that puts
note text there is an error for that record, and no message quotes a value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

FIELDS = ("provider", "specialty", "facility", "vendor", "encounter_date")
MAX_CHARS = 200
# a FHIR date or dateTime: 2026, 2026-11, 2026-11-30, 2026-11-30T08:15:00Z ...
_DATE = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?(T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2})?)?")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

Meta = dict[str, str | None]


def empty() -> Meta:
    """The ``meta`` object of a result whose input gave no metadata."""
    return dict.fromkeys(FIELDS)


def problem(name: str, value: Any) -> str | None:
    """Why ``value`` cannot be the metadata field ``name``, or None. Never quotes the value."""
    if value is None:
        return None
    if not isinstance(value, str):
        return f"'{name}' is not a string"
    if len(value) > MAX_CHARS:
        return f"'{name}' is over {MAX_CHARS} characters (metadata is a name or a date, not note text)"
    if _CONTROL.search(value):
        return f"'{name}' holds a line break or control character"
    if name == "encounter_date" and not _DATE.fullmatch(value):
        return "'encounter_date' is not a date (YYYY-MM-DD, or a FHIR dateTime)"
    return None


def from_record(record: Mapping[str, Any]) -> tuple[Meta, str | None]:
    """The metadata of a JSON Lines record (its top-level fields of :data:`FIELDS`) and the
    first problem with it, or None. Empty strings are read as absent; ``encounter_date``
    keeps its date (``2026-11-30T08:15:00Z`` is ``2026-11-30``)."""
    meta = empty()
    for name in FIELDS:
        value = record.get(name)
        if (why := problem(name, value)) is not None:
            return empty(), why
        if isinstance(value, str) and value.strip():
            meta[name] = value.strip()
    if meta["encounter_date"]:
        meta["encounter_date"] = _date(meta["encounter_date"])
    return meta, None


def checked(values: Mapping[str, Any]) -> Meta:
    """Metadata read from a validated resource (FHIR): each value kept only when it is
    valid metadata, else null (a FHIR display that holds several lines is not a name)."""
    meta = empty()
    for name in FIELDS:
        value = values.get(name)
        if isinstance(value, str) and value.strip() and problem(name, value.strip()) is None:
            meta[name] = value.strip()
    if meta["encounter_date"]:
        meta["encounter_date"] = _date(meta["encounter_date"])
    return meta


def _date(value: str) -> str:
    """The date of a FHIR date or dateTime (``2026-11-30T08:15:00Z`` is ``2026-11-30``)."""
    return value.split("T", 1)[0]
