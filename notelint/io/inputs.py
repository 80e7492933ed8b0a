"""Read notes from the inputs of OUTPUT.md: .txt files, folders, ``-``, JSON Lines and FHIR ``.json``.

Every input yields :class:`Note` records in order. An input that cannot be read
yields a note whose ``error`` is set (and no text): nothing is dropped
silently, and no message quotes note text. Every string of a note is valid
Unicode, so that no output fails to encode it.
"""

from __future__ import annotations

import io
import itertools
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from notelint import errors
from notelint.io import fhir, files
from notelint.io import meta as note_meta
from notelint.io.note import (
    DEFAULT_MAX_CHARS,
    RECORD_SLACK,
    SURROGATE,
    UNDECODABLE,
    JsonError,
    Note,
    byte_limit,
    decode,
    failed,
    fhir_limit,
    from_text,
    line_limit,
    load_json,
    printable,
)


def _open_failed(source: str, exc: OSError) -> Note:
    """The error note of a file that could not be opened (or is not a regular file)."""
    if isinstance(exc, files.BrokenLink):
        return failed(source, errors.MISSING, f"{source}: {exc.strerror}")
    if isinstance(exc, FileNotFoundError):
        return failed(source, errors.MISSING, f"{source}: no such file or folder")
    if isinstance(exc, files.NotRegularFile):
        return failed(source, errors.UNREADABLE, f"{source}: cannot read: {exc.strerror}; notelint "
                                                  "reads regular files and standard input only")
    reason = exc.strerror or exc.__class__.__name__
    return failed(source, errors.UNREADABLE, f"{source}: cannot read ({reason})")


def _too_large(source: str, limit: int, max_chars: int, what: str = "file") -> Note:
    holds = "notes" if what == "FHIR file" else "a note"
    return failed(source, errors.TOO_LARGE,
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
        return failed("-", errors.UNREADABLE, f"-: cannot read ({exc.strerror or exc.__class__.__name__})")
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
                while (rest := lines.readline(RECORD_SLACK)) and not rest.endswith("\n"):
                    pass
        except Exception as exc:  # a read error, a codec that fails outright
            reason = exc.strerror if isinstance(exc, OSError) else exc.__class__.__name__
            yield failed(where, errors.UNREADABLE, f"{where}: cannot read on from this line ({reason})")
            return
        if too_long:
            yield failed(where, errors.TOO_LARGE,
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
        if UNDECODABLE in line:
            hint = "" if encoding else "; pass --encoding (for example --encoding cp1252)"
            return failed(where, errors.ENCODING, f"{where}: not valid {encoding or 'UTF-8'}{hint}")
        if not line.strip():
            return failed(where, errors.BAD_JSON, f"{where}: empty line, not a JSON object")
        try:
            record = load_json(line, "a JSON object")
        except JsonError as exc:
            return failed(where, errors.BAD_JSON, f"{where}: {exc}")
        return from_record(record, where, seen, max_chars)
    except Exception as exc:  # anything else costs this line only
        if os.environ.get("NOTELINT_DEBUG"):
            raise
        return failed(where, errors.INTERNAL,
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
    ``encounter_date``: :mod:`notelint.io.meta`), which an error note keeps too when it is valid.

    ``where`` names the record in messages (``batch.jsonl:12``); ``seen`` holds the
    ids already read, for duplicate detection. Strings that are not valid Unicode (JSON
    can write a lone surrogate, ``"\\ud800"``) are mended: in the id and codes each is
    written as its escape, in the text each becomes U+FFFD, one character for one, so
    offsets still index the text as given.
    """
    if not isinstance(record, dict):
        return failed(where, errors.BAD_RECORD, f"{where}: a record must be a JSON object")
    note_id = record.get("id")
    named = isinstance(note_id, (str, int)) and not isinstance(note_id, bool) and str(note_id)
    label = printable(str(note_id)) if named else where
    text = record.get("text")
    codes = record.get("codes", [])  # absent: none claimed; anything else must be a list
    meta, meta_problem = note_meta.from_record(record)

    def record_failed(kind: str, message: str) -> Note:
        note = failed(label, kind, message)
        note.meta = meta
        return note

    if "text" not in record:
        return record_failed(errors.BAD_RECORD, f"{where}: no 'text' field")
    if not isinstance(text, str):
        return record_failed(errors.BAD_RECORD, f"{where}: 'text' is not a string")
    problem = codes_problem(codes) or meta_problem
    if problem:
        return record_failed(errors.BAD_RECORD, f"{where}: {problem}")
    if label in seen:
        return record_failed(errors.DUPLICATE_ID, f"{where}: duplicate id {label!r}")
    seen.add(label)
    note = from_text(label, SURROGATE.sub("\ufffd", text), [printable(c) for c in codes], max_chars)
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
            yield failed(name, errors.UNREADABLE, f"{name}: cannot read ({reason})")


def _read_input(path: Path, name: str, encoding: str | None, max_chars: int) -> Iterator[Note]:
    """The notes of one input given on the command line, named ``name`` in results."""
    if name == "-":
        yield _read_stdin(encoding, max_chars)
    elif path.is_dir():
        try:
            found = _walk(path)
        except OSError as exc:  # the folder given cannot be listed: not "no notes"
            reason = exc.strerror or exc.__class__.__name__
            yield failed(name, errors.UNREADABLE, f"{name}: cannot read folder ({reason})")
            return
        if not found:
            yield failed(name, errors.NO_NOTES, f"{name}: folder has no .txt notes")
        for entry, problem in found:
            source = printable(str(entry))
            if problem is None:
                yield _read_file(entry, source, encoding, max_chars)
            else:
                reason = problem.strerror or problem.__class__.__name__
                yield failed(source, errors.UNREADABLE, f"{source}: cannot read folder ({reason}); "
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
        yield from fhir_file(path, name, max_chars)
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


def fhir_file(path: Path, name: str, max_chars: int) -> Iterator[Note]:
    """The notes of a FHIR DocumentReference or Bundle saved as ``.json``; whatever the
    file holds, a failure is one error note for it, and the other inputs are read."""

    data = _read_bytes(path, name, fhir_limit(max_chars), max_chars, "FHIR file")
    if isinstance(data, Note):
        yield data
        return
    try:
        resource = load_json(data)
    except JsonError as exc:
        yield failed(name, errors.BAD_JSON, f"{name}: {exc}")
        return
    try:
        notes = fhir.notes(resource, where=name, max_chars=max_chars)
    except fhir.FhirError as exc:
        notes = [failed(name, errors.INVALID_FHIR, f"{name}: not a valid FHIR resource: {exc}")]
    except Exception as exc:  # one file must not end the run
        if os.environ.get("NOTELINT_DEBUG"):
            raise
        notes = [failed(name, errors.INTERNAL,
                         f"{name}: internal error ({exc.__class__.__name__}); file not read")]
    yield from notes
