"""Read notes from the inputs of OUTPUT.md: .txt files, folders, ``-``, JSON Lines and FHIR ``.json``.

Every input yields :class:`Note` records in order. An input that cannot be read
yields a note whose ``error`` is set (and no text): nothing is dropped
silently, and no message quotes note text.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notelint import errors

DEFAULT_MAX_CHARS = 1_000_000


@dataclass
class Note:
    """One note to lint, or the error that stopped it from being read."""

    source: str
    text: str = ""
    codes: list[str] = field(default_factory=list)
    error: errors.InputError | None = None


def _failed(source: str, kind: str, message: str) -> Note:
    return Note(source, error=errors.InputError(kind, message))


def decode(source: str, data: bytes, encoding: str | None, max_chars: int) -> Note:
    """Turn the bytes of one note into a :class:`Note`, checking what makes it unlintable."""
    if b"\x00" in data:
        return _failed(source, errors.BINARY, f"{source}: binary file, not a text note")
    try:
        text = data.decode(encoding or "utf-8")
    except UnicodeDecodeError as exc:
        hint = "" if encoding else "; pass --encoding (for example --encoding cp1252)"
        return _failed(source, errors.ENCODING,
                       f"{source}: not valid {encoding or 'UTF-8'} (byte {exc.start}){hint}")
    except LookupError:
        return _failed(source, errors.ENCODING, f"{source}: unknown encoding {encoding!r}")
    return from_text(source, text, max_chars=max_chars)


def from_text(source: str, text: str, codes: list[str] | None = None,
              max_chars: int = DEFAULT_MAX_CHARS) -> Note:
    """A note from text already in memory (checks emptiness and size)."""
    if text.startswith("\ufeff"):
        text = " " + text[1:]  # keep offsets: the BOM becomes a space
    if not text.strip():
        return _failed(source, errors.EMPTY, f"{source}: empty note")
    if len(text) > max_chars:
        return _failed(source, errors.TOO_LARGE,
                       f"{source}: note has {len(text):,} characters, over the limit of "
                       f"{max_chars:,}; raise it with --max-chars")
    return Note(source, text, list(codes or []))


def _read_bytes(path: Path, source: str) -> bytes | Note:
    """The file's bytes, or the error note saying why it cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return _failed(source, errors.MISSING, f"{source}: no such file or folder")
    except IsADirectoryError:
        return _failed(source, errors.UNREADABLE, f"{source}: is a folder")
    except OSError as exc:
        return _failed(source, errors.UNREADABLE, f"{source}: cannot read ({exc.strerror})")


def _read_file(path: Path, source: str, encoding: str | None, max_chars: int) -> Note:
    data = _read_bytes(path, source)
    return data if isinstance(data, Note) else decode(source, data, encoding, max_chars)


def jsonl(lines: Iterable[bytes], source: str, encoding: str | None,
          max_chars: int = DEFAULT_MAX_CHARS) -> Iterator[Note]:
    """The notes of JSON Lines, one per line; a bad line gives an error note named
    ``source:line``."""
    seen: set[str] = set()
    for number, raw in enumerate(lines, start=1):
        where = f"{source}:{number}"
        if not raw.strip():
            yield _failed(where, errors.BAD_JSON, f"{where}: empty line, not a JSON object")
            continue
        try:
            record = json.loads(raw.decode(encoding or "utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            yield _failed(where, errors.BAD_JSON, f"{where}: not a JSON object")
            continue
        yield from_record(record, where, seen, max_chars)


def from_record(record: Any, where: str, seen: set[str],
                max_chars: int = DEFAULT_MAX_CHARS) -> Note:
    """A note from a JSONL record ``{"id", "text", "codes"}`` (also the Python API's dicts).

    ``where`` names the record in messages (``batch.jsonl:12``); ``seen`` holds the
    ids already read, for duplicate detection.
    """
    if not isinstance(record, dict):
        return _failed(where, errors.BAD_RECORD, f"{where}: a record must be a JSON object")
    note_id = record.get("id")
    named = isinstance(note_id, (str, int)) and not isinstance(note_id, bool) and str(note_id)
    label = str(note_id) if named else where
    text = record.get("text")
    codes = record.get("codes") or []
    if "text" not in record:
        return _failed(label, errors.BAD_RECORD, f"{where}: no 'text' field")
    if not isinstance(text, str):
        return _failed(label, errors.BAD_RECORD, f"{where}: 'text' is not a string")
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        return _failed(label, errors.BAD_RECORD, f"{where}: 'codes' is not a list of strings")
    if label in seen:
        return _failed(label, errors.DUPLICATE_ID, f"{where}: duplicate id {label!r}")
    seen.add(label)
    return from_text(label, text, codes, max_chars)


def read(paths: Iterable[str], encoding: str | None = None,
         max_chars: int = DEFAULT_MAX_CHARS) -> Iterator[Note]:
    """Every note of the given inputs, in order."""
    for given in paths:
        if given == "-":
            yield decode("-", sys.stdin.buffer.read(), encoding, max_chars)
            continue
        path = Path(given)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*.txt") if p.is_file())
            if not files:
                yield _failed(given, errors.NO_NOTES, f"{given}: folder has no .txt notes")
            for file in files:
                yield _read_file(file, str(file), encoding, max_chars)
        elif path.suffix.lower() == ".jsonl":
            try:
                handle = path.open("rb")
            except FileNotFoundError:
                yield _failed(given, errors.MISSING, f"{given}: no such file or folder")
                continue
            except OSError as exc:
                yield _failed(given, errors.UNREADABLE, f"{given}: cannot read ({exc.strerror})")
                continue
            with handle:
                yield from jsonl(handle, given, encoding, max_chars)
        elif path.suffix.lower() == ".json":
            yield from _fhir_file(path, given, max_chars)
        else:
            yield _read_file(path, given, encoding, max_chars)


def _fhir_file(path: Path, given: str, max_chars: int) -> Iterator[Note]:
    """The notes of a FHIR DocumentReference or Bundle saved as ``.json``."""
    from notelint import fhir

    data = _read_bytes(path, given)
    if isinstance(data, Note):
        yield data
        return
    try:
        resource = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        yield _failed(given, errors.BAD_JSON, f"{given}: not a JSON document")
        return
    try:
        yield from fhir.notes(resource, where=given, max_chars=max_chars)
    except fhir.FhirError as exc:
        yield _failed(given, errors.INVALID_FHIR, f"{given}: not a valid FHIR resource: {exc}")
