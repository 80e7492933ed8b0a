"""One note to lint (:class:`Note`), and the checks every reader applies to its text: decoding,
emptiness, size, and the JSON every structured reader parses with the same errors."""

from __future__ import annotations

import codecs
import functools
import json
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from notelint import errors
from notelint.io import meta as note_meta

DEFAULT_MAX_CHARS = 1_000_000
# What a JSON Lines line may take beyond its note's text: the id, the codes, the keys.
RECORD_SLACK = 65_536
# A FHIR .json file holds base64 (4 bytes for 3) of a note's bytes, and a Bundle several notes.
_FHIR_NOTES = 4


def byte_limit(max_chars: int) -> int:
    """The most bytes a note of ``max_chars`` characters can take in a file: four a
    character (the most UTF-8, UTF-16 and UTF-32 take) and a byte-order mark. No more is
    ever read of a note's file or of standard input."""
    return 4 * max_chars + 4


def line_limit(max_chars: int) -> int:
    """The most characters a JSON Lines line holding a note of ``max_chars`` characters can
    take: JSON can write a character as a surrogate pair of escapes (12 characters), and
    the id and codes add their share. A longer line is a too-large error for that line."""
    return 12 * max_chars + RECORD_SLACK


def fhir_limit(max_chars: int) -> int:
    """The most bytes read of a FHIR ``.json`` file: the base64 of four notes of
    ``max_chars`` characters, and the resource around them."""
    return _FHIR_NOTES * (byte_limit(max_chars) * 4 // 3 + 4) + RECORD_SLACK
# A lone surrogate: not Unicode, so no output can encode it. JSON can write one ("\ud800"),
# and a file name that is not UTF-8 holds them (os.fsdecode's surrogateescape).
SURROGATE = re.compile("[\ud800-\udfff]")
# What the decoder of a JSON Lines stream puts where bytes do not decode: a lone surrogate,
# which decoded text cannot otherwise hold (JSON's "\udfff" is six ASCII characters until parsed).
UNDECODABLE = "\udfff"


def _mark_undecodable(exc: UnicodeError) -> tuple[str, int]:
    if isinstance(exc, UnicodeDecodeError):
        return UNDECODABLE, exc.end
    raise exc


codecs.register_error("notelint-undecodable", _mark_undecodable)


def printable(name: str) -> str:
    """``name`` with each lone surrogate written as its escape (``\\ud800``): an id or file
    name that is not valid Unicode still names its result, and never breaks an output."""
    if not SURROGATE.search(name):
        return name
    return name.encode("utf-8", "backslashreplace").decode("utf-8")


class JsonError(errors.NotelintError):
    """Text that is not JSON Python can read; the message says why, never quoting the text."""


def load_json(data: str | bytes, what: str = "a JSON document") -> Any:
    """``json.loads(data)``, raising only :class:`JsonError` (``what`` names the expected
    value in its message): not JSON, nested deeper than the interpreter's recursion limit,
    a number over ``sys.get_int_max_str_digits()`` digits, or too large for memory."""
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise JsonError(f"not {what}") from None
    except RecursionError:
        raise JsonError(f"not {what} notelint can read: nested too deeply") from None
    except ValueError:  # int() refuses a number over sys.get_int_max_str_digits() digits
        raise JsonError(f"not {what} notelint can read: a number of over "
                        f"{sys.get_int_max_str_digits():,} digits") from None
    except MemoryError:
        raise JsonError(f"not {what} notelint can read: too large") from None


@dataclass
class Note:
    """One note to lint, or the error that stopped it from being read."""

    source: str
    text: str = ""
    codes: list[str] = field(default_factory=list)
    error: errors.InputError | None = None
    # provider, specialty, facility, vendor, encounter_date (notelint.io.meta); never note text
    meta: dict[str, str | None] = field(default_factory=note_meta.empty)


def failed(source: str, kind: str, message: str) -> Note:
    """A note that could not be read: ``kind`` is one of :mod:`notelint.errors`' input error kinds."""
    return Note(source, error=errors.InputError(kind, message))


@functools.lru_cache(maxsize=64)
def encoding_problem(name: str) -> str | None:
    """Why ``name`` cannot decode a note, or None when it can: it names no codec, or a
    codec that is not a text encoding (rot13, base64, zlib) or that decodes nothing
    (undefined)."""
    try:
        codecs.lookup(name)
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        return f"unknown encoding {name!r}"
    try:
        if "\n".encode(name).decode(name) == "\n":
            return None
    except (UnicodeError, LookupError):  # LookupError: "'rot13' is not a text encoding"
        pass
    return f"{name!r} is not a text encoding"


_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
              (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode(source: str, data: bytes, encoding: str | None, max_chars: int) -> Note:
    """Turn the bytes of one note into a :class:`Note`, checking what makes it unlintable.

    The bytes are decoded first, then checked: a NUL character in the decoded text is
    a binary file (in UTF-16 or UTF-32 text, NUL bytes are ordinary). Bytes that do not
    decode are a binary file when they hold a NUL byte and the encoding is not a wide
    one, else an encoding error (naming UTF-16 or UTF-32 when no encoding was given and
    the bytes start with its byte-order mark).
    """
    problem = encoding_problem(encoding) if encoding else None
    if problem:
        return failed(source, errors.ENCODING, f"{source}: {problem}")
    codec = encoding or "utf-8"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        wide = next((name for bom, name in _WIDE_BOMS if data.startswith(bom)), None)
        if encoding is None and wide:
            return failed(source, errors.ENCODING, f"{source}: not valid UTF-8; it starts with a "
                                                    f"{wide.upper()} byte-order mark: pass --encoding {wide}")
        if b"\x00" in data and not codecs.lookup(codec).name.startswith(("utf-16", "utf-32")):
            return failed(source, errors.BINARY, f"{source}: binary file, not a text note")
        hint = "" if encoding else "; pass --encoding (for example --encoding cp1252)"
        return failed(source, errors.ENCODING,
                       f"{source}: not valid {encoding or 'UTF-8'} (byte {exc.start}){hint}")
    except (UnicodeError, LookupError) as exc:  # a codec that fails some other way
        return failed(source, errors.ENCODING,
                       f"{source}: cannot decode as {encoding!r} ({exc.__class__.__name__})")
    if "\x00" in text:
        return failed(source, errors.BINARY, f"{source}: binary file, not a text note")
    return from_text(source, text, max_chars=max_chars)


def from_text(source: str, text: str, codes: list[str] | None = None,
              max_chars: int = DEFAULT_MAX_CHARS) -> Note:
    """A note from text already in memory (checks emptiness and size)."""
    if text.startswith("\ufeff"):
        text = " " + text[1:]  # keep offsets: the BOM becomes a space
    if not text.strip():
        return failed(source, errors.EMPTY, f"{source}: empty note")
    if len(text) > max_chars:
        return failed(source, errors.TOO_LARGE,
                       f"{source}: note has {len(text):,} characters, over the limit of "
                       f"{max_chars:,}; raise it with --max-chars")
    return Note(source, text, list(codes or []))
