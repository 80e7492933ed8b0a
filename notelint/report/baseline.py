"""Reviewed-finding baselines: record the findings a team reviewed and accepted, then report
only what is new (``notelint check --write-baseline FILE``, ``--baseline FILE``).

A note is a patient record: nobody can write an inline ``noqa`` into it. So the
baseline file says which findings were reviewed, by note (``source``: the path or
JSON Lines id), rule and **fingerprint**, with the reviewer, the reason and the date.
It holds no note text: the fingerprint is a hash (:func:`fingerprint`) of the rule,
the finding's evidence span and the text around it on its line, whitespace-normalised
and lower-cased, so it survives edits elsewhere in the note (lines added above it,
another paragraph rewritten) and changes when the words it points at change. The same
fingerprint is SARIF's ``partialFingerprints`` value.

Matching is a multiset: a baseline entry accounts for one finding of its note, rule
and fingerprint (a note that repeats a line twice needs two entries). An entry of a
note linted in the run that matches no finding is **stale** (the documentation was
fixed, or changed): it is reported, and the next ``--write-baseline`` drops it.
Writing is stable: entries are sorted, an entry that still matches keeps its
reviewer, reason and date, and entries of notes not linted in the run are kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from notelint.errors import NotelintError
from notelint.io import files

FORMAT = 1
FINGERPRINT_KEY = "notelint/v1"  # SARIF partialFingerprints key
# characters of the span's own line kept on each side of it in the fingerprint
CONTEXT_CHARS = 60
MAX_BYTES = 64_000_000
_SPACE = re.compile(r"\s+")
_LINE_BREAK = re.compile("[\n\r\u2028\u2029\x85\x0b\x0c]")
FINGERPRINT_DOC = ("sha256 of the rule, the evidence span's text and up to 60 characters of its line "
                   "either side, whitespace-normalised and lower-cased; the first 16 hex digits")

Result = dict[str, Any]


class BaselineError(NotelintError):
    """A baseline file that cannot be read or written; the message names the file."""


def _normal(text: str) -> str:
    return _SPACE.sub(" ", text).strip().lower()


def fingerprint(rule: str, text: str, start: int, end: int) -> str:
    """The fingerprint of a finding of ``rule`` at ``text[start:end]``: 16 hex digits."""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    breaks_before = [m.end() for m in _LINE_BREAK.finditer(text, max(0, start - CONTEXT_CHARS), start)]
    line_start = breaks_before[-1] if breaks_before else max(0, start - CONTEXT_CHARS)
    after = _LINE_BREAK.search(text, end, end + CONTEXT_CHARS)
    line_end = after.start() if after else min(len(text), end + CONTEXT_CHARS)
    parts = (rule, _normal(text[start:end]), _normal(text[line_start:start]), _normal(text[end:line_end]))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def fingerprints(result: Result, text: str) -> list[str]:
    """The fingerprint of each finding of ``result``, whose note's text is ``text``."""
    return [fingerprint(f["rule"], text, f["start"], f["end"]) for f in result["findings"]]


@dataclass(frozen=True)
class Entry:
    """One reviewed finding: where, which rule, its fingerprint, who reviewed it, why, when."""

    source: str
    rule: str
    fingerprint: str
    reviewer: str
    reason: str
    date: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.rule, self.fingerprint)


def _entry(data: Any, where: str) -> Entry:
    names = [name for name in Entry.__dataclass_fields__]
    if not isinstance(data, dict) or not all(isinstance(data.get(n), str) for n in names):
        raise BaselineError(f"{where}: an entry must be an object of strings {', '.join(names)}")
    return Entry(**{name: data[name] for name in names})


def load(path: str | Path) -> list[Entry]:
    """The entries of a baseline file; :class:`BaselineError` when it cannot be read."""
    from notelint.io.note import JsonError, load_json

    path = Path(path)
    try:
        data = load_json(files.read_regular(path, MAX_BYTES), "a baseline file (JSON)")
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found") from None
    except files.TooLarge:
        raise BaselineError(f"{path}: baseline file over {MAX_BYTES:,} bytes") from None
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read the baseline ({exc.strerror or exc.__class__.__name__})") \
            from None
    except JsonError as exc:
        raise BaselineError(f"{path}: {exc}") from None
    if not isinstance(data, dict) or data.get("notelint_baseline") != FORMAT \
            or not isinstance(data.get("entries"), list):
        raise BaselineError(f"{path}: not a notelint baseline (version {FORMAT})")
    return [_entry(item, f"{path}: entry {i + 1}") for i, item in enumerate(data["entries"])]


def render(entries: Iterable[Entry]) -> str:
    """The text of a baseline file: entries sorted, one a line, so re-runs give the same
    bytes and a review diff shows one line per finding."""
    ordered = sorted(entries, key=lambda e: (e.source, e.rule, e.fingerprint, e.date, e.reviewer, e.reason))
    lines = [json.dumps(asdict(e), ensure_ascii=False) for e in ordered]
    body = ",\n  ".join(lines)
    return (f'{{"notelint_baseline": {FORMAT},\n "fingerprint": {json.dumps(FINGERPRINT_DOC)},\n'
            f' "entries": [{chr(10) + "  " + body + chr(10) if lines else ""} ]}}\n')


def save(path: str | Path, entries: Iterable[Entry]) -> None:
    """Write a baseline file whole (a temporary file renamed over it)."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        partial.write_text(render(entries), encoding="utf-8")
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise BaselineError(f"{path}: cannot write the baseline ({exc.strerror or exc.__class__.__name__})") \
            from None


class Baseline:
    """The entries of a baseline, matched against a run's findings as they are linted.

    ``enabled`` says which rules the run checks (``Config.enabled``): an entry of a rule
    the run does not check is never stale (``--select NL2`` says nothing of NL4)."""

    def __init__(self, entries: Iterable[Entry], enabled: Callable[[str], bool] | None = None) -> None:
        self.enabled = enabled or (lambda rule: True)
        self.entries = list(entries)
        self._by_key: dict[tuple[str, str, str], list[Entry]] = defaultdict(list)
        for entry in self.entries:
            self._by_key[entry.key].append(entry)
        self._used: Counter[tuple[str, str, str]] = Counter()
        self._seen: set[str] = set()
        self.matched = 0

    def match(self, result: Result, text: str) -> list[Entry | None]:
        """For each finding of ``result``, the entry that accounts for it, or None (new)."""
        source = result["source"]
        if result["error"] is None:
            self._seen.add(source)
        found: list[Entry | None] = []
        for finding, print_ in zip(result["findings"], fingerprints(result, text), strict=True):
            key = (source, finding["rule"], print_)
            entries = self._by_key.get(key, [])
            if self._used[key] < len(entries):
                found.append(entries[self._used[key]])
                self._used[key] += 1
                self.matched += 1
            else:
                found.append(None)
        return found

    def stale(self) -> list[Entry]:
        """Entries of notes linted so far (without an input error) that no finding matched."""
        stale = []
        for key, entries in self._by_key.items():
            if key[0] in self._seen and self.enabled(key[1]):
                stale.extend(entries[self._used[key]:])
        return sorted(stale, key=lambda e: e.key)

    def filter(self, pairs: Iterable[tuple[Result, str]], show: bool) -> Iterator[tuple[Result, str]]:
        """The results with their baselined findings removed, or, with ``show``, kept and
        marked (each finding gets ``"baselined": true`` or ``false``)."""
        for result, text in pairs:
            entries = self.match(result, text)
            if show:
                findings = [{**f, "baselined": e is not None} for f, e in zip(result["findings"], entries,
                                                                              strict=True)]
            else:
                findings = [f for f, e in zip(result["findings"], entries, strict=True) if e is None]
            yield {**result, "findings": findings}, text


class Recorder:
    """Collects a run's findings as entries for ``--write-baseline``: an entry that the
    previous file holds for the same finding is kept as it was (reviewer, reason, date)."""

    def __init__(self, previous: Iterable[Entry], reviewer: str, reason: str,
                 date: str | None = None, enabled: Callable[[str], bool] | None = None) -> None:
        self.previous = Baseline(previous, enabled)
        self.reviewer = reviewer
        self.reason = reason
        self.date = date or dt.datetime.now(dt.UTC).date().isoformat()
        self.entries: list[Entry] = []
        self.kept = 0
        self.linted: set[str] = set()

    def add(self, result: Result, text: str) -> None:
        if result["error"] is None:
            self.linted.add(result["source"])
        matched = self.previous.match(result, text)
        for finding, print_, old in zip(result["findings"], fingerprints(result, text), matched, strict=True):
            if old is not None:
                self.kept += 1
                self.entries.append(old)
            else:
                self.entries.append(Entry(result["source"], finding["rule"], print_, self.reviewer,
                                          self.reason, self.date))

    def all_entries(self) -> tuple[list[Entry], int, int]:
        """The entries to write: this run's, and the previous file's of notes or rules not
        linted in it (a note with an input error is not linted); with the number kept aside
        and the number dropped."""
        outside = [e for e in self.previous.entries
                   if e.source not in self.linted or not self.previous.enabled(e.rule)]
        dropped = len(self.previous.stale())
        return [*self.entries, *outside], len(outside), dropped


def default_reviewer() -> str:
    """``NOTELINT_REVIEWER``, else the login name."""
    import getpass

    name = os.environ.get("NOTELINT_REVIEWER")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
