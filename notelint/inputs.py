"""Read notes from the inputs of OUTPUT.md: .txt files, folders, ``-``, JSON Lines and FHIR ``.json``.

Every input yields :class:`Note` records in order. An input that cannot be read
yields a note whose ``error`` is set (and no text): nothing is dropped
silently, and no message quotes note text. Every string of a note is valid
Unicode, so that no output fails to encode it.
"""

from __future__ import annotations

import codecs
import functools
import io
import itertools
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from notelint import errors, files
from notelint import meta as note_meta

DEFAULT_MAX_CHARS = 1_000_000
# What a JSON Lines line may take beyond its note's text: the id, the codes, the keys.
_RECORD_SLACK = 65_536
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
    return 12 * max_chars + _RECORD_SLACK


def fhir_limit(max_chars: int) -> int:
    """The most bytes read of a FHIR ``.json`` file: the base64 of four notes of
    ``max_chars`` characters, and the resource around them."""
    return _FHIR_NOTES * (byte_limit(max_chars) * 4 // 3 + 4) + _RECORD_SLACK
# A lone surrogate: not Unicode, so no output can encode it. JSON can write one ("\ud800"),
# and a file name that is not UTF-8 holds them (os.fsdecode's surrogateescape).
_SURROGATE = re.compile("[\ud800-\udfff]")
# What the decoder of a JSON Lines stream puts where bytes do not decode: a lone surrogate,
# which decoded text cannot otherwise hold (JSON's "\udfff" is six ASCII characters until parsed).
_UNDECODABLE = "\udfff"


def _mark_undecodable(exc: UnicodeError) -> tuple[str, int]:
    if isinstance(exc, UnicodeDecodeError):
        return _UNDECODABLE, exc.end
    raise exc


codecs.register_error("notelint-undecodable", _mark_undecodable)


def printable(name: str) -> str:
    """``name`` with each lone surrogate written as its escape (``\\ud800``): an id or file
    name that is not valid Unicode still names its result, and never breaks an output."""
    if not _SURROGATE.search(name):
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
    # provider, specialty, facility, vendor, encounter_date (notelint.meta); never note text
    meta: dict[str, str | None] = field(default_factory=note_meta.empty)


def _failed(source: str, kind: str, message: str) -> Note:
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
        return _failed(source, errors.ENCODING, f"{source}: {problem}")
    codec = encoding or "utf-8"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        wide = next((name for bom, name in _WIDE_BOMS if data.startswith(bom)), None)
        if encoding is None and wide:
            return _failed(source, errors.ENCODING, f"{source}: not valid UTF-8; it starts with a "
                                                    f"{wide.upper()} byte-order mark: pass --encoding {wide}")
        if b"\x00" in data and not codecs.lookup(codec).name.startswith(("utf-16", "utf-32")):
            return _failed(source, errors.BINARY, f"{source}: binary file, not a text note")
        hint = "" if encoding else "; pass --encoding (for example --encoding cp1252)"
        return _failed(source, errors.ENCODING,
                       f"{source}: not valid {encoding or 'UTF-8'} (byte {exc.start}){hint}")
    except (UnicodeError, LookupError) as exc:  # a codec that fails some other way
        return _failed(source, errors.ENCODING,
                       f"{source}: cannot decode as {encoding!r} ({exc.__class__.__name__})")
    if "\x00" in text:
        return _failed(source, errors.BINARY, f"{source}: binary file, not a text note")
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


def _open_failed(source: str, exc: OSError) -> Note:
    """The error note of a file that could not be opened (or is not a regular file)."""
    if isinstance(exc, files.BrokenLink):
        return _failed(source, errors.MISSING, f"{source}: {exc.strerror}")
    if isinstance(exc, FileNotFoundError):
        return _failed(source, errors.MISSING, f"{source}: no such file or folder")
    if isinstance(exc, files.NotRegularFile):
        return _failed(source, errors.UNREADABLE, f"{source}: cannot read: {exc.strerror}; notelint "
                                                  "reads regular files and standard input only")
    reason = exc.strerror or exc.__class__.__name__
    return _failed(source, errors.UNREADABLE, f"{source}: cannot read ({reason})")


def _too_large(source: str, limit: int, max_chars: int, what: str = "file") -> Note:
    holds = "notes" if what == "FHIR file" else "a note"
    return _failed(source, errors.TOO_LARGE,
                   f"{source}: {what} is over {limit:,} bytes, more than {holds} of {max_chars:,} "
                   "characters can take; raise it with --max-chars")


def _read_bytes(path: Path, source: str, limit: int, max_chars: int,
                what: str = "file") -> bytes | Note:
    """The bytes of a regular file, at most ``limit`` of them, or the error note saying why
    they cannot be read: a FIFO, device or socket is never opened for reading, and no more
    than ``limit`` + 1 bytes are read of a file."""
    try:
        return files.read_regular(path, limit)
    except files.TooLarge:
        return _too_large(source, limit, max_chars, what)
    except OSError as exc:
        return _open_failed(source, exc)


def _read_file(path: Path, source: str, encoding: str | None, max_chars: int) -> Note:
    data = _read_bytes(path, source, byte_limit(max_chars), max_chars)
    return data if isinstance(data, Note) else decode(source, data, encoding, max_chars)


def _read_stdin(encoding: str | None, max_chars: int) -> Note:
    """The note on standard input (a pipe or a FIFO is fine here: the caller chose it), read
    up to the byte limit."""
    limit = byte_limit(max_chars)
    try:
        data = files.read_limited(sys.stdin.buffer, limit)
    except files.TooLarge:
        return _too_large("-", limit, max_chars, "standard input")
    except OSError as exc:
        return _failed("-", errors.UNREADABLE, f"-: cannot read ({exc.strerror or exc.__class__.__name__})")
    return decode("-", data, encoding, max_chars)


def jsonl(stream: IO[bytes], source: str, encoding: str | None,
          max_chars: int = DEFAULT_MAX_CHARS) -> Iterator[Note]:
    """The notes of a JSON Lines stream, one per line; a bad line gives an error note named
    ``source:line`` and the next line is read as if nothing happened.

    The stream is decoded first (``encoding``, UTF-8 by default), then split at LF, CRLF
    or a lone CR (JSON strings cannot hold either raw); a byte-order mark before the first
    line is skipped. Nothing a line holds makes the reader raise: bytes that do not
    decode, JSON it cannot read, a record of the wrong shape are each that line's error. A
    stream that fails to read ends with one error note for the line it stopped at.
    """
    lines = io.TextIOWrapper(stream, encoding=encoding or "utf-8", errors="notelint-undecodable",
                             newline=None)
    seen: set[str] = set()
    longest = line_limit(max_chars)
    for number in itertools.count(1):
        where = f"{source}:{number}"
        try:
            line = lines.readline(longest + 1)
            too_long = len(line) > longest and not line.endswith("\n")
            if too_long:  # the rest of the line is read in pieces and dropped
                while (rest := lines.readline(_RECORD_SLACK)) and not rest.endswith("\n"):
                    pass
        except Exception as exc:  # a read error, a codec that fails outright
            reason = exc.strerror if isinstance(exc, OSError) else exc.__class__.__name__
            yield _failed(where, errors.UNREADABLE, f"{where}: cannot read on from this line ({reason})")
            return
        if too_long:
            yield _failed(where, errors.TOO_LARGE,
                          f"{where}: line is over {longest:,} characters, more than the record of a "
                          f"note of {max_chars:,} characters can take; raise it with --max-chars")
            continue
        if number == 1:
            line = line.removeprefix("\ufeff")
        if not line:  # the end (a file holding only a byte-order mark has no line)
            return
        yield _line_note(line, where, seen, encoding, max_chars)


def _line_note(line: str, where: str, seen: set[str], encoding: str | None, max_chars: int) -> Note:
    """The note of one JSON Lines line; never raises."""
    try:
        if _UNDECODABLE in line:
            hint = "" if encoding else "; pass --encoding (for example --encoding cp1252)"
            return _failed(where, errors.ENCODING, f"{where}: not valid {encoding or 'UTF-8'}{hint}")
        if not line.strip():
            return _failed(where, errors.BAD_JSON, f"{where}: empty line, not a JSON object")
        try:
            record = load_json(line, "a JSON object")
        except JsonError as exc:
            return _failed(where, errors.BAD_JSON, f"{where}: {exc}")
        return from_record(record, where, seen, max_chars)
    except Exception as exc:  # anything else costs this line only
        if os.environ.get("NOTELINT_DEBUG"):
            raise
        return _failed(where, errors.INTERNAL,
                       f"{where}: internal error ({exc.__class__.__name__}); line not read")


def codes_problem(codes: Any) -> str | None:
    """Why ``codes`` are not claimed codes (a list of strings shaped like ICD-10-CM codes,
    :data:`notelint.codes.SHAPE`), or None. The message never quotes a value."""
    from notelint.codes import is_m624, is_shaped, normalize, table

    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        return "'codes' is not a list of strings"
    bad = next((i for i, code in enumerate(codes) if not is_shaped(code)), None)
    if bad is not None:
        return (f"'codes' item {bad + 1} is not an ICD-10-CM code (a letter, a digit, a letter or "
                "digit, then up to 4 more after an optional dot)")
    # the rules read an M62.4- code's site and side from the tabular: one it lacks
    # ("M62.45X1") is not a code (other codes are checked for their shape only)
    unknown = next((i for i, code in enumerate(codes)
                    if is_m624(code) and normalize(code) not in table()), None)
    if unknown is not None:
        return f"'codes' item {unknown + 1} is not an M62.4- code of ICD-10-CM"
    return None


def from_record(record: Any, where: str, seen: set[str],
                max_chars: int = DEFAULT_MAX_CHARS) -> Note:
    """A note from a JSONL record ``{"id", "text", "codes"}`` (also the Python API's dicts),
    with its metadata (``provider``, ``specialty``, ``facility``, ``vendor``,
    ``encounter_date``: :mod:`notelint.meta`), which an error note keeps too when it is valid.

    ``where`` names the record in messages (``batch.jsonl:12``); ``seen`` holds the
    ids already read, for duplicate detection. Strings that are not valid Unicode (JSON
    can write a lone surrogate, ``"\\ud800"``) are mended: in the id and codes each is
    written as its escape, in the text each becomes U+FFFD, one character for one, so
    offsets still index the text as given.
    """
    if not isinstance(record, dict):
        return _failed(where, errors.BAD_RECORD, f"{where}: a record must be a JSON object")
    note_id = record.get("id")
    named = isinstance(note_id, (str, int)) and not isinstance(note_id, bool) and str(note_id)
    label = printable(str(note_id)) if named else where
    text = record.get("text")
    codes = record.get("codes", [])  # absent: none claimed; anything else must be a list
    meta, meta_problem = note_meta.from_record(record)

    def failed(kind: str, message: str) -> Note:
        note = _failed(label, kind, message)
        note.meta = meta
        return note

    if "text" not in record:
        return failed(errors.BAD_RECORD, f"{where}: no 'text' field")
    if not isinstance(text, str):
        return failed(errors.BAD_RECORD, f"{where}: 'text' is not a string")
    problem = codes_problem(codes) or meta_problem
    if problem:
        return failed(errors.BAD_RECORD, f"{where}: {problem}")
    if label in seen:
        return failed(errors.DUPLICATE_ID, f"{where}: duplicate id {label!r}")
    seen.add(label)
    note = from_text(label, _SURROGATE.sub("\ufffd", text), [printable(c) for c in codes], max_chars)
    note.meta = meta
    return note


def read(paths: Iterable[str], encoding: str | None = None,
         max_chars: int = DEFAULT_MAX_CHARS) -> Iterator[Note]:
    """Every note of the given inputs, in order."""
    for given in paths:
        name = printable(given)
        try:
            yield from _read_input(Path(given), name, encoding, max_chars)
        except OSError as exc:  # e.g. a name too long for the file system, a folder that fails
            reason = exc.strerror or exc.__class__.__name__
            yield _failed(name, errors.UNREADABLE, f"{name}: cannot read ({reason})")


def _read_input(path: Path, name: str, encoding: str | None, max_chars: int) -> Iterator[Note]:
    """The notes of one input given on the command line, named ``name`` in results."""
    if name == "-":
        yield _read_stdin(encoding, max_chars)
    elif path.is_dir():
        try:
            found = _walk(path)
        except OSError as exc:  # the folder given cannot be listed: not "no notes"
            reason = exc.strerror or exc.__class__.__name__
            yield _failed(name, errors.UNREADABLE, f"{name}: cannot read folder ({reason})")
            return
        if not found:
            yield _failed(name, errors.NO_NOTES, f"{name}: folder has no .txt notes")
        for entry, problem in found:
            source = printable(str(entry))
            if problem is None:
                yield _read_file(entry, source, encoding, max_chars)
            else:
                reason = problem.strerror or problem.__class__.__name__
                yield _failed(source, errors.UNREADABLE, f"{source}: cannot read folder ({reason}); "
                                                         "the notes in it are not linted")
    elif path.suffix.lower() == ".jsonl":
        try:
            handle = files.open_regular(path)
        except OSError as exc:
            yield _open_failed(name, exc)
            return
        with handle:
            yield from jsonl(handle, name, encoding, max_chars)
    elif path.suffix.lower() == ".json":
        yield from _fhir_file(path, name, max_chars)
    else:
        yield _read_file(path, name, encoding, max_chars)


# folders a walk never enters below the one given: they hold tools' files, not notes
SKIPPED_FOLDERS = frozenset({"node_modules", "__pycache__", "site-packages"})


def _skipped_folder(folder: Path) -> bool:
    """A hidden folder (``.git``, ``.venv``), a Python virtual environment (it holds
    ``pyvenv.cfg``) or one of :data:`SKIPPED_FOLDERS`: ``notelint check`` with no path walks
    the current folder, and the ``*.txt`` files of a tool's folders are not notes."""
    if folder.name.startswith(".") or folder.name in SKIPPED_FOLDERS:
        return True
    try:
        return (folder / "pyvenv.cfg").is_file()
    except OSError:
        return False


def _walk(folder: Path) -> list[tuple[Path, OSError | None]]:
    """Every ``*.txt`` entry below ``folder`` that is not itself a folder, sorted, with
    ``None``; and every sub-folder that cannot be listed, with its error: so nothing a walk
    passes over is dropped without a word. Entries are not checked here: reading each
    reports a FIFO, a device, a socket or a broken symbolic link.

    Hidden folders, virtual environments and tools' folders below ``folder`` are not
    entered (:func:`_skipped_folder`). Symbolic links to folders are followed, each real
    folder listed once, where the walk (in name order) first meets it: a link back up the
    tree is no loop and no note is read twice. An error listing ``folder`` itself is raised.
    """
    found: list[tuple[Path, OSError | None]] = []
    listed: set[tuple[int, int]] = set()
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            info = current.stat()
            if (info.st_dev, info.st_ino) in listed:
                continue
            listed.add((info.st_dev, info.st_ino))
            with os.scandir(current) as listing:
                entries = sorted(listing, key=lambda entry: entry.name, reverse=True)
        except OSError as exc:
            if current is folder:
                raise
            found.append((current, exc))
            continue
        for entry in entries:
            child = current / entry.name
            try:
                is_folder = entry.is_dir()
            except OSError:
                is_folder = False  # reading it says why
            if is_folder:
                if not _skipped_folder(child):
                    pending.append(child)
            elif entry.name.endswith(".txt"):
                found.append((child, None))
    return sorted(found, key=lambda item: item[0])


def _fhir_file(path: Path, name: str, max_chars: int) -> Iterator[Note]:
    """The notes of a FHIR DocumentReference or Bundle saved as ``.json``; whatever the
    file holds, a failure is one error note for it, and the other inputs are read."""
    from notelint import fhir

    data = _read_bytes(path, name, fhir_limit(max_chars), max_chars, "FHIR file")
    if isinstance(data, Note):
        yield data
        return
    try:
        resource = load_json(data)
    except JsonError as exc:
        yield _failed(name, errors.BAD_JSON, f"{name}: {exc}")
        return
    try:
        notes = fhir.notes(resource, where=name, max_chars=max_chars)
    except fhir.FhirError as exc:
        notes = [_failed(name, errors.INVALID_FHIR, f"{name}: not a valid FHIR resource: {exc}")]
    except Exception as exc:  # one file must not end the run
        if os.environ.get("NOTELINT_DEBUG"):
            raise
        notes = [_failed(name, errors.INTERNAL,
                         f"{name}: internal error ({exc.__class__.__name__}); file not read")]
    yield from notes
